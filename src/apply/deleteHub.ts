/**
 * Removing a hub without losing its data: the release is uninstalled and the hub's objects
 * deleted, but its data claims (drive data, hub database), their volumes, its stable secrets
 * and so its namespace stay. The volumes are set to outlive their claims and labelled with
 * hub, fleet and date so they can be found; adding the hub back re-attaches them. `purge`
 * deletes the data too. Only what hubfleet's inventory holds for the hub is deleted, each
 * object checked again at the moment of deletion.
 */
import { UsageError } from "../errors.js";
import type { FleetModel } from "../fleet/model.js";
import { driveClientVolumeName } from "../fleet/names.js";
import { labelledFor } from "../plan/prune.js";
import { entryKey, hubUnit } from "../plan/units.js";
import type { HelmPort } from "../ports/helm.js";
import type { KubePort } from "../ports/kube.js";
import { DELETED_AT_LABEL, FLEET_LABEL, HUB_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { deleteIfOwned, entryOf, Inventory } from "./inventory.js";
import { FleetLock } from "./lock.js";
import { retry } from "./retry.js";

export interface DeleteHubReport {
  readonly uninstalled: boolean;
  readonly deleted: readonly string[];
  readonly kept: readonly string[];
}

/** Patches to volumes hubfleet did not create use their own field manager, so they never
 * take (and later drop) fields of the main one. */
const VOLUME_PATCHER = "hubfleet-delete-hub";
/** The hub database claim z2jh's chart creates (kept on uninstall by helm.sh/resource-policy). */
const HUB_DB_CLAIM = "hub-db-dir";

const describe = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
const volumeOf = (claim: KubeObject) =>
  (claim.spec as { volumeName?: string } | undefined)?.volumeName;
/** The user-side NFS volume only points at the drive: it holds no data. */
const isPointer = (pv: KubeObject) => (pv.spec as { nfs?: unknown } | undefined)?.nfs !== undefined;

/** The hub's claims, split into those that hold data and those that only point at the drive. */
async function hubClaims(kube: KubePort, hub: string) {
  const claims = await kube.list("v1", "PersistentVolumeClaim", { namespace: hub });
  const volumes = await kube.list("v1", "PersistentVolume");
  const volumeOfClaim = (c: KubeObject) => volumes.find((v) => v.metadata.name === volumeOf(c));
  const pointerClaims = claims.filter((c) => {
    const v = volumeOfClaim(c);
    return v !== undefined && isPointer(v);
  });
  const dataClaims = claims.filter((c) => !pointerClaims.includes(c));
  const dataVolumes = dataClaims.map(volumeOfClaim).filter((v): v is KubeObject => v !== undefined);
  return { pointerClaims, dataClaims, dataVolumes };
}

/**
 * Makes a removed hub's data volumes outlive their claims (reclaim policy Retain, whatever
 * their StorageClass said) and labels them with hub, fleet and date. Returns them.
 */
export async function keepVolumes(
  kube: KubePort,
  fleet: string,
  hub: string,
  today: string,
  fence: () => Promise<void>,
): Promise<KubeObject[]> {
  const { dataVolumes } = await hubClaims(kube, hub);
  for (const pv of dataVolumes) {
    await fence();
    const labels = { [HUB_LABEL]: hub, [FLEET_LABEL]: fleet, [DELETED_AT_LABEL]: today };
    await retry(() =>
      kube.apply(
        {
          apiVersion: "v1",
          kind: "PersistentVolume",
          metadata: { name: pv.metadata.name, labels },
          spec: { persistentVolumeReclaimPolicy: "Retain" },
        },
        { fieldManager: VOLUME_PATCHER },
      ),
    );
  }
  return dataVolumes;
}

/** Refuses, before anything is written, a hub that is not this fleet's or holds others' data. */
async function checkOwnership(
  kube: KubePort,
  fleet: FleetModel,
  hub: string,
  inventory: Inventory,
  purge: boolean,
): Promise<void> {
  const unit = inventory.snapshot().find((u) => u.unit === hubUnit(hub));
  const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: hub });
  if (!namespace && !unit) {
    throw new UsageError(
      `fleet ${fleet.name} has no hub ${hub} in this cluster`,
      "check the name and the --context",
    );
  }
  const notOurs = namespace ? labelledFor(namespace, fleet.name, hubUnit(hub)) : undefined;
  if (namespace && notOurs) {
    throw new UsageError(
      `namespace ${hub} is not hub ${hub} of fleet ${fleet.name} (${notOurs})`,
      "hubfleet deletes only what it created; check the fleet file and the --context",
    );
  }
  if (namespace && !unit) {
    throw new UsageError(
      `hub ${hub} is not in fleet ${fleet.name}'s inventory: hubfleet did not record creating it`,
      `if an older hubfleet created it, add the hub back to the fleet file and apply once (that records it), then remove it again`,
    );
  }
  if (!purge) return;
  const recorded = new Set(unit?.objects.map(entryKey));
  const foreign = (await kube.list("v1", "PersistentVolumeClaim", { namespace: hub })).filter(
    (c) => c.metadata.name !== HUB_DB_CLAIM && !recorded.has(entryKey(entryOf(c))),
  );
  if (foreign.length > 0) {
    throw new UsageError(
      `namespace ${hub} holds claim(s) ${foreign.map((c) => c.metadata.name).join(", ")} that hub ${hub} did not create; --purge would delete them with the namespace`,
      `move or delete ${foreign.length === 1 ? "that claim" : "those claims"} first: hubfleet never deletes a namespace that holds someone else's data`,
    );
  }
}

