/**
 * Structure-aware mutations of valid fleet files for the fuzzing figure (fast-check): edits
 * that know where they are in the tree (replace a value by one of a neighbouring kind, delete,
 * duplicate, swap, add, rename keys, grow the hub list) and a few edits of the YAML text itself.
 */
import fc from "fast-check";
import { parse, stringify } from "yaml";
import {
  applyEdit,
  applyTextEdit,
  type Edit,
  type Json,
  type Path,
  type TextEdit,
} from "./edits.js";

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
