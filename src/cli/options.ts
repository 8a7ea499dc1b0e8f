/** Option parsing shared by commands. */
import { UsageError } from "../errors.js";

export type OutputFormat = "text" | "json";

export function parseOutputFormat(value: string): OutputFormat {
  if (value === "text" || value === "json") return value;
  throw new UsageError(`unknown output format "${value}"`, "use -o text or -o json");
}
