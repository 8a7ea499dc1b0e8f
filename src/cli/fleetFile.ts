/** Loading a fleet file for a command: warnings printed, errors thrown as one FleetError. */
import { resolve } from "node:path";
import { loadFleetFile } from "../fleet/load.js";
import type { FleetModel } from "../fleet/model.js";
import { FleetError, formatProblem } from "../fleet/problems.js";
import type { Io } from "./io.js";

export async function loadValidFleet(io: Io, file: string): Promise<FleetModel> {
  const result = await loadFleetFile(resolve(io.cwd, file));
  const problems = result.problems.map((p) => ({ ...p, file }));
  if (!result.fleet) throw new FleetError(problems);
  for (const warning of problems) io.err(`${formatProblem(warning)}\n`);
  return result.fleet;
}
