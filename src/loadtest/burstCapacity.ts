/**
 * What the capacity model says about a burst on one hub: the user nodes its servers need at
 * the least (lower bound) and as packed (first-fit decreasing, as plan-capacity packs), the
 * placeholders hubfleet's warm-up would hold for the session, and what user nodes cost an hour.
 * The same model as `plan-capacity` (users × requests on the user instance type). Pure.
 */
import { lowerBound, packNodes } from "../capacity/binpack.js";
import { planNodes } from "../capacity/model.js";
import { type RegionPrices, regionPrices } from "../capacity/prices.js";
import type { PodRequest } from "../capacity/workloads.js";
import type { FleetModel } from "../fleet/model.js";
import { fleetPriceTable } from "../fleet/priceTable.js";

export interface BurstCapacity {
  readonly hub: string;
  readonly users: number;
  readonly instanceType: string;
  /** What each user server requests. */
  readonly request: PodRequest;
  /** Nodes no packing can beat for the burst's servers alone. */
  readonly lowerBound: number;
  /** Nodes first-fit decreasing needs for them (what plan-capacity counts). */
  readonly packed: number;
  /**
   * The placeholders hubfleet's warm-up holds before the session: one per expected login, of
   * the user server's size, so the nodes the class needs are up before it logs in.
   */
  readonly warmPlaceholders: number;
  /** On-demand price of one user node an hour (USD), when the price table has it. */
  readonly nodeHourlyUsd?: number;
}

export function burstCapacity(fleet: FleetModel, hubName: string, users: number): BurstCapacity {
  const plan = planNodes(fleet);
  const hub = plan.workloads.users.find((h) => h.hub === hubName);
  if (!hub) throw new Error(`no hub ${hubName} in the fleet (validated names only)`);
  const batch = [{ key: hubName, count: users, request: hub.request }];
  const prices: RegionPrices | undefined = (() => {
    try {
      return regionPrices(fleetPriceTable(fleet.spec), fleet.cluster.region);
    } catch {
      return undefined;
    }
  })();
  const price = prices?.ec2Hourly[plan.users.instanceType]?.usd;
  return {
    hub: hubName,
    users,
    instanceType: plan.users.instanceType,
    request: hub.request,
    lowerBound: lowerBound(plan.users.room, batch).nodes,
    packed: packNodes(plan.users.room, batch).nodes,
    warmPlaceholders: users,
    ...(price !== undefined ? { nodeHourlyUsd: price } : {}),
  };
}
