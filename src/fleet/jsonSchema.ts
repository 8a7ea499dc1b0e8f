/**
 * The JSON Schema of the fleet file, generated from the zod schema (input side: what a person
 * writes, with defaults shown), for editors and for schema/fleet.schema.json.
 */
import { z } from "zod";
import { toJson } from "../vocabulary/json.js";
import { fleetSchema } from "./schema.js";

export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(fleetSchema, { io: "input", unrepresentable: "any" }),
    title: "hubfleet fleet file (hubfleet/v1alpha1)",
  };
}

export function fleetJsonSchemaText(): string {
  return toJson(fleetJsonSchema());
}
