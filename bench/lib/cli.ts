/**
 * The hubfleet CLI as users run it: compiled with the project's build config (tsconfig.build.json)
 * into a temp dir once per bench run, then started as a plain `node` process per command. Every
 * command's output is kept in a transcript (the secrets check searches it).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Options for node itself, before the entry point (e.g. --cpu-prof, not allowed in NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[];
}

export interface HubfleetCli {
  /** The compiled entry point (dist/cli/main.js). */
  readonly entry: string;
  spawn(args: readonly string[], options?: CliOptions): CliProcess;
  run(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** Every command run so far with its output, in order. */
  readonly transcript: string[];
}

/** Compiles src/ with tsconfig.build.json into `dir` and returns a runner for it. */
export async function compileCli(repo: string, dir: string): Promise<HubfleetCli> {
  mkdirSync(dir, { recursive: true });
  const outDir = join(dir, "dist");
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  const compile = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [tsc, "-p", join(repo, "tsconfig.build.json"), "--outDir", outDir, "--sourceMap", "false"],
      { cwd: repo, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, output: `${String(stdout)}${String(stderr)}` }),
    );
  });
  const entry = join(outDir, "cli", "main.js");
  // tsc emits even with type errors; only a missing entry point is fatal.
  if (!existsSync(entry)) throw new Error(`compiling the CLI failed:\n${compile.output}`);
  if (compile.code !== 0) {
    process.stderr.write(`[bench] warning: tsc reported errors compiling src/:\n${compile.output}`);
  }
  // The version too: the CLI reads it from package.json beside dist/ (--version needs it).
  const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
    version: string;
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ type: "module", version })}\n`);
  if (!existsSync(join(dir, "node_modules"))) {
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  }
  // The package's data files sit beside dist/ as in the published package (the instance types).
  if (!existsSync(join(dir, "data"))) symlinkSync(join(repo, "data"), join(dir, "data"), "dir");
  return cliRunner(entry, repo);
}

function cliRunner(entry: string, cwd: string): HubfleetCli {
  const transcript: string[] = [];
  const spawnCli = (args: readonly string[], options: CliOptions = {}) => {
    const run = spawnTimed(process.execPath, [...(options.nodeArgs ?? []), entry, ...args], {
      ...(options.env ? { env: options.env } : {}),
      cwd,
    });
    return {
      child: run.child,
      done: run.done.then((r) => {
        transcript.push(`$ hubfleet ${args.join(" ")}\n${r.stdout}${r.stderr}`);
        return r;
      }),
    };
  };
  return {
    entry,
    transcript,
    spawn: spawnCli,
    run: (args, options) => spawnCli(args, options).done,
  };
}

/** Starts a program with its output collected and its wall time measured. */
function spawnTimed(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string },
): CliProcess {
  const start = process.hrtime.bigint();
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.on("error", (err) => {
    stderr += err.message;
  });
  child.stdin?.end(options.input);
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
    ),
  );
  return { child, done };
}

/** Runs any program, timing it (the baseline's kubectl and helm). */
export function runProgram(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  return spawnTimed(command, args, options).done;
}
