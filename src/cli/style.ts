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

/** The colour of a result word in a table: failures red, success green, anything else plain. */
function resultColour(text: string): Colour | undefined {
  if (/FAILED|^NOT |^PROBLEM|^failed/.test(text)) return "red";
  if (/^(RETAINED|warning)/.test(text)) return "yellow";
  if (/^(ok|ready|answering|applied|deployed)\b/.test(text) || / ok$/.test(text)) return "green";
  return undefined;
}

/** A table cell padded to `width`, its result word coloured (the padding stays outside). */
export function resultCell(enabled: boolean, text: string, width = 0): string {
  const colour = enabled ? resultColour(text) : undefined;
  const pad = " ".repeat(Math.max(0, width - text.length));
  return `${colour ? paint(true, colour, text) : text}${pad}`;
}
