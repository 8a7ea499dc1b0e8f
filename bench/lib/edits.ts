/**
 * Edits of a fleet file for the fuzzing figure, as data, and how each is applied: to the parsed
 * tree (structure-aware) or to the YAML text. bench/lib/mutations.ts generates them.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = ReadonlyArray<string | number>;

export type Edit =
  | { op: "replace"; at: Path; value: Json }
  | { op: "delete"; at: Path }
  | { op: "duplicate"; at: Path }
  | { op: "swap"; a: Path; b: Path }
  | { op: "add"; at: Path; key: string; value: Json }
  | { op: "rename"; at: Path; to: string }
  | { op: "grow"; copies: number };

export type TextEdit =
  | { op: "none" }
  | { op: "cut"; at: number; length: number }
  | { op: "insert"; at: number; text: string }
  | { op: "tab-indent"; line: number }
  | { op: "duplicate-line"; line: number }
  | { op: "alias" };

function parentOf(doc: Json, path: Path): Json | undefined {
  let node: Json | undefined = doc;
  for (const part of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, Json>)[part];
  }
  return node;
}

function get(doc: Json, path: Path): Json | undefined {
  const parent = parentOf(doc, path);
  if (parent === null || parent === undefined || typeof parent !== "object") return undefined;
  return (parent as Record<string | number, Json>)[path[path.length - 1] as string | number];
}

function set(doc: Json, path: Path, value: Json): void {
  const parent = parentOf(doc, path);
  if (parent === null || parent === undefined || typeof parent !== "object") return;
  (parent as Record<string | number, Json>)[path[path.length - 1] as string | number] = value;
}

export function applyEdit(doc: Json, edit: Edit): Json {
  if (edit.op !== "grow" && "at" in edit && edit.at.length === 0) {
    return edit.op === "replace" ? edit.value : doc;
  }
  switch (edit.op) {
    case "replace":
      set(doc, edit.at, edit.value);
      break;
    case "delete": {
      const parent = parentOf(doc, edit.at);
      const last = edit.at[edit.at.length - 1] as string | number;
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else if (parent && typeof parent === "object") delete (parent as Record<string, Json>)[last];
      break;
    }
    case "duplicate": {
      const parent = parentOf(doc, edit.at);
      const item = get(doc, edit.at);
      if (Array.isArray(parent) && item !== undefined) parent.push(structuredClone(item));
      break;
    }
    case "swap": {
      const a = get(doc, edit.a);
      const b = get(doc, edit.b);
      if (a === undefined || b === undefined) break;
      set(doc, edit.a, structuredClone(b));
      set(doc, edit.b, structuredClone(a));
      break;
    }
    case "add": {
      const target = get(doc, edit.at);
      if (target && typeof target === "object" && !Array.isArray(target)) {
        target[edit.key] = edit.value;
      }
      break;
    }
    case "rename": {
      const parent = parentOf(doc, edit.at);
      const last = edit.at[edit.at.length - 1];
      if (
        !parent ||
        typeof parent !== "object" ||
        Array.isArray(parent) ||
        typeof last !== "string"
      ) {
        break;
      }
      const value = parent[last] as Json;
      delete parent[last];
      parent[edit.to] = value;
      break;
    }
    case "grow": {
      const hubs = (doc as { hubs?: Json } | null)?.hubs;
      if (!Array.isArray(hubs) || hubs.length === 0) break;
      const base = hubs.length;
      for (let i = 0; i < edit.copies; i += 1) {
        const copy = structuredClone(hubs[i % base]) as Json;
        if (copy && typeof copy === "object" && !Array.isArray(copy)) copy.name = `grown-${i}`;
        hubs.push(copy);
      }
      break;
    }
  }
  return doc;
}

export function applyTextEdit(text: string, edit: TextEdit): string {
  const lines = text.split("\n");
  const line = (n: number) => n % Math.max(1, lines.length);
  switch (edit.op) {
    case "none":
      return text;
    case "cut": {
      const at = edit.at % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + edit.length);
    }
    case "insert": {
      const at = edit.at % Math.max(1, text.length);
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    case "tab-indent":
      lines[line(edit.line)] = `\t${lines[line(edit.line)] ?? ""}`;
      return lines.join("\n");
    case "duplicate-line":
      lines.splice(line(edit.line), 0, lines[line(edit.line)] ?? "");
      return lines.join("\n");
    case "alias":
      // Anchors and aliases: the hub defaults shared by reference (and a self-reference).
      return text
        .replace(/^hubDefaults:/m, "hubDefaults: &defaults")
        .concat("\nx-extra: *defaults\n");
  }
}

/** One fuzz case: a valid seed file, 1-4 structural edits, then maybe one edit of the text. */
