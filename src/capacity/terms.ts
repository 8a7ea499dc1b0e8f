/**
 * The fleet through its terms: the calendar cut at every hub's wake and sleep, and for each
 * period the hubs awake and the nodes each group needs at its busiest moment of the week with
 * only those hubs. Sleeping hubs run nothing: this is what sleeping frees. Pure.
 */
import { DateTime } from "luxon";
import type { FleetModel } from "../fleet/model.js";
import type { NodeGroupName } from "../fleet/schema.js";
import { hubTermState, termWindow } from "../fleet/terms.js";
import { planNodes } from "./model.js";
import type { GroupPlan } from "./nodes.js";

export interface TermPeriod {
  /** First day ("YYYY-MM-DD", in the fleet's zone); absent: from the start of time. */
  readonly from?: string;
  /** The day after its last ("YYYY-MM-DD", exclusive); absent: open-ended. */
  readonly until?: string;
  readonly awake: readonly string[];
  readonly asleep: readonly string[];
  /** Nodes per group at the period's busiest moment of the week (what the autoscaler runs). */
  readonly nodes: Readonly<Record<NodeGroupName, number>>;
  /**
   * What a month costs at this period's rate (EKS only; set by planCapacity, which has the
   * prices): the awake hubs' nodes, every hub's storage and backups.
   */
  readonly monthlyUsd?: number;
}

/** The zone dates are shown in: hubDefaults' (the zone terms are written in), else UTC. */
function fleetZone(fleet: FleetModel): string {
  return fleet.spec.hubDefaults.timeZone ?? "UTC";
}

/**
 * Every period between term boundaries; empty when no hub has a term. With `monthlyUsd`, each
 * period is also priced from the node groups planned for its awake hubs.
 */
export function termPeriods(
  fleet: FleetModel,
  monthlyUsd?: (groups: readonly GroupPlan[]) => number,
): TermPeriod[] {
  const termed = fleet.hubs.filter((h) => h.term !== undefined);
  if (termed.length === 0) return [];
  const cuts = [
    ...new Set(
      termed.flatMap((hub) => {
        const w = hub.term ? termWindow(hub, hub.term) : undefined;
        return w ? [w.wakesAt.getTime(), w.sleepsAt.getTime()] : [];
      }),
    ),
  ].sort((a, b) => a - b);
  const zone = fleetZone(fleet);
  const day = (ms: number) => DateTime.fromMillis(ms, { zone }).toISODate() ?? "";
  const bounds: Array<[number | undefined, number | undefined]> = [
    [undefined, cuts[0]],
    ...cuts.map((c, i): [number, number | undefined] => [c, cuts[i + 1]]),
  ];
  return bounds.map(([from, until]) => {
    // Judged at the period's first instant (or just before the first cut).
    const at = new Date(from ?? (until ?? 0) - 1);
    const awake = fleet.hubs.filter((hub) => hubTermState(hub, at).state === "awake");
    const groups = planNodes({ ...fleet, hubs: awake }).groups;
    const count = (name: NodeGroupName) => groups.find((g) => g.name === name)?.peak.nodes ?? 0;
    return {
      ...(from !== undefined ? { from: day(from) } : {}),
      ...(until !== undefined ? { until: day(until) } : {}),
      awake: awake.map((h) => h.name),
      asleep: fleet.hubs.filter((h) => !awake.includes(h)).map((h) => h.name),
      nodes: {
        clustertools: count("clustertools"),
        jhcontrolplane: count("jhcontrolplane"),
        jhusers: count("jhusers"),
      },
      ...(monthlyUsd ? { monthlyUsd: monthlyUsd(groups) } : {}),
    };
  });
}
