/**
 * The JSON Schema of the fleet file, generated from the zod schema (input side: what a person
 * writes, with defaults shown), for editors and for schema/fleet.schema.json.
 */
import { z } from "zod";
import { toJson } from "../vocabulary/json.js";
import { z2jhVersions } from "../vocabulary/z2jhVersions.js";
import { fleetSchema, z2jhChartVersion } from "./schema.js";

export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(fleetSchema, {
      io: "input",
      unrepresentable: "any",
      // The z2jh versions are files in data/z2jh/, listed when the schema is written: editors
      // offer them, and validate explains a version that is not there.
      override: (ctx) => {
        if (ctx.zodSchema === z2jhChartVersion) ctx.jsonSchema.enum = [...z2jhVersions()];
      },
    }),
    title: "hubfleet fleet file (hubfleet/v1alpha1)",
  };
}

export function fleetJsonSchemaText(): string {
  return toJson(fleetJsonSchema());
}
