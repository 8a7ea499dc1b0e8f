/**
 * A hub's drive: an NFS server (StatefulSet of one, never two pods on one EBS volume) on the
 * core group, its data claim, its Service at a fixed ClusterIP, and the volume through which
 * user servers mount it.
 */

import { driveClusterIP } from "../../fleet/addresses.js";
import type { FleetModel, Hub } from "../../fleet/model.js";
import { driveClientVolumeName } from "../../fleet/names.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { hubLabels } from "../labels.js";
import { dataClaim, NFS_MOUNT_OPTIONS, nfsClientObjects, nfsServerObjects } from "../nfs.js";

export { DRIVE_IMAGE, DRIVE_METRICS_IMAGE, DRIVE_METRICS_PORT, NFS_PORT } from "../nfs.js";

import { COMPONENT_LABEL, HUB_LABEL } from "../../vocabulary/labels.js";

export const DRIVE = "drive";
export const DRIVE_DATA_CLAIM = "drive-data";
/** The claim user servers mount (bound to the NFS PersistentVolume). */
export const DRIVE_CLIENT_CLAIM = "drive";

/** A sleeping hub's drive server runs no pod; its claim, and so its data, stays. */
export function renderDrive(
  fleet: FleetModel,
  hub: Hub,
  options: { readonly asleep?: boolean } = {},
): Manifest[] {
  const ns = hub.name;
  const labels = hubLabels(fleet, hub.name, DRIVE);
  const server = nfsServerObjects({
    namespace: ns,
    name: DRIVE,
    labels,
    selector: { [HUB_LABEL]: hub.name, [COMPONENT_LABEL]: DRIVE },
    dataClaim: DRIVE_DATA_CLAIM,
    clusterIP: driveClusterIP(fleet, hub),
    // No root squash, so the user servers' init container can hand homes to the notebook user.
    // Only the nodes (kubelets) are clients; nobody else gets any access.
    exportAccess: {
      access: "None",
      squash: "No_Root_Squash",
      readWriteClients: fleet.cluster.nodeCIDR,
    },
    metrics: true,
    homeUsage: true,
  });
  const client = nfsClientObjects({
    volumeName: driveClientVolumeName(hub.name),
    namespace: ns,
    claimName: DRIVE_CLIENT_CLAIM,
    labels,
    size: hub.drive.size,
    server: driveClusterIP(fleet, hub),
    path: "/",
    mountOptions: NFS_MOUNT_OPTIONS,
  });
  const claim = dataClaim({
    namespace: ns,
    name: DRIVE_DATA_CLAIM,
    labels,
    storageClass: hub.drive.storageClass,
    size: hub.drive.size,
  });
  return [
    { phase: "storage", hub: hub.name, object: claim },
    { phase: "storage", hub: hub.name, object: client.volume },
    { phase: "storage", hub: hub.name, object: client.claim },
    { phase: "drive", hub: hub.name, object: server.configMap },
    { phase: "drive", hub: hub.name, object: server.service },
    {
      phase: "drive",
      hub: hub.name,
      object: options.asleep ? atZeroReplicas(server.statefulSet) : server.statefulSet,
    },
  ];
}

function atZeroReplicas(statefulSet: KubeObject): KubeObject {
  const spec = statefulSet.spec as Record<string, unknown>;
  return { ...statefulSet, spec: { ...spec, replicas: 0 } };
}
