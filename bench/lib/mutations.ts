/**
 * Structure-aware mutations of valid fleet files for the fuzzing figure (fast-check): edits
 * that know where they are in the tree (replace a value by one of a neighbouring kind, delete,
 * duplicate, swap, add, rename keys, grow the hub list) and a few edits of the YAML text itself.
 */
import fc from "fast-check";
import { parse, stringify } from "yaml";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = ReadonlyArray<string | number>;

interface Node {
  readonly path: Path;
  readonly value: Json;
}

function nodesOf(value: Json, path: Path = []): Node[] {
  const here = { path, value };
  if (Array.isArray(value)) return [here, ...value.flatMap((v, i) => nodesOf(v, [...path, i]))];
  if (value !== null && typeof value === "object") {
    return [here, ...Object.entries(value).flatMap(([k, v]) => nodesOf(v, [...path, k]))];
  }
  return [here];
}

function kind(value: Json): string {
  if (Array.isArray(value)) return "list";
  return value === null ? "null" : typeof value;
}

/** Values a person (or a bad template) might put where a value of this kind was. */
const STRINGS = [
  "",
  " ",
  "x".repeat(300),
  "UPPER",
  "with space",
  "a/b",
  "ünïcödé",
  "-1",
  "0",
  "1e309",
  "1.5Gi",
  "500m",
  "0.0001",
  "1Ei",
  "kube-system",
  "default",
  "10.100.0.1",
  "999.1.1.1",
  "https://x.example.edu/",
  "$(whoami)",
  "null",
];
const NUMBERS = [
  0,
  -1,
  1.5,
  2 ** 31,
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];
const scalar = fc.oneof(
  fc.constantFrom<Json>(...STRINGS),
  fc.constantFrom<Json>(...NUMBERS),
  fc.constantFrom<Json>(true, false, null),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -10, max: 100_000 }),
);
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<Json>({}, [], [{}]) },
);

type Edit =
  | { op: "replace"; at: Path; value: Json }
  | { op: "delete"; at: Path }
  | { op: "duplicate"; at: Path }
  | { op: "swap"; a: Path; b: Path }
  | { op: "add"; at: Path; key: string; value: Json }
  | { op: "rename"; at: Path; to: string }
  | { op: "grow"; copies: number };

type TextEdit =
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

function applyEdit(doc: Json, edit: Edit): Json {
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

function editsFor(seed: Json): fc.Arbitrary<Edit> {
  const nodes = nodesOf(seed).filter((n) => n.path.length > 0);
  const paths = nodes.map((n) => n.path);
  const keyPaths = paths.filter((p) => typeof p[p.length - 1] === "string");
  const objects = [
    [] as Path,
    ...nodes.filter((n) => kind(n.value) === "object").map((n) => n.path),
  ];
  const listItems = paths.filter((p) => typeof p[p.length - 1] === "number");
  const keys = [...new Set(keyPaths.map((p) => p[p.length - 1] as string))];
  // A replacement of the same kind's neighbours: another value that appears in the file.
  const sameKind = (n: Node) =>
    nodes.filter((m) => kind(m.value) === kind(n.value)).map((m) => structuredClone(m.value));
  const replaceFrom = fc.constantFrom(...nodes).chain((n) =>
    fc.record({
      op: fc.constant("replace" as const),
      at: fc.constant(n.path),
      value: fc.oneof(anyValue, fc.constantFrom(...sameKind(n))),
    }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: replaceFrom },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("delete" as const), at: fc.constantFrom(...paths) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("duplicate" as const),
        at: fc.constantFrom(...(listItems.length > 0 ? listItems : paths)),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("swap" as const),
        a: fc.constantFrom(...paths),
        b: fc.constantFrom(...paths),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("add" as const),
        at: fc.constantFrom(...objects),
        key: fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })),
        value: fc.oneof(anyValue, fc.constantFrom(...nodes.map((n) => structuredClone(n.value)))),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("rename" as const),
        at: fc.constantFrom(...keyPaths),
        to: fc.oneof(
          fc.constantFrom(...keys),
          fc.constantFrom(...keys).map((k) => k.toUpperCase()),
          fc.string({ maxLength: 8 }),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("grow" as const),
        copies: fc.integer({ min: 1, max: 40 }),
      }),
    },
  );
}

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ op: "none" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("cut" as const), at: fc.nat(), length: fc.nat(40) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      at: fc.nat(),
      text: fc.constantFrom(
        ":",
        "- ",
        "\n",
        "  ",
        '"',
        "{",
        "]",
        "&a ",
        "*a",
        "!!binary ",
        "---\n",
        "# x\n",
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("tab-indent" as const), line: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("duplicate-line" as const), line: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "alias" as const }) },
);

function applyTextEdit(text: string, edit: TextEdit): string {
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
export function mutatedFleets(seeds: readonly string[]): fc.Arbitrary<string> {
  const parsed = seeds.map((text) => parse(text) as Json);
  return fc
    .nat(parsed.length - 1)
    .chain((i) => {
      const seed = parsed[i] as Json;
      return fc.tuple(
        fc.constant(seed),
        fc.array(editsFor(seed), { minLength: 1, maxLength: 4 }),
        textEdit,
      );
    })
    .map(([seed, edits, text]) =>
      applyTextEdit(stringify(edits.reduce(applyEdit, structuredClone(seed))), text),
    );
}
