/**
 * Bad input never reaches "This is a bug in hubfleet": every case of the bad-fleet table, an
 * edit of every field of the example, and the usual usage mistakes, through the CLI as a user
 * runs it, each answered with an error and no stack trace.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { EXAMPLE, editedExample, exampleText, runCli } from "../helpers.js";
// Importing the table also registers that file's own tests here; they are quick and pass.
import { CASES } from "./validate-bad-fleets.test.js";

const tmp = () => mkdtempSync(join(tmpdir(), "hubfleet-cli-errors-"));

/** An environment with no kubeconfig anywhere, so nothing here can reach a cluster. */
const noCluster = (home: string) => ({ HOME: home, PATH: process.env.PATH });

function assertNoBug(r: { code: number; stderr: string }, what: string): void {
  assert.equal(r.code, 1, `${what}: exit code`);
  assert.doesNotMatch(r.stderr, /bug in hubfleet/, `${what}: reported as a bug:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `${what}: printed a stack trace`);
  assert.match(r.stderr, /error/, `${what}: says nothing is wrong:\n${r.stderr}`);
}

describe("the bad-fleet table through the CLI", () => {
  it("has cases to run", () => assert.ok(CASES.length >= 30));
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = tmp();
      writeFileSync(join(dir, "fleet.yaml"), c.text);
      const env = noCluster(dir);
      for (const args of [
        ["validate", "fleet.yaml"],
        ["render", "fleet.yaml", "--out-dir", "out"],
        ["plan", "fleet.yaml"],
        ["apply", "fleet.yaml", "--hub", "nope"],
        ["plan-capacity", "fleet.yaml"],
      ]) {
        assertNoBug(await runCli(args, dir, { env }), `${c.name}: hubfleet ${args.join(" ")}`);
      }
      const structured = await runCli(["validate", "fleet.yaml", "-o", "yaml"], dir, { env });
      assert.equal(structured.code, 1);
      assert.equal((parse(structured.stdout) as { valid: boolean }).valid, false);
      // The same text from standard input: the same errors, named <stdin>.
      const piped = await runCli(["validate", "-"], dir, { env, stdin: c.text });
      assertNoBug(piped, `${c.name}: validate -`);
      assert.match(piped.stderr, /^<stdin>(:\d+:\d+)?: error:/m);
    });
  }
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function leafPaths(value: Json, prefix: Array<string | number> = []): Array<(string | number)[]> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

describe("every field of the example, made wrong, through validate", () => {
  // A sweep rather than random edits (the fuzz test does those against parseFleet): each leaf
  // of the example set to values of the wrong kind or sign, each file through the CLI.
  const BAD_VALUES: unknown[] = [-1, "-1Gi", "", [], { x: 1 }, null, true];
  it("answers each with problems or a valid fleet, never with a bug", async () => {
    const dir = tmp();
    const env = noCluster(dir);
    const paths = leafPaths(parse(exampleText) as Json);
    assert.ok(paths.length > 50, `only ${paths.length} fields`);
    for (const path of paths) {
      for (const value of BAD_VALUES) {
        const text = editedExample((d) => d.setIn(path, d.createNode(value)));
        const r = await runCli(["validate", "-"], dir, { env, stdin: text });
        const what = `${path.join(".")} = ${JSON.stringify(value)}`;
        assert.ok(r.code === 0 || r.code === 1, `${what}: exit ${r.code}`);
        assert.doesNotMatch(r.stderr, /bug in hubfleet/, `${what}:\n${r.stderr}`);
      }
    }
  });
});

describe("usage mistakes are usage errors, decided before any cluster is asked", () => {
  const mistakes: Array<[string, string[], RegExp]> = [
    ["an unknown hub for apply", ["apply", EXAMPLE, "--hub", "nope"], /--hub nope: no hub/],
    ["an unknown hub for plan", ["plan", EXAMPLE, "--hub", "nope"], /--hub nope: no hub/],
    ["an unknown hub for status", ["status", EXAMPLE, "--hub", "nope"], /--hub nope: no hub/],
    ["an unknown hub for check", ["check", EXAMPLE, "--hub", "nope"], /--hub nope: no hub/],
    ["an unknown output format", ["plan", EXAMPLE, "-o", "xml"], /unknown output format "xml"/],
    ["a bad timeout", ["apply", EXAMPLE, "--timeout", "soon"], /--timeout soon/],
    ["render -o", ["render", EXAMPLE, "-o", "out"], /--out-dir/],
    ["render without a folder", ["render", EXAMPLE], /needs an output folder/],
    ["a missing fleet file", ["plan", "nope.yaml"], /nope\.yaml: error: .*not found/],
    [
      "a missing --kubeconfig",
      ["plan", EXAMPLE, "--kubeconfig", "missing-kubeconfig"],
      /--kubeconfig missing-kubeconfig: no such file/,
    ],
    ["no kubeconfig at all", ["status", EXAMPLE], /no kubeconfig: KUBECONFIG is not set/],
    ["a completion for no shell", ["completion", "tcsh"], /no completion for shell "tcsh"/],
  ];
  for (const [what, args, message] of mistakes) {
    it(what, async () => {
      const dir = tmp();
      const r = await runCli(args, dir, { env: noCluster(dir) });
      assertNoBug(r, what);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /using context/, "connected before deciding");
    });
  }
  it("a folder that cannot be written is the machine's answer, not a bug", async () => {
    const r = await runCli(["render", EXAMPLE, "--out-dir", join(EXAMPLE, "out")]);
    assertNoBug(r, "render into a file's subfolder");
    assert.match(r.stderr, /error: E[A-Z]+: /);
  });
});
