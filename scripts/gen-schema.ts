/** Writes schema/fleet.schema.json from the zod schema (`npm run schema`). */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { fleetJsonSchemaText } from "../src/fleet/jsonSchema.js";

const target = fileURLToPath(new URL("../schema/fleet.schema.json", import.meta.url));
await writeFile(target, fleetJsonSchemaText());
console.log(`wrote ${target}`);
