/**
 * Applies one unit — a hub, or a cluster tool — phase by phase: namespace → storage → drive →
 * secrets → release → after-release → network. Skips it when the hash of its desired state
 * matches what was last applied. Everything it writes is recorded in the inventory first.
 */

import { LockError } from "../errors.js";
import type { FleetModel } from "../fleet/model.js";
import { deepMerge } from "../fleet/model.js";
import { hubStateHash } from "../plan/hash.js";
import { entryKey, hubUnit, type InventoryObject, objectKey, toolUnit } from "../plan/units.js";
import type { HelmPort } from "../ports/helm.js";
import type { HelmReleaseInfo } from "../ports/helmParse.js";
import { ClusterError, type KubePort, refOf } from "../ports/kube.js";
import {
  APPLY_PHASES,
  type ApplyPhase,
  type HelmRelease,
  type Manifest,
  type SecretRequest,
} from "../render/bundle.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { explainTakenAddress } from "./addressTaken.js";
import { adopt, needsAdoption } from "./adopt.js";
import { type ChartOverrides, chartSource } from "./charts.js";
import { entryOf, entryRef, type Inventory } from "./inventory.js";
import type { FleetLock } from "./lock.js";
import { waitTargets } from "./readiness.js";
import { retry } from "./retry.js";
import { ensureSecret, secretValues } from "./secrets.js";
import { putToSleep, wakeUp } from "./sleep.js";
import {
  forgetHash,
  STATE_CONFIGMAP,
  toolStateName,
  writeHubHash,
  writeToolHash,
} from "./state.js";
import { type WaitSettings, waitUntilReady } from "./wait.js";

export type HubResult = "applied" | "unchanged" | "failed";

export interface HubOutcome {
  readonly hub: string;
  readonly result: HubResult;
  readonly durationMs: number;
  /** Helm's (or the API's) message when it failed. */
  readonly error?: string;
  readonly releaseUpgraded: boolean;
  /** The hub is asleep (outside its term): "asleep until 2027-01-17 (…)". */
  readonly asleep?: string;
}

export type ApplyEvent =
  | { readonly type: "hub-start"; readonly hub: string }
  | { readonly type: "phase"; readonly hub: string; readonly phase: ApplyPhase }
  /** Everything is written; apply waits for the unit to be ready (`what` it waits for now). */
  | {
      readonly type: "waiting";
      readonly hub: string;
      readonly what: string;
      readonly timeoutMs: number;
    }
  | { readonly type: "hub-done"; readonly outcome: HubOutcome }
  | { readonly type: "recovered"; readonly hub: string; readonly message: string }
  | { readonly type: "adopted"; readonly hub: string; readonly object: string }
  /** Before any release: the pinned addresses of the drives about to be created are taken. */
  | { readonly type: "addresses-reserved"; readonly services: readonly string[] };

export interface HubWork {
  /** The hub's name, or "tools/<release>" for a cluster tool: what progress shows. */
  readonly hub: string;
  /** Set for a cluster tool: its release name (the state is recorded per tool). */
  readonly tool?: string;
  readonly manifests: readonly Manifest[];
  readonly release: HelmRelease | undefined;
  readonly secrets: readonly SecretRequest[];
  /**
   * Only for a hub with a term: its state, "awake" or what apply reports of a sleeping hub
   * ("asleep until 2027-01-17 (…)"). A sleeping hub is put to sleep after its release and
   * never waited for.
   */
  readonly term?: { readonly asleep?: string };
}

export interface HubApplyContext {
  readonly kube: KubePort;
  readonly helm: HelmPort;
  readonly fleet: FleetModel;
  readonly lock: FleetLock;
  readonly fleetDir: string;
  readonly charts: ChartOverrides;
  readonly force: boolean;
  readonly liveReleases: ReadonlyMap<string, HelmReleaseInfo>;
  /** Hash recorded per hub (and per "tools/<release>") by the last successful apply. */
  readonly recordedHashes: ReadonlyMap<string, string>;
  /** namespace/name of the Secrets apply created that exist now. */
  readonly presentSecrets: ReadonlySet<string>;
  readonly inventory: Inventory;
  /** How long each unit may take to be ready after its release; undefined: do not wait. */
  readonly wait: WaitSettings | undefined;
  /** Runs a unit's writes when a slot is free (bounded concurrency); default: at once. */
  readonly slot?: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly onEvent: (event: ApplyEvent) => void;
}

/** The inventory unit of a hub or tool. */
export function unitOf(work: HubWork): string {
  return work.tool ? toolUnit(work.tool) : hubUnit(work.hub);
}

/** Everything apply writes for the unit: its manifests, its Secrets, its recorded state. */
export function unitObjects(work: HubWork): InventoryObject[] {
  const ref = (kind: string, namespace: string, name: string): InventoryObject => ({
    apiVersion: "v1",
    kind,
    namespace,
    name,
  });
  const state = work.tool
    ? ref("ConfigMap", work.release?.namespace ?? "", toolStateName(work.tool))
    : ref("ConfigMap", work.hub, STATE_CONFIGMAP);
  return [
    ...work.manifests.map((m) => entryOf(m.object)),
    ...work.secrets.map((s) => ref("Secret", s.namespace, s.name)),
    state,
  ];
}

