/**
 * The fixed cost of one hub, measured from the rendered bundle: the pods (and their requests) a
 * hub adds to the core group whatever its users do, the pods it keeps on the user group while
 * nobody works, and the fleet's shared parts, which come once whatever the number of hubs.
 */
import type { FleetModel } from "../fleet/model.js";
import type { NodeGroupName } from "../fleet/schema.js";
import type { Bundle } from "../render/bundle.js";
import {
  type FleetWorkloads,
  fleetWorkloads,
  NO_REQUEST,
  type PodRequest,
  type Workload,
} from "./workloads.js";

/** One workload of the footprint: its pods, each pod's request, and where it runs. */
export interface FootprintPart {
  /** e.g. "stat101/hub", "fleet/user-scheduler". */
  readonly name: string;
  readonly group: NodeGroupName;
  /** Pods; for a per-node agent, pods on every node of the group. */
  readonly pods: number;
  readonly perNode: boolean;
  /** What each pod requests. */
  readonly request: PodRequest;
  readonly source: string;
}

/** Pods and the requests they add up to. */
export interface PodTotal extends PodRequest {
  readonly pods: number;
}

export interface HubFootprint {
  readonly hub: string;
  /** On jhcontrolplane, all week: the target is hub, proxy and drive, nothing else. */
  readonly core: PodTotal & { readonly parts: readonly FootprintPart[] };
  /**
   * On jhusers when none of the hub's users works: its per-node agents (pods on every user
   * node) and the placeholders it asks for. The target is no pod per node.
   */
  readonly userIdle: {
    readonly podsPerNode: number;
    readonly placeholders: number;
    readonly parts: readonly FootprintPart[];
  };
}

export interface FleetFootprint {
  readonly hubs: readonly HubFootprint[];
  /** Fleet-level pods rendered once for all hubs (shared parts, data set servers). */
  readonly shared: readonly FootprintPart[];
}

const part = (w: Workload, perNode: boolean): FootprintPart => ({
  name: w.name,
  group: w.group,
  pods: w.replicas,
  perNode,
  request: w.request,
  source: w.source,
});

function total(parts: readonly FootprintPart[]): PodTotal {
  return parts.reduce(
    (sum, p) => ({
      pods: sum.pods + p.pods,
      cpuMillis: sum.cpuMillis + p.pods * p.request.cpuMillis,
      memoryMiB: sum.memoryMiB + p.pods * p.request.memoryMiB,
    }),
    { pods: 0, ...NO_REQUEST },
  );
}

/** The footprint from workloads already read from a bundle (plan-capacity has them). */
export function footprintOf(workloads: FleetWorkloads): FleetFootprint {
  const fixed = [
    ...workloads.fixed.clustertools,
    ...workloads.fixed.jhcontrolplane,
    ...workloads.fixed.jhusers,
  ];
  // A per-node agent appears once per group it runs on; the hubs' and the fleet's are pinned.
  const perNode = workloads.perNode.jhusers;
  const hubs = workloads.users.map((user): HubFootprint => {
    const core = fixed.filter((w) => w.hub === user.hub && w.group !== "jhusers");
    const userFixed = fixed.filter((w) => w.hub === user.hub && w.group === "jhusers");
    const agents = perNode.filter((w) => w.hub === user.hub);
    const coreParts = core.map((w) => part(w, false));
    return {
      hub: user.hub,
      core: { ...total(coreParts), parts: coreParts },
      userIdle: {
        podsPerNode: agents.length,
        placeholders: user.placeholders + userFixed.reduce((n, w) => n + w.replicas, 0),
        parts: [...agents.map((w) => part(w, true)), ...userFixed.map((w) => part(w, false))],
      },
    };
  });
  const shared = [
    ...fixed.filter((w) => w.fleetLevel).map((w) => part(w, false)),
    ...perNode.filter((w) => w.fleetLevel).map((w) => part(w, true)),
  ];
  return { hubs, shared };
}

/**
 * Each hub's footprint and the fleet's shared parts, counted from the rendered objects and the
 * chart values that turn the chart's own parts on or off; plan-capacity prints it.
 */
export function hubFootprint(fleet: FleetModel, bundle: Bundle): FleetFootprint {
  return footprintOf(fleetWorkloads(fleet, bundle));
}
