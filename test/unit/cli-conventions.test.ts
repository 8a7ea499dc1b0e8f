/**
 * The CLI's conventions (issue 15): render --out-dir, -o text|json|yaml, `-` for standard
 * input, kubeconfig found like kubectl and the context named, EPIPE ending quietly, colour only
 * on a terminal, shell completion, the version from package.json.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { bufferIo, colourWanted } from "../../src/cli/io.js";
import { buildProgram } from "../../src/cli/main.js";
import { paint, resultCell } from "../../src/cli/style.js";
import { EXAMPLE, editedExample, exampleText, REPO, runCli } from "../helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "hubfleet-cli-conv-"));

/** A kubeconfig whose one context points at a port nothing listens on. */
function deadKubeconfig(dir: string, context = "ctx-test"): string {
  const file = join(dir, "kubeconfig");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: "https://127.0.0.1:1" }
users:
  - name: u
    user: { token: t }
contexts:
  - name: ${context}
    context: { cluster: c, user: u }
current-context: ${context}
`,
  );
  return file;
}

describe("render --out-dir", () => {
  it("writes the folder, and -o is a usage error naming --out-dir", async () => {
    const dir = tmp();
    const ok = await runCli(["render", EXAMPLE, "--out-dir", "out"], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(dir, "out", "cluster")));
    const old = await runCli(["render", EXAMPLE, "-o", "old"], dir);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /--out-dir, not -o/);
    assert.match(old.stderr, /hint: hubfleet render .* --out-dir old/);
    assert.equal(existsSync(join(dir, "old")), false);
  });
  it("does not offer -o in its help", async () => {
    const r = await runCli(["render", "--help"]);
    assert.match(r.stdout, /--out-dir <dir>/);
    assert.doesNotMatch(r.stdout, /-o, --output/);
  });
});

describe("-o text|json|yaml", () => {
  it("validate and plan-capacity give the same data as JSON and as YAML", async () => {
    for (const command of ["validate", "plan-capacity"]) {
      const json = await runCli([command, EXAMPLE, "-o", "json"]);
      const yaml = await runCli([command, EXAMPLE, "-o", "yaml"]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.deepEqual(parse(yaml.stdout), JSON.parse(json.stdout), command);
    }
  });
  it("every command with structured output offers yaml", async () => {
    for (const command of ["validate", "plan", "status", "check", "plan-capacity"]) {
      const help = await runCli([command, "--help"]);
      assert.match(help.stdout, /-o, --output <format>\s+text, json or yaml/, command);
    }
  });
});

describe("- reads the fleet file from standard input", () => {
  it("validates and renders what comes in", async () => {
    const dir = tmp();
    const v = await runCli(["validate", "-"], dir, { stdin: exampleText });
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^<stdin>: valid: 3 hub\(s\)/);
    const r = await runCli(["render", "-", "--out-dir", "out"], dir, { stdin: exampleText });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rendered <stdin> \(cluster jhfleet/);
  });
  it("names problems <stdin>:line:col", async () => {
    const text = editedExample((d) => d.setIn(["hubs", 0, "placeholders"], -1));
    const r = await runCli(["validate", "-"], tmp(), { stdin: text });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^<stdin>:\d+:\d+: error: hubs\[0\]\.placeholders:/m);
  });
});

describe("kubeconfig like kubectl", () => {
  it("a --kubeconfig that does not exist is named", async () => {
    const dir = tmp();
    const r = await runCli(["plan", EXAMPLE, "--kubeconfig", "nowhere.yaml"], dir, {
      env: { HOME: dir },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: --kubeconfig nowhere\.yaml: no such file \(.*nowhere\.yaml\)/);
    assert.doesNotMatch(r.stderr, /bug in hubfleet/);
  });
  it("no kubeconfig at all is an error, never localhost:8080", async () => {
    const dir = tmp();
    for (const command of ["plan", "status", "apply"]) {
      const r = await runCli([command, EXAMPLE], dir, { env: { HOME: dir } });
      assert.equal(r.code, 1, command);
      assert.match(r.stderr, /error: no kubeconfig: KUBECONFIG is not set and .*\.kube\/config/);
      assert.doesNotMatch(r.stderr + r.stdout, /localhost:8080|bug in hubfleet/);
    }
  });
  it("a KUBECONFIG naming only missing files is an error naming them", async () => {
    const dir = tmp();
    const r = await runCli(["plan", EXAMPLE], dir, {
      env: { HOME: dir, KUBECONFIG: join(dir, "gone") },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /KUBECONFIG names no file that exists \(.*gone\)/);
  });
  it("says which context and server it uses before talking to them", async () => {
    const dir = tmp();
    const kubeconfig = deadKubeconfig(dir);
    for (const env of [{ HOME: dir, KUBECONFIG: kubeconfig }, { HOME: dir }]) {
      const args = env.KUBECONFIG
        ? ["plan", EXAMPLE]
        : ["plan", EXAMPLE, "--kubeconfig", kubeconfig];
      const r = await runCli(args, dir, { env });
      assert.match(r.stderr, /^using context ctx-test \(https:\/\/127\.0\.0\.1:1\)$/m);
      // Nothing answers there: a cluster error with its hint, not a bug.
      assert.equal(r.code, 1);
      assert.match(r.stderr, /hint: check that the cluster is up/);
      assert.doesNotMatch(r.stderr, /bug in hubfleet/);
    }
  });
  it("finds ~/.kube/config when KUBECONFIG is unset", async () => {
    const home = tmp();
    execFileSync("mkdir", ["-p", join(home, ".kube")]);
    deadKubeconfig(join(home, ".kube"), "from-home");
    execFileSync("mv", [join(home, ".kube", "kubeconfig"), join(home, ".kube", "config")]);
    const r = await runCli(["plan", EXAMPLE], home, { env: { HOME: home } });
    assert.match(r.stderr, /^using context from-home \(https:\/\/127\.0\.0\.1:1\)$/m);
  });
});

describe("a closed pipe (hubfleet render … | head)", () => {
  it("ends quietly: the command finishes, exit 0, no stack trace", async () => {
    const dir = tmp();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "render", EXAMPLE, "--out-dir", join(dir, "out")],
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    // The reader goes away before the CLI (still loading) writes its first line.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    assert.equal(code, 0, stderr);
    assert.ok(existsSync(join(dir, "out", "cluster")), "render did not finish");
  });
});

describe("colour", () => {
  it("only on a terminal, and never with NO_COLOR", () => {
    assert.equal(colourWanted({ isTTY: true }, {}), true);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(colourWanted({ isTTY: false }, {}), false);
    assert.equal(colourWanted({}, {}), false);
    // https://no-color.org: an empty NO_COLOR does not count.
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "" }), true);
    assert.equal(paint(true, "red", "error:"), "\x1b[31merror:\x1b[39m");
    assert.equal(paint(false, "red", "error:"), "error:");
  });
  it("colours errors red and the summary green on a terminal", async () => {
    const io = { ...bufferIo(REPO), colour: { out: true, err: true } };
    const bad = editedExample((d) => d.setIn(["hubs", 0, "placeholders"], -1));
    const { main } = await import("../../src/cli/main.js");
    const ioBad = {
      ...bufferIo(REPO, { stdin: bad }),
      colour: { out: true, err: true },
    };
    assert.equal(await main(["validate", "-"], ioBad), 1);
    assert.ok(ioBad.stderr().includes(`${paint(true, "red", "error:")} hubs[0].placeholders`));
    assert.equal(await main(["validate", EXAMPLE], io), 0);
    assert.ok(io.stdout().includes(paint(true, "green", "valid")), io.stdout());
    assert.ok(io.stderr().includes(paint(true, "yellow", "warning:")), io.stderr());
  });
  it("colours a table's result words without moving its columns", () => {
    const strip = (t: string) => t.replaceAll(new RegExp(`${"\x1b"}\\[\\d+m`, "g"), "");
    for (const [text, colour] of [
      ["NOT READY", "red"],
      ["2026-12-05 06:30Z FAILED: no answer", "red"],
      ["ready", "green"],
      ["2026-12-05 06:30Z ok", "green"],
      ["RETAINED", "yellow"],
    ] as const) {
      const cell = resultCell(true, text, 40);
      assert.ok(cell.startsWith(paint(true, colour, text)), text);
      assert.equal(strip(cell).length, 40);
    }
    assert.equal(resultCell(true, "stat101", 9), "stat101  ");
    assert.equal(resultCell(false, "FAILED", 8), "FAILED  ");
  });
  it("piped output (the test's) carries no escape codes", async () => {
    const r = await runCli(["validate", EXAMPLE]);
    assert.equal((r.stdout + r.stderr).includes("\x1b["), false);
  });
});

describe("hubfleet completion", () => {
  it("bash, zsh and fish scripts name every command", async () => {
    const program = await buildProgram(bufferIo());
    const commands = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    assert.ok(commands.includes("apply") && commands.includes("completion"));
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await runCli(["completion", shell]);
      assert.equal(r.code, 0, r.stderr);
      for (const command of commands) {
        assert.match(r.stdout, new RegExp(`\\b${command}\\b`), `${shell}: ${command}`);
      }
      assert.match(r.stdout, /(--|-l )out-dir/, shell);
      assert.match(r.stdout, /(--|-l )detailed-exitcode/, shell);
    }
  });
  it("the bash script parses and completes a command and its options", async () => {
    const dir = tmp();
    const script = join(dir, "hubfleet.bash");
    writeFileSync(script, (await runCli(["completion", "bash"])).stdout);
    const complete = (words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _hubfleet; echo "\${COMPREPLY[@]}"`,
          script,
        ],
        { encoding: "utf8" },
      ).trim();
    assert.equal(complete(["hubfleet", "ren"]), "render");
    assert.equal(complete(["hubfleet", "render", "--ou"]), "--out-dir");
    assert.equal(complete(["hubfleet", "plan", "--det"]), "--detailed-exitcode");
  });
});

describe("--version", () => {
  it("is package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    const r = await runCli(["--version"]);
    assert.equal(r.stdout.trim(), pkg.version);
  });
});
