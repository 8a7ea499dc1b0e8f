/**
 * Colour for a terminal: red for errors, yellow for warnings, green for what is fine. Callers
 * pass whether the stream takes colour (Io.colour), so piped output and NO_COLOR stay plain.
 */
import { formatProblem, type Problem } from "../fleet/problems.js";
import type { Io } from "./io.js";

const CODES = { red: 31, green: 32, yellow: 33 } as const;
export type Colour = keyof typeof CODES;

export function paint(enabled: boolean, colour: Colour, text: string): string {
  return enabled ? `\x1b[${CODES[colour]}m${text}\x1b[39m` : text;
}

/** A fleet problem as validate prints it (to stderr), its severity coloured. */
export function problemLine(io: Io, problem: Problem): string {
  const line = formatProblem(problem);
  if (!io.colour.err) return line;
  const word = `${problem.severity}:`;
  return line.replace(word, paint(true, problem.severity === "error" ? "red" : "yellow", word));
}
