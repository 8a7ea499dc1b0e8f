/**
 * The month's cost report: Prometheus' per-hub sums (costQueries.ts) put on the fleet's hubs,
 * grouped by charge code, with each hub's idle servers and its culling setting, and written as
 * CSV. Pure arithmetic and text; querying Prometheus happens in apply/prometheusQuery.ts.
 */
import {
  COST_PARTS,
  type CostPart,
  IDLE_CPU_CORES,
  IDLE_CPU_WINDOW,
} from "../render/tools/costRules.js";
import { type CostWindow, REPORT_STEP_SECONDS } from "./costQueries.js";
import { type CullingWhatIf, type IdleSeries, idleStretches } from "./idleStretches.js";

/** The group of hubs without a charge code (and of namespaces no longer in the fleet). */
export const UNASSIGNED = "unassigned";

export interface FleetHubCost {
  readonly name: string;
  readonly chargeCode?: string;
  readonly cullingTimeoutSeconds: number;
}

/** One series of an instant query: its labels and value. */
export interface CostSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface CostReportInput {
  readonly window: CostWindow;
  readonly hubs: readonly FleetHubCost[];
  readonly parts: readonly CostSample[];
  readonly idleUsd: readonly CostSample[];
  readonly idleHours: readonly CostSample[];
  /** Idle user servers' samples over the window (costQueries' idleServers). */
  readonly idleServers?: readonly IdleSeries[];
}

export interface HubCostLine {
  readonly hub: string;
  readonly chargeCode: string;
  /** False for a namespace Prometheus recorded that the fleet file no longer has. */
  readonly inFleet: boolean;
  readonly parts: Readonly<Record<CostPart, number>>;
  readonly totalUsd: number;
  readonly idle: {
    readonly usd: number;
    readonly serverHours: number;
    /** hubs[].culling.timeout; absent for a hub no longer in the fleet. */
    readonly cullingTimeoutSeconds?: number;
    /** Unbroken idle runs of its servers, and the longest in hours. */
    readonly stretches: number;
    readonly longestStretchHours: number;
    /**
     * Idle time (and its dollars) past the culling timeout, then past half of it, into a
     * stretch: what stopping servers after that much idleness would have saved.
     */
    readonly culledAfter: readonly CullingWhatIf[];
  };
}

export interface ChargeGroup {
  readonly chargeCode: string;
  readonly hubs: readonly HubCostLine[];
  readonly totalUsd: number;
}

export interface CostReport {
  readonly month: string;
  /** ISO times the figures cover; `partial` when the month is not over. */
  readonly from: string;
  readonly to: string;
  readonly partial: boolean;
  readonly currency: "USD";
  readonly groups: readonly ChargeGroup[];
  readonly totalUsd: number;
  readonly idleRule: string;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Values by namespace (and part), skipping NaN: a rule that divided by nothing. */
function byNamespace(samples: readonly CostSample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const ns = s.labels.namespace;
    if (ns === undefined || !Number.isFinite(s.value)) continue;
    out.set(ns, (out.get(ns) ?? 0) + s.value);
  }
  return out;
}

