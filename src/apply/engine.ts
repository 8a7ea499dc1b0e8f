/**
 * Apply: make the cluster match the rendered bundle. Holds the fleet lock throughout. Before
 * writing anything it plans the prune (and stops if the guard says so) and checks that no
 * data-bearing object would need an impossible in-place change. Then it applies cluster-wide
 * objects, the cluster tools one after another (in bundle order: each may need the CRDs of the
 * one before), hubs with bounded concurrency (one hub's failure does not stop the others), each
 * waited for until it is ready, and finally prunes what is gone from the fleet file — never data.
 * With a rollout (canaries, waves) the hubs go wave by wave, each wave checked before the next
 * (rollout.ts); a hub in class, in its warm-up or in a fleet freeze is not touched unless told.
 */

import { UsageError } from "../errors.js";
import type { FleetModel, RolloutSettings } from "../fleet/model.js";
import { freezeReason } from "../plan/freeze.js";
import type { PrunePlan } from "../plan/prune.js";
import {
  type GuardVerdict,
  NO_CONSENT,
  type PruneConsent,
  pruneGuard,
} from "../plan/pruneGuard.js";
import { type RolloutWave, rolloutWaves } from "../plan/rollout.js";
import { CLUSTER_UNIT, hubUnit, type InventoryObject } from "../plan/units.js";
import type { HelmPort } from "../ports/helm.js";
import type { KubePort } from "../ports/kube.js";
import type { Bundle } from "../render/bundle.js";
import { checkPinnedAddresses } from "./addressTaken.js";
import type { ChartOverrides } from "./charts.js";
import {
  type ApplyEvent,
  applyHub,
  applyObject,
  type HubApplyContext,
  type HubOutcome,
  type HubWork,
  isUnchanged,
  key,
} from "./hubApply.js";
import { checkImmutable } from "./immutable.js";
import { entryOf, Inventory } from "./inventory.js";
import { FleetLock, type LockOptions } from "./lock.js";
import { observePrune } from "./observe.js";
import { executePrune, type PruneEvent, type PruneResult } from "./prune.js";
import { reservePinnedAddresses } from "./reserveAddresses.js";
import { limiter } from "./retry.js";
import {
  freezeClock,
  type HubGate,
  type RolloutEvent,
  type RolloutReport,
  runRollout,
} from "./rollout.js";
import { presentSecrets, readHubHashes, toolKey } from "./state.js";
import { DEFAULT_WAIT_TIMEOUT_MS, type WaitSettings } from "./wait.js";

export type { HubGate, PruneEvent, PruneResult, RolloutEvent, RolloutReport };

export interface ApplyOptions {
  readonly onlyHubs?: readonly string[];
  readonly concurrency?: number;
  readonly fleetDir: string;
  readonly charts?: ChartOverrides;
  /** Apply every hub even when its recorded hash matches. */
  readonly force?: boolean;
  readonly lock?: Partial<LockOptions>;
  /** What this apply may prune beyond the guard's limits (--confirm, --prune-hub, --prune-tool). */
  readonly prune?: Partial<PruneConsent>;
  /** Date stamped on the volumes of removed hubs (YYYY-MM-DD); default today. */
  readonly today?: string;
  readonly onEvent?: (event: ApplyEvent | PruneEvent | RolloutEvent) => void;
  /**
   * Canaries and waves (plan/rollout.ts), each wave checked with `check` before the next;
   * absent: every hub at once, no check.
   */
  readonly rollout?: RolloutSettings;
  /** `hubfleet check` on some hubs: required with a rollout. */
  readonly check?: HubGate;
  /** When a wave fails: its failed hubs back to their previous release revision, checked again. */
  readonly rollbackOnFailure?: boolean;
  /** Touch hubs in class, in their warm-up or in a fleet freeze (each named in `warnings`). */
  readonly duringClass?: boolean;
  /** The clock the change freeze reads (tests); default: HUBFLEET_NOW or the real time. */
  readonly now?: () => Date;
  /** How the pause between waves waits (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * After its release, wait until each hub and tool is ready (workloads rolled out, claims
   * bound, release deployed), at most this long per unit; false: do not wait.
   * @default { timeoutMs: 10 minutes }
   */
  readonly wait?: WaitSettings | false;
}

export interface ApplyReport {
  /** One outcome per cluster tool ("tools/<release>"), in the order they were applied. */
  readonly tools: readonly HubOutcome[];
  readonly hubs: readonly HubOutcome[];
  readonly prune: PrunePlan;
  readonly pruned: PruneResult;
  /** Failed hubs and tools, hubs that failed a rollout's check, plus prune steps that failed. */
  readonly failed: number;
  /** Hubs that would change but were not touched: in class, warming up, or in a freeze. */
  readonly skipped: readonly { readonly hub: string; readonly reason: string }[];
  /** What the summary must say aloud (hubs changed in class with --during-class). */
  readonly warnings: readonly string[];
  /** The waves and their checks, when apply rolled out in waves. */
  readonly rollout?: RolloutReport;
  /** The chart each selected hub's release runs after this apply ("jupyterhub-4.4.0"). */
  readonly versions: readonly { readonly hub: string; readonly chart?: string }[];
}

