/**
 * Deterministic YAML: the same data always gives the same bytes, in the canonical key order of
 * vocabulary/json.ts.
 */
import { canonical } from "../vocabulary/json.js";
import { emitYaml } from "./yamlEmit.js";

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
