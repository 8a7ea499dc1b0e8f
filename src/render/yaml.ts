/**
 * Deterministic YAML: the same data always gives the same bytes. Keys are sorted, with
 * apiVersion, kind and metadata (and name inside lists' items) first, as people expect to read them.
 */
import { stringify } from "yaml";

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

export function toYaml(value: unknown): string {
  // YAML 1.1 quoting: Go's YAML readers (helm, kubectl, eksctl) would otherwise take an
  // unquoted 2025-10-20 for a date, or yes/on for booleans.
  return stringify(canonical(value), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    version: "1.1",
  });
}

/** Several objects as one multi-document YAML stream. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join("");
}

/** A YAML file with a comment header (what wrote it, that it is generated). */
export function withHeader(header: string, body: string): string {
  const comment = header
    .split("\n")
    .map((line) => (line ? `# ${line}` : "#"))
    .join("\n");
  return `${comment}\n${body}`;
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(canonical(value), null, 2)}\n`;
}
