/**
 * The PromQL `hubfleet cost` sends for a month: each recorded $/h series summed over the
 * month with a 5-minute subquery, times 5/60 h, so every sample stands for the 5 minutes before
 * it (docs/cost.md, "From rates to dollars"). Pure: the window and the query texts.
 */
import { UsageError } from "../errors.js";
import { COST_METRICS, COST_SAMPLE_SECONDS } from "../render/tools/costRules.js";

/** Each subquery sample stands for this many seconds of cost. */
export const REPORT_STEP_SECONDS = COST_SAMPLE_SECONDS;

export interface CostWindow {
  /** YYYY-MM. */
  readonly month: string;
  /** Unix seconds, both multiples of REPORT_STEP_SECONDS. */
  readonly start: number;
  readonly end: number;
  /** The month is not over: the window ends now. */
  readonly partial: boolean;
}

/** The calendar month (UTC) named `month` (YYYY-MM), or the current one; cut at `now`. */
export function monthWindow(month: string | undefined, now: Date): CostWindow {
  const name = month ?? now.toISOString().slice(0, 7);
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(name);
  if (!m) {
    throw new UsageError(
      `--month ${name} is not a month`,
      "write it as YYYY-MM, for example --month 2026-11",
    );
  }
  const year = Number(m[1]);
  const monthIndex = Number(m[2]) - 1;
  const start = Date.UTC(year, monthIndex, 1) / 1000;
  const next = Date.UTC(year, monthIndex + 1, 1) / 1000;
  const nowSeconds = Math.floor(now.getTime() / 1000 / REPORT_STEP_SECONDS) * REPORT_STEP_SECONDS;
  if (start >= nowSeconds) {
    throw new UsageError(
      `--month ${name} has not started yet`,
      "name this month or an earlier one",
    );
  }
  const partial = next > nowSeconds;
  return { month: name, start, end: partial ? nowSeconds : next, partial };
}

/** Dollars (or hours) of a $/h (or count) series over the window, by the given labels. */
function overWindow(metric: string, by: string, window: CostWindow): string {
  const range = window.end - window.start;
  return `sum by (${by}) (sum_over_time(${metric}[${range}s:${REPORT_STEP_SECONDS}s])) * ${REPORT_STEP_SECONDS} / 3600`;
}

export interface CostQueries {
  /** Dollars per hub and part. */
  readonly parts: string;
  /** Dollars of idle user servers per hub. */
  readonly idleUsd: string;
  /** Server-hours of idle user servers per hub. */
  readonly idleHours: string;
  /** Evaluate at this Unix time (the window's end). */
  readonly time: number;
  /** Each idle user server's $/h while idle: a range query over the window, at `step`. */
  readonly idleServers: {
    readonly query: string;
    readonly start: number;
    readonly end: number;
    readonly step: number;
  };
}

export function costQueries(window: CostWindow): CostQueries {
  return {
    parts: overWindow(COST_METRICS.hubCost, "namespace, part", window),
    idleUsd: overWindow(COST_METRICS.hubIdleCost, "namespace", window),
    idleHours: overWindow(COST_METRICS.hubIdleServers, "namespace", window),
    time: window.end,
    idleServers: {
      query: `sum by (namespace, pod) (${COST_METRICS.podCost} * on (namespace, pod) group_left () ${COST_METRICS.serverIdle}) > 0`,
      // The same instants the sums above count: (start, end].
      start: window.start + REPORT_STEP_SECONDS,
      end: window.end,
      step: REPORT_STEP_SECONDS,
    },
  };
}
