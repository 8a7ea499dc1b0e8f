/** `hubfleet validate FILE`: every problem at once, with file:line:col, field path and a hint. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadFleetFile } from "../fleet/load.js";
import type { FleetModel } from "../fleet/model.js";
import { formatProblem } from "../fleet/problems.js";
import { formatBytes, parseQuantity } from "../fleet/quantity.js";
import type { Io } from "./io.js";
import { parseOutputFormat } from "./options.js";

export function validateCommand(program: Command, io: Io): void {
  program
    .command("validate")
    .description(
      "check a fleet file: schema, cross-field and cluster-wide rules, all problems at once",
    )
    .argument("<file>", "fleet file")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (file: string, options: { output: string }) => {
      const format = parseOutputFormat(options.output);
      const result = await loadFleetFile(resolvePath(io, file));
      const problems = result.problems.map((p) => ({ ...p, file }));
      const errors = problems.filter((p) => p.severity === "error").length;
      const warnings = problems.length - errors;
      if (format === "json") {
        io.out(
          `${JSON.stringify({ file, valid: errors === 0, errors, warnings, problems }, null, 2)}\n`,
        );
      } else {
        for (const problem of problems) io.err(`${formatProblem(problem)}\n`);
        if (errors === 0) {
          const hubs = result.fleet?.hubs.length ?? 0;
          io.out(
            `${file}: valid: ${hubs} hub(s) on cluster ${result.fleet?.name}, ${formatBytes(result.fleet ? totalDriveBytes(result.fleet) : 0)} of drives${warnings ? `, ${warnings} warning(s)` : ""}\n`,
          );
        } else {
          io.err(`${file}: ${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ""}\n`);
        }
      }
      if (errors > 0) io.setExitCode(1);
    });
}

/** The storage every hub's drive asks for, together (what the fleet costs in volumes). */
export function totalDriveBytes(fleet: FleetModel): number {
  return fleet.hubs.reduce((sum, hub) => sum + (parseQuantity(hub.drive.size) ?? 0), 0);
}

export function resolvePath(io: Io, file: string): string {
  return resolve(io.cwd, file);
}
