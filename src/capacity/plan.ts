/**
 * plan-capacity as data: from a fleet and a price table to nodes per group at the busiest
 * and quietest moments of the week, the monthly cost by line, and what deserves a warning.
 * Pure and deterministic.
 */
import type { FleetModel } from "../fleet/model.js";
import { type Finding, formatPath } from "../fleet/problems.js";
import { packNodes, podsPerNode } from "./binpack.js";
import { type CostEstimate, DEFAULT_DRIVE_FILL, estimateCost } from "./cost.js";
import { fitFindings } from "./fit.js";
import { type FleetFootprint, footprintOf } from "./footprint.js";
import { planNodes } from "./model.js";
import { formatStretch, type GroupPlan, type UserLoad, userBatches } from "./nodes.js";
import type { PriceTable } from "./prices.js";
import { type TermPeriod, termPeriods } from "./terms.js";
import { type HubWarmUp, hubWarmUp, usersPerNode } from "./warmup.js";
import type { FleetWorkloads, PodRequest } from "./workloads.js";

/** A user's guarantee that leaves more than this share of a node unusable by the hub's users. */
export const WASTE_THRESHOLD = 0.3;

export interface HubCapacity {
  readonly name: string;
  readonly scheduled: boolean;
  /** Concurrent users at the hub's own busiest moment, and at its quietest. */
  readonly peakUsers: number;
  readonly idleUsers: number;
  /** Its users at the fleet's busiest moment. */
  readonly usersAtFleetPeak: number;
  readonly placeholders: number;
  /** What each user server requests. */
  readonly request: PodRequest;
  /** How many of its users one empty user node holds, and what runs out first. */
  readonly usersPerNode: { readonly count: number; readonly limit: "cpu" | "memory" | "pods" };
  /** Placeholders outside sessions and from each session's warm-up to its end (warmup.ts). */
  readonly warmUp: HubWarmUp;
}

export interface CapacityPlan {
  readonly fleet: string;
  readonly provider: "eks" | "local";
  /** cluster.region */
  readonly region: string;
  readonly groups: readonly GroupPlan[];
  readonly busiest: { readonly when: string; readonly sessions: readonly string[] };
  readonly hubs: readonly HubCapacity[];
  /** What each hub adds whatever its users do, and the fleet's shared parts (once). */
  readonly footprint: FleetFootprint;
  /** Absent for a local cluster: it costs no cloud money. */
  readonly cost?: CostEstimate;
  /**
   * With terms: the calendar cut at every hub's wake and sleep, the hubs awake in each period and
   * the nodes they need (the figures above count every hub awake). Absent without terms.
   */
  readonly terms?: readonly TermPeriod[];
  /** Why the fleet cannot run as planned: what `hubfleet validate` refuses it for. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface CapacityOptions {
  readonly prices: PriceTable;
  /** Share of each drive holding data, for the backup estimate. */
  readonly driveFill?: number;
  /** Price the fleet in this region rather than cluster.region (to compare regions). */
  readonly priceRegion?: string;
}