/** The prune guard stopped an apply: nothing was written. */
export class PruneGuardError extends UsageError {
  constructor(readonly verdict: GuardVerdict) {
    super(
      `apply stopped before writing anything: it would prune more than a routine change does:\n${verdict.reasons.map((r) => `  ${r}`).join("\n")}`,
      `if the fleet file is right, run apply again with ${verdict.flags.join(" ")}; if not (a truncated or mis-rendered file), fix the file: nothing was changed. hubfleet plan shows what would be pruned.`,
    );
    this.name = "PruneGuardError";
  }
}

export function hubWork(bundle: Bundle, fleet: FleetModel): HubWork[] {
  return fleet.hubs.map((hub) => {
    const asleep = bundle.hubs.find((u) => u.name === hub.name)?.asleep;
    return {
      hub: hub.name,
      manifests: bundle.manifests.filter((m) => m.hub === hub.name),
      release: bundle.releases.find((r) => r.hub === hub.name),
      secrets: bundle.secrets.filter((s) => s.hub === hub.name),
      ...(hub.term ? { term: asleep ? { asleep } : {} } : {}),
    };
  });
}

/** One unit of work per cluster tool release, in bundle order. */
export function toolWork(bundle: Bundle): HubWork[] {
  return bundle.releases
    .filter((r) => r.tool !== undefined)
    .map((release) => ({
      hub: toolKey(release.name),
      tool: release.name,
      manifests: bundle.manifests.filter((m) => m.tool === release.name),
      release,
      secrets: bundle.secrets.filter((s) => s.tool === release.name),
    }));
}

function consentOf(fleet: FleetModel, options: ApplyOptions): PruneConsent {
  const consent = { ...NO_CONSENT, ...options.prune };
  const kept = [...consent.pruneHubs].filter((h) => fleet.hubs.some((x) => x.name === h));
  if (kept.length > 0) {
    throw new UsageError(
      `--prune-hub ${kept.join(", ")}: still in the fleet file, so there is nothing to prune`,
      "name only hubs you removed from the fleet file",
    );
  }
  return consent;
}

