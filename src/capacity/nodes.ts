/**
 * Nodes per group: the core groups hold a fixed set of pods; the user group's load follows the
 * week (users of every hub at each moment, plus placeholders), packed onto its nodes.
 */
import { groupAllocatable as allocatableOf, type PodNetwork } from "../fleet/instanceTypes.js";
import type { FleetModel, NodeGroupModel } from "../fleet/model.js";
import type { NodeGroupName } from "../fleet/schema.js";
import { type LowerBound, lowerBound, type NodeRoom, type PodBatch, packNodes } from "./binpack.js";
import { formatWeekMinute, MINUTES_PER_WEEK, type Stretch } from "./timeline.js";
import type { FleetWorkloads, PodRequest, Workload } from "./workloads.js";

export interface NodeCount {
  /** Nodes the pods need (first-fit decreasing). */
  readonly needed: number;
  /** What the autoscaler runs: needed, at least minSize, at most maxSize. */
  readonly nodes: number;
  readonly lowerBound: LowerBound;
}

export interface GroupPlan {
  readonly name: NodeGroupName;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly spot: boolean;
  readonly volumeSize: number;
  /** Set when the fleet file sets kubelet's maxPods for the group. */
  readonly maxPodsPerNode?: number;
  /** Where the group's pods take addresses (custom networking leaves the primary interface out). */
  readonly podNetwork: PodNetwork;
  /** What one node offers to pods (the kubelet's reserves taken off). */
  readonly allocatable: NodeRoom;
  /** What the per-node agents take of every node. */
  readonly agents: { readonly pods: number } & PodRequest;
  /** What is left on each node for the group's other pods. */
  readonly room: NodeRoom;
  readonly peak: NodeCount & { readonly start: number; readonly end: number };
  readonly idle: NodeCount;
  /** Node-hours in a week (nodes × hours, summed over the week). */
  readonly nodeHoursPerWeek: number;
}

export interface UserLoad {
  readonly stretch: Stretch;
  readonly count: NodeCount;
}

export function groupAllocatable(group: NodeGroupModel): NodeRoom {
  const a = allocatableOf(group);
  if (!a)
    throw new Error(
      `unknown instance type ${group.instanceType} (validation should have caught it)`,
    );
  return { cpuMillis: a.cpuMillis, memoryMiB: a.memoryMiB, pods: a.pods };
}

function agentsOf(perNode: readonly Workload[]) {
  return perNode.reduce(
    (sum, w) => ({
      pods: sum.pods + 1,
      cpuMillis: sum.cpuMillis + w.request.cpuMillis,
      memoryMiB: sum.memoryMiB + w.request.memoryMiB,
    }),
    { pods: 0, cpuMillis: 0, memoryMiB: 0 },
  );
}

function count(group: NodeGroupModel, room: NodeRoom, batches: readonly PodBatch[]): NodeCount {
  const needed = packNodes(room, batches).nodes;
  return {
    needed,
    nodes: Math.min(group.maxSize, Math.max(group.minSize, needed)),
    lowerBound: lowerBound(room, batches),
  };
}

const batchesOf = (workloads: readonly Workload[]): PodBatch[] =>
  workloads.map((w) => ({ key: w.name, count: w.replicas, request: w.request }));

/** The user pods at one moment: each hub's servers plus its placeholders. */
export function userBatches(workloads: FleetWorkloads, users: readonly number[]): PodBatch[] {
  return [
    ...batchesOf(workloads.fixed.jhusers),
    ...workloads.users.map((hub, i) => ({
      key: hub.hub,
      count: (users[i] ?? 0) + hub.placeholders,
      request: hub.request,
    })),
  ];
}

function shape(fleet: FleetModel, workloads: FleetWorkloads, name: NodeGroupName) {
  const group = fleet.nodeGroups[name];
  const node = groupAllocatable(group);
  const agents = agentsOf(workloads.perNode[name]);
  const room: NodeRoom = {
    cpuMillis: node.cpuMillis - agents.cpuMillis,
    memoryMiB: node.memoryMiB - agents.memoryMiB,
    pods: node.pods - agents.pods,
  };
  return {
    group,
    base: {
      name,
      instanceType: group.instanceType,
      minSize: group.minSize,
      maxSize: group.maxSize,
      spot: group.spot,
      volumeSize: group.volumeSize,
      ...(group.maxPodsPerNode !== undefined ? { maxPodsPerNode: group.maxPodsPerNode } : {}),
      podNetwork: group.podNetwork,
      allocatable: node,
      agents,
      room,
    },
  };
}

/** A core group: the same pods all week. */
export function planCoreGroup(
  fleet: FleetModel,
  workloads: FleetWorkloads,
  name: "clustertools" | "jhcontrolplane",
): GroupPlan {
  const { group, base } = shape(fleet, workloads, name);
  const c = count(group, base.room, batchesOf(workloads.fixed[name]));
  return {
    ...base,
    peak: { ...c, start: 0, end: MINUTES_PER_WEEK },
    idle: c,
    nodeHoursPerWeek: (c.nodes * MINUTES_PER_WEEK) / 60,
  };
}

/** The user group through the week; the busiest stretch first among equals in time. */
export function planUserGroup(
  fleet: FleetModel,
  workloads: FleetWorkloads,
  timeline: readonly Stretch[],
): { plan: GroupPlan; loads: UserLoad[] } {
  const { group, base } = shape(fleet, workloads, "jhusers");
  const loads = timeline.map((stretch) => ({
    stretch,
    count: count(group, base.room, userBatches(workloads, stretch.users)),
  }));
  const first = loads[0] as UserLoad;
  const peak = loads.reduce((a, b) => (b.count.needed > a.count.needed ? b : a), first);
  const idle = loads.reduce((a, b) => (b.count.needed < a.count.needed ? b : a), first);
  const nodeHoursPerWeek = loads.reduce(
    (sum, l) => sum + (l.count.nodes * (l.stretch.end - l.stretch.start)) / 60,
    0,
  );
  return {
    plan: {
      ...base,
      peak: { ...peak.count, start: peak.stretch.start, end: peak.stretch.end },
      idle: idle.count,
      nodeHoursPerWeek,
    },
    loads,
  };
}

/** "mon 09:00-10:30", or "all week" for a load that never changes. */
export function formatStretch(start: number, end: number): string {
  if (start === 0 && end === MINUTES_PER_WEEK) return "all week";
  const to = formatWeekMinute(end % MINUTES_PER_WEEK);
  const sameDay = Math.floor(start / 1440) === Math.floor((end - 1) / 1440);
  return `${formatWeekMinute(start)}-${sameDay ? (end % 1440 === 0 ? "24:00" : to.slice(4)) : to}`;
}
