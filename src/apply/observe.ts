/** Reads what the cluster holds for a fleet: one listing per kind, never one call per hub. */

import type { FleetModel } from "../fleet/model.js";
import { type PrunePlan, planPrune } from "../plan/prune.js";
import { desiredKeys, desiredUnits, type ReleaseRef } from "../plan/units.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import type { Bundle } from "../render/bundle.js";
import { FLEET_LABEL, MANAGED_BY } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import type { Inventory } from "./inventory.js";

/** Every kind hubfleet creates for a fleet's hubs. */
export const MANAGED_KINDS: ReadonlyArray<readonly [string, string]> = [
  ["v1", "Namespace"],
  ["v1", "PersistentVolume"],
  ["storage.k8s.io/v1", "StorageClass"],
  ["v1", "PersistentVolumeClaim"],
  ["v1", "ConfigMap"],
  ["v1", "Service"],
  ["v1", "Secret"],
  ["apps/v1", "StatefulSet"],
  ["networking.k8s.io/v1", "NetworkPolicy"],
];

/**
 * Objects labelled as the fleet's, of the managed kinds and of every other kind the inventory
 * holds (a tool's objects). A kind the cluster no longer serves (its CRD is gone) lists empty.
 */
export async function listOwned(
  kube: KubePort,
  fleet: string,
  inventory?: Inventory,
): Promise<KubeObject[]> {
  const labelSelector = `${MANAGED_BY}=hubfleet,${FLEET_LABEL}=${fleet}`;
  const kinds = new Map(MANAGED_KINDS.map(([v, k]) => [`${v}/${k}`, [v, k] as const]));
  for (const unit of inventory?.snapshot() ?? []) {
    for (const o of unit.objects) kinds.set(`${o.apiVersion}/${o.kind}`, [o.apiVersion, o.kind]);
  }
  const lists = await Promise.all(
    [...kinds.values()].map(([apiVersion, kind]) =>
      kube.list(apiVersion, kind, { labelSelector }).catch((err: unknown) => {
        if (err instanceof ClusterError && err.notFound) return [];
        throw err;
      }),
    ),
  );
  return lists.flat();
}

export async function namespacesWithClaims(kube: KubePort): Promise<Set<string>> {
  const claims = await kube.list("v1", "PersistentVolumeClaim");
  return new Set(claims.map((c) => c.metadata.namespace ?? ""));
}

/** What prune would do now: from the inventory, the labelled objects and the releases. */
export async function observePrune(
  kube: KubePort,
  fleet: FleetModel,
  bundle: Bundle,
  inventory: Inventory,
  releases: readonly ReleaseRef[],
  onlyHubs?: ReadonlySet<string>,
): Promise<PrunePlan> {
  const [live, claims] = await Promise.all([
    listOwned(kube, fleet.name, inventory),
    namespacesWithClaims(kube),
  ]);
  return planPrune({
    fleet: fleet.name,
    inventory: inventory.snapshot(),
    live,
    desiredKeys: desiredKeys(bundle),
    desiredUnits: desiredUnits(bundle),
    hubCount: fleet.hubs.length,
    ...(onlyHubs ? { onlyHubs } : {}),
    namespacesWithClaims: claims,
    releases,
  });
}
