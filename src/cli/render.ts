/** `hubfleet render FILE -o DIR`: everything as files, deterministic, offline, all or nothing. */
import { relative, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { loadFleetFile } from "../fleet/load.js";
import { FleetError, formatProblem } from "../fleet/problems.js";
import { writeBundle } from "../ports/fs.js";
import { renderFleet } from "../render/index.js";
import type { Io } from "./io.js";

export function renderCommand(program: Command, io: Io): void {
  program
    .command("render")
    .description("render the cluster configs (and later hubs and tools) as files")
    .argument("<file>", "fleet file")
    .option("-o, --out <dir>", "output folder (replaced whole on every render)")
    .option("--out-dir <dir>", "the same as --out (the name the documentation uses)")
    .action(async (file: string, options: { out?: string; outDir?: string }) => {
      const out = options.outDir ?? options.out;
      if (out === undefined) throw new UsageError("render needs --out-dir DIR");
      const result = await loadFleetFile(resolve(io.cwd, file));
      const problems = result.problems.map((p) => ({ ...p, file }));
      if (!result.fleet) throw new FleetError(problems);
      for (const warning of problems) io.err(`${formatProblem(warning)}\n`);
      const bundle = renderFleet(result.fleet);
      const outDir = resolve(io.cwd, out);
      await writeBundle(outDir, bundle);
      const shown = relative(io.cwd, outDir) || ".";
      io.out(
        `rendered ${file} (cluster ${result.fleet.name}, ${result.fleet.hubs.length} hub(s)) into ${shown}/:\n`,
      );
      for (const f of bundle.files) io.out(`  ${f.path}\n`);
    });
}