export function buildCostReport(input: CostReportInput): CostReport {
  const parts = new Map<string, Record<CostPart, number>>();
  const zero = (): Record<CostPart, number> =>
    Object.fromEntries(COST_PARTS.map((p) => [p, 0])) as Record<CostPart, number>;
  for (const s of input.parts) {
    const { namespace, part } = s.labels;
    if (namespace === undefined || !Number.isFinite(s.value)) continue;
    if (!(COST_PARTS as readonly string[]).includes(part ?? "")) continue;
    const row = parts.get(namespace) ?? zero();
    row[part as CostPart] += s.value;
    parts.set(namespace, row);
  }
  const idleUsd = byNamespace(input.idleUsd);
  const idleHours = byNamespace(input.idleHours);
  const fleetHubs = new Map(input.hubs.map((h) => [h.name, h]));
  const stretches = idleStretches(
    input.idleServers ?? [],
    REPORT_STEP_SECONDS,
    (hub) => fleetHubs.get(hub)?.cullingTimeoutSeconds,
  );
  // Every hub of the fleet gets a line (zero when Prometheus has nothing), and every namespace
  // Prometheus charged (a hub deleted during the month still cost money).
  const names = [...new Set([...input.hubs.map((h) => h.name), ...parts.keys()])];
  const lines: HubCostLine[] = names.map((hub) => {
    const spec = fleetHubs.get(hub);
    const row = parts.get(hub) ?? zero();
    const timeout = spec?.cullingTimeoutSeconds;
    return {
      hub,
      chargeCode: spec?.chargeCode ?? UNASSIGNED,
      inFleet: spec !== undefined,
      parts: row,
      totalUsd: sum(Object.values(row)),
      idle: {
        usd: idleUsd.get(hub) ?? 0,
        serverHours: idleHours.get(hub) ?? 0,
        ...(timeout !== undefined ? { cullingTimeoutSeconds: timeout } : {}),
        stretches: stretches.get(hub)?.stretches ?? 0,
        longestStretchHours: stretches.get(hub)?.longestHours ?? 0,
        culledAfter: stretches.get(hub)?.culledAfter ?? [],
      },
    };
  });
  const codes = [...new Set(lines.map((l) => l.chargeCode))].sort((a, b) =>
    a === UNASSIGNED ? 1 : b === UNASSIGNED ? -1 : a.localeCompare(b),
  );
  const groups = codes.map((chargeCode): ChargeGroup => {
    const hubs = lines
      .filter((l) => l.chargeCode === chargeCode)
      .sort((a, b) => a.hub.localeCompare(b.hub));
    return { chargeCode, hubs, totalUsd: sum(hubs.map((h) => h.totalUsd)) };
  });
  return {
    month: input.window.month,
    from: new Date(input.window.start * 1000).toISOString(),
    to: new Date(input.window.end * 1000).toISOString(),
    partial: input.window.partial,
    currency: "USD",
    groups,
    totalUsd: sum(groups.map((g) => g.totalUsd)),
    idleRule: `idle = its containers use less than ${IDLE_CPU_CORES} cores, averaged over ${IDLE_CPU_WINDOW}`,
  };
}

/** Dollars to cents, as finance reads them. */
export const cents = (usd: number) => usd.toFixed(2);

const CSV_COLUMNS = [
  "month",
  "charge_code",
  "hub",
  ...COST_PARTS.map((p) => `${p}_usd`),
  "total_usd",
  "idle_usd",
  "idle_server_hours",
  "culling_timeout_seconds",
] as const;

/** One line per hub, no totals (a spreadsheet adds them); charge codes hold no commas or quotes. */
export function costCsv(report: CostReport): string {
  const rows = report.groups.flatMap((g) =>
    g.hubs.map((h) => [
      report.month,
      h.chargeCode,
      h.hub,
      ...COST_PARTS.map((p) => cents(h.parts[p])),
      cents(h.totalUsd),
      cents(h.idle.usd),
      h.idle.serverHours.toFixed(1),
      h.idle.cullingTimeoutSeconds === undefined ? "" : String(h.idle.cullingTimeoutSeconds),
    ]),
  );
  return `${[CSV_COLUMNS, ...rows].map((r) => r.join(",")).join("\n")}\n`;
}

const hours = (h: number) => `${h.toFixed(1)} h`;

/** The idle lines: what idle servers cost, and what culling them sooner would have saved. */
export function idleLines(report: CostReport): string[] {
  return report.groups
    .flatMap((g) => g.hubs)
    .filter((h) => h.idle.serverHours > 0)
    .map((h) => {
      const { cullingTimeoutSeconds: timeout, culledAfter } = h.idle;
      const head = `${h.hub}: ${h.idle.serverHours.toFixed(1)} idle server-hours, $${cents(h.idle.usd)}`;
      if (timeout === undefined) return `${head}; the hub is no longer in the fleet file`;
      const [atTimeout, atHalf] = culledAfter;
      const stretch =
        h.idle.stretches > 0
          ? `, in ${h.idle.stretches} stretch(es), the longest ${hours(h.idle.longestStretchHours)}`
          : "";
      const past =
        atTimeout && atTimeout.serverHours > 0
          ? `; ${hours(atTimeout.serverHours)} ($${cents(atTimeout.usd)}) of it past culling.timeout ${timeout} s — the culler saw activity from these servers (an open tab?) or culling is off`
          : `; none of it past culling.timeout ${timeout} s`;
      const half =
        atHalf && atHalf.serverHours > 0
          ? `; stopping servers after ${atHalf.timeoutSeconds} s of idleness would have saved $${cents(atHalf.usd)} (${hours(atHalf.serverHours)})`
          : "";
      return `${head}${stretch}${past}${half}`;
    });
}
