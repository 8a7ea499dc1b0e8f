/**
 * Field-level differences between what hubfleet wants and what the cluster has. Only fields
 * hubfleet sets are compared: the server's own additions (status, defaults, uid) are not drift.
 */

export interface FieldChange {
  /** Dotted path, with [i] for list items. */
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

const IGNORED_METADATA = new Set([
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "finalizers",
  "ownerReferences",
]);

/** Changes needed to make `live` carry every field of `desired`. */
export function fieldChanges(desired: unknown, live: unknown, path = ""): FieldChange[] {
  if (Array.isArray(desired)) {
    if (desired.length === 0 && live === undefined) return [];
    if (!Array.isArray(live) || live.length !== desired.length) {
      return sameJson(desired, live) ? [] : [{ path, from: live, to: desired }];
    }
    return desired.flatMap((item, i) => fieldChanges(item, live[i], `${path}[${i}]`));
  }
  if (desired !== null && typeof desired === "object") {
    if (live === null || typeof live !== "object" || Array.isArray(live)) {
      if (live === undefined && Object.keys(desired).length === 0) return [];
      return [{ path, from: live, to: desired }];
    }
    const changes: FieldChange[] = [];
    for (const [key, value] of Object.entries(desired)) {
      if (path === "metadata" && IGNORED_METADATA.has(key)) continue;
      const child = path === "" ? key : `${path}.${key}`;
      if (path === "" && key === "status") continue;
      changes.push(...fieldChanges(value, (live as Record<string, unknown>)[key], child));
    }
    return changes;
  }
  return equalScalars(desired, live) ? [] : [{ path, from: live, to: desired }];
}

/** The API server normalises some scalars (quantities "1Gi" stay, numbers may come back as strings). */
function equalScalars(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // The API server omits empty strings, lists and maps.
  if (a === "" && b === undefined) return true;
  if (
    (typeof a === "number" || typeof a === "string") &&
    (typeof b === "number" || typeof b === "string")
  ) {
    return String(a) === String(b);
  }
  return false;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
