/**
 * A burst's outcome as figures and as the table `load-test` and the class-start bench print:
 * login→ready percentiles, 429s, failures, nodes used against the capacity model's bound. Pure.
 */
import type { BurstCapacity } from "./burstCapacity.js";

/** One student's login as the driver saw it. */
export interface StudentResult {
  readonly user: string;
  /** When the student logged in, ms from the burst's start (the arrival curve's moment). */
  readonly arrivalMs: number;
  /** Login → JupyterHub reports the server ready; absent when it never was. */
  readonly readyMs?: number;
  /** 429 answers this student got from the spawn limit before the hub took the spawn. */
  readonly throttled: number;
  /** Why the student was not served. */
  readonly failure?: string;
}

export interface BurstResult {
  readonly hub: string;
  readonly run: string;
  readonly users: number;
  readonly overMs: number;
  readonly students: readonly StudentResult[];
  /** Distinct nodes the test users' servers ran on (from the cluster), when it was read. */
  readonly nodesUsed?: number;
  /** Test users removed afterwards, and those that could not be (with why). */
  readonly removed: number;
  readonly leftBehind: readonly { readonly user: string; readonly message: string }[];
  /** Set when the burst was cut short (Ctrl-C): the students not yet logged in never did. */
  readonly interrupted?: boolean;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export interface BurstSummary {
  readonly hub: string;
  readonly run: string;
  readonly users: number;
  readonly overMs: number;
  readonly loggedIn: number;
  readonly served: number;
  readonly loginToReadyMs: {
    readonly p50?: number;
    readonly p95?: number;
    readonly max?: number;
  };
  /** 429 answers in all, and how many students got at least one. */
  readonly throttled429: number;
  readonly studentsThrottled: number;
  readonly failures: readonly { readonly user: string; readonly message: string }[];
  readonly nodes: {
    readonly used?: number;
    readonly lowerBound?: number;
    readonly packed?: number;
    readonly instanceType?: string;
  };
  readonly removed: number;
  readonly leftBehind: readonly { readonly user: string; readonly message: string }[];
  readonly interrupted: boolean;
}

export function summarize(result: BurstResult, capacity?: BurstCapacity): BurstSummary {
  const ready = result.students.flatMap((s) => (s.readyMs !== undefined ? [s.readyMs] : []));
  const p50 = percentile(ready, 50);
  const p95 = percentile(ready, 95);
  const max = percentile(ready, 100);
  return {
    hub: result.hub,
    run: result.run,
    users: result.users,
    overMs: result.overMs,
    loggedIn: result.students.length,
    served: ready.length,
    loginToReadyMs: {
      ...(p50 !== undefined ? { p50 } : {}),
      ...(p95 !== undefined ? { p95 } : {}),
      ...(max !== undefined ? { max } : {}),
    },
    throttled429: result.students.reduce((n, s) => n + s.throttled, 0),
    studentsThrottled: result.students.filter((s) => s.throttled > 0).length,
    failures: result.students.flatMap((s) =>
      s.failure !== undefined ? [{ user: s.user, message: s.failure }] : [],
    ),
    nodes: {
      ...(result.nodesUsed !== undefined ? { used: result.nodesUsed } : {}),
      ...(capacity
        ? {
            lowerBound: capacity.lowerBound,
            packed: capacity.packed,
            instanceType: capacity.instanceType,
          }
        : {}),
    },
    removed: result.removed,
    leftBehind: result.leftBehind,
    interrupted: result.interrupted === true,
  };
}

const sec = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);

/** Whether every student who logged in was served and nothing was left on the hub. */
export function burstOk(summary: BurstSummary): boolean {
  return (
    !summary.interrupted &&
    summary.failures.length === 0 &&
    summary.served === summary.users &&
    summary.leftBehind.length === 0
  );
}

/** The table: one figure a line, the way an operator reads it before term. */
export function burstTable(summary: BurstSummary): string {
  const { loginToReadyMs: t, nodes } = summary;
  const rows: Array<[string, string]> = [
    ["hub", `${summary.hub} (run ${summary.run})`],
    ["students", `${summary.users} over ${sec(summary.overMs)}, ${summary.loggedIn} logged in`],
    ["login → ready", `p50 ${sec(t.p50)}   p95 ${sec(t.p95)}   max ${sec(t.max)}`],
    ["served", `${summary.served} of ${summary.users}`],
    [
      "429s (spawn limit)",
      `${summary.throttled429} (${summary.studentsThrottled} student(s) had to retry)`,
    ],
    ["failures", String(summary.failures.length)],
    [
      "user nodes",
      `${nodes.used ?? "?"} used; capacity model: lower bound ${nodes.lowerBound ?? "?"}, packed ${nodes.packed ?? "?"}${nodes.instanceType ? ` (${nodes.instanceType})` : ""}`,
    ],
    [
      "test users",
      `${summary.removed} removed${summary.leftBehind.length > 0 ? `, ${summary.leftBehind.length} LEFT BEHIND` : ""}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const f of summary.failures.slice(0, 10)) lines.push(`  failed: ${f.user}: ${f.message}`);
  if (summary.failures.length > 10) lines.push(`  … and ${summary.failures.length - 10} more`);
  for (const l of summary.leftBehind) lines.push(`  left behind: ${l.user}: ${l.message}`);
  if (summary.interrupted) lines.push("interrupted: the students not yet logged in never did");
  return `${lines.join("\n")}\n`;
}
