/**
 * Property: whatever a person does to a valid fleet file, validate answers with a fleet or
 * with structured problems (path, message, place), and render never crashes on what passes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { parseFleet } from "../../src/fleet/load.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { exampleText } from "../helpers.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const example = parse(exampleText) as Json;

function pathsOf(value: Json, prefix: Path = []): Path[] {
  const here = [prefix];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value && typeof value === "object") {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  }
  return here;
}
const allPaths = pathsOf(example).filter((p) => p.length > 0);

type Edit =
  | { kind: "set"; path: Path; value: Json }
  | { kind: "delete"; path: Path }
  | { kind: "add"; path: Path; key: string; value: Json };

function apply(doc: Json, edit: Edit): Json {
  const copy = structuredClone(doc);
  const parentPath = edit.kind === "add" ? edit.path : edit.path.slice(0, -1);
  let parent: Json = copy;
  for (const part of parentPath) {
    if (parent === null || typeof parent !== "object") return copy;
    parent = (parent as Record<string | number, Json>)[part] ?? null;
  }
  if (parent === null || typeof parent !== "object") return copy;
  const container = parent as Record<string | number, Json>;
  if (edit.kind === "add") container[edit.key] = edit.value;
  else {
    const last = edit.path[edit.path.length - 1] as string | number;
    if (edit.kind === "delete") {
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
      else delete container[last];
    } else container[last] = edit.value;
  }
  return copy;
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1.5Gi",
    "500m",
    "latest",
    "kube-system",
    "dummy",
    "github",
    "us-west-2a",
    "a".repeat(70),
  ),
  fc.integer({ min: -5, max: 100_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }) },
);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), path: fc.constantFrom(...allPaths), value }),
  fc.record({ kind: fc.constant("delete" as const), path: fc.constantFrom(...allPaths) }),
  fc.record({
    kind: fc.constant("add" as const),
    path: fc.constantFrom([], ...allPaths),
    key: fc.string({ maxLength: 10 }),
    value,
  }),
);

function assertStructured(text: string): void {
  const result = parseFleet(text, "fuzz.yaml");
  if (result.fleet) {
    const bundle = renderFleet(result.fleet);
    assert.ok(bundleFiles(bundle).length > 0);
    return;
  }
  const errors = result.problems.filter((p) => p.severity === "error");
  assert.ok(errors.length > 0, "no fleet and no error");
  for (const p of errors) {
    assert.equal(typeof p.path, "string");
    assert.ok(p.message.length > 0);
    assert.ok(p.line >= 1 && p.column >= 1, `unplaced problem ${p.path}: ${p.message}`);
    assert.doesNotMatch(p.message, /undefined|\[object Object\]/);
  }
}

describe("validate never crashes on edited fleets", () => {
  it("structure-aware edits (1 to 4 at a time)", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        assertStructured(stringify(edits.reduce(apply, example)));
      }),
      { numRuns: 400, seed: 42 },
    );
  });
  it("raw text edits (characters inserted or removed)", () => {
    fc.assert(
      fc.property(
        fc.nat(exampleText.length),
        fc.nat(20),
        fc.string({ maxLength: 6 }),
        (at, cut, insert) => {
          assertStructured(exampleText.slice(0, at) + insert + exampleText.slice(at + cut));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
