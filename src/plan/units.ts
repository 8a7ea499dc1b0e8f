/**
 * The vocabulary of what hubfleet owns: inventory entries, the units they belong to (the
 * cluster-wide objects, a hub, a cluster tool) and the keys objects are compared by. Pure.
 */
import type { Bundle } from "../render/bundle.js";

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
