/**
 * Adopting objects first created with `kubectl apply` (client-side). Server-side apply alone
 * leaves the fields kubectl's client-side manager owns with that manager, so a field later
 * removed from the fleet file would stay on the object forever (kubernetes#99003). Adoption
 * moves those fields to hubfleet's own apply entry, as client-go's csaupgrade does for
 * `kubectl apply --server-side`, and drops kubectl's last-applied annotation; the next
 * server-side apply then removes whatever hubfleet no longer wants.
 */

import { FIELD_MANAGER, type KubePort, type ObjectRef } from "../ports/kube.js";
import { LAST_APPLIED } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";

/** Managers `kubectl apply` (client-side) and `kubectl create` record their fields under. */
export const CLIENT_SIDE_MANAGERS: ReadonlySet<string> = new Set([
  "kubectl-client-side-apply",
  "before-first-apply",
]);
/** The manager of the adoption patch itself (it sets no field of its own). */
const ADOPTER = "hubfleet-adopt";

export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: Record<string, unknown>;
  readonly time?: string;
  readonly subresource?: string;
}

const managedFields = (o: KubeObject): readonly ManagedFieldsEntry[] =>
  (o.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];

const isClientSide = (e: ManagedFieldsEntry) =>
  CLIENT_SIDE_MANAGERS.has(e.manager ?? "") && e.operation === "Update" && !e.subresource;

/** Whether kubectl's client-side apply still owns fields of the object. */
export function needsAdoption(live: KubeObject): boolean {
  return (
    live.metadata.annotations?.[LAST_APPLIED] !== undefined ||
    managedFields(live).some(isClientSide)
  );
}

/** The union of two field sets (managedFields' FieldsV1 tries). */
function union(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const mine = out[key];
    out[key] =
      mine && typeof mine === "object" && value && typeof value === "object"
        ? union(mine as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** The field set without kubectl's annotation (adoption removes it from the object). */
function withoutLastApplied(fields: Record<string, unknown>): Record<string, unknown> {
  const metadata = fields["f:metadata"] as Record<string, unknown> | undefined;
  const annotations = metadata?.["f:annotations"] as Record<string, unknown> | undefined;
  if (!annotations || !(`f:${LAST_APPLIED}` in annotations)) return fields;
  const { [`f:${LAST_APPLIED}`]: _, ...rest } = annotations;
  return { ...fields, "f:metadata": { ...metadata, "f:annotations": rest } };
}

/**
 * managedFields with every client-side manager's fields moved into `manager`'s Apply entry
 * (created when missing). Pure.
 */
export function adoptedManagedFields(
  entries: readonly ManagedFieldsEntry[],
  apiVersion: string,
  now: string,
  manager = FIELD_MANAGER,
): ManagedFieldsEntry[] {
  const isOurs = (e: ManagedFieldsEntry) =>
    e.manager === manager && e.operation === "Apply" && !e.subresource;
  const ours = entries.find(isOurs);
  const taken = entries.filter(isClientSide);
  let fields = ours?.fieldsV1 ?? {};
  for (const e of taken) fields = union(fields, e.fieldsV1 ?? {});
  const kept = entries.filter((e) => !isOurs(e) && !isClientSide(e));
  return [
    ...kept,
    {
      manager,
      operation: "Apply",
      apiVersion: ours?.apiVersion ?? apiVersion,
      fieldsType: "FieldsV1",
      fieldsV1: withoutLastApplied(fields),
      time: ours?.time ?? now,
    },
  ];
}

/**
 * Moves kubectl's client-side fields of the live object to hubfleet and removes its
 * last-applied annotation, in one patch conditional on the object not having changed since it
 * was read (a 409 means: read again and retry). Returns false when there was nothing to adopt.
 */
export async function adopt(kube: KubePort, ref: ObjectRef): Promise<boolean> {
  const live = await kube.get(ref);
  if (!live || !needsAdoption(live)) return false;
  const resourceVersion = (live.metadata as { resourceVersion?: string }).resourceVersion;
  await kube.mergePatch(
    ref,
    {
      metadata: {
        resourceVersion,
        managedFields: adoptedManagedFields(
          managedFields(live),
          ref.apiVersion,
          new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        ),
        annotations: { [LAST_APPLIED]: null },
      },
    },
    { fieldManager: ADOPTER },
  );
  return true;
}
