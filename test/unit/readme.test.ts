/**
 * The documentation does what it says: every fleet snippet in README.md and docs/ validates,
 * every offline `hubfleet` command in the README runs, the cluster commands it shows exist with
 * the options shown, the library example runs, and every relative link leads to a file.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { parse, stringify } from "yaml";
import { bufferIo } from "../../src/cli/io.js";
import { buildProgram } from "../../src/cli/main.js";
import { parseFleet } from "../../src/fleet/load.js";
import { EXAMPLE, exampleText, REPO, runCli } from "../helpers.js";

const README = join(REPO, "README.md");
const DOCS = [
  README,
  ...readdirSync(join(REPO, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(REPO, "docs", f)),
];

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  /** From `<!-- fleet fragment: a.b -->` right above the block: where it goes in the example. */
  readonly fragmentAt?: string[];
}

function codeBlocks(file: string): Block[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++) {
      body.push((lines[i] ?? "").slice(indent));
    }
    const marker = /<!--\s*fleet fragment(?::\s*([\w.]*))?\s*-->/.exec(lines[start - 1] ?? "");
    blocks.push({
      file,
      line: start + 1,
      lang: open[2] ?? "",
      text: `${body.join("\n")}\n`,
      ...(marker ? { fragmentAt: marker[1] ? marker[1].split(".") : [] } : {}),
    });
  }
  return blocks;
}

const where = (b: Block) => `${relative(REPO, b.file)}:${b.line}`;
const isFleet = (b: Block) =>
  b.lang === "yaml" &&
  (b.fragmentAt !== undefined || /^apiVersion: hubfleet\/v1alpha1$/m.test(b.text));

/** The example fleet with a fragment put in at its place; hubs are merged by name. */
function withFragment(fragment: Record<string, unknown>, at: readonly string[]): string {
  const example = parse(exampleText) as Record<string, unknown>;
  let target = example;
  for (const key of at) {
    target[key] ??= {};
    target = target[key] as Record<string, unknown>;
  }
  for (const [key, value] of Object.entries(fragment)) {
    if (key === "hubs" && Array.isArray(value) && Array.isArray(target.hubs)) {
      const hubs = target.hubs as Array<Record<string, unknown>>;
      for (const hub of value as Array<Record<string, unknown>>) {
        const i = hubs.findIndex((h) => h.name === hub.name);
        if (i < 0) hubs.push(hub);
        else hubs[i] = { ...hubs[i], ...hub };
      }
    } else {
      target[key] = value;
    }
  }
  return stringify(example);
}

const fleetBlocks = DOCS.flatMap(codeBlocks).filter(isFleet);

test("the README and docs/ hold fleet snippets, some of them whole files and some fragments", () => {
  const inReadme = fleetBlocks.filter((b) => b.file === README);
  assert.ok(
    inReadme.some((b) => b.fragmentAt === undefined),
    "a whole fleet file in the README",
  );
  assert.ok(
    inReadme.some((b) => b.fragmentAt !== undefined),
    "a fragment in the README",
  );
  assert.ok(fleetBlocks.length >= 8, `${fleetBlocks.length} fleet snippets`);
});

for (const block of fleetBlocks) {
  test(`fleet snippet at ${where(block)} validates`, () => {
    const text = block.fragmentAt
      ? withFragment(parse(block.text) as Record<string, unknown>, block.fragmentAt)
      : block.text;
    const result = parseFleet(text, where(block));
    const errors = result.problems.filter((p) => p.severity === "error");
    assert.deepEqual(
      errors.map((p) => `${p.path}: ${p.message}`),
      [],
      `${where(block)} is not a valid fleet${block.fragmentAt ? " fragment" : ""}`,
    );
    assert.ok(result.fleet);
  });
}

/** Shell words of one line; quotes group, a `#` after a space starts a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.replace(/(^|\s)#.*$/, "").matchAll(re)) {
    out.push(m[1] ?? m[2] ?? m[3] ?? "");
  }
  return out;
}

const commands = codeBlocks(README)
  .filter((b) => b.lang === "sh")
  .flatMap((b) =>
    b.text
      .split("\n")
      .map((line, i) => ({ at: `README.md:${b.line + 1 + i}`, args: words(line) }))
      .filter((c) => c.args[0] === "hubfleet")
      .map((c) => ({ ...c, args: c.args.slice(1) })),
  );
/** Run for real; `hubfleet --help` (no command) too. */
const OFFLINE = new Set(["init", "validate", "render", "plan-capacity", "--help"]);
const readmeFleet = fleetBlocks.find((b) => b.file === README && b.fragmentAt === undefined);
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

test("the README's two commands and the commands a user runs are there", () => {
  const text = readFileSync(README, "utf8");
  assert.match(text, /```sh\nnpm ci && npm start\n```/);
  assert.match(text, /```sh\nnpm ci && npm test\n```/);
  const shown = new Set(commands.map((c) => c.args[0]));
  for (const name of ["validate", "render", "plan-capacity", "apply", "secret"]) {
    assert.ok(shown.has(name), `the README shows hubfleet ${name}`);
  }
});

