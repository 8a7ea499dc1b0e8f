/**
 * Canonical JSON: the same data always gives the same bytes. Mapping keys are sorted, with
 * apiVersion, kind and metadata (and name inside lists' items) first, as people expect to read
 * them; undefined values are dropped. Everything hubfleet hashes or writes as JSON goes through it.
 */

const FIRST_KEYS = ["apiVersion", "kind", "metadata", "name"];

function keyOrder(a: string, b: string): number {
  const ia = FIRST_KEYS.indexOf(a);
  const ib = FIRST_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `value` with every mapping's keys in canonical order and undefined values dropped. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => keyOrder(a, b));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(canonical(value), null, 2)}\n`;
}
