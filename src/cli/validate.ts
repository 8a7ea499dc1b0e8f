/**
 * `hubfleet validate FILE`: every problem at once, with file:line:col, field path and a hint;
 * whether the fleet can run on its node groups included (the capacity model's checks).
 */
import type { Command } from "commander";
import { checkFleetFits } from "../capacity/fit.js";
import type { FleetModel } from "../fleet/model.js";
import { formatBytes, parseQuantity } from "../fleet/quantity.js";
import { loadFleetSource } from "./fleetFile.js";
import type { Io } from "./io.js";
import { OUTPUT_OPTION, parseOutputFormat, writeStructured } from "./options.js";
import { paint, problemLine } from "./style.js";

export function validateCommand(program: Command, io: Io): void {
  program
    .command("validate")
    .description(
      "check a fleet file: schema, cross-field and cluster-wide rules, all problems at once",
    )
    .argument("<file>", "fleet file (- reads it from standard input)")
    .option(...OUTPUT_OPTION)
    .action(async (file: string, options: { output: string }) => {
      const format = parseOutputFormat(options.output);
      // The capacity model (plan-capacity's) judges whether the fleet can run on its node groups.
      const result = await loadFleetSource(io, file, { extraChecks: checkFleetFits });
      const { problems, shown } = result;
      const errors = problems.filter((p) => p.severity === "error").length;
      const warnings = problems.length - errors;
      if (format !== "text") {
        writeStructured(io, format, {
          file: shown,
          valid: errors === 0,
          errors,
          warnings,
          problems,
        });
      } else {
        for (const problem of problems) io.err(`${problemLine(io, problem)}\n`);
        if (errors === 0) {
          const hubs = result.fleet?.hubs.length ?? 0;
          io.out(
            `${shown}: ${paint(io.colour.out, "green", "valid")}: ${hubs} hub(s) on cluster ${result.fleet?.name}, ${formatBytes(result.fleet ? totalDriveBytes(result.fleet) : 0)} of drives${warnings ? `, ${paint(io.colour.out, "yellow", `${warnings} warning(s)`)}` : ""}\n`,
          );
        } else {
          io.err(
            `${shown}: ${paint(io.colour.err, "red", `${errors} error(s)`)}${warnings ? `, ${paint(io.colour.err, "yellow", `${warnings} warning(s)`)}` : ""}\n`,
          );
        }
      }
      if (errors > 0) io.setExitCode(1);
    });
}

/** The storage every hub's drive asks for, together (what the fleet costs in volumes). */
export function totalDriveBytes(fleet: FleetModel): number {
  return fleet.hubs.reduce((sum, hub) => sum + (parseQuantity(hub.drive.size) ?? 0), 0);
}
