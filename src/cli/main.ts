/**
 * The hubfleet command line: the only place that prints or decides exit codes.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ClusterError, LockError, ToolError, UsageError } from "../errors.js";
import { FleetError } from "../fleet/problems.js";
import { capacityCommand } from "./capacity.js";
import { completionCommand } from "./completion.js";
import { initCommand } from "./init.js";
import type { Io } from "./io.js";
import { processIo } from "./io.js";
import { renderCommand } from "./render.js";
import { paint, problemLine } from "./style.js";
import { validateCommand } from "./validate.js";

/** The version in package.json (beside src/ and dist/ alike), so a release changes one place. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Commands that never talk to a cluster: they start without loading the Kubernetes client. */
const OFFLINE_COMMANDS = new Set(["init", "validate", "render", "plan-capacity"]);

type Register = (program: Command, io: Io) => void;

/**
 * The cluster commands, each loaded only when named: a command pays for its own imports (the
 * AWS SDK of backup-setup is no part of status).
 */
const CLUSTER_COMMANDS: Record<string, () => Promise<Register>> = {
  plan: async () => (await import("./plan.js")).planCommand,
  apply: async () => (await import("./apply.js")).applyCommand,
  status: async () => (await import("./status.js")).statusCommand,
  "delete-hub": async () => (await import("./deleteHub.js")).deleteHubCommand,
  "backup-setup": async () => (await import("./backup.js")).backupSetupCommand,
  archive: async () => (await import("./archive.js")).archiveCommand,
  restore: async () => (await import("./restore.js")).restoreCommand,
  check: async () => (await import("./check.js")).checkCommand,
  cost: async () => (await import("./cost.js")).costCommand,
  "load-test": async () => (await import("./loadTest.js")).loadTestCommand,
  secret: async () => (await import("./secret.js")).secretCommand,
};

/**
 * The program with every command, or, when `argv` names a command, only what it needs: offline
 * commands load no cluster command, a cluster command only its own module (docs/design.md,
 * "Each command loads only what it uses").
 */
export async function buildProgram(io: Io, argv: readonly string[] = []): Promise<Command> {
  const program = new Command()
    .name("hubfleet")
    .description("Run many JupyterHubs on one Kubernetes cluster from one fleet file.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run hubfleet --help for usage)");
  initCommand(program, io);
  validateCommand(program, io);
  renderCommand(program, io);
  const first = argv.find((a) => !a.startsWith("-"));
  const versionOnly = first === undefined && argv.some((a) => a === "--version" || a === "-V");
  const named = first === undefined ? undefined : CLUSTER_COMMANDS[first];
  const wanted = versionOnly
    ? []
    : named
      ? [named]
      : first !== undefined && OFFLINE_COMMANDS.has(first)
        ? []
        : // The full help, `completion`, or a mistyped name (its suggestion needs them all).
          Object.values(CLUSTER_COMMANDS);
  for (const register of await Promise.all(wanted.map((load) => load()))) register(program, io);
  capacityCommand(program, io);
  // Last, so the script it prints covers every command registered above.
  completionCommand(program, io);
  return program;
}

/**
 * Runs the CLI and returns its exit code: 0 success, 1 bad input or failure, 2 `plan
 * --detailed-exitcode` with changes. It never exits the process: the entry points below do.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  try {
    const program = await buildProgram(io, argv);
    await program.parseAsync([...argv], { from: "user" });
    return io.exitCode();
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: Io): number {
  const error = (text: string) => `${paint(io.colour.err, "red", "error:")} ${text}`;
  if (err instanceof CommanderError) {
    // Help and --version "fail" with exit code 0; usage mistakes are already printed.
    return err.exitCode === 0 ? 0 : 1;
  }
  if (err instanceof FleetError) {
    for (const problem of err.problems) io.err(`${problemLine(io, problem)}\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    io.err(`${error(err.message)}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
    return 1;
  }
  if (err instanceof ClusterError) {
    io.err(`${error(err.message)}\n  hint: ${clusterHint(err)}\n`);
    return 1;
  }
  if (err instanceof ToolError || err instanceof LockError) {
    io.err(`${error(err.message)}\n`);
    return 1;
  }
  if (isSystemError(err)) {
    // The machine said no (a folder not writable, a disk full): not hubfleet's bug.
    io.err(`${error(err.message)}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(
    `${error(message)}\n  This is a bug in hubfleet; please report it with the command you ran.\n`,
  );
  if (io.env.HUBFLEET_DEBUG && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  return 1;
}

/** An error from the operating system (it carries errno's code and the call that failed). */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  return err instanceof Error && typeof e.code === "string" && typeof e.syscall === "string";
}

function clusterHint(err: ClusterError): string {
  if (err.status === 0) {
    return "check that the cluster is up and that --kubeconfig/--context (or KUBECONFIG) point at it";
  }
  if (err.status === 401 || err.status === 403)
    return "your credentials lack the rights hubfleet needs (cluster admin)";
  if (err.status === 422) return "the API rejected the object; see the message above";
  return "re-run the command; apply is safe to repeat";
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
