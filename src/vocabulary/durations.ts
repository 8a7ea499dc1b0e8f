/** Go-style durations ("720h", "1h30m", "10m"), as the fleet file and the CLI's flags write them. */

const UNIT_HOURS: Readonly<Record<string, number>> = {
  h: 1,
  m: 1 / 60,
  s: 1 / 3600,
  ms: 1 / 3_600_000,
  us: 1 / 3_600_000_000,
  µs: 1 / 3_600_000_000,
  μs: 1 / 3_600_000_000,
  ns: 1 / 3_600_000_000_000,
};

/** A Go duration ("720h", "1h30m") in hours, or undefined when it is not one. */
export function durationHours(text: string): number | undefined {
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_HOURS[p[2] ?? "h"] ?? 0), 0);
}
