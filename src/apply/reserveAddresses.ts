/**
 * The fleet-wide address step of apply: before any tool or hub release is written, each hub
 * about to be applied gets its namespace and its drive Service, so the drive takes its pinned
 * address before the API server hands random addresses (in the same range) to the releases'
 * Services. Without it, a large first apply lost a few drives' addresses to other hubs'
 * Services (9 of 500 in the bench; docs/performance.md).
 */

import { LockError } from "../errors.js";
import { APPLY_PHASES } from "../render/bundle.js";
import { pinOf } from "./addressTaken.js";
import {
  applyObject,
  type HubApplyContext,
  type HubWork,
  unitObjects,
  unitOf,
} from "./hubApply.js";
import { entryOf } from "./inventory.js";

/**
 * Writes, per unit that holds a pinned Service, its namespace-phase objects and then that
 * Service (recording the unit's objects in the inventory first, as the unit's own apply does,
 * so a run killed here leaves nothing unaccounted for). A unit whose write fails here is left to
 * its own apply, which writes the same objects again and reports the failure against the hub.
 * Returns the Services written ("namespace/name").
 */
export async function reservePinnedAddresses(
  ctx: HubApplyContext,
  units: readonly HubWork[],
): Promise<string[]> {
  const reserved: string[] = [];
  await Promise.all(
    units.map(async (work) => {
      const pinned = work.manifests.filter((m) => pinOf(ctx.fleet, m.object) !== undefined);
      if (pinned.length === 0) return;
      const first = APPLY_PHASES[0];
      const namespaces = work.manifests.filter((m) => m.phase === first);
      await (ctx.slot ?? runNow)(async () => {
        try {
          await ctx.inventory.record(unitOf(work), unitObjects(work));
          const written = [];
          for (const m of [...namespaces, ...pinned]) {
            written.push(entryOf(await applyObject(ctx, work.hub, m.object)));
          }
          await ctx.inventory.record(unitOf(work), written);
          reserved.push(
            ...pinned.map((m) => `${m.object.metadata.namespace ?? ""}/${m.object.metadata.name}`),
          );
        } catch (err) {
          if (err instanceof LockError) throw err;
          // Otherwise reported by the unit's own apply, which makes the same writes (see above).
        }
      });
    }),
  );
  return reserved.sort();
}

const runNow = <T>(fn: () => Promise<T>): Promise<T> => fn();
