/**
 * Loading a fleet file for a command (`-` reads it from standard input): warnings printed,
 * errors thrown as one FleetError.
 */
import { resolve } from "node:path";
import { type ExtraCheck, type LoadResult, loadFleetFile } from "../fleet/load.js";
import type { FleetModel } from "../fleet/model.js";
import { FleetError, type Problem } from "../fleet/problems.js";
import type { Io } from "./io.js";
import { problemLine } from "./style.js";

/** How problems name a fleet file read from standard input (`<stdin>:line:col`). */
export const STDIN_NAME = "<stdin>";

/** The fleet file's problems, each naming the file as the user gave it (or `<stdin>`). */
export async function loadFleetSource(
  io: Io,
  file: string,
  options: { readonly extraChecks?: ExtraCheck } = {},
): Promise<LoadResult & { readonly shown: string; readonly problems: readonly Problem[] }> {
  const stdin = file === "-";
  const shown = stdin ? STDIN_NAME : file;
  const result = stdin
    ? await loadFleetFile(STDIN_NAME, { text: await io.readStdin(), baseDir: io.cwd, ...options })
    : await loadFleetFile(resolve(io.cwd, file), options);
  return { ...result, shown, problems: result.problems.map((p) => ({ ...p, file: shown })) };
}

/**
 * The fleet, or a FleetError with every problem. `extraChecks` adds checks of a higher layer
 * (render and apply pass the capacity model's, so they act on no fleet validate refuses).
 */
export async function loadValidFleet(
  io: Io,
  file: string,
  options: { readonly extraChecks?: ExtraCheck } = {},
): Promise<FleetModel> {
  const { fleet, problems } = await loadFleetSource(io, file, options);
  if (!fleet) throw new FleetError(problems);
  for (const warning of problems) io.err(`${problemLine(io, warning)}\n`);
  return fleet;
}
