/**
 * The node plan: from a fleet to the pods its rendered bundle runs and the nodes each group
 * needs through the week. The one model behind `plan-capacity` (which prints and prices it) and
 * `validate` (which refuses a fleet it shows cannot run, see fit.ts). Pure and deterministic.
 */
import type { FleetModel } from "../fleet/model.js";
import type { Bundle } from "../render/bundle.js";
import { renderFleet } from "../render/index.js";
import { type GroupPlan, planCoreGroup, planUserGroup, type UserLoad } from "./nodes.js";
import { type Stretch, weeklyTimeline } from "./timeline.js";
import { type FleetWorkloads, fleetWorkloads } from "./workloads.js";

export interface NodePlan {
  readonly bundle: Bundle;
  readonly workloads: FleetWorkloads;
  readonly timeline: readonly Stretch[];
  /** clustertools, jhcontrolplane, jhusers. */
  readonly groups: readonly GroupPlan[];
  readonly users: GroupPlan;
  /** The user group at every stretch of the week. */
  readonly loads: readonly UserLoad[];
}

export function planNodes(fleet: FleetModel, bundle: Bundle = renderFleet(fleet)): NodePlan {
  const workloads = fleetWorkloads(fleet, bundle);
  const timeline = weeklyTimeline(fleet.hubs);
  const { plan: users, loads } = planUserGroup(fleet, workloads, timeline);
  return {
    bundle,
    workloads,
    timeline,
    groups: [
      planCoreGroup(fleet, workloads, "clustertools"),
      planCoreGroup(fleet, workloads, "jhcontrolplane"),
      users,
    ],
    users,
    loads,
  };
}
