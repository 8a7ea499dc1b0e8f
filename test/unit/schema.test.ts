/** The committed JSON Schema is what the zod schema generates, and documents every field. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fleetJsonSchema, fleetJsonSchemaText } from "../../src/fleet/jsonSchema.js";
import { exampleText, REPO } from "../helpers.js";

describe("schema/fleet.schema.json", () => {
  it("is up to date with the zod schema (run `npm run schema` if this fails)", () => {
    const committed = readFileSync(`${REPO}schema/fleet.schema.json`, "utf8");
    assert.equal(committed, fleetJsonSchemaText());
  });

  it("gives every property a description", () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      const props = n.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(props ?? {})) {
        const described = (s: Record<string, unknown>): boolean =>
          typeof s.description === "string" ||
          ((s.anyOf ?? s.oneOf) as Record<string, unknown>[] | undefined)?.some(described) === true;
        if (!described(child)) missing.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      for (const k of ["items", "additionalProperties"]) walk(n[k], `${path}[]`);
      for (const k of ["anyOf", "oneOf", "allOf"]) {
        for (const alt of (n[k] as unknown[] | undefined) ?? []) walk(alt, path);
      }
    };
    walk(fleetJsonSchema(), "");
    assert.deepEqual(missing, []);
  });

  it("shows defaults to editors", () => {
    const text = fleetJsonSchemaText();
    assert.match(text, /"default": "1.34"/);
    assert.match(text, /"default": 30/);
  });

  it("is referenced by the example for editor completion", () => {
    assert.match(
      exampleText.split("\n")[0] ?? "",
      /^# yaml-language-server: \$schema=\.\.\/schema\/fleet\.schema\.json$/,
    );
  });
});
