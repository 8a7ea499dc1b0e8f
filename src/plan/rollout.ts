/**
 * The rollout order: which hubs apply a change first (the canaries), then in which waves the
 * others follow, each wave checked before the next. Pure: from the fleet's `rollout:` settings
 * (or apply --canary) and the hubs that change, the ordered waves. Hubs that do not change
 * are in no wave, and waves left empty are dropped.
 */
import { UsageError } from "../errors.js";
import type { FleetModel, RolloutSettings } from "../fleet/model.js";
import { waveSizes } from "../fleet/rolloutChecks.js";

export interface RolloutWave {
  /** 1-based, in the order the waves run. */
  readonly number: number;
  readonly canary: boolean;
  readonly hubs: readonly string[];
}

/**
 * The settings apply uses: the fleet file's `rollout:`, its canaries replaced by --canary when
 * given. Undefined when neither asks for a rollout (apply then does every hub at once).
 */
export function rolloutSettings(
  fleet: FleetModel,
  canaryFlag?: readonly string[],
): RolloutSettings | undefined {
  if (canaryFlag === undefined) return fleet.rollout;
  const names = fleet.hubs.map((h) => h.name);
  const unknown = canaryFlag.filter((c) => !names.includes(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `--canary ${unknown.join(",")}: names no hub in the fleet file; nothing was applied`,
      `the fleet file's hubs are: ${names.join(", ")}`,
    );
  }
  if (canaryFlag.length === 0) {
    throw new UsageError("--canary needs at least one hub name, e.g. --canary staging-hub");
  }
  return { pauseMs: 0, ...fleet.rollout, canary: [...new Set(canaryFlag)] };
}

/**
 * The waves over the fleet's hubs in file order (canaries first, in their listed order),
 * sized as the settings say over the whole fleet, keeping only the hubs that `changes`.
 */
export function rolloutWaves(
  fleet: FleetModel,
  settings: RolloutSettings,
  changes: (hub: string) => boolean,
): RolloutWave[] {
  const canaries = settings.canary.filter((c) => fleet.hubs.some((h) => h.name === c));
  const others = fleet.hubs.map((h) => h.name).filter((n) => !canaries.includes(n));
  const groups: { canary: boolean; hubs: string[] }[] = [];
  if (canaries.length > 0) groups.push({ canary: true, hubs: canaries });
  let at = 0;
  for (const size of waveSizes(settings.waves, others.length)) {
    groups.push({ canary: false, hubs: others.slice(at, at + size) });
    at += size;
  }
  // Sizes that add up to fewer hubs than there are (validate refuses more): the rest last.
  if (at < others.length) groups.push({ canary: false, hubs: others.slice(at) });
  return groups
    .map((g) => ({ ...g, hubs: g.hubs.filter(changes) }))
    .filter((g) => g.hubs.length > 0)
    .map((g, i) => ({ number: i + 1, canary: g.canary, hubs: g.hubs }));
}

/** "canary: a; wave 2: b, c; wave 3: d", for messages and the plan. */
export function describeWaves(waves: readonly RolloutWave[]): string {
  return waves
    .map((w) => `${w.canary ? "canary" : `wave ${w.number}`}: ${w.hubs.join(", ")}`)
    .join("; ");
}
