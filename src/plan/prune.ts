/**
 * What to remove because it is gone from the fleet file — and what to keep anyway. Pure.
 * Only objects carrying this fleet's labels are candidates; volumes, claims and namespaces
 * that still hold claims are never deleted: they are reported as retained.
 */
import type { Bundle, KubeObject } from "../render/bundle.js";
import { DATA_LABEL, FLEET_LABEL, HUB_LABEL, MANAGED_BY } from "../render/labels.js";

export interface PruneInput {
  readonly fleet: string;
  /** Objects in the cluster labelled as this fleet's. */
  readonly owned: readonly KubeObject[];
  /** kind/namespace/name of every desired object. */
  readonly desiredKeys: ReadonlySet<string>;
  readonly desiredHubs: ReadonlySet<string>;
  /** Limit pruning to these hubs (apply --hub); undefined = the whole fleet. */
  readonly onlyHubs?: ReadonlySet<string>;
  /** Namespaces that hold at least one PersistentVolumeClaim. */
  readonly namespacesWithClaims: ReadonlySet<string>;
  /** Helm releases in the cluster, as namespace/name. */
  readonly releases: ReadonlyArray<{ namespace: string; name: string }>;
}

export interface PruneItem {
  readonly object: KubeObject;
  readonly reason: string;
}

export interface PrunePlan {
  readonly delete: readonly PruneItem[];
  readonly retain: readonly PruneItem[];
  /** Releases of hubs that are gone from the fleet file. */
  readonly uninstall: ReadonlyArray<{ namespace: string; name: string }>;
}

export function objectKey(o: {
  kind: string;
  metadata: { namespace?: string; name: string };
}): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/** Keys of everything the bundle wants to exist: its manifests and the Secrets apply creates. */
export function desiredKeys(bundle: Bundle): Set<string> {
  return new Set([
    ...bundle.manifests.map((m) => objectKey(m.object)),
    ...bundle.secrets.map((s) => `Secret/${s.namespace}/${s.name}`),
  ]);
}

/** Objects that hold users' data, or whose deletion would take data with it. */
export function isDataBearing(
  o: KubeObject,
  namespacesWithClaims: ReadonlySet<string>,
): string | undefined {
  if (o.kind === "PersistentVolume") return "a volume (data is never deleted by prune)";
  if (o.kind === "PersistentVolumeClaim") return "a volume claim (data is never deleted by prune)";
  if (o.kind === "StorageClass") return "a StorageClass other volumes may use";
  if (o.kind === "Secret") return "a hub's stable secrets (re-adding the hub reuses them)";
  if (o.kind === "Namespace" && namespacesWithClaims.has(o.metadata.name)) {
    return "a namespace that still holds volume claims";
  }
  if (o.metadata.labels?.[DATA_LABEL] === "true") return "labelled as holding data";
  return undefined;
}

export function planPrune(input: PruneInput): PrunePlan {
  const del: PruneItem[] = [];
  const retain: PruneItem[] = [];
  for (const o of input.owned) {
    const labels = o.metadata.labels ?? {};
    if (labels[MANAGED_BY] !== "hubfleet" || labels[FLEET_LABEL] !== input.fleet) continue;
    if (labels["hubfleet.io/role"] !== undefined) continue;
    if (input.desiredKeys.has(objectKey(o))) continue;
    const hub = labels[HUB_LABEL];
    if (input.onlyHubs && (hub === undefined || !input.onlyHubs.has(hub))) continue;
    const reason =
      hub && !input.desiredHubs.has(hub)
        ? `hub ${hub} is gone from the fleet file`
        : "gone from the fleet file";
    const keep = isDataBearing(o, input.namespacesWithClaims);
    if (keep) retain.push({ object: o, reason: `${reason}; kept: ${keep}` });
    else del.push({ object: o, reason });
  }
  const removedHubNamespaces = new Set(
    input.owned
      .filter((o) => o.kind === "Namespace")
      .map((o) => o.metadata.labels?.[HUB_LABEL])
      .filter((h): h is string => h !== undefined && !input.desiredHubs.has(h))
      .filter((h) => !input.onlyHubs || input.onlyHubs.has(h)),
  );
  const uninstall = input.releases.filter(
    (r) => r.name === r.namespace && removedHubNamespaces.has(r.name),
  );
  // Delete namespaced objects before their namespace, and namespaces last.
  const order = (o: KubeObject) => (o.kind === "Namespace" ? 2 : o.metadata.namespace ? 0 : 1);
  del.sort(
    (a, b) =>
      order(a.object) - order(b.object) || objectKey(a.object).localeCompare(objectKey(b.object)),
  );
  return { delete: del, retain, uninstall };
}
