/**
 * What to remove because it is gone from the fleet file — and what to keep anyway. Pure.
 * A candidate must be in hubfleet's inventory (it created or adopted it) AND still carry this
 * fleet's labels (for the same hub or tool); data, namespaces and cluster-wide storage are never
 * deleted, only reported as retained. The guard decides whether an apply may prune this much.
 */
import type { Bundle, KubeObject } from "../render/bundle.js";
import { DATA_LABEL, FLEET_LABEL, HUB_LABEL, MANAGED_BY } from "../render/labels.js";
import { TOOL_LABEL } from "../render/tools/tool.js";

/** Label on objects apply writes for itself (state, inventory): never prune candidates. */
const ROLE_LABEL = "hubfleet.io/role";

/** One object hubfleet recorded as its own, with the uid it had when hubfleet last wrote it. */
export interface InventoryObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

export interface ReleaseRef {
  readonly namespace: string;
  readonly name: string;
}

/** What one unit (the cluster-wide objects, a hub, a cluster tool) owns. */
export interface InventoryUnit {
  /** "cluster", "hub/<name>" or "tool/<release>". */
  readonly unit: string;
  readonly objects: readonly InventoryObject[];
  readonly releases: readonly ReleaseRef[];
}

export const CLUSTER_UNIT = "cluster";
export const hubUnit = (hub: string): string => `hub/${hub}`;
export const toolUnit = (tool: string): string => `tool/${tool}`;

/** The hub or tool a unit stands for. */
export function unitOwner(unit: string): { hub?: string; tool?: string } {
  if (unit.startsWith("hub/")) return { hub: unit.slice(4) };
  if (unit.startsWith("tool/")) return { tool: unit.slice(5) };
  return {};
}

export function describeUnit(unit: string): string {
  const { hub, tool } = unitOwner(unit);
  return hub ? `hub ${hub}` : tool ? `cluster tool ${tool}` : "the cluster-wide objects";
}

export function objectKey(o: {
  kind: string;
  metadata: { namespace?: string; name: string };
}): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

export function entryKey(o: InventoryObject): string {
  return `${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

/** Keys of everything the bundle wants to exist: its manifests and the Secrets apply creates. */
export function desiredKeys(bundle: Bundle): Set<string> {
  return new Set([
    ...bundle.manifests.map((m) => objectKey(m.object)),
    ...bundle.secrets.map((s) => `Secret/${s.namespace}/${s.name}`),
  ]);
}

/** Units the bundle applies: the cluster-wide objects, each tool, each hub. */
export function desiredUnits(bundle: Bundle): Set<string> {
  const units = new Set([CLUSTER_UNIT]);
  for (const r of bundle.releases) units.add(r.tool ? toolUnit(r.tool) : hubUnit(r.hub ?? r.name));
  for (const m of bundle.manifests) {
    if (m.tool) units.add(toolUnit(m.tool));
    else if (m.hub) units.add(hubUnit(m.hub));
  }
  return units;
}

/**
 * Why an object must never be deleted by prune, or undefined when it may be. Deleting a
 * Namespace, a PersistentVolume or a StorageClass always takes a command naming it.
 */
export function isDataBearing(
  o: KubeObject,
  namespacesWithClaims: ReadonlySet<string>,
): string | undefined {
  if (o.kind === "PersistentVolume") return "a volume (prune never deletes data)";
  if (o.kind === "PersistentVolumeClaim") return "a volume claim (prune never deletes data)";
  if (o.kind === "StorageClass") {
    return "a StorageClass volumes may use (prune never deletes one; delete it yourself once no volume uses it)";
  }
  if (o.kind === "Namespace") {
    return namespacesWithClaims.has(o.metadata.name)
      ? "a namespace that still holds volume claims (prune never deletes namespaces)"
      : "a namespace (prune never deletes namespaces; delete-hub NAME --purge --yes-delete-data=NAME removes a hub's)";
  }
  if (o.kind === "Secret") return "a hub's stable secrets (re-adding the hub reuses them)";
  if (o.kind === "StatefulSet") {
    const spec = o.spec as
      | {
          volumeClaimTemplates?: unknown[];
          persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string };
        }
      | undefined;
    if (
      (spec?.volumeClaimTemplates?.length ?? 0) > 0 &&
      spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete"
    ) {
      return "a StatefulSet whose deletion would delete its volume claims";
    }
  }
  if (o.metadata.labels?.[DATA_LABEL] === "true") return "labelled as holding data";
  return undefined;
}

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

/** What an apply was allowed to prune on the command line. */
export interface PruneConsent {
  readonly confirm: boolean;
  readonly pruneHubs: ReadonlySet<string>;
  readonly pruneTools: ReadonlySet<string>;
}

export const NO_CONSENT: PruneConsent = {
  confirm: false,
  pruneHubs: new Set(),
  pruneTools: new Set(),
};

export interface GuardVerdict {
  readonly stop: boolean;
  /** One line per reason the guard stops. */
  readonly reasons: readonly string[];
  /** The flags that would let the apply go ahead. */
  readonly flags: readonly string[];
}

/** Deleting more than this share of the inventory at once needs --confirm... */
export const GUARD_SHARE = 0.1;
/** ...once it is at least this many objects (small fleets change a few objects routinely). */
export const GUARD_MIN_OBJECTS = 5;

/**
 * The prune guard: a whole hub or tool removed, or more than 10 % of what hubfleet manages
 * deleted at once, looks like a truncated or mis-rendered fleet file. Stop unless told.
 */
export function pruneGuard(plan: PrunePlan, consent: PruneConsent): GuardVerdict {
  const reasons: string[] = [];
  const flags: string[] = [];
  const named = new Set<string>();
  for (const unit of plan.removedUnits) {
    const { hub, tool } = unitOwner(unit);
    const allowed =
      consent.confirm ||
      (hub !== undefined && consent.pruneHubs.has(hub)) ||
      (tool !== undefined && consent.pruneTools.has(tool));
    if (allowed) {
      named.add(unit);
      continue;
    }
    const objects = plan.delete.filter((d) => d.unit === unit).length;
    const releases = plan.uninstall.filter((r) => r.unit === unit).length;
    reasons.push(
      `${describeUnit(unit)} is no longer in the fleet file: apply would uninstall ${releases} release(s) and delete ${objects} object(s) (its data is kept)`,
    );
    flags.push(hub ? `--prune-hub ${hub}` : tool ? `--prune-tool ${tool}` : "--confirm");
  }
  const bulk = plan.delete.filter((d) => !named.has(d.unit) && !plan.removedUnits.includes(d.unit));
  if (
    !consent.confirm &&
    bulk.length >= GUARD_MIN_OBJECTS &&
    bulk.length > plan.inventorySize * GUARD_SHARE
  ) {
    reasons.push(
      `apply would delete ${bulk.length} of the ${plan.inventorySize} objects hubfleet manages (more than ${GUARD_SHARE * 100} %)`,
    );
    flags.push("--confirm");
  }
  return { stop: reasons.length > 0, reasons, flags: [...new Set(flags)] };
}
