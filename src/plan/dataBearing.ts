/** The rule that keeps data: which objects prune never deletes, and why. Pure. */

import { DATA_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";

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
