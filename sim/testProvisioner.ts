// TEST-ONLY dynamic volume provisioner for the simulated control plane. It is NOT a
// production component and nothing in hubfleet depends on it: it stands in for the EBS CSI
// driver so PVCs of StorageClasses whose provisioner is TEST_PROVISIONER_NAME get a volume.
//
// It runs inside the test process and polls the apiserver (no watch, no client library):
//   - a Pending PVC of one of our classes (Immediate binding, or WaitForFirstConsumer once
//     the scheduler has set volume.kubernetes.io/selected-node) gets a hostPath PV with a
//     claimRef to it (node affinity to the selected node, as a zonal disk would have); the
//     real PV controller in kube-controller-manager then binds them;
//   - a Released PV that it provisioned, with reclaim policy Delete, is deleted.
// Nothing is ever written to the hostPath: no kubelet runs.
import { join } from "node:path";
import type { KubeClient, KubeObject } from "./kube.js";

export const TEST_PROVISIONER_NAME = "hubfleet.test/sim-provisioner";
const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const SELECTED_NODE = "volume.kubernetes.io/selected-node";

export interface TestProvisioner {
  /** PV names created so far. */
  readonly provisioned: string[];
  stop(): Promise<void>;
}

export function startTestProvisioner(
  client: KubeClient,
  opts: {
    hostPathRoot: string;
    intervalMs?: number;
    /**
     * Also stand in for these provisioners (e.g. "ebs.csi.aws.com", so the StorageClass a
     * fleet renders for EKS gets volumes here). Still test-only.
     */
    standInFor?: readonly string[];
  },
): TestProvisioner {
  const intervalMs = opts.intervalMs ?? 300;
  const provisioned: string[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async (): Promise<void> => {
    const classes = await client.list("/apis/storage.k8s.io/v1/storageclasses");
    const ours = new Map<string, KubeObject>();
    for (const sc of classes.items) {
      const name = (sc as { provisioner?: string }).provisioner ?? "";
      if (name === TEST_PROVISIONER_NAME || (opts.standInFor ?? []).includes(name)) {
        ours.set(sc.metadata.name, sc);
      }
    }
    if (ours.size === 0) return;

    const pvcs = await client.list("/api/v1/persistentvolumeclaims");
    for (const pvc of pvcs.items) {
      const className: string | undefined = pvc.spec?.storageClassName;
      const sc = className ? ours.get(className) : undefined;
      if (!sc || pvc.spec?.volumeName || pvc.status?.phase !== "Pending") continue;
      if (pvc.metadata.deletionTimestamp) continue;
      const selectedNode = pvc.metadata.annotations?.[SELECTED_NODE];
      const mode = (sc as { volumeBindingMode?: string }).volumeBindingMode ?? "Immediate";
      if (mode === "WaitForFirstConsumer" && !selectedNode) continue;
      await provision(pvc, sc, selectedNode);
    }

    const pvs = await client.list("/api/v1/persistentvolumes");
    for (const pv of pvs.items) {
      if (pv.metadata.annotations?.[PROVISIONED_BY] !== TEST_PROVISIONER_NAME) continue;
      if (pv.status?.phase === "Released" && pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
        await client.delete(`/api/v1/persistentvolumes/${pv.metadata.name}`);
      }
    }
  };

  const provision = async (pvc: KubeObject, sc: KubeObject, selectedNode: string | undefined) => {
    const name = `pvc-${pvc.metadata.uid}`;
    const storage: string | undefined = pvc.spec?.resources?.requests?.storage;
    if (!storage) return;
    const pv = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name,
        annotations: { [PROVISIONED_BY]: TEST_PROVISIONER_NAME },
        labels: { "hubfleet.test/sim-provisioned": "true" },
      },
      spec: {
        capacity: { storage },
        accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
        volumeMode: pvc.spec?.volumeMode ?? "Filesystem",
        storageClassName: sc.metadata.name,
        persistentVolumeReclaimPolicy: (sc as { reclaimPolicy?: string }).reclaimPolicy ?? "Delete",
        mountOptions: (sc as { mountOptions?: string[] }).mountOptions,
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: pvc.metadata.namespace,
          name: pvc.metadata.name,
          uid: pvc.metadata.uid,
        },
        hostPath: { path: join(opts.hostPathRoot, name), type: "DirectoryOrCreate" },
        ...(selectedNode
          ? {
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "kubernetes.io/hostname", operator: "In", values: [selectedNode] },
                      ],
                    },
                  ],
                },
              },
            }
          : {}),
      },
    };
    const res = await client.request("POST", "/api/v1/persistentvolumes", { body: pv });
    if (res.status === 201 || res.status === 200) provisioned.push(name);
    else if (res.status !== 409) {
      process.stderr.write(
        `[sim test-provisioner] creating ${name} for ${pvc.metadata.namespace}/${pvc.metadata.name} failed: ${res.status} ${res.text}\n`,
      );
    }
  };

  const loop = () => {
    if (stopped) return;
    current = tick()
      .catch((err: unknown) => {
        if (!stopped) process.stderr.write(`[sim test-provisioner] ${(err as Error).message}\n`);
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  loop();

  return {
    provisioned,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
