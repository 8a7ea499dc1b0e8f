/**
 * Labels on everything hubfleet makes: who manages it, for which fleet, for which hub.
 */
import type { FleetModel } from "../fleet/model.js";
import {
  COMPONENT_LABEL,
  FLEET_LABEL,
  HUB_LABEL,
  MANAGED_BY,
  POD_SECURITY_AUDIT,
  POD_SECURITY_ENFORCE,
  POD_SECURITY_WARN,
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

/**
 * Pod Security labels of a namespace that runs an NFS server or a node-level tool: those pods must
 * run privileged (docs/design.md, "Pod Security"); everything else is held to "baseline", whose
 * violations are warned about and audited.
 */
export function privilegedNamespaceLabels(): Record<string, string> {
  return {
    [POD_SECURITY_ENFORCE]: "privileged",
    [POD_SECURITY_WARN]: "baseline",
    [POD_SECURITY_AUDIT]: "baseline",
  };
}