for (const { at, args } of commands.filter((c) => OFFLINE.has(c.args[0] ?? ""))) {
  test(`${at}: hubfleet ${args.join(" ")} runs offline`, async () => {
    // A user's folder: their fleet file (the README's) and the bundled example.
    const dir = await mkdtemp(join(tmpdir(), "hubfleet-readme-"));
    temps.push(dir);
    if (args[0] !== "init") {
      await writeFile(join(dir, "fleet.yaml"), readmeFleet?.text ?? "");
      await mkdir(join(dir, "examples"));
      await copyFile(EXAMPLE, join(dir, "examples", "fleet.yaml"));
    }
    const { code, stderr } = await runCli(args, dir);
    assert.equal(code, 0, stderr);
    if (args[0] === "render") assert.ok(existsSync(join(dir, "out", "cluster", "eksctl.yaml")));
  });
}

/** The command a line names, walking subcommands (`secret set`), and the words after it. */
function resolveCommand(program: Command, args: readonly string[]): [Command, string[]] {
  let cmd = program;
  let i = 0;
  for (; i < args.length; i++) {
    const next = cmd.commands.find(
      (c) => c.name() === args[i] || c.aliases().includes(args[i] ?? ""),
    );
    if (!next) break;
    cmd = next;
  }
  return [cmd, args.slice(i)];
}

for (const { at, args } of commands.filter((c) => !OFFLINE.has(c.args[0] ?? ""))) {
  test(`${at}: hubfleet ${args.join(" ")} names a command and options that exist`, async () => {
    const program = await buildProgram(bufferIo(), ["hubfleet", ...args].slice(1));
    const [cmd, rest] = resolveCommand(program, args);
    assert.notEqual(cmd, program, `hubfleet has no command ${args[0]}`);
    for (const word of rest.filter((w) => w.startsWith("-"))) {
      const flag = word.split("=")[0];
      const known =
        ["--help", "-h"].includes(flag ?? "") ||
        cmd.options.some((o) => o.long === flag || o.short === flag);
      assert.ok(known, `hubfleet ${cmd.name()} has no option ${flag}`);
    }
  });
}

test("the README's library example runs against src/index.ts", async () => {
  const example = codeBlocks(README).find((b) => b.lang === "ts" && b.text.includes('"hubfleet"'));
  assert.ok(example, "a TypeScript example importing hubfleet");
  const dir = await mkdtemp(join(tmpdir(), "hubfleet-readme-lib-"));
  temps.push(dir);
  const code = example.text
    .replace('"hubfleet"', JSON.stringify(pathToFileURL(join(REPO, "src", "index.ts")).href))
    .replace('"examples/fleet.yaml"', JSON.stringify(EXAMPLE))
    .replace('"out"', JSON.stringify(join(dir, "out")));
  await writeFile(join(dir, "example.mts"), code);
  const logged: unknown[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => logged.push(...values);
  try {
    await import(pathToFileURL(join(dir, "example.mts")).href);
  } finally {
    console.log = log;
  }
  assert.deepEqual(logged, [["stat101", "cs480", "genomics-lab"]]);
  assert.ok(existsSync(join(dir, "out", "hubs", "stat101", "values.yaml")));
});

test("every output shown as a command's output is what the command prints today", async () => {
  let shown = 0;
  for (const file of DOCS) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (const block of codeBlocks(file)) {
      const marker = /<!--\s*output of: hubfleet (.*?)\s*-->/.exec(lines[block.line - 2] ?? "");
      if (!marker) continue;
      shown++;
      const { code, stdout } = await runCli(words(marker[1] ?? ""));
      assert.equal(code, 0);
      assert.equal(block.text, stdout, `${where(block)} is stale: paste the current output`);
    }
  }
  assert.ok(shown > 0, "docs/capacity.md shows plan-capacity's output");
});

test("README.md is at most 250 lines", () => {
  const lines = readFileSync(README, "utf8").trimEnd().split("\n").length;
  assert.ok(lines <= 250, `README.md has ${lines} lines`);
});

test("every relative link in README.md and docs/ leads to a file", () => {
  const broken: string[] = [];
  for (const file of DOCS) {
    for (const m of readFileSync(file, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? "";
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const path = resolve(dirname(file), target.split("#")[0] ?? "");
      if (!existsSync(path)) broken.push(`${relative(REPO, file)}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test("no document refers to notes a reader does not have", () => {
  const testReadmes = ["test/hub/README.md", "test/gocheck/README.md"].map((p) => join(REPO, p));
  const found: string[] = [];
  for (const file of [...DOCS, ...testReadmes]) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (/closing notes?|\bbrief\b|\bissue \d+|\bthe issue\b|other sessions/i.test(line)) {
          found.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`);
        }
      });
  }
  assert.deepEqual(found, []);
});
