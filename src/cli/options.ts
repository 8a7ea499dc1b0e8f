/** Option parsing shared by commands, and the one way structured output is written. */
import { UsageError } from "../errors.js";
import { emitYaml } from "../render/yamlEmit.js";
import { durationHours } from "../vocabulary/durations.js";
import type { Io } from "./io.js";

export type OutputFormat = "text" | "json" | "yaml";

/** `-o, --output`: the same three formats on every command with structured output. */
export const OUTPUT_OPTION = ["-o, --output <format>", "text, json or yaml", "text"] as const;

export function parseOutputFormat(value: string): OutputFormat {
  if (value === "text" || value === "json" || value === "yaml") return value;
  throw new UsageError(`unknown output format "${value}"`, "use -o text, -o json or -o yaml");
}

/**
 * `-o json` or `-o yaml`: the same data either way. The round trip through JSON drops undefined
 * fields and turns dates into strings exactly as the JSON output does.
 */
export function writeStructured(io: Io, format: "json" | "yaml", data: unknown): void {
  const plain: unknown = JSON.parse(JSON.stringify(data));
  io.out(format === "json" ? `${JSON.stringify(plain, null, 2)}\n` : emitYaml(plain));
}

/** `--hub NAME` and the like: an option given several times. */
export const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/**
 * `--url HUB=URL` (repeatable): reach a hub at another address than its public URL (a
 * port-forward, a test). Returns hub name → URL ending in "/".
 */
export function parseHubUrls(
  values: readonly string[] | undefined,
  hubs: readonly string[],
): Map<string, string> {
  const urls = new Map<string, string>();
  for (const value of values ?? []) {
    const at = value.indexOf("=");
    const hub = value.slice(0, at);
    const url = value.slice(at + 1);
    if (at <= 0 || !/^https?:\/\/[^/]/.test(url)) {
      throw new UsageError(
        `--url ${value}: expected HUB=URL, e.g. stat101=http://127.0.0.1:8000/stat101/`,
        "the URL is where the hub's proxy answers, with the hub's base path",
      );
    }
    if (!hubs.includes(hub)) {
      throw new UsageError(
        `--url ${value}: no hub named "${hub}" in the fleet file`,
        `hubs: ${hubs.join(", ")}`,
      );
    }
    urls.set(hub, url.endsWith("/") ? url : `${url}/`);
  }
  return urls;
}

/**
 * `--hub NAME` (repeatable): the hubs a command works on, checked against the fleet file before
 * anything talks to the cluster. Undefined when none was given (every hub).
 */
export function parseHubNames(
  values: readonly string[] | undefined,
  hubs: readonly string[],
  what = "--hub",
): string[] | undefined {
  if (!values || values.length === 0) return undefined;
  const unknown = values.filter((h) => !hubs.includes(h));
  if (unknown.length > 0) {
    throw new UsageError(
      `${what} ${unknown.join(", ")}: no hub of that name in the fleet file; nothing was done`,
      `the fleet file's hubs are: ${hubs.join(", ")}`,
    );
  }
  return [...new Set(values)];
}

/** `--timeout`: a Go-style duration (as helm and kubectl take it), at least one second, in ms. */
export function parseTimeout(text: string): number {
  const hours = durationHours(text);
  if (hours === undefined || hours * 3_600_000 < 1000) {
    throw new UsageError(
      `--timeout ${text} is not a duration of at least one second`,
      "write it like 90s, 10m or 1h30m",
    );
  }
  return Math.round(hours * 3_600_000);
}
