/**
 * Carries out a prune plan: uninstalls the releases of removed hubs and tools, deletes what is
 * gone from the fleet file, reports what is retained or left alone. Every step re-checks
 * ownership at the moment it acts; a step that fails is reported and its object stays in the
 * inventory, so running apply again retries exactly what is left.
 */

import { LockError } from "../errors.js";
import type { FleetModel } from "../fleet/model.js";
import { labelledFor, type PrunePlan, type PruneRelease } from "../plan/prune.js";
import { describeUnit, type InventoryObject, objectKey, unitOwner } from "../plan/units.js";
import type { HelmPort } from "../ports/helm.js";
import type { KubePort } from "../ports/kube.js";
import { keepVolumes } from "./deleteHub.js";
import { deleteIfOwned, entryOf, entryRef, type Inventory } from "./inventory.js";
import type { FleetLock } from "./lock.js";
import { retry } from "./retry.js";
import { toolStateName } from "./state.js";

export type PruneEvent =
  | { readonly type: "prune-delete"; readonly object: string; readonly reason: string }
  | { readonly type: "prune-retain"; readonly object: string; readonly reason: string }
  | { readonly type: "prune-leave"; readonly object: string; readonly reason: string }
  | { readonly type: "prune-uninstall"; readonly release: string }
  | { readonly type: "prune-failed"; readonly object: string; readonly error: string }
  | { readonly type: "prune-note"; readonly message: string };

export interface PruneResult {
  readonly deleted: readonly string[];
  readonly uninstalled: readonly string[];
  /** Found not to be ours any more when it came to deleting it. */
  readonly left: ReadonlyArray<{ readonly object: string; readonly reason: string }>;
  readonly failed: ReadonlyArray<{ readonly object: string; readonly error: string }>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Why a release of a removed unit is not ours to uninstall any more, if it is not. */
async function releaseNotOurs(
  kube: KubePort,
  fleet: string,
  release: PruneRelease,
): Promise<string | undefined> {
  const { hub, tool } = unitOwner(release.unit);
  const witness = hub
    ? { apiVersion: "v1", kind: "Namespace", name: release.namespace }
    : {
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: release.namespace,
        name: toolStateName(tool ?? ""),
      };
  const live = await retry(() => kube.get(witness));
  if (!live)
    return `${witness.kind} ${witness.name} that marks it as ${describeUnit(release.unit)} is gone`;
  return labelledFor(live, fleet, release.unit);
}

export async function executePrune(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  plan: PrunePlan,
  options: {
    inventory: Inventory;
    lock: FleetLock;
    onEvent: (event: PruneEvent) => void;
    today: string;
  },
): Promise<PruneResult> {
  const { kube, helm } = ports;
  const { inventory, lock, onEvent } = options;
  const result = {
    deleted: [] as string[],
    uninstalled: [] as string[],
    left: [] as Array<{ object: string; reason: string }>,
    failed: [] as Array<{ object: string; error: string }>,
  };
  if (plan.note) onEvent({ type: "prune-note", message: plan.note });
  for (const item of plan.retain) {
    onEvent({ type: "prune-retain", object: objectKey(item.object), reason: item.reason });
  }
  for (const item of plan.leave) {
    onEvent({ type: "prune-leave", object: objectKey(item.object), reason: item.reason });
  }
  const fence = () => lock.assertHeld();
  // A removed hub's volumes must outlive its claims, whatever their StorageClass says.
  for (const unit of plan.removedUnits) {
    const hub = unitOwner(unit).hub;
    if (hub) await keepVolumes(kube, fleet.name, hub, options.today, fence);
  }
  for (const release of plan.uninstall) {
    const name = `${release.namespace}/${release.name}`;
    await fence();
    try {
      const notOurs = await releaseNotOurs(kube, fleet.name, release);
      if (notOurs) {
        result.left.push({ object: `release ${name}`, reason: `${notOurs}: left alone` });
        onEvent({ type: "prune-leave", object: `release ${name}`, reason: notOurs });
        continue;
      }
      onEvent({ type: "prune-uninstall", release: name });
      await fence();
      await helm.uninstall(release.name, release.namespace);
      result.uninstalled.push(name);
      await inventory.forget(release.unit, [], [release]);
    } catch (err) {
      if (err instanceof LockError) throw err;
      result.failed.push({ object: `release ${name}`, error: message(err) });
      onEvent({ type: "prune-failed", object: `release ${name}`, error: message(err) });
    }
  }
  const done = new Map<string, InventoryObject[]>();
  const forget = (unit: string, entry: InventoryObject) =>
    done.set(unit, [...(done.get(unit) ?? []), entry]);
  try {
    for (const item of plan.delete) {
      const object = objectKey(item.object);
      // The uid hubfleet recorded, not the live one: deletion requires they still match.
      const { uid: _, ...base } = entryOf(item.object);
      const entry: InventoryObject = item.uid ? { ...base, uid: item.uid } : base;
      await fence();
      try {
        const outcome = await deleteIfOwned(kube, fleet.name, item.unit, entry, { fence });
        if (outcome.result === "left") {
          result.left.push({ object, reason: outcome.reason });
          onEvent({ type: "prune-leave", object, reason: outcome.reason });
        } else {
          result.deleted.push(object);
          onEvent({ type: "prune-delete", object, reason: item.reason });
        }
        forget(item.unit, entry);
      } catch (err) {
        if (err instanceof LockError) throw err;
        result.failed.push({ object, error: message(err) });
        onEvent({ type: "prune-failed", object, error: message(err) });
      }
    }
    // Entries without a labelled object behind them: gone, or no longer ours.
    for (const { unit, entry } of plan.forget) {
      const live = await retry(() => kube.get(entryRef(entry)));
      if (!live || labelledFor(live, fleet.name, unit)) forget(unit, entry);
    }
  } finally {
    for (const [unit, entries] of done) await inventory.forget(unit, entries);
    for (const { unit, release } of plan.forgetReleases)
      await inventory.forget(unit, [], [release]);
  }
  return result;
}
