/** Reads what the cluster holds for a fleet: one listing per kind, never one call per hub. */
import type { KubePort } from "../ports/kube.js";
import type { KubeObject } from "../render/bundle.js";
import { FLEET_LABEL, MANAGED_BY } from "../render/labels.js";

/** Every kind hubfleet creates for a fleet. */
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

export async function listOwned(kube: KubePort, fleet: string): Promise<KubeObject[]> {
  const labelSelector = `${MANAGED_BY}=hubfleet,${FLEET_LABEL}=${fleet}`;
  const lists = await Promise.all(
    MANAGED_KINDS.map(([apiVersion, kind]) => kube.list(apiVersion, kind, { labelSelector })),
  );
  return lists.flat();
}

export async function namespacesWithClaims(kube: KubePort): Promise<Set<string>> {
  const claims = await kube.list("v1", "PersistentVolumeClaim");
  return new Set(claims.map((c) => c.metadata.namespace ?? ""));
}
