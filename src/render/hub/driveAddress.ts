/**
 * Where a hub's drive answers: the ClusterIP its Service is created with. Kubelet mounts NFS
 * from the node and cannot resolve cluster DNS, so user volumes name this address.
 */
import { derivedClusterIP, formatIPv4, parseCidr } from "../../fleet/cidr.js";
import type { FleetModel, Hub } from "../../fleet/model.js";

export function driveClusterIP(fleet: FleetModel, hub: Hub): string {
  if (hub.drive.clusterIP !== undefined) return hub.drive.clusterIP;
  const cidr = parseCidr(fleet.cluster.serviceCIDR);
  if (!cidr) throw new Error(`service CIDR ${fleet.cluster.serviceCIDR} was not validated`);
  return formatIPv4(derivedClusterIP(hub.name, cidr));
}
