package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each testdata file is named <type>-<case>.yaml. A file whose first line is
// "# expect: TEXT" must be rejected with a problem containing TEXT; any other
// file must pass.
func TestTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var problems []string
			switch typ, _, _ := strings.Cut(filepath.Base(file), "-"); typ {
			case "eksctl":
				problems = checkEksctl(data, eksctlOptions{}, io.Discard)
			case "kind":
				problems = checkKind(data, io.Discard)
			default:
				t.Fatalf("testdata file %s: name must start with eksctl- or kind-", file)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			want, expectFailure := strings.CutPrefix(first, "# expect: ")
			if !expectFailure {
				if len(problems) > 0 {
					t.Fatalf("want ok, got problems:\n%s", strings.Join(problems, "\n"))
				}
				return
			}
			for _, p := range problems {
				if strings.Contains(p, want) {
					return
				}
			}
			t.Fatalf("want a problem containing %q, got %q", want, problems)
		})
	}
}

func TestEksVersionsFlag(t *testing.T) {
	data, err := os.ReadFile("testdata/eksctl-valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p := checkEksctl(data, eksctlOptions{versions: []string{"1.32", "1.33", "1.34"}}, io.Discard); len(p) != 0 {
		t.Fatalf("1.33 in list: got %q", p)
	}
	p := checkEksctl(data, eksctlOptions{versions: []string{"1.34", "1.35"}}, io.Discard)
	if len(p) != 1 || !strings.Contains(p[0], "invalid version, supported values: 1.34, 1.35") {
		t.Fatalf("1.33 not in list: got %q", p)
	}
}

func TestCLI(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"kind", "testdata/kind-valid.yaml"}, &out, &errOut); code != 0 || out.String() != "ok\n" {
		t.Fatalf("single valid file: code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}

	out.Reset()
	code := run([]string{"eksctl", "--eks-versions=1.33", "testdata/eksctl-valid.yaml", "testdata/eksctl-min-gt-max.yaml", "testdata/missing.yaml"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 ||
		lines[0] != "testdata/eksctl-valid.yaml: ok" ||
		lines[1] != "testdata/eksctl-min-gt-max.yaml: cannot use --nodes-min=3 and --nodes-max=1 at the same time" ||
		!strings.HasPrefix(lines[2], "testdata/missing.yaml: open testdata/missing.yaml:") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}

	for _, args := range [][]string{nil, {"eksctl"}, {"helm", "x.yaml"}, {"eksctl", "--bogus", "x.yaml"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("args %q: exit code %d, want 2", args, code)
		}
	}
}
