/**
 * The rollout and freeze settings as numbers and their checks: how many hubs each wave takes,
 * canaries that name no hub, waves that add up to more hubs than there are, a freeze that ends
 * before it starts. Pure; plan/rollout.ts orders the hubs with the same arithmetic.
 */
import { error } from "./findings.js";
import type { FleetModel } from "./model.js";
import type { Finding } from "./problems.js";
import type { WaveSize } from "./schema.js";

/** Hubs a wave size stands for, out of `base` hubs (a percentage rounds up, at least 1). */
export function waveHubs(size: WaveSize, base: number): number {
  if (typeof size === "number") return size;
  return Math.max(1, Math.ceil((base * Number(size.slice(0, -1))) / 100));
}

/**
 * The sizes of the waves after the canaries over `base` hubs: one size repeats until every hub
 * has a wave; a list is taken wave by wave and the hubs left over make one last wave.
 */
export function waveSizes(
  waves: WaveSize | readonly WaveSize[] | undefined,
  base: number,
): number[] {
  if (base <= 0) return [];
  if (waves === undefined) return [base];
  if (!Array.isArray(waves)) {
    const size = waveHubs(waves as WaveSize, base);
    return Array.from({ length: Math.ceil(base / size) }, (_, i) =>
      Math.min(size, base - i * size),
    );
  }
  const sizes = (waves as readonly WaveSize[]).map((w) => waveHubs(w, base));
  const listed = sizes.reduce((a, b) => a + b, 0);
  return listed < base ? [...sizes, base - listed] : sizes;
}

/** Hubs the waves ask for beyond `base`, or 0 when they fit. */
export function wavesOverflow(
  waves: WaveSize | readonly WaveSize[] | undefined,
  base: number,
): number {
  if (waves === undefined) return 0;
  const list = Array.isArray(waves) ? (waves as readonly WaveSize[]) : [waves as WaveSize];
  const asked = list.map((w) => waveHubs(w, base)).reduce((a, b) => a + b, 0);
  return Math.max(0, asked - base);
}

export function checkRollout(fleet: FleetModel): Finding[] {
  const rollout = fleet.rollout;
  if (!rollout) return [];
  const findings: Finding[] = [];
  const names = fleet.hubs.map((h) => h.name);
  const seen = new Set<string>();
  for (const [i, canary] of rollout.canary.entries()) {
    if (!names.includes(canary)) {
      findings.push(
        error(
          ["rollout", "canary", i],
          `names no hub: there is no hub "${canary}" in the fleet file`,
          `name one of the fleet's hubs: ${names.join(", ") || "(none)"}`,
        ),
      );
    } else if (seen.has(canary)) {
      findings.push(
        error(["rollout", "canary", i], `"${canary}" is named twice`, "name each canary once"),
      );
    }
    seen.add(canary);
  }
  const base = names.filter((n) => !seen.has(n)).length;
  const over = wavesOverflow(rollout.waves, base);
  if (over > 0) {
    const list = Array.isArray(rollout.waves) ? rollout.waves : [rollout.waves];
    findings.push(
      error(
        ["rollout", "waves"],
        `the waves (${list.map(String).join(", ")}) add up to ${base + over} hubs, but the fleet has ${base} besides its canaries`,
        `make the waves smaller: together at most ${base} hubs (hubs left over form a last wave by themselves)`,
      ),
    );
  }
  return findings;
}

export function checkFreeze(fleet: FleetModel): Finding[] {
  return fleet.freeze.flatMap((range, i) =>
    range.to < range.from
      ? [
          error(
            ["freeze", i, "to"],
            `the freeze ends (${range.to}) before it starts (${range.from})`,
            "swap from and to, or fix the date: both days are inclusive",
          ),
        ]
      : [],
  );
}
