/**
 * Where a hub's drive answers: the ClusterIP its Service is created with. Kubelet mounts NFS
 * from the node and cannot resolve cluster DNS, so user volumes name this address.
 */
import { driveAddressKey, formatIPv4, hashedClusterIP, parseCidr } from "../../fleet/cidr.js";
import type { FleetModel, Hub } from "../../fleet/model.js";

/** The pinned address, or the one hashed from `key` into the fleet's service range. */
export function stableClusterIP(
  fleet: FleetModel,
  key: string,
  pinned: string | undefined,
): string {
  if (pinned !== undefined) return pinned;
  const cidr = parseCidr(fleet.cluster.serviceCIDR);
  if (!cidr) throw new Error(`service CIDR ${fleet.cluster.serviceCIDR} was not validated`);
  return formatIPv4(hashedClusterIP(key, cidr));
}

export function driveClusterIP(fleet: FleetModel, hub: Hub): string {
  return stableClusterIP(fleet, driveAddressKey(hub.name), hub.drive.clusterIP);
}
