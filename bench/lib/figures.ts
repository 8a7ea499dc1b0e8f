/**
 * What the bench reports: figures (a median over runs, its samples, a target, a baseline and the
 * ratio to it) and the table printed at the end.
 */

export type Op = "<" | "<=" | ">=" | "==";

export interface Target {
  /** What the target is about: the figure itself or its ratio to the baseline. */
  readonly on: "value" | "ratio";
  readonly op: Op;
  readonly value: number;
}

export interface Baseline {
  readonly name: string;
  readonly value: number;
  readonly samples: readonly number[];
}

export interface Figure {
  readonly section: string;
  readonly name: string;
  /** The median of `samples` (or a count, for figures that are counts). */
  readonly value: number;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly target?: Target;
  readonly baseline?: Baseline;
  /** baseline / value for times ("x faster"), value / baseline otherwise; see ratioMeaning. */
  readonly ratio?: number;
  readonly ratioMeaning?: string;
  /** true/false when there is a target; null when the figure is for information. */
  readonly pass: boolean | null;
  readonly note?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function meets(actual: number, op: Op, wanted: number): boolean {
  switch (op) {
    case "<":
      return actual < wanted;
    case "<=":
      return actual <= wanted;
    case ">=":
      return actual >= wanted;
    case "==":
      return actual === wanted;
  }
}

export interface FigureInput {
  readonly section: string;
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  /** Use this instead of the median (counts, totals). */
  readonly value?: number;
  readonly target?: Target;
  readonly baseline?: { readonly name: string; readonly samples: readonly number[] };
  /** "speedup": baseline / value (times); "relative": value / baseline. */
  readonly ratioKind?: "speedup" | "relative";
  readonly note?: string;
}

export function figure(input: FigureInput): Figure {
  const value = input.value ?? median(input.samples);
  const baseline = input.baseline
    ? {
        name: input.baseline.name,
        samples: input.baseline.samples,
        value: median(input.baseline.samples),
      }
    : undefined;
  const kind = input.ratioKind ?? "speedup";
  const ratio = baseline
    ? kind === "speedup"
      ? baseline.value / value
      : value / baseline.value
    : undefined;
  const checked = input.target?.on === "ratio" ? ratio : value;
  const pass =
    input.target && checked !== undefined && Number.isFinite(checked)
      ? meets(checked, input.target.op, input.target.value)
      : input.target
        ? false
        : null;
  return {
    section: input.section,
    name: input.name,
    value,
    unit: input.unit,
    samples: input.samples,
    ...(input.target ? { target: input.target } : {}),
    ...(baseline ? { baseline } : {}),
    ...(ratio !== undefined
      ? {
          ratio,
          ratioMeaning:
            kind === "speedup" ? `${baseline?.name} time / this time` : `this / ${baseline?.name}`,
        }
      : {}),
    pass,
    ...(input.note ? { note: input.note } : {}),
  };
}

function formatNumber(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "ms" && value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (unit === "ms") return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  if (unit === "x") return `${value.toFixed(2)}x`;
  if (Number.isInteger(value)) return `${value}${unit ? ` ${unit}` : ""}`;
  return `${value.toFixed(2)}${unit ? ` ${unit}` : ""}`;
}

function formatTarget(f: Figure): string {
  if (!f.target) return "-";
  const unit = f.target.on === "ratio" ? "x" : f.unit;
  return `${f.target.on === "ratio" ? "ratio " : ""}${f.target.op} ${formatNumber(f.target.value, unit)}`;
}

/** The table printed at the end of a run: one row per figure. */
export function figureTable(figures: readonly Figure[]): string {
  const rows = [
    ["section", "figure", "value", "runs", "baseline", "ratio", "target", "result"],
    ...figures.map((f) => [
      f.section,
      f.name,
      formatNumber(f.value, f.unit),
      String(f.samples.length),
      f.baseline ? `${formatNumber(f.baseline.value, f.unit)} (${f.baseline.name})` : "-",
      f.ratio !== undefined ? `${f.ratio.toFixed(2)}x` : "-",
      formatTarget(f),
      f.pass === null ? "info" : f.pass ? "pass" : "MISS",
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join(
    "\n",
  );
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}
