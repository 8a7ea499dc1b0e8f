/**
 * Problems found in a fleet file, and the one error type that carries them to the CLI.
 */

export type FieldPath = ReadonlyArray<string | number>;

export interface Problem {
  readonly severity: "error" | "warning";
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. the file is missing). */
  readonly line: number;
  readonly column: number;
  /** Field path as people write it: hubs[2].resources.memory.limit ("" for the whole file). */
  readonly path: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
}

/** A problem before it is placed in a file: what the checks produce. */
export interface Finding {
  readonly severity: "error" | "warning";
  readonly path: FieldPath;
  readonly message: string;
  readonly hint?: string;
  /** Point at the key rather than its value (unknown fields). */
  readonly atKey?: boolean;
  /** Another place the problem involves (the first of two equal names): its line is named. */
  readonly seeAlso?: FieldPath;
}

export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (!/^[A-Za-z_$][\w$-]*$/.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function formatProblem(problem: Problem): string {
  const where =
    problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const field = problem.path === "" ? "" : ` ${problem.path}:`;
  const hint = problem.hint ? `\n    hint: ${problem.hint}` : "";
  return `${where}: ${problem.severity}:${field} ${problem.message}${hint}`;
}

/** Bad input: a fleet file (or a file it names) that hubfleet cannot use. */
export class FleetError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "FleetError";
    this.problems = problems;
  }
}
