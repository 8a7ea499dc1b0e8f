/**
 * Changes Kubernetes refuses to make in place on the objects that hold or lead to data
 * (claims, volumes, the drive's StatefulSet and Service, StorageClasses). Other tools "force"
 * such changes by deleting and recreating the object, which is how volumes got lost; hubfleet
 * stops instead and says how to migrate. Pure: compares a desired object with the live one.
 */
import { parseQuantity } from "../fleet/quantity.js";
import { HUB_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { fieldChanges } from "./diff.js";

export interface ImmutableViolation {
  /** "Kind namespace/name". */
  readonly object: string;
  readonly hub?: string;
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
  /** What to do instead (the setting to restore, or the migration). */
  readonly hint: string;
}

type Rule = {
  readonly field: string;
  /** How to read the field; default: the dotted path. */
  readonly read?: (o: KubeObject) => unknown;
  /** A change that is allowed in one direction (growing a claim). */
  readonly allowed?: (from: unknown, to: unknown) => boolean;
  readonly hint: (v: { hub?: string; object: string; from: unknown; to: unknown }) => string;
};

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

const RECREATE_HUB = (hub: string | undefined) =>
  hub
    ? `run hubfleet delete-hub ${hub} (it keeps the data claims and volumes), then apply again: the hub comes back on the same data`
    : "hubfleet will not recreate it: keep the current setting, or move the data by hand (back it up first)";

const PV_SOURCES = ["nfs", "hostPath", "csi", "awsElasticBlockStore", "local", "iscsi", "fc"];

const RULES: Readonly<Record<string, readonly Rule[]>> = {
  PersistentVolumeClaim: [
    {
      field: "spec.storageClassName",
      hint: ({ hub, object, from, to }) =>
        `a claim's StorageClass cannot change: keep ${hub ? `drive.storageClass ${show(from)} for hub ${hub}` : `StorageClass ${show(from)} for ${object}`}. To move its data to ${show(to)}, see "Moving a drive to another StorageClass" in docs/safety.md (back up, restore into a claim of the new class)`,
    },
    {
      field: "spec.resources.requests.storage",
      allowed: (from, to) =>
        (parseQuantity(String(to)) ?? 0) >=
        (parseQuantity(String(from)) ?? Number.POSITIVE_INFINITY),
      hint: ({ hub, object, from }) =>
        `a claim can grow but never shrink: set ${hub ? `drive.size of hub ${hub}` : `the size of ${object}`} to ${show(from)} or more`,
    },
    ...["spec.accessModes", "spec.volumeName", "spec.selector", "spec.volumeMode"].map(
      (field): Rule => ({
        field,
        hint: ({ hub }) =>
          `a claim's ${field} cannot change and hubfleet never deletes a data claim to recreate it: ${RECREATE_HUB(hub)}`,
      }),
    ),
  ],
  PersistentVolume: [
    {
      field: "spec (volume source)",
      read: (o) => {
        const spec = (o.spec ?? {}) as Record<string, unknown>;
        return Object.fromEntries(PV_SOURCES.filter((s) => s in spec).map((s) => [s, spec[s]]));
      },
      hint: ({ hub }) =>
        `a PersistentVolume's source cannot change (for the drive's volume: it names the drive's ClusterIP): ${RECREATE_HUB(hub)}`,
    },
    ...["spec.volumeMode", "spec.nodeAffinity"].map(
      (field): Rule => ({
        field,
        hint: ({ hub }) => `a PersistentVolume's ${field} cannot change: ${RECREATE_HUB(hub)}`,
      }),
    ),
  ],
  StatefulSet: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"].map(
    (field): Rule => ({
      field,
      hint: ({ hub }) =>
        `a StatefulSet's ${field} cannot change and hubfleet never deletes and recreates a drive: ${RECREATE_HUB(hub)}`,
    }),
  ),
  Service: [
    {
      field: "spec.clusterIP",
      hint: ({ hub, object, from }) =>
        hub
          ? `a Service's ClusterIP cannot change, and the user servers mount the drive at that address: set drive.clusterIP: ${String(from)} for hub ${hub} to keep it. To move the drive to the new address, ${RECREATE_HUB(hub)}`
          : `a Service's ClusterIP cannot change: keep ${String(from)} for ${object}`,
    },
  ],
  StorageClass: ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"].map(
    (field): Rule => ({
      field,
      hint: () =>
        `a StorageClass's ${field} cannot change, and volumes already made keep the old settings: create a class under a new name, point drive.storageClass of new hubs at it, and delete the old class yourself once no volume uses it`,
    }),
  ),
};

/** Kinds with fields that cannot change in place. */
export const IMMUTABLE_KINDS: ReadonlySet<string> = new Set(Object.keys(RULES));

function read(o: KubeObject, path: string): unknown {
  let node: unknown = o;
  for (const part of path.split(".")) {
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === "" ||
  (typeof v === "object" && v !== null && Object.keys(v).length === 0);

/** What would have to change in place but cannot; empty when the object is new. */
export function immutableViolations(
  desired: KubeObject,
  live: KubeObject | undefined,
): ImmutableViolation[] {
  if (!live) return [];
  const object = `${desired.kind} ${desired.metadata.namespace ? `${desired.metadata.namespace}/` : ""}${desired.metadata.name}`;
  const hub = desired.metadata.labels?.[HUB_LABEL];
  const out: ImmutableViolation[] = [];
  for (const rule of RULES[desired.kind] ?? []) {
    const get = rule.read ?? ((o: KubeObject) => read(o, rule.field));
    const to = get(desired);
    const from = get(live);
    // Fields the desired object leaves out are the server's to default.
    if (isEmpty(to) || isEmpty(from)) continue;
    if (fieldChanges(to, from).length === 0) continue;
    if (rule.allowed?.(from, to)) continue;
    out.push({
      object,
      ...(hub ? { hub } : {}),
      field: rule.field,
      from,
      to,
      hint: rule.hint({ ...(hub ? { hub } : {}), object, from, to }),
    });
  }
  return out;
}

/** One line per violation, for error messages and plan output. */
export function describeViolation(v: ImmutableViolation): string {
  return `${v.hub ? `hub ${v.hub}: ` : ""}${v.object}: ${v.field} cannot change (${show(v.from)} -> ${show(v.to)}); ${v.hint}`;
}