export async function applyFleet(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const { kube, helm } = ports;
  const onEvent = options.onEvent ?? (() => {});
  const only = options.onlyHubs ? new Set(options.onlyHubs) : undefined;
  const unknown = [...(only ?? [])].filter((h) => !fleet.hubs.some((x) => x.name === h));
  if (unknown.length > 0) {
    throw new UsageError(
      `no hub named ${unknown.join(", ")} in the fleet file; nothing was applied`,
      `the fleet file's hubs are: ${fleet.hubs.map((h) => h.name).join(", ")}`,
    );
  }
  const consent = consentOf(fleet, options);
  if (options.rollout && !options.check) {
    throw new UsageError(
      "a rollout in waves needs a check to gate each wave: pass ApplyOptions.check",
      "the CLI passes hubfleet check; a library caller passes its own HubGate",
    );
  }
  const lock = await FleetLock.acquire(kube, { fleet: fleet.name, ...options.lock });
  try {
    await lock.assertHeld();
    const inventory = await Inventory.read(kube, fleet.name, () => lock.assertHeld());
    const [releases, recordedHashes, secrets] = await Promise.all([
      helm.listAll(),
      readHubHashes(kube, fleet.name),
      presentSecrets(kube, fleet.name),
    ]);
    const plan = await observePrune(kube, fleet, bundle, inventory, releases, only);
    const verdict = pruneGuard(plan, consent);
    if (verdict.stop) throw new PruneGuardError(verdict);
    const context: HubApplyContext = {
      kube,
      helm,
      fleet,
      lock,
      fleetDir: options.fleetDir,
      charts: options.charts ?? new Map(),
      force: options.force ?? false,
      liveReleases: new Map(releases.map((r) => [key(r.namespace, r.name), r])),
      recordedHashes,
      presentSecrets: secrets,
      inventory,
      wait:
        options.wait === false
          ? undefined
          : (options.wait ?? { timeoutMs: DEFAULT_WAIT_TIMEOUT_MS }),
      onEvent,
    };
    const clusterWide = bundle.manifests.filter((m) => m.hub === undefined && m.tool === undefined);
    const toolUnits = toolWork(bundle);
    const selected = hubWork(bundle, fleet).filter((w) => !only || only.has(w.hub));
    // The change freeze: a hub that would change during a class (or its warm-up, or a
    // fleet-wide freeze) is left as it is, unless --during-class says otherwise.
    const now = (options.now ?? freezeClock())();
    const skipped: { hub: string; reason: string }[] = [];
    const warnings: string[] = [];
    for (const w of selected.filter((u) => !isUnchanged(context, u))) {
      // A hub not installed yet has no class to disturb.
      const installed =
        w.release && context.liveReleases.has(key(w.release.namespace, w.release.name));
      if (!installed) continue;
      const hub = fleet.hubs.find((h) => h.name === w.hub);
      const reason = hub ? freezeReason(fleet, hub, now) : undefined;
      if (!reason) continue;
      if (options.duringClass) warnings.push(`${w.hub} was changed ${reason} (--during-class)`);
      else skipped.push({ hub: w.hub, reason });
    }
    const hubUnits = selected.filter((w) => !skipped.some((s) => s.hub === w.hub));
    const pending = [...toolUnits, ...hubUnits].filter((w) => !isUnchanged(context, w));
    const waves: RolloutWave[] | undefined = options.rollout
      ? rolloutWaves(fleet, options.rollout, (hub) =>
          pending.some((w) => w.hub === hub && w.tool === undefined),
        )
      : undefined;
    await checkImmutable(kube, [...clusterWide, ...pending.flatMap((w) => w.manifests)]);
    await checkPinnedAddresses(
      kube,
      fleet,
      [...clusterWide, ...pending.flatMap((w) => w.manifests)].map((m) => m.object),
    );

    await inventory.record(
      CLUSTER_UNIT,
      clusterWide.map((m) => entryOf(m.object)),
    );
    const written: InventoryObject[] = [];
    for (const manifest of clusterWide) {
      await lock.assertHeld();
      written.push(entryOf(await applyObject(context, "cluster", manifest.object)));
    }
    await inventory.record(CLUSTER_UNIT, written);
    // The hubs' writes go a few at a time; their waits for readiness hold no slot.
    const hubContext = { ...context, slot: limiter(options.concurrency ?? 4) };
    const reserved = await reservePinnedAddresses(
      hubContext,
      hubUnits.filter((w) => !isUnchanged(context, w)),
    );
    if (reserved.length > 0) onEvent({ type: "addresses-reserved", services: reserved });
    const tools: HubOutcome[] = [];
    for (const w of toolUnits) tools.push(await applyHub(context, w));
    let outcomes: HubOutcome[];
    let rollout: RolloutReport | undefined;
    if (waves && options.check) {
      const inWaves = new Set(waves.flatMap((w) => w.hubs));
      // Hubs that do not change are in no wave: they only confirm their record.
      const still = await Promise.all(
        hubUnits.filter((w) => !inWaves.has(w.hub)).map((w) => applyHub(hubContext, w)),
      );
      const run = await runRollout(hubContext, {
        waves,
        units: new Map(hubUnits.map((w) => [w.hub, w])),
        check: options.check,
        pauseMs: options.rollout?.pauseMs ?? 0,
        rollbackOnFailure: options.rollbackOnFailure ?? false,
        sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
        onEvent,
      });
      rollout = run.report;
      const order = hubUnits.map((w) => w.hub);
      outcomes = [...still, ...run.outcomes].sort(
        (a, b) => order.indexOf(a.hub) - order.indexOf(b.hub),
      );
    } else {
      outcomes = await Promise.all(hubUnits.map((w) => applyHub(hubContext, w)));
    }
    // A halted rollout prunes nothing: the fleet is half old, half new until it is fixed.
    // Nor is anything of a frozen hub deleted: that waits, in the inventory, for the next apply.
    const frozenUnits = new Set(skipped.map((s) => hubUnit(s.hub)));
    const prunable: PrunePlan =
      frozenUnits.size === 0
        ? plan
        : { ...plan, delete: plan.delete.filter((i) => !frozenUnits.has(i.unit)) };
    const pruned = rollout?.halted
      ? NOTHING_PRUNED
      : await executePrune(ports, fleet, prunable, {
          inventory,
          lock,
          onEvent,
          today: options.today ?? new Date().toISOString().slice(0, 10),
        });
    const checkFailures = rollout?.halted
      ? rollout.halted.hubs.filter(
          (h) => !outcomes.some((o) => o.hub === h && o.result === "failed"),
        ).length
      : 0;
    return {
      tools,
      hubs: outcomes,
      prune: plan,
      pruned,
      failed:
        [...tools, ...outcomes].filter((o) => o.result === "failed").length +
        pruned.failed.length +
        checkFailures,
      skipped,
      warnings,
      ...(rollout ? { rollout } : {}),
      versions: await liveVersions(helm, selected),
    };
  } finally {
    await lock.release();
  }
}

const NOTHING_PRUNED: PruneResult = { deleted: [], uninstalled: [], left: [], failed: [] };

/** The chart each hub's release runs now, as helm lists it. */
async function liveVersions(
  helm: HelmPort,
  units: readonly HubWork[],
): Promise<{ hub: string; chart?: string }[]> {
  // The report is not lost to a failing list: the versions are then left out.
  const live = await helm.listAll().catch(() => []);
  return units.map((w) => {
    const r =
      w.release &&
      live.find((l) => l.namespace === w.release?.namespace && l.name === w.release.name);
    return r ? { hub: w.hub, chart: `${r.chartName}-${r.chartVersion}` } : { hub: w.hub };
  });
}
