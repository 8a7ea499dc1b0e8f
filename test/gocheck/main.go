// Command gocheck validates rendered cluster configs with the upstream
// projects' own Go types and validation code:
//
//	gocheck eksctl [--eks-versions 1.32,1.33,...] FILE.yaml...
//	gocheck kind FILE.yaml...
//
// With one file it prints "ok" or one problem per line; with several files
// every line is prefixed with "FILE: ". Warnings that the upstream code logs
// go to stderr. Exit status: 0 all files ok, 1 any problem, 2 usage error.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `usage:
  gocheck eksctl [--eks-versions V1,V2,...] FILE.yaml...
  gocheck kind FILE.yaml...

eksctl: strict-decodes each file into eksctl's ClusterConfig (v0.215.0) and
        runs eksctl's own defaulting and validation as 'eksctl create cluster'
        does before it contacts AWS. --eks-versions stands in for the EKS
        DescribeClusterVersions answer eksctl uses to accept metadata.version.
kind:   strict-decodes each file into kind's v1alpha4 Cluster (v0.33.0),
        applies kind's defaults and checks what kind's validation checks.
`

// checker returns the problems found in one file's contents, writing any
// upstream warnings to warn.
type checker func(data []byte, warn io.Writer) []string

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var check checker
	rest := args[1:]
	switch args[0] {
	case "eksctl":
		opts := eksctlOptions{}
		for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
			flag := rest[0]
			switch {
			case flag == "--":
				rest = rest[1:]
				goto files
			case flag == "--eks-versions" && len(rest) > 1:
				opts.versions = splitList(rest[1])
				rest = rest[2:]
			case strings.HasPrefix(flag, "--eks-versions="):
				opts.versions = splitList(strings.TrimPrefix(flag, "--eks-versions="))
				rest = rest[1:]
			default:
				fmt.Fprintf(stderr, "gocheck: unknown flag %q\n%s", flag, usage)
				return 2
			}
		}
	files:
		check = func(data []byte, warn io.Writer) []string { return checkEksctl(data, opts, warn) }
	case "kind":
		check = checkKind
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gocheck: unknown config type %q\n%s", args[0], usage)
		return 2
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}

	failed := false
	prefix := func(file string) string {
		if len(rest) == 1 {
			return ""
		}
		return file + ": "
	}
	for _, file := range rest {
		var problems []string
		data, err := os.ReadFile(file)
		if err != nil {
			problems = []string{err.Error()}
		} else {
			problems = check(data, &prefixWriter{w: stderr, prefix: "warning: " + prefix(file)})
		}
		if len(problems) == 0 {
			fmt.Fprintf(stdout, "%sok\n", prefix(file))
			continue
		}
		failed = true
		for _, p := range problems {
			// keep one problem per line even if an upstream message spans lines
			fmt.Fprintf(stdout, "%s%s\n", prefix(file), strings.Join(strings.Fields(p), " "))
		}
	}
	if failed {
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// prefixWriter prefixes every line written to it.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, strings.TrimSpace(line)); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}
