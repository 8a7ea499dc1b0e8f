/**
 * The hubfleet command line: the only place that prints or decides exit codes.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { UsageError } from "../errors.js";
import { FleetError, formatProblem } from "../fleet/problems.js";
import { initCommand } from "./init.js";
import type { Io } from "./io.js";
import { processIo } from "./io.js";
import { renderCommand } from "./render.js";
import { validateCommand } from "./validate.js";

export const VERSION = "0.1.0";

export function buildProgram(io: Io): Command {
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
  return program;
}

/** Runs the CLI and returns its exit code: 0 success, 1 bad input or failure. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return io.exitCode();
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    // Help and --version "fail" with exit code 0; usage mistakes are already printed.
    return err.exitCode === 0 ? 0 : 1;
  }
  if (err instanceof FleetError) {
    for (const problem of err.problems) io.err(`${formatProblem(problem)}\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    io.err(`error: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.err(
    `error: ${message}\n  This is a bug in hubfleet; please report it with the command you ran.\n`,
  );
  if (process.env.HUBFLEET_DEBUG && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  return 1;
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
