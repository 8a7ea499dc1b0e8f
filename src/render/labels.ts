/**
 * Labels on everything hubfleet makes: who manages it, for which fleet, for which hub.
 */
import type { FleetModel } from "../fleet/model.js";

import { COMPONENT_LABEL, FLEET_LABEL, HUB_LABEL, MANAGED_BY } from "../vocabulary/labels.js";

// The keys live in the vocabulary; re-exported for the render modules that import them from here.
export {
  COMPONENT_LABEL,
  DATA_LABEL,
  FLEET_LABEL,
  HUB_LABEL,
  MANAGED_BY,
  ROLE_LABEL,
} from "../vocabulary/labels.js";

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
