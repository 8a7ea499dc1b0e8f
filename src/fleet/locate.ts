/**
 * Finds where a field path sits in the YAML source, so every problem can name file:line:col.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter } from "yaml";
import type { FieldPath } from "./problems.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The position of the deepest node on `path` that exists in the document. */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: FieldPath,
  atKey = false,
): Position {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, part] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      node = pair.value;
      offset = (last && atKey ? keyStart : (rangeStart(node) ?? keyStart)) ?? offset;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === "object" && "range" in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range?.[0];
  }
  return undefined;
}
