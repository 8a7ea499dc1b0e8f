/**
 * Removing a hub without losing its data: the release is uninstalled and the hub's objects
 * deleted, but its data claims (drive data, hub database), their volumes, its stable secrets
 * and so its namespace stay. The volumes are labelled with hub, fleet and date so they can be
 * found; adding the hub back re-attaches them. `purge` deletes the data too.
 */
import type { FleetModel } from "../fleet/model.js";
import type { HelmPort } from "../ports/helm.js";
import { type KubePort, refOf } from "../ports/kube.js";
import type { KubeObject } from "../render/bundle.js";
import { FLEET_LABEL, HUB_LABEL } from "../render/labels.js";
import { FleetLock } from "./lock.js";
import { listOwned } from "./observe.js";
import { retry } from "./retry.js";

export interface DeleteHubReport {
  readonly uninstalled: boolean;
  readonly deleted: readonly string[];
  readonly kept: readonly string[];
}

/** Patches to volumes hubfleet did not create use their own field manager, so they never
 * take (and later drop) fields of the main one. */
const VOLUME_PATCHER = "hubfleet-delete-hub";

const describe = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
const volumeOf = (claim: KubeObject) =>
  (claim.spec as { volumeName?: string } | undefined)?.volumeName;
/** The user-side NFS volume only points at the drive: it holds no data. */
const isPointer = (pv: KubeObject) => (pv.spec as { nfs?: unknown } | undefined)?.nfs !== undefined;

export async function deleteHub(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  hub: string,
  options: { purge: boolean; today: string; onProgress?: (line: string) => void },
): Promise<DeleteHubReport> {
  const { kube, helm } = ports;
  const say = options.onProgress ?? (() => {});
  const lock = await FleetLock.acquire(kube, { fleet: fleet.name });
  try {
    const deleted: string[] = [];
    const kept: string[] = [];
    const remove = async (o: KubeObject) => {
      await lock.assertHeld();
      await retry(() => kube.delete(refOf(o)));
      deleted.push(describe(o));
    };
    await lock.assertHeld();
    const release = await helm.status(hub, hub);
    if (release) {
      say(`uninstalling release ${hub}/${hub}`);
      await helm.uninstall(hub, hub);
    }
    const owned = (await listOwned(kube, fleet.name)).filter(
      (o) => o.metadata.labels?.[HUB_LABEL] === hub,
    );
    const claims = await kube.list("v1", "PersistentVolumeClaim", { namespace: hub });
    const volumes = await kube.list("v1", "PersistentVolume");
    const volumeOfClaim = (c: KubeObject) => volumes.find((v) => v.metadata.name === volumeOf(c));
    const pointerClaims = claims.filter((c) => {
      const v = volumeOfClaim(c);
      return v !== undefined && isPointer(v);
    });
    const dataClaims = claims.filter((c) => !pointerClaims.includes(c));
    const dataVolumes = dataClaims
      .map(volumeOfClaim)
      .filter((v): v is KubeObject => v !== undefined);
    const kinds = ["Namespace", "PersistentVolumeClaim", "PersistentVolume", "Secret"];
    for (const o of owned.filter((x) => !kinds.includes(x.kind))) await remove(o);
    for (const c of pointerClaims) await remove(c);
    for (const pv of owned.filter((x) => x.kind === "PersistentVolume" && isPointer(x)))
      await remove(pv);

    if (!options.purge) {
      for (const pv of dataVolumes) {
        await lock.assertHeld();
        const labels = {
          [HUB_LABEL]: hub,
          [FLEET_LABEL]: fleet.name,
          "hubfleet.io/deleted-at": options.today,
        };
        await retry(() =>
          kube.apply(
            {
              apiVersion: "v1",
              kind: "PersistentVolume",
              metadata: { name: pv.metadata.name, labels },
            },
            { fieldManager: VOLUME_PATCHER },
          ),
        );
        kept.push(
          `${describe(pv)} (labelled hubfleet.io/hub=${hub}, hubfleet.io/deleted-at=${options.today})`,
        );
      }
      for (const c of dataClaims) kept.push(describe(c));
      kept.push(`Namespace ${hub} (holds the claims and the hub's stable secrets)`);
      return { uninstalled: !!release, deleted, kept };
    }
    // Purge: let the storage driver delete the disks, then remove the rest.
    for (const pv of dataVolumes) {
      await lock.assertHeld();
      await retry(() =>
        kube.apply(
          {
            apiVersion: "v1",
            kind: "PersistentVolume",
            metadata: { name: pv.metadata.name },
            spec: { persistentVolumeReclaimPolicy: "Delete" },
          } as KubeObject,
          { fieldManager: VOLUME_PATCHER },
        ),
      );
    }
    for (const c of dataClaims) await remove(c);
    await remove({ apiVersion: "v1", kind: "Namespace", metadata: { name: hub } });
    for (const pv of dataVolumes) deleted.push(`${describe(pv)} (deleted by its storage driver)`);
    return { uninstalled: !!release, deleted, kept };
  } finally {
    await lock.release();
  }
}
