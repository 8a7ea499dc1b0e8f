/** The CLI as a user meets it: exit codes, messages, no stack traces, all-or-nothing output. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EXAMPLE, editedExample, runCli } from "../helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "hubfleet-cli-"));
const noStack = (text: string) =>
  assert.doesNotMatch(text, /\n\s+at .+\(.+:\d+:\d+\)/, "printed a stack trace");

describe("hubfleet init", () => {
  it("writes a starter that validates, with the schema line first", async () => {
    const dir = tmp();
    const init = await runCli(["init", "fleet.yaml"], dir);
    assert.equal(init.code, 0, init.stderr);
    const text = readFileSync(join(dir, "fleet.yaml"), "utf8");
    assert.match(
      text.split("\n")[0] ?? "",
      /^# yaml-language-server: \$schema=.*schema\/fleet\.schema\.json$/,
    );
    const validate = await runCli(["validate", "fleet.yaml"], dir);
    assert.equal(validate.code, 0, validate.stderr);
  });
  it("refuses to overwrite", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "fleet.yaml"), "mine\n");
    const again = await runCli(["init", "fleet.yaml"], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    assert.equal(readFileSync(join(dir, "fleet.yaml"), "utf8"), "mine\n");
  });
});

describe("hubfleet validate", () => {
  it("prints a one-line summary and exits 0 for a valid fleet", async () => {
    const r = await runCli(["validate", EXAMPLE]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /valid: 3 hub\(s\) on cluster jhfleet, 350 GiB of drives/);
    assert.equal(r.stdout.trim().split("\n").length, 1);
  });
  it("warns about the shared cookie origin of path routing", async () => {
    const r = await runCli(["validate", EXAMPLE]);
    assert.match(r.stderr, /warning: domain\.routing: .*cookie/);
  });
  it("reports problems as file:line:col and exits 1", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "bad.yaml"),
      editedExample((d) => d.setIn(["hubs", 0, "placeholders"], -1)),
    );
    const r = await runCli(["validate", "bad.yaml"], dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^bad\.yaml:\d+:\d+: error: hubs\[0\]\.placeholders: must be at least 0/m,
    );
    noStack(r.stderr);
  });
  it("gives the same as JSON with -o json", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "bad.yaml"),
      editedExample((d) => d.setIn(["cluster", "provider"], "gke")),
    );
    const r = await runCli(["validate", "bad.yaml", "-o", "json"], dir);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assert.equal(report.valid, false);
    assert.equal(report.errors, 1);
    const problem = report.problems.find((p: { severity: string }) => p.severity === "error");
    assert.equal(problem.path, "cluster.provider");
    assert.equal(problem.file, "bad.yaml");
    assert.ok(problem.line > 0 && problem.column > 0);
    assert.match(problem.hint, /eks, local/);
  });
  const badInputs: Array<[string, (dir: string) => string, RegExp]> = [
    ["a missing file", () => "nope.yaml", /nope\.yaml: error: file not found/],
    [
      "a directory",
      (dir) => {
        mkdirSync(join(dir, "d"));
        return "d";
      },
      /is a directory/,
    ],
    [
      "a binary file",
      (dir) => {
        writeFileSync(join(dir, "b.yaml"), Buffer.from([0, 1, 2, 255, 0x3a, 0x5b]));
        return "b.yaml";
      },
      /b\.yaml:\d+:\d+: error/,
    ],
  ];
  for (const [name, setup, message] of badInputs) {
    it(`explains ${name} without a stack trace`, async () => {
      const dir = tmp();
      const r = await runCli(["validate", setup(dir)], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      noStack(r.stderr);
    });
  }
  it("rejects an unknown output format", async () => {
    const r = await runCli(["validate", EXAMPLE, "-o", "xml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown output format "xml"/);
  });
});

describe("hubfleet render", () => {
  it("writes the cluster configs and a summary", async () => {
    const dir = tmp();
    const r = await runCli(["render", EXAMPLE, "--out-dir", join(dir, "out")], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cluster\/eksctl\.yaml/);
    assert.deepEqual(readdirSync(join(dir, "out", "cluster")).sort(), [
      "eksctl.yaml",
      "kind.yaml",
      "manifests.yaml",
    ]);
  });
  it("writes nothing when the fleet is bad", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "bad.yaml"),
      editedExample((d) => d.setIn(["hubs", 1, "name"], "Bad")),
    );
    const r = await runCli(["render", "bad.yaml", "--out-dir", "out"], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hubs\[1\]\.name/);
    assert.deepEqual(readdirSync(dir), ["bad.yaml"]);
  });
  it("keeps the previous render when a new one fails", async () => {
    const dir = tmp();
    const out = join(dir, "out");
    assert.equal((await runCli(["render", EXAMPLE, "--out-dir", out], dir)).code, 0);
    const before = readFileSync(join(out, "cluster", "eksctl.yaml"), "utf8");
    writeFileSync(
      join(dir, "bad.yaml"),
      editedExample((d) => d.setIn(["cluster", "name"], "9lives")),
    );
    assert.equal((await runCli(["render", "bad.yaml", "--out-dir", out], dir)).code, 1);
    assert.equal(readFileSync(join(out, "cluster", "eksctl.yaml"), "utf8"), before);
  });
  it("refuses to replace a folder it did not write", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs", "notes.txt"), "precious\n");
    const r = await runCli(["render", EXAMPLE, "--out-dir", "docs"], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not empty and was not written by hubfleet render/);
    assert.deepEqual(readdirSync(join(dir, "docs")), ["notes.txt"]);
  });
  it("replaces its own earlier output whole", async () => {
    const dir = tmp();
    const out = join(dir, "out");
    await runCli(["render", EXAMPLE, "--out-dir", out], dir);
    writeFileSync(join(out, "cluster", "stale.yaml"), "old\n");
    assert.equal((await runCli(["render", EXAMPLE, "--out-dir", out], dir)).code, 0);
    assert.deepEqual(readdirSync(join(out, "cluster")).sort(), [
      "eksctl.yaml",
      "kind.yaml",
      "manifests.yaml",
    ]);
  });
  it("reports a TLS file that does not exist", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "f.yaml"),
      editedExample((d) =>
        d.setIn(["domain", "tls"], d.createNode({ certFile: "tls.crt", keyFile: "tls.key" })),
      ),
    );
    const r = await runCli(["render", "f.yaml", "--out-dir", "out"], dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /f\.yaml:\d+:\d+: error: domain\.tls\.certFile: file "tls\.crt" cannot be read/,
    );
    writeFileSync(join(dir, "tls.crt"), "cert");
    writeFileSync(join(dir, "tls.key"), "key");
    const unusable = await runCli(["render", "f.yaml", "--out-dir", "out"], dir);
    assert.equal(unusable.code, 1);
    assert.match(unusable.stderr, /domain\.tls\.certFile: "tls\.crt" is not a PEM certificate/);
    assert.match(unusable.stderr, /domain\.tls\.keyFile: "tls\.key" is not a PEM private key/);
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=hubs.example.edu"],
      ],
      { cwd: dir, stdio: "pipe" },
    );
    const usable = await runCli(["render", "f.yaml", "--out-dir", "out"], dir);
    assert.equal(usable.code, 0, usable.stderr);
  });
  it("requires -o", async () => {
    const r = await runCli(["render", EXAMPLE]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--out/);
  });
});

describe("cluster commands refuse bad requests before touching a cluster", () => {
  it("apply: --concurrency must be a positive whole number", async () => {
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--concurrency",
      "0",
      "--kubeconfig",
      "/nonexistent",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--concurrency 0 is not a positive whole number/);
  });
  for (const command of ["apply", "status"]) {
    it(`${command} --hub NAME: a hub not in the fleet file is a usage error naming the fleet's hubs`, async () => {
      const r = await runCli([
        command,
        EXAMPLE,
        "--hub",
        "stat101",
        "--hub",
        "nope",
        "--kubeconfig",
        "/nonexistent",
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--hub nope: no hub of that name in the fleet file; nothing was done/);
      assert.match(r.stderr, /hubs are: stat101, cs480, genomics-lab/);
      assert.doesNotMatch(r.stderr, /bug in hubfleet|kubeconfig/);
      noStack(r.stderr);
    });
  }
  const secretSet = (...args: string[]) =>
    runCli(["secret", "set", ...args, "-f", EXAMPLE, "--kubeconfig", "/nonexistent"]);
  it("secret set: refuses an unknown hub, no keys, a bad key, before touching a cluster", async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["nope", "github-oauth", "--from-literal", "client-secret=x"],
        /hub nope: no hub of that name in the fleet file/,
      ],
      [["stat101", "github-oauth"], /nothing to set: give --from-literal KEY=VALUE/],
      // cluster-tools is the cluster tools' namespace, not an unknown hub.
      [["cluster-tools", "hubfleet-alerts"], /nothing to set: give --from-literal KEY=VALUE/],
      [["stat101", "github-oauth", "--from-literal", "=x"], /expected KEY=VALUE/],
      [
        ["stat101", "github-oauth", "--from-literal", "a=1", "--from-literal", "a=2"],
        /key a given more than once/,
      ],
      [
        ["stat101", "x", "--from-file", "k=/nonexistent/file"],
        /--from-file k=\/nonexistent\/file: cannot read it/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await secretSet(...args);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /bug in hubfleet|kubeconfig/);
    }
  });
  it("apply --timeout: must be a duration", async () => {
    const r = await runCli(["apply", EXAMPLE, "--timeout", "10", "--kubeconfig", "/nonexistent"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--timeout 10 is not a duration/);
  });
  it("delete-hub: refuses a hub that is still in the fleet file", async () => {
    const r = await runCli(["delete-hub", "cs480", "-f", EXAMPLE]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /hub cs480 is still in .*fleet\.yaml; the next apply would create it again/,
    );
  });
  it("delete-hub --purge: needs the hub's name again", async () => {
    const r = await runCli(["delete-hub", "old-class", "-f", EXAMPLE, "--purge"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--purge deletes every file of hub old-class's users/);
    assert.match(r.stderr, /--yes-delete-data=old-class/);
    const wrong = await runCli([
      "delete-hub",
      "old-class",
      "-f",
      EXAMPLE,
      "--purge",
      "--yes-delete-data=old",
    ]);
    assert.equal(wrong.code, 1);
  });
  it("apply: a bad fleet file is reported before any cluster is contacted", async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, "bad.yaml"),
      editedExample((d) => d.setIn(["hubs", 0, "name"], "X")),
    );
    const r = await runCli(["apply", "bad.yaml", "--kubeconfig", "/nonexistent"], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hubs\[0\]\.name/);
    assert.doesNotMatch(r.stderr, /kubeconfig/);
  });
});
