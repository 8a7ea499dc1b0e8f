/**
 * The prune guard: whether an apply may prune as much as its plan says, or must stop before
 * writing anything and ask for --prune-hub, --prune-tool or --confirm. Pure.
 */
import { ASLEEP_PAGE_ROLE, SLEEP_LABEL } from "../vocabulary/labels.js";
import type { PrunePlan } from "./prune.js";
import { describeUnit, unitOwner } from "./units.js";

/** What an apply was allowed to prune on the command line. */
export interface PruneConsent {
  readonly confirm: boolean;
  readonly pruneHubs: ReadonlySet<string>;
  readonly pruneTools: ReadonlySet<string>;
}

export const NO_CONSENT: PruneConsent = {
  confirm: false,
  pruneHubs: new Set(),
  pruneTools: new Set(),
};

export interface GuardVerdict {
  readonly stop: boolean;
  /** One line per reason the guard stops. */
  readonly reasons: readonly string[];
  /** The flags that would let the apply go ahead. */
  readonly flags: readonly string[];
}

/** Deleting more than this share of the inventory at once needs --confirm... */
export const GUARD_SHARE = 0.1;
/** ...once it is at least this many objects (small fleets change a few objects routinely). */
export const GUARD_MIN_OBJECTS = 5;

/**
 * The prune guard: a whole hub or tool removed, or more than 10 % of what hubfleet manages
 * deleted at once, looks like a truncated or mis-rendered fleet file. Stop unless told.
 */
export function pruneGuard(plan: PrunePlan, consent: PruneConsent): GuardVerdict {
  const reasons: string[] = [];
  const flags: string[] = [];
  const named = new Set<string>();
  for (const unit of plan.removedUnits) {
    const { hub, tool } = unitOwner(unit);
    const allowed =
      consent.confirm ||
      (hub !== undefined && consent.pruneHubs.has(hub)) ||
      (tool !== undefined && consent.pruneTools.has(tool));
    if (allowed) {
      named.add(unit);
      continue;
    }
    const objects = plan.delete.filter((d) => d.unit === unit).length;
    const releases = plan.uninstall.filter((r) => r.unit === unit).length;
    reasons.push(
      `${describeUnit(unit)} is no longer in the fleet file: apply would uninstall ${releases} release(s) and delete ${objects} object(s) (its data is kept)`,
    );
    flags.push(hub ? `--prune-hub ${hub}` : tool ? `--prune-tool ${tool}` : "--confirm");
  }
  // Hubs waking take their asleep-page routes with them: routine, however many wake at once.
  const bulk = plan.delete.filter(
    (d) =>
      !named.has(d.unit) &&
      !plan.removedUnits.includes(d.unit) &&
      d.object.metadata.labels?.[SLEEP_LABEL] !== ASLEEP_PAGE_ROLE,
  );
  if (
    !consent.confirm &&
    bulk.length >= GUARD_MIN_OBJECTS &&
    bulk.length > plan.inventorySize * GUARD_SHARE
  ) {
    reasons.push(
      `apply would delete ${bulk.length} of the ${plan.inventorySize} objects hubfleet manages (more than ${GUARD_SHARE * 100} %)`,
    );
    flags.push("--confirm");
  }
  return { stop: reasons.length > 0, reasons, flags: [...new Set(flags)] };
}