/** The ConfigMap where the unit's applied hash is recorded. */
function stateRef(work: HubWork) {
  return work.tool && work.release
    ? { namespace: work.release.namespace, name: toolStateName(work.tool) }
    : { namespace: work.hub, name: STATE_CONFIGMAP };
}

/**
 * The Secrets the unit's configuration names but the operator provides: all of them present,
 * with their keys, before the release is installed — or the unit stops here, saying how to
 * create each one that is missing.
 */
async function checkExternalSecrets(ctx: HubApplyContext, work: HubWork): Promise<void> {
  const problems: string[] = [];
  for (const request of work.secrets.filter((s) => s.type === "external")) {
    try {
      await retry(() => ensureSecret(ctx.kube, ctx.fleet, request, { fleetDir: ctx.fleetDir }));
    } catch (err) {
      if (err instanceof ClusterError) throw err;
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) {
    throw new Error(`${problems.join("; ")} (nothing of the release was installed)`);
  }
}

/** Whether the unit's recorded hash says it is already applied as desired. */
export function isUnchanged(ctx: HubApplyContext, work: HubWork): boolean {
  const hash = hubStateHash({ manifests: work.manifests, release: work.release });
  const live = work.release
    ? ctx.liveReleases.get(key(work.release.namespace, work.release.name))
    : undefined;
  return (
    !ctx.force &&
    (work.release === undefined || live?.status === "deployed") &&
    // An external Secret is the operator's (kubectl or `secret set`), often without our labels:
    // it is checked whenever the unit is applied, not listed here.
    work.secrets
      .filter((s) => s.type !== "external")
      .every((s) => ctx.presentSecrets.has(key(s.namespace, s.name))) &&
    ctx.recordedHashes.get(work.hub) === hash
  );
}

/**
 * Server-side apply; an object kubectl's client-side apply still co-owns is adopted first
 * (see adopt.ts) and applied again, so fields hubfleet no longer sets really go away.
 */
export async function applyObject(ctx: HubApplyContext, hub: string, object: KubeObject) {
  const fenced = async <T>(write: () => Promise<T>) => {
    await ctx.lock.assertHeld();
    return write();
  };
  const live = await retry(() => fenced(() => ctx.kube.apply(object))).catch(async (err) => {
    throw await explainTakenAddress(ctx.kube, ctx.fleet, object, err);
  });
  if (!needsAdoption(live)) return live;
  await retry(() => fenced(() => adopt(ctx.kube, refOf(object))));
  ctx.onEvent({ type: "adopted", hub, object: objectKey(object) });
  return retry(() => fenced(() => ctx.kube.apply(object)));
}

/** An unchanged unit missing from the inventory (applied before there was one): record it. */
async function recordUnchanged(ctx: HubApplyContext, work: HubWork): Promise<void> {
  const unit = unitOf(work);
  const objects = unitObjects(work);
  if (ctx.inventory.covers(unit, objects.map(entryKey))) return;
  const found = await Promise.all(
    objects.map(async (o) => {
      const live = await retry(() => ctx.kube.get(entryRef(o)));
      return live ? entryOf(live) : o;
    }),
  );
  await ctx.inventory.record(unit, found, work.release ? [work.release] : []);
}

/**
 * Applies one unit: its writes inside one of the context's slots (bounded concurrency), then,
 * outside any slot so that waiting hubs do not hold up the others' writes, the wait until it is
 * ready, and last the record of its hash.
 */
export async function applyHub(ctx: HubApplyContext, work: HubWork): Promise<HubOutcome> {
  let started = Date.now();
  const done = (result: HubResult, releaseUpgraded: boolean, error?: string): HubOutcome => {
    const outcome = {
      hub: work.hub,
      result,
      durationMs: Date.now() - started,
      releaseUpgraded,
      ...(error ? { error } : {}),
      ...(work.term?.asleep ? { asleep: work.term.asleep } : {}),
    };
    ctx.onEvent({ type: "hub-done", outcome });
    return outcome;
  };
  const hash = hubStateHash({ manifests: work.manifests, release: work.release });
  try {
    const written = await (ctx.slot ?? runNow)(async () => {
      started = Date.now();
      ctx.onEvent({ type: "hub-start", hub: work.hub });
      return writeUnit(ctx, work);
    });
    if (written === "unchanged") return done("unchanged", false);
    if (ctx.wait && !work.term?.asleep) await waitForUnit(ctx, work, written.installed, ctx.wait);
    await ctx.lock.assertHeld();
    const chart = work.release ? `${work.release.chart.name}-${work.release.chart.version}` : "";
    await retry(() =>
      work.tool && work.release
        ? writeToolHash(ctx.kube, ctx.fleet, work.release, hash)
        : writeHubHash(ctx.kube, ctx.fleet, work.hub, hash, chart),
    );
    return done("applied", written.upgraded);
  } catch (err) {
    if (err instanceof LockError) throw err;
    return done("failed", false, err instanceof Error ? err.message : String(err));
  }
}

const runNow = <T>(fn: () => Promise<T>): Promise<T> => fn();

/** Every phase's writes, or nothing when the unit is unchanged. */
async function writeUnit(
  ctx: HubApplyContext,
  work: HubWork,
): Promise<"unchanged" | { installed: HelmReleaseInfo | undefined; upgraded: boolean }> {
  const unit = unitOf(work);
  if (isUnchanged(ctx, work)) {
    await recordUnchanged(ctx, work);
    return "unchanged";
  }
  // Recorded before anything is written: a run killed from here on leaves a superset.
  await ctx.inventory.record(unit, unitObjects(work), work.release ? [work.release] : []);
  let installed: HelmReleaseInfo | undefined;
  for (const phase of APPLY_PHASES) {
    await ctx.lock.assertHeld();
    ctx.onEvent({ type: "phase", hub: work.hub, phase });
    if (phase === "secrets") {
      await checkExternalSecrets(ctx, work);
      for (const request of work.secrets.filter((s) => s.type !== "external")) {
        await ctx.lock.assertHeld();
        await retry(() => ensureSecret(ctx.kube, ctx.fleet, request, { fleetDir: ctx.fleetDir }));
      }
    } else if (phase === "release") {
      if (work.release) {
        // From here the live state may differ from the recorded hash until the unit is ready:
        // a run that fails or dies before then must not be taken for unchanged next time.
        if (ctx.recordedHashes.has(work.hub)) {
          await retry(() => forgetHash(ctx.kube, stateRef(work)));
        }
        installed = await installRelease(ctx, work.release);
        if (work.term?.asleep) await putToSleep(ctx, work.release.namespace);
        else if (work.term) await wakeUp(ctx, work.release.namespace);
      }
    } else {
      const written: InventoryObject[] = [];
      for (const manifest of work.manifests.filter((m) => m.phase === phase)) {
        written.push(entryOf(await applyObject(ctx, work.hub, manifest.object)));
      }
      // The uids, once known: deletion later requires the same object.
      await ctx.inventory.record(unit, written);
    }
  }
  return { installed, upgraded: work.release !== undefined };
}

/** Waits until what the unit wrote is ready (readiness.ts says what that means). */
async function waitForUnit(
  ctx: HubApplyContext,
  work: HubWork,
  installed: HelmReleaseInfo | undefined,
  settings: WaitSettings,
): Promise<void> {
  await waitUntilReady(
    ctx,
    {
      targets: waitTargets(
        work.manifests.map((m) => m.object),
        installed?.objects ?? [],
        work.release?.namespace ?? work.hub,
      ),
      ...(work.release
        ? { release: { name: work.release.name, namespace: work.release.namespace } }
        : {}),
    },
    settings,
    (what) => ctx.onEvent({ type: "waiting", hub: work.hub, what, timeoutMs: settings.timeoutMs }),
  );
}

/**
 * A release left pending-install/upgrade/rollback by a hubfleet run that died: we hold the
 * fleet lock, so no other hubfleet is working on it. Roll back to the last deployed revision
 * (or, if it never deployed, remove the failed install: the chart keeps the hub's database
 * claim, and hubfleet's own objects are not part of the release).
 */
async function recoverPendingRelease(ctx: HubApplyContext, release: HelmRelease): Promise<void> {
  const live = ctx.liveReleases.get(key(release.namespace, release.name));
  if (!live?.status.startsWith("pending-")) return;
  const history = await ctx.helm.history(release.name, release.namespace);
  const lastGood = [...history]
    .reverse()
    .find((h) => h.status === "deployed" || h.status === "superseded");
  if (lastGood) {
    ctx.onEvent({
      type: "recovered",
      hub: release.tool ? `tools/${release.name}` : release.name,
      message: `release was left ${live.status} by an interrupted run; rolled back to revision ${lastGood.revision}`,
    });
    await ctx.lock.assertHeld();
    await ctx.helm.rollback(release.name, release.namespace, lastGood.revision);
  } else {
    ctx.onEvent({
      type: "recovered",
      hub: release.tool ? `tools/${release.name}` : release.name,
      message: `release was left ${live.status} by an interrupted first install; removed it to install again (volumes kept)`,
    });
    await ctx.lock.assertHeld();
    await ctx.helm.uninstall(release.name, release.namespace);
  }
}

async function installRelease(
  ctx: HubApplyContext,
  release: HelmRelease,
): Promise<HelmReleaseInfo> {
  await recoverPendingRelease(ctx, release);
  const secrets = await secretValues(ctx.kube, release.namespace, release.secretValues ?? []);
  // Last check right before helm writes (reading the secret values above takes time).
  await ctx.lock.assertHeld();
  return ctx.helm.upgradeInstall({
    release: release.name,
    namespace: release.namespace,
    chart: chartSource(release.chart, ctx.charts),
    values: deepMerge(release.values, secrets) as Record<string, unknown>,
  });
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
