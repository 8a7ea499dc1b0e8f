/**
 * What to remove because it is gone from the fleet file — and what to keep anyway. Pure.
 * A candidate must be in hubfleet's inventory (it created or adopted it) AND still carry this
 * fleet's labels (for the same hub or tool); data, namespaces and cluster-wide storage are never
 * deleted, only reported as retained (dataBearing.ts). Whether an apply may prune this much is
 * the guard's call (pruneGuard.ts).
 */

import {
  FLEET_LABEL,
  HUB_LABEL,
  MANAGED_BY,
  ROLE_LABEL,
  TOOL_LABEL,
} from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { isDataBearing } from "./dataBearing.js";
import {
  CLUSTER_UNIT,
  describeUnit,
  entryKey,
  hubUnit,
  type InventoryObject,
  type InventoryUnit,
  objectKey,
  type ReleaseRef,
  unitOwner,
} from "./units.js";

export interface PruneInput {
  readonly fleet: string;
  readonly inventory: readonly InventoryUnit[];
  /** Objects in the cluster labelled as this fleet's (one listing per kind). */
  readonly live: readonly KubeObject[];
  readonly desiredKeys: ReadonlySet<string>;
  readonly desiredUnits: ReadonlySet<string>;
  /** How many hubs the fleet file lists: zero means never prune. */
  readonly hubCount: number;
  /** Limit pruning to these hubs (apply --hub); undefined = the whole fleet. */
  readonly onlyHubs?: ReadonlySet<string>;
  /** Namespaces that hold at least one PersistentVolumeClaim. */
  readonly namespacesWithClaims: ReadonlySet<string>;
  /** Helm releases in the cluster. */
  readonly releases: readonly ReleaseRef[];
}

export interface PruneItem {
  readonly object: KubeObject;
  readonly unit: string;
  /** The uid hubfleet recorded; deletion requires the live object to still have it. */
  readonly uid?: string;
  readonly reason: string;
}

export interface PruneRelease extends ReleaseRef {
  readonly unit: string;
  readonly reason: string;
}

export interface PrunePlan {
  readonly delete: readonly PruneItem[];
  /** Gone from the fleet file but kept: data, namespaces, cluster-wide storage. */
  readonly retain: readonly PruneItem[];
  /** Labelled as ours but not ours to delete (not in the inventory, moved, replaced). */
  readonly leave: readonly PruneItem[];
  readonly uninstall: readonly PruneRelease[];
  /** Inventory entries with no object labelled as ours behind them: checked and dropped. */
  readonly forget: ReadonlyArray<{ readonly unit: string; readonly entry: InventoryObject }>;
  /** Releases of removed units that no longer exist (uninstalled by an interrupted run). */
  readonly forgetReleases: ReadonlyArray<{ readonly unit: string; readonly release: ReleaseRef }>;
  /** Units (hubs, tools) in the inventory that the fleet file no longer has. */
  readonly removedUnits: readonly string[];
  /** Objects in the inventory: the base of the guard's percentage. */
  readonly inventorySize: number;
  /** Set when nothing is pruned on principle (a fleet file without hubs). */
  readonly note?: string;
}

/** A plan that prunes nothing. */
export function emptyPrunePlan(inventorySize: number): PrunePlan {
  return {
    delete: [],
    retain: [],
    leave: [],
    uninstall: [],
    forget: [],
    forgetReleases: [],
    removedUnits: [],
    inventorySize,
  };
}

export const EMPTY_FLEET_NOTE =
  "the fleet file lists no hubs: apply prunes nothing (a truncated file must never empty the cluster); remove hubs with hubfleet delete-hub NAME";

/** Whether a live object's labels still say it belongs to this unit of this fleet. */
export function labelledFor(o: KubeObject, fleet: string, unit: string): string | undefined {
  const labels = o.metadata.labels ?? {};
  if (labels[MANAGED_BY] !== "hubfleet" || labels[FLEET_LABEL] !== fleet) {
    return `no longer labelled as fleet ${fleet}'s`;
  }
  const { hub, tool } = unitOwner(unit);
  if (hub !== undefined && labels[HUB_LABEL] !== hub) {
    return labels[HUB_LABEL]
      ? `now labelled for hub ${labels[HUB_LABEL]}, not ${hub}`
      : `no longer labelled for hub ${hub}`;
  }
  if (tool !== undefined && labels[TOOL_LABEL] !== tool) {
    return `no longer labelled for tool ${tool}`;
  }
  return undefined;
}

function liveUid(o: KubeObject): string | undefined {
  return (o.metadata as { uid?: string }).uid;
}