export async function deleteHub(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  hub: string,
  options: { purge: boolean; today: string; onProgress?: (line: string) => void },
): Promise<DeleteHubReport> {
  const { kube, helm } = ports;
  const say = options.onProgress ?? (() => {});
  const unit = hubUnit(hub);
  const lock = await FleetLock.acquire(kube, { fleet: fleet.name });
  try {
    const fence = () => lock.assertHeld();
    const inventory = await Inventory.read(kube, fleet.name, fence);
    await checkOwnership(kube, fleet, hub, inventory, options.purge);
    const deleted: string[] = [];
    const kept: string[] = [];
    const entries = inventory.snapshot().find((u) => u.unit === unit)?.objects ?? [];
    await fence();
    const release = await helm.status(hub, hub);
    if (release) {
      say(`uninstalling release ${hub}/${hub}`);
      await helm.uninstall(hub, hub);
      await inventory.forget(unit, [], [{ namespace: hub, name: hub }]);
    }
    const { pointerClaims, dataClaims } = await hubClaims(kube, hub);
    const pointers = new Set(pointerClaims.map((c) => entryKey(entryOf(c))));
    // A pointer volume kept after its claim is gone stays Released (bound to the old claim's
    // uid): a re-added hub's new claim would never bind to it. Data sets' included.
    const pointerVolumes = new Set(pointerClaims.map(volumeOf));
    const deletable = entries.filter(
      (e) => !["Namespace", "PersistentVolumeClaim", "PersistentVolume", "Secret"].includes(e.kind),
    );
    // The claims and volumes that only point at the drive (or a data set's export) hold no
    // data: this command names the hub.
    const pointerEntries = entries.filter(
      (e) =>
        pointers.has(entryKey(e)) ||
        (e.kind === "PersistentVolume" &&
          (e.name === driveClientVolumeName(hub) || pointerVolumes.has(e.name))),
    );
    for (const entry of [...deletable, ...pointerEntries]) {
      await fence();
      const outcome = await deleteIfOwned(kube, fleet.name, unit, entry, { named: true, fence });
      if (outcome.result === "left")
        kept.push(`${entry.kind} ${entryKey(entry)} (${outcome.reason})`);
      else if (outcome.result === "deleted")
        deleted.push(`${entry.kind} ${entry.namespace ? `${entry.namespace}/` : ""}${entry.name}`);
      await inventory.forget(unit, [entry]);
    }

    if (!options.purge) {
      for (const pv of await keepVolumes(kube, fleet.name, hub, options.today, fence)) {
        kept.push(
          `${describe(pv)} (labelled hubfleet.io/hub=${hub}, hubfleet.io/deleted-at=${options.today})`,
        );
      }
      for (const c of dataClaims) kept.push(describe(c));
      kept.push(`Namespace ${hub} (holds the claims and the hub's stable secrets)`);
      return { uninstalled: !!release, deleted, kept };
    }
    // Purge: let the storage driver delete the disks, then remove the rest.
    const { dataVolumes } = await hubClaims(kube, hub);
    for (const pv of dataVolumes) {
      await fence();
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
    for (const c of dataClaims) {
      await fence();
      await retry(() =>
        kube.delete({
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: hub,
          name: c.metadata.name,
        }),
      );
      deleted.push(describe(c));
    }
    await fence();
    const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: hub });
    const uid = (namespace?.metadata as { uid?: string } | undefined)?.uid;
    await retry(() =>
      kube.delete({ apiVersion: "v1", kind: "Namespace", name: hub }, uid ? { uid } : {}),
    );
    deleted.push(`Namespace ${hub}`);
    await inventory.forget(unit, entries);
    for (const pv of dataVolumes) deleted.push(`${describe(pv)} (deleted by its storage driver)`);
    return { uninstalled: !!release, deleted, kept };
  } finally {
    await lock.release();
  }
}