export function planCapacity(fleet: FleetModel, options: CapacityOptions): CapacityPlan {
  const nodes = planNodes(fleet);
  const { bundle, workloads, timeline, groups, users, loads } = nodes;
  const fit = fitFindings(fleet, nodes);
  const peakLoad = loads.find((l) => l.stretch.start === users.peak.start) as UserLoad;
  const hubs = fleet.hubs.map((hub, i): HubCapacity => {
    const pods = workloads.users[i];
    const request = pods?.request ?? { cpuMillis: 0, memoryMiB: 0 };
    const week = timeline.map((s) => s.users[i] ?? 0);
    return {
      name: hub.name,
      scheduled: hub.schedule.length > 0,
      peakUsers: Math.max(...week),
      idleUsers: Math.min(...week),
      usersAtFleetPeak: peakLoad.stretch.users[i] ?? 0,
      placeholders: pods?.placeholders ?? 0,
      request,
      usersPerNode: podsPerNode(users.room, request),
      warmUp: hubWarmUp(hub, usersPerNode(users, request), users.maxSize),
    };
  });
  const costWith = (nodeGroups: readonly GroupPlan[]) =>
    estimateCost({
      fleet,
      groups: nodeGroups,
      hubReleases: bundle.releases.filter((r) => r.hub !== undefined),
      prices: options.prices,
      driveFill: options.driveFill ?? DEFAULT_DRIVE_FILL,
      ...(options.priceRegion ? { priceRegion: options.priceRegion } : {}),
    });
  const cost = fleet.cluster.provider === "eks" ? costWith(groups) : undefined;
  // A month at each period's rate: the nodes of the hubs awake then, and the storage and
  // backups of every hub (a sleeping hub keeps its drive and database).
  const periods = termPeriods(
    fleet,
    cost ? (periodGroups) => costWith(periodGroups).totalUsd : undefined,
  );
  return {
    fleet: fleet.name,
    provider: fleet.cluster.provider,
    region: fleet.cluster.region,
    groups,
    busiest: {
      when: formatStretch(peakLoad.stretch.start, peakLoad.stretch.end),
      sessions: peakLoad.stretch.sessions,
    },
    hubs,
    footprint: footprintOf(workloads),
    ...(cost ? { cost } : {}),
    ...(periods.length > 0 ? { terms: periods } : {}),
    errors: fit.filter((f) => f.severity === "error").map(findingText),
    warnings: [
      ...fit.filter((f) => f.severity === "warning").map(findingText),
      ...(users.room.pods >= 1 ? unplaceableWarnings(workloads, users, hubs) : []),
      ...wasteWarnings(users, hubs),
      ...gpuWarnings(fleet),
    ],
  };
}

/** The GPU group is rendered and validated, but not yet planned or priced: said, not hidden. */
function gpuWarnings(fleet: FleetModel): string[] {
  const g = fleet.gpuGroup;
  if (!g) return [];
  return [
    `cluster.nodeGroups.jhgpu (${g.instanceType}, ${g.minSize}..${g.maxSize} nodes) is not in this plan or its cost: GPU servers are not modelled yet; add its node-hours by hand`,
  ];
}

/** A finding as one line of the plan: "field: what is wrong (fix: …)". */
function findingText(f: Finding): string {
  return `${formatPath(f.path)}: ${f.message}${f.hint ? ` (fix: ${f.hint})` : ""}`;
}

function unplaceableWarnings(
  workloads: FleetWorkloads,
  users: GroupPlan,
  hubs: readonly HubCapacity[],
): string[] {
  const one = hubs.map(() => 1);
  return packNodes(users.room, userBatches(workloads, one)).unplaceable.map(
    (p) =>
      `a user server of hub ${p.key} fits on no ${users.instanceType} node: after the per-node agents a node has ${Math.round(users.room.cpuMillis)}m CPU, ${Math.round(users.room.memoryMiB)} MiB and ${users.room.pods} pod(s) left`,
  );
}

function wasteWarnings(users: GroupPlan, hubs: readonly HubCapacity[]): string[] {
  const room = users.room;
  const stops = { pods: "the pod limit", cpu: "CPU", memory: "memory" } as const;
  return hubs.flatMap((hub) => {
    const k = hub.usersPerNode.count;
    if (k < 1 || !Number.isFinite(k)) return [];
    const unused = {
      CPU: room.cpuMillis > 0 ? 1 - (k * hub.request.cpuMillis) / room.cpuMillis : 0,
      memory: room.memoryMiB > 0 ? 1 - (k * hub.request.memoryMiB) / room.memoryMiB : 0,
    };
    const wasted = (["CPU", "memory"] as const).filter((r) => unused[r] > WASTE_THRESHOLD);
    if (wasted.length === 0) return [];
    return [
      `hub ${hub.name}: a ${users.instanceType} user node holds ${k} of its users (${stops[hub.usersPerNode.limit]} runs out first), leaving ${wasted.map((r) => `${Math.round(unused[r] * 100)} % of its ${r}`).join(" and ")} unusable by them; guarantees in the node's proportion (${Math.round(room.cpuMillis)}m CPU to ${Math.round(room.memoryMiB)} MiB) or another instance type waste less`,
    ];
  });
}
