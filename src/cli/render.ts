/**
 * `hubfleet render FILE --out-dir DIR`: everything as files, deterministic, offline, all or
 * nothing.
 */
import { relative, resolve } from "node:path";
import { type Command, Option } from "commander";
import { freezeClock } from "../apply/rollout.js";
import { checkFleetFits } from "../capacity/fit.js";
import { renderFleetWithWarmUp } from "../capacity/warmup.js";
import { UsageError } from "../errors.js";
import { writeBundle } from "../ports/fs.js";
import { bundleFiles } from "../render/files.js";
import { loadValidFleet } from "./fleetFile.js";
import type { Io } from "./io.js";

export function renderCommand(program: Command, io: Io): void {
  program
    .command("render")
    .description("render every cluster config, hub and tool as files into one folder")
    .argument("<file>", "fleet file (- reads it from standard input)")
    .option("--out-dir <dir>", "output folder (replaced whole on every render)")
    // -o is the output format on every other command; render once took it for the folder, so
    // it is caught here to say what to write instead of a bare "unknown option".
    .addOption(new Option("-o, --output <value>").hideHelp())
    .action(async (file: string, options: { outDir?: string; output?: string }) => {
      if (options.output !== undefined) {
        throw new UsageError(
          `render takes its output folder as --out-dir, not -o (-o is the output format of other commands)`,
          `hubfleet render ${file} --out-dir ${options.output}`,
        );
      }
      if (options.outDir === undefined) {
        throw new UsageError(
          "render needs an output folder",
          `hubfleet render ${file} --out-dir out`,
        );
      }
      // A fleet that cannot run on its node groups is refused, as validate refuses it.
      const fleet = await loadValidFleet(io, file, { extraChecks: checkFleetFits });
      // With the warm-up objects, which need the capacity model (src/capacity/warmup.ts).
      const files = bundleFiles(renderFleetWithWarmUp(fleet, { now: freezeClock()() }));
      const outDir = resolve(io.cwd, options.outDir);
      await writeBundle(outDir, files);
      const shown = relative(io.cwd, outDir) || ".";
      io.out(
        `rendered ${file === "-" ? "<stdin>" : file} (cluster ${fleet.name}, ${fleet.hubs.length} hub(s)) into ${shown}/:\n`,
      );
      for (const f of files) io.out(`  ${f.path}\n`);
    });
}