export function planPrune(input: PruneInput): PrunePlan {
  const inventorySize = input.inventory.reduce((n, u) => n + u.objects.length, 0);
  const removedUnits = input.inventory
    .map((u) => u.unit)
    .filter((u) => !input.desiredUnits.has(u))
    .filter((u) => !input.onlyHubs || input.onlyHubs.has(unitOwner(u).hub ?? ""));
  if (input.hubCount === 0) return { ...emptyPrunePlan(inventorySize), note: EMPTY_FLEET_NOTE };
  const live = new Map(input.live.map((o) => [objectKey(o), o]));
  const inInventory = new Set(input.inventory.flatMap((u) => u.objects.map(entryKey)));
  const del: PruneItem[] = [];
  const retain: PruneItem[] = [];
  const leave: PruneItem[] = [];
  const forget: Array<{ unit: string; entry: InventoryObject }> = [];
  for (const unit of input.inventory) {
    const owner = unitOwner(unit.unit);
    if (input.onlyHubs && (owner.hub === undefined || !input.onlyHubs.has(owner.hub))) continue;
    const why = input.desiredUnits.has(unit.unit)
      ? "gone from the fleet file"
      : `${describeUnit(unit.unit)} is gone from the fleet file`;
    for (const entry of unit.objects) {
      const key = entryKey(entry);
      if (input.desiredKeys.has(key)) {
        // Moved to a unit that is still desired: that unit records it now.
        if (!input.desiredUnits.has(unit.unit)) forget.push({ unit: unit.unit, entry });
        continue;
      }
      const object = live.get(key);
      // What apply writes for itself (a unit's recorded state) goes only with its unit.
      if (object?.metadata.labels?.[ROLE_LABEL] !== undefined && input.desiredUnits.has(unit.unit))
        continue;
      if (!object) {
        forget.push({ unit: unit.unit, entry });
        continue;
      }
      const item = { object, unit: unit.unit, ...(entry.uid ? { uid: entry.uid } : {}) };
      const notOurs = labelledFor(object, input.fleet, unit.unit);
      if (notOurs) {
        leave.push({ ...item, reason: `${notOurs}: left alone` });
        continue;
      }
      if (entry.uid && liveUid(object) && liveUid(object) !== entry.uid) {
        leave.push({
          ...item,
          reason:
            "replaced since hubfleet wrote it (its uid differs from the inventory's): left alone",
        });
        continue;
      }
      const keep = isDataBearing(object, input.namespacesWithClaims);
      if (keep) retain.push({ ...item, reason: `orphaned: ${why}; retained: ${keep}` });
      else del.push({ ...item, reason: why });
    }
  }
  for (const object of input.live) {
    const key = objectKey(object);
    if (inInventory.has(key) || input.desiredKeys.has(key)) continue;
    if (object.metadata.labels?.[ROLE_LABEL] !== undefined) continue;
    const hub = object.metadata.labels?.[HUB_LABEL];
    if (input.onlyHubs && (hub === undefined || !input.onlyHubs.has(hub))) continue;
    leave.push({
      object,
      unit: hub ? hubUnit(hub) : CLUSTER_UNIT,
      reason:
        "labelled as hubfleet's but not in its inventory (hubfleet did not create it): left alone",
    });
  }
  const uninstall: PruneRelease[] = [];
  const forgetReleases: Array<{ unit: string; release: ReleaseRef }> = [];
  const liveReleases = new Set(input.releases.map((r) => `${r.namespace}/${r.name}`));
  for (const unit of input.inventory.filter((u) => removedUnits.includes(u.unit))) {
    for (const r of unit.releases) {
      if (liveReleases.has(`${r.namespace}/${r.name}`)) {
        uninstall.push({ ...r, unit: unit.unit, reason: `${describeUnit(unit.unit)} is gone` });
      } else forgetReleases.push({ unit: unit.unit, release: r });
    }
  }
  // Namespaced objects first (their namespace stays anyway), then cluster-wide ones.
  const order = (o: KubeObject) => (o.metadata.namespace ? 0 : 1);
  del.sort(
    (a, b) =>
      order(a.object) - order(b.object) || objectKey(a.object).localeCompare(objectKey(b.object)),
  );
  return {
    delete: del,
    retain,
    leave,
    uninstall,
    forget,
    forgetReleases,
    removedUnits: removedUnits.filter(
      (u) => del.some((d) => d.unit === u) || uninstall.some((r) => r.unit === u),
    ),
    inventorySize,
  };
}
