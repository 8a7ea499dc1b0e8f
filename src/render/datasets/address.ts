/**
 * Where a data set's server answers: a ClusterIP derived from the data set's name, like the
 * drives' (kubelet mounts NFS from the node and cannot resolve cluster DNS).
 */
import { datasetAddressKey } from "../../fleet/cidr.js";
import type { Dataset, FleetModel } from "../../fleet/model.js";
import { stableClusterIP } from "../hub/driveAddress.js";

export function datasetClusterIP(fleet: FleetModel, dataset: Dataset): string {
  return stableClusterIP(fleet, datasetAddressKey(dataset.name), dataset.clusterIP);
}
