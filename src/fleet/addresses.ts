/**
 * Where a hub's drive and a data set's server answer: the ClusterIP each Service is created
 * with, pinned in the fleet file or derived from the name. Kubelet mounts NFS from the node and
 * cannot resolve cluster DNS, so user volumes name these addresses.
 */
import {
  datasetAddressKey,
  driveAddressKey,
  formatIPv4,
  hashedClusterIP,
  parseCidr,
} from "../vocabulary/addresses.js";
import type { Dataset, FleetModel, Hub } from "./model.js";

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

export function datasetClusterIP(fleet: FleetModel, dataset: Dataset): string {
  return stableClusterIP(fleet, datasetAddressKey(dataset.name), dataset.clusterIP);
}
