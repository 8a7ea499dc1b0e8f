/**
 * Labels on everything hubfleet makes: who manages it, for which fleet, for which hub.
 */
import type { FleetModel } from "../fleet/model.js";

export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const FLEET_LABEL = "hubfleet.io/fleet";
export const HUB_LABEL = "hubfleet.io/hub";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
/** Marks objects that hold user data: never pruned, never deleted without --purge. */
export const DATA_LABEL = "hubfleet.io/data";
/** Marks objects apply writes for itself (state, inventory, hub secrets): never prune candidates. */
export const ROLE_LABEL = "hubfleet.io/role";

export function fleetLabels(fleet: FleetModel): Record<string, string> {
  return { [MANAGED_BY]: "hubfleet", [FLEET_LABEL]: fleet.name };
}

export function hubLabels(
  fleet: FleetModel,
  hub: string,
  component?: string,
): Record<string, string> {
  return {
    ...fleetLabels(fleet),
    [HUB_LABEL]: hub,
    ...(component ? { [COMPONENT_LABEL]: component } : {}),
  };
}
