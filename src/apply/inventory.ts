/**
 * hubfleet's inventory: every object and release apply created or adopted, per fleet and per
 * unit (the cluster-wide objects, each hub, each tool), kept in ConfigMaps in kube-system. An
 * entry is recorded before its object is written and removed only after the object is gone, so
 * a killed run leaves a superset. Prune and delete-hub only delete what is in it, and check
 * ownership again at the moment of deletion.
 */

import { labelledFor } from "../plan/prune.js";
import {
  CLUSTER_UNIT,
  entryKey,
  type InventoryObject,
  type InventoryUnit,
  type ReleaseRef,
  unitOwner,
} from "../plan/units.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import { FLEET_LABEL, MANAGED_BY, ROLE_LABEL, UNIT_ANNOTATION } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { LOCK_NAMESPACE } from "./lock.js";
import { retry } from "./retry.js";

export const INVENTORY_NAMESPACE = LOCK_NAMESPACE;

/** hubfleet-inventory-<fleet>, with .hub.<name> or .tool.<release> for hubs and tools. */
export function inventoryName(fleet: string, unit: string): string {
  const { hub, tool } = unitOwner(unit);
  const base = `hubfleet-inventory-${fleet}`;
  return hub ? `${base}.hub.${hub}` : tool ? `${base}.tool.${tool}` : base;
}

/** The object an inventory entry stands for, as KubePort addresses it. */
export function entryRef(entry: InventoryObject) {
  return {
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    name: entry.name,
    ...(entry.namespace ? { namespace: entry.namespace } : {}),
  };
}

export function entryOf(object: KubeObject): InventoryObject {
  const uid = (object.metadata as { uid?: string }).uid;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    ...(uid ? { uid } : {}),
  };
}

const releaseKey = (r: ReleaseRef) => `${r.namespace}/${r.name}`;

interface UnitState {
  objects: Map<string, InventoryObject>;
  releases: Map<string, ReleaseRef>;
}

function parseLines<T>(text: string | undefined): T[] {
  return (text ?? "")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** One JSON object per line, sorted: small diffs, readable with kubectl. */
function lines(values: Iterable<[string, unknown]>): string {
  return [...values]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => `${JSON.stringify(v)}\n`)
    .join("");
}

export class Inventory {
  private constructor(
    private readonly kube: KubePort,
    readonly fleet: string,
    private readonly units: Map<string, UnitState>,
    /** Called before every write (the lock's fencing check). */
    private readonly beforeWrite: () => Promise<void>,
  ) {}

  static async read(
    kube: KubePort,
    fleet: string,
    beforeWrite: () => Promise<void> = async () => {},
  ): Promise<Inventory> {
    const maps = await kube.list("v1", "ConfigMap", {
      namespace: INVENTORY_NAMESPACE,
      labelSelector: `${MANAGED_BY}=hubfleet,${FLEET_LABEL}=${fleet},${ROLE_LABEL}=inventory`,
    });
    const units = new Map<string, UnitState>();
    for (const map of maps) {
      const unit = map.metadata.annotations?.[UNIT_ANNOTATION];
      if (!unit || map.metadata.name !== inventoryName(fleet, unit)) continue;
      const data = map.data as Record<string, string> | undefined;
      const objects = parseLines<InventoryObject>(data?.objects);
      const releases = parseLines<ReleaseRef>(data?.releases);
      units.set(unit, {
        objects: new Map(objects.map((o) => [entryKey(o), o])),
        releases: new Map(releases.map((r) => [releaseKey(r), r])),
      });
    }
    return new Inventory(kube, fleet, units, beforeWrite);
  }

  /** Everything recorded, unit by unit (cluster-wide objects first). */
  snapshot(): InventoryUnit[] {
    return [...this.units.entries()]
      .sort(([a], [b]) => (a === CLUSTER_UNIT ? -1 : b === CLUSTER_UNIT ? 1 : a < b ? -1 : 1))
      .map(([unit, state]) => ({
        unit,
        objects: [...state.objects.values()],
        releases: [...state.releases.values()],
      }));
  }

  /** Whether the unit records every one of these keys. */
  covers(unit: string, keys: readonly string[]): boolean {
    const state = this.units.get(unit);
    return keys.every((k) => state?.objects.has(k));
  }

