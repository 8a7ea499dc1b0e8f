/**
 * Deterministic YAML: the same data always gives the same bytes. Keys are sorted, with
 * apiVersion, kind and metadata (and name inside lists' items) first, as people expect to read them.
 */
import { emitYaml } from "./yamlEmit.js";

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
  // Strings that a YAML 1.1 reader (Go's, in helm, kubectl, eksctl) could take for a date, a
  // number or a boolean (2025-10-20, 1e3, on) are quoted; see yamlEmit.ts.
  return emitYaml(canonical(value));
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
