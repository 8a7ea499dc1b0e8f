/**
 * What a hub's user servers get of the shared data sets: a claim per data set in the hub's
 * namespace (bound to an NFS volume at the data set's server), a read-only mount at
 * ~/datasets/<name> and a writable one for the data set's owners. No network path to the
 * server: kubelet mounts the volume from the node (docs/design.md, "Network isolation").
 */

import { datasetClusterIP } from "../../fleet/addresses.js";
import type { Dataset, FleetModel, Hub } from "../../fleet/model.js";
import { datasetClientVolumeName, datasetObjectName } from "../../fleet/names.js";
import { DATASET_LABEL } from "../../vocabulary/labels.js";
import type { Manifest } from "../bundle.js";
import { hubLabels } from "../labels.js";
import { NFS_MOUNT_OPTIONS, nfsClientObjects } from "../nfs.js";

/** A shared data set as a hub's user servers see it. */
export interface DatasetMount {
  /** The data set's name: the folder ~/datasets/<name>. */
  readonly name: string;
  /** The claim in the hub's namespace, also the volume's name in user pods. */
  readonly claimName: string;
  /** User names (lower case) whose mount is read-write. */
  readonly writers: readonly string[];
}

export const DATASETS_DIR = "/home/jovyan/datasets";
export const datasetMountPath = (name: string): string => `${DATASETS_DIR}/${name}`;

/** extraConfig key of the one pre_spawn_hook (KubeSpawner has exactly one). */
export const WRITABLE_MOUNTS_CONFIG = "hubfleet-writable-mounts";

/**
 * External exports: no NFS version pinned (the server may speak only v3) and reserved source
 * ports kept (Linux nfsd's default "secure" export option refuses others).
 */
const EXTERNAL_MOUNT_OPTIONS = ["hard", "timeo=600", "retrans=3"];

/** The hub's data sets, in fleet order. */
function hubDatasets(fleet: FleetModel, hub: Hub): Dataset[] {
  return fleet.datasets.filter((d) => d.hubs.includes(hub.name));
}

export function hubDatasetMounts(fleet: FleetModel, hub: Hub): DatasetMount[] {
  return hubDatasets(fleet, hub).map((d) => ({
    name: d.name,
    claimName: datasetObjectName(d.name),
    writers: d.owners,
  }));
}

/** Per data set of the hub: the cluster-scoped NFS volume and the hub's claim bound to it. */
export function renderHubDatasetVolumes(fleet: FleetModel, hub: Hub): Manifest[] {
  return hubDatasets(fleet, hub).flatMap((d) => {
    const external = d.source.kind === "nfs" ? d.source : undefined;
    const { volume, claim } = nfsClientObjects({
      volumeName: datasetClientVolumeName(hub.name, d.name),
      namespace: hub.name,
      claimName: datasetObjectName(d.name),
      labels: { ...hubLabels(fleet, hub.name, "dataset"), [DATASET_LABEL]: d.name },
      size: d.size,
      server: external?.server ?? datasetClusterIP(fleet, d),
      path: external?.path ?? "/",
      mountOptions: external ? EXTERNAL_MOUNT_OPTIONS : NFS_MOUNT_OPTIONS,
    });
    return [
      { phase: "storage", hub: hub.name, object: volume },
      { phase: "storage", hub: hub.name, object: claim },
    ];
  });
}

/**
 * KubeSpawner hook: some mounts are read-only for users but writable for a few — the shared
 * folder for the hub's admins, each data set for its owners. Undefined when none has writers.
 */
export function writableMountsHook(input: {
  readonly adminWritable: readonly string[];
  readonly datasets: readonly DatasetMount[];
}): string | undefined {
  const owned = input.datasets.filter((d) => d.writers.length > 0);
  if (input.adminWritable.length === 0 && owned.length === 0) return undefined;
  const writers = Object.fromEntries(owned.map((d) => [datasetMountPath(d.name), d.writers]));
  // JSON lists and mappings of strings are Python literals too.
  return `# hubfleet: mounts that are read-only for users but writable for some: the shared folder
# for admins, each data set for its owners (user names compared in lower case).
HUBFLEET_ADMIN_WRITABLE = ${JSON.stringify(input.adminWritable)}
HUBFLEET_WRITERS = ${JSON.stringify(writers)}

def hubfleet_writable_mounts(spawner):
    def writable(path):
        if path in HUBFLEET_ADMIN_WRITABLE and spawner.user.admin:
            return True
        return spawner.user.name.lower() in HUBFLEET_WRITERS.get(path, [])
    def adjusted(m):
        return dict(m, readOnly=False) if writable(m.get("mountPath")) else m
    # KubeSpawner takes a list or (as the z2jh chart sets it) a dict keyed by name.
    mounts = spawner.volume_mounts
    if isinstance(mounts, dict):
        spawner.volume_mounts = {key: adjusted(m) for key, m in mounts.items()}
    else:
        spawner.volume_mounts = [adjusted(m) for m in mounts]

c.KubeSpawner.pre_spawn_hook = hubfleet_writable_mounts
`;
}

/**
 * The z2jh singleuser values for the data sets: their volumes and read-only mounts. No egress
 * rule: kubelet makes the mount on the node, so the user server itself never speaks NFS, and
 * z2jh's egress rules keep it off private addresses, the servers included.
 */
export function datasetUserServerValues(datasets: readonly DatasetMount[]) {
  return {
    volumes: datasets.map((d) => ({
      name: d.claimName,
      persistentVolumeClaim: { claimName: d.claimName },
    })),
    mounts: datasets.map((d) => ({
      name: d.claimName,
      mountPath: datasetMountPath(d.name),
      readOnly: true,
    })),
  };
}