  /**
   * Adds objects and releases to a unit (a uid given replaces the recorded one; none keeps it)
   * and writes the unit when that changed anything.
   */
  async record(
    unit: string,
    objects: readonly InventoryObject[],
    releases: readonly ReleaseRef[] = [],
  ): Promise<void> {
    const state = this.unit(unit);
    let changed = false;
    for (const o of objects) {
      const key = entryKey(o);
      const known = state.objects.get(key);
      const next = { ...o, ...(o.uid ? {} : known?.uid ? { uid: known.uid } : {}) };
      if (!known || JSON.stringify(known) !== JSON.stringify(next)) {
        state.objects.set(key, next);
        changed = true;
      }
    }
    for (const r of releases) {
      if (!state.releases.has(releaseKey(r))) {
        state.releases.set(releaseKey(r), { namespace: r.namespace, name: r.name });
        changed = true;
      }
    }
    if (changed) await this.write(unit);
  }

  /** Removes entries (after their objects are gone) and writes the unit. */
  async forget(
    unit: string,
    objects: readonly InventoryObject[],
    releases: readonly ReleaseRef[] = [],
  ): Promise<void> {
    const state = this.units.get(unit);
    if (!state) return;
    let changed = false;
    for (const o of objects) changed = state.objects.delete(entryKey(o)) || changed;
    for (const r of releases) changed = state.releases.delete(releaseKey(r)) || changed;
    if (changed) await this.write(unit);
  }

  private unit(unit: string): UnitState {
    let state = this.units.get(unit);
    if (!state) {
      state = { objects: new Map(), releases: new Map() };
      this.units.set(unit, state);
    }
    return state;
  }

  private async write(unit: string): Promise<void> {
    await this.beforeWrite();
    const state = this.unit(unit);
    const ref = {
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: INVENTORY_NAMESPACE,
      name: inventoryName(this.fleet, unit),
    };
    if (state.objects.size === 0 && state.releases.size === 0) {
      this.units.delete(unit);
      await retry(() => this.kube.delete(ref));
      return;
    }
    await retry(() =>
      this.kube.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          labels: {
            [MANAGED_BY]: "hubfleet",
            [FLEET_LABEL]: this.fleet,
            [ROLE_LABEL]: "inventory",
          },
          annotations: { [UNIT_ANNOTATION]: unit },
        },
        data: { objects: lines(state.objects), releases: lines(state.releases) },
      }),
    );
  }
}

export type DeleteOutcome =
  | { readonly result: "deleted" | "gone" }
  | { readonly result: "left"; readonly reason: string };

/** Kinds prune never deletes: they hold or lead to data. */
const NEVER_PRUNED = new Set([
  "Namespace",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "StorageClass",
]);
/** Kinds never deleted even by a command naming the hub (purge deletes namespaces itself). */
const NEVER_DELETED = new Set(["Namespace", "StorageClass"]);

/**
 * Deletes an inventoried object only if, read again right now, it still carries the unit's
 * labels and the uid hubfleet recorded; the delete itself is conditional on that uid, so an
 * object recreated in between is never deleted. Claims and volumes only when `named` (a
 * command that names the hub, such as delete-hub).
 */
export async function deleteIfOwned(
  kube: KubePort,
  fleet: string,
  unit: string,
  entry: InventoryObject,
  options: { named?: boolean; fence?: () => Promise<void> } = {},
): Promise<DeleteOutcome> {
  if ((options.named ? NEVER_DELETED : NEVER_PRUNED).has(entry.kind)) {
    return { result: "left", reason: `hubfleet never deletes a ${entry.kind} this way` };
  }
  const live = await retry(() => kube.get(entryRef(entry)));
  if (!live) return { result: "gone" };
  const notOurs = labelledFor(live, fleet, unit);
  if (notOurs) return { result: "left", reason: `${notOurs}: left alone` };
  const uid = (live.metadata as { uid?: string }).uid;
  if (entry.uid && uid !== entry.uid) {
    return {
      result: "left",
      reason: "replaced since hubfleet wrote it (its uid differs from the inventory's): left alone",
    };
  }
  await options.fence?.();
  try {
    const existed = await retry(() => kube.delete(entryRef(entry), uid ? { uid } : {}), {
      retryable: (err) => err instanceof ClusterError && err.retryable && !err.conflict,
    });
    return { result: existed ? "deleted" : "gone" };
  } catch (err) {
    if (err instanceof ClusterError && err.conflict) {
      return { result: "left", reason: "replaced at the moment of deletion: left alone" };
    }
    throw err;
  }
}
