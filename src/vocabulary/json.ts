/**
 * Canonical JSON: the same data always gives the same bytes. Mapping keys are sorted, with
 * apiVersion, kind and metadata (and name inside lists' items) first, as people expect to read
 * them; undefined values are dropped. Everything hubfleet hashes or writes as JSON goes through it.
 */

const FIRST_KEYS = new Map(["apiVersion", "kind", "metadata", "name"].map((k, i) => [k, i]));

function keyOrder(a: string, b: string): number {
  const ia = FIRST_KEYS.get(a);
  const ib = FIRST_KEYS.get(b);
  if (ia !== undefined || ib !== undefined) return (ia ?? 99) - (ib ?? 99);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `value` with every mapping's keys in canonical order and undefined values dropped. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    // Keys sorted and copied in one pass: every rendered object of a 1,000-hub fleet comes
    // through here, so no intermediate entry arrays (they were a third of a render).
    const source = value as Record<string, unknown>;
    const keys = Object.keys(source).sort(keyOrder);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const v = source[key];
      if (v === undefined) continue;
      // An own property even for "__proto__", as Object.fromEntries makes it.
      if (key === "__proto__") Object.defineProperty(out, key, OWN(canonical(v)));
      else out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

const OWN = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

export function toJson(value: unknown): string {
  return `${JSON.stringify(canonical(value), null, 2)}\n`;
}
