/**
 * The StorageClass drives and hub databases use: volumes that outlive their claims
 * (reclaim policy Retain), created in the zone of the pod that first uses them.
 */
import type { FleetModel } from "../../fleet/model.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { fleetLabels } from "../labels.js";

export const DRIVE_STORAGE_CLASS = "hubfleet-drive";

export function renderStorageClass(fleet: FleetModel): KubeObject {
  const eks = fleet.cluster.provider === "eks";
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: DRIVE_STORAGE_CLASS, labels: fleetLabels(fleet) },
    // kind ships the local-path provisioner; EKS gets the EBS CSI driver from the eksctl addon.
    provisioner: eks ? "ebs.csi.aws.com" : "rancher.io/local-path",
    ...(eks ? { parameters: { type: "gp3", encrypted: "true" } } : {}),
    reclaimPolicy: "Retain",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: eks,
  };
}
