/**
 * Apply in waves: the canaries first, then each wave of the rollout order (plan/rollout.ts),
 * every wave checked with `hubfleet check` before the next starts. A wave whose hubs fail to
 * apply or fail their check halts the rollout: the hubs after it are not touched, and on
 * request the failed hubs go back to the release revision they ran before this apply
 * (`helm rollback`) and are checked again.
 */
import { UsageError } from "../errors.js";
import type { RolloutWave } from "../plan/rollout.js";
import type { CheckRecord } from "./checkRecord.js";
import { applyHub, type HubApplyContext, type HubOutcome, type HubWork, key } from "./hubApply.js";
import { waitTargets } from "./readiness.js";
import { forgetHash, STATE_CONFIGMAP } from "./state.js";
import { waitUntilReady } from "./wait.js";

/**
 * The clock the change freeze reads: HUBFLEET_NOW (an ISO 8601 instant) when set — what would
 * apply or plan do at that moment; the test suite pins it so that no test depends on the
 * hour it runs at — else the real time.
 */
export function freezeClock(env: NodeJS.ProcessEnv = process.env): () => Date {
  const pinned = env.HUBFLEET_NOW;
  if (!pinned) return () => new Date();
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(
      `HUBFLEET_NOW="${pinned}" is not an instant`,
      'set it to an ISO 8601 time such as "2026-12-07T17:10:00Z", or unset it',
    );
  }
  return () => at;
}

/**
 * Runs `hubfleet check` on these hubs (the CLI passes src/check's checkFleet; the engine sits
 * below the check layer and is handed it). One record per hub.
 */
export type HubGate = (hubs: readonly string[]) => Promise<readonly CheckRecord[]>;

export type RolloutEvent =
  | { readonly type: "wave-start"; readonly wave: RolloutWave }
  | { readonly type: "wave-checked"; readonly wave: RolloutWave; readonly ok: boolean }
  | { readonly type: "wave-pause"; readonly wave: RolloutWave; readonly ms: number }
  | { readonly type: "rollback"; readonly hub: string; readonly revision: number }
  | { readonly type: "rollout-halted"; readonly wave: RolloutWave; readonly message: string };

export interface RollbackOutcome {
  readonly hub: string;
  /** The revision the release went back to; absent when it had none before this apply. */
  readonly revision?: number;
  /** The check after the rollback passed. */
  readonly ok: boolean;
  readonly message?: string;
}

export interface RolloutReport {
  readonly waves: readonly RolloutWave[];
  /** Every check the rollout ran, in order (rollbacks' checks in `rolledBack`). */
  readonly checks: readonly CheckRecord[];
  /** The wave that failed, and why; absent when every wave passed. */
  readonly halted?: {
    readonly wave: number;
    readonly hubs: readonly string[];
    readonly message: string;
  };
  /** Hubs in the waves after the failed one: not touched. */
  readonly notReached: readonly string[];
  readonly rolledBack: readonly RollbackOutcome[];
}

export interface RolloutRun {
  readonly waves: readonly RolloutWave[];
  readonly units: ReadonlyMap<string, HubWork>;
  readonly check: HubGate;
  readonly pauseMs: number;
  readonly rollbackOnFailure: boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onEvent: (event: RolloutEvent) => void;
}

/** Applies wave after wave; returns the outcomes of the hubs it applied and what happened. */
export async function runRollout(
  ctx: HubApplyContext,
  run: RolloutRun,
): Promise<{ outcomes: HubOutcome[]; report: RolloutReport }> {
  const outcomes: HubOutcome[] = [];
  const checks: CheckRecord[] = [];
  for (const [i, wave] of run.waves.entries()) {
    run.onEvent({ type: "wave-start", wave });
    const applied = await Promise.all(
      wave.hubs.map((hub) => {
        const work = run.units.get(hub);
        if (!work) throw new Error(`rollout: no work for hub ${hub}`);
        return applyHub(ctx, work);
      }),
    );
    outcomes.push(...applied);
    // A hub that failed to apply is not checked: it already failed the wave.
    const toCheck = applied.filter((o) => o.result !== "failed").map((o) => o.hub);
    const records = toCheck.length > 0 ? await run.check(toCheck) : [];
    checks.push(...records);
    const failed = [
      ...applied
        .filter((o) => o.result === "failed")
        .map((o) => `${o.hub}: apply failed: ${o.error ?? ""}`),
      ...toCheck.flatMap((hub) => {
        const record = records.find((r) => r.hub === hub);
        if (!record) return [`${hub}: check gave no result`];
        return record.ok
          ? []
          : [`${hub}: check failed: ${record.message ?? "see hubfleet status"}`];
      }),
    ];
    const failedHubs = wave.hubs.filter((h) => failed.some((f) => f.startsWith(`${h}: `)));
    run.onEvent({ type: "wave-checked", wave, ok: failed.length === 0 });
    if (failed.length > 0) {
      const message = failed.join("; ");
      run.onEvent({ type: "rollout-halted", wave, message });
      const rolledBack = run.rollbackOnFailure ? await rollBack(ctx, run, failedHubs) : [];
      return {
        outcomes,
        report: {
          waves: run.waves,
          checks,
          halted: { wave: wave.number, hubs: failedHubs, message },
          notReached: run.waves.slice(i + 1).flatMap((w) => w.hubs),
          rolledBack,
        },
      };
    }
    if (i < run.waves.length - 1 && run.pauseMs > 0) {
      run.onEvent({ type: "wave-pause", wave, ms: run.pauseMs });
      await run.sleep(run.pauseMs);
    }
  }
  return { outcomes, report: { waves: run.waves, checks, notReached: [], rolledBack: [] } };
}

/**
 * Each failed hub's release back to the revision it ran before this apply, its recorded hash
 * forgotten (the next apply must not take it for unchanged), waited for and checked again.
 */
async function rollBack(
  ctx: HubApplyContext,
  run: RolloutRun,
  hubs: readonly string[],
): Promise<RollbackOutcome[]> {
  const outcomes: RollbackOutcome[] = [];
  const back: string[] = [];
  for (const hub of hubs) {
    const work = run.units.get(hub);
    const release = work?.release;
    const before = release ? ctx.liveReleases.get(key(release.namespace, release.name)) : undefined;
    if (!work || !release || !before) {
      outcomes.push({
        hub,
        ok: false,
        message:
          "no earlier revision to go back to (the release was first installed by this apply)",
      });
      continue;
    }
    try {
      await ctx.lock.assertHeld();
      await forgetHash(ctx.kube, { namespace: hub, name: STATE_CONFIGMAP });
      run.onEvent({ type: "rollback", hub, revision: before.revision });
      await ctx.helm.rollback(release.name, release.namespace, before.revision);
      if (ctx.wait) {
        const status = await ctx.helm.status(release.name, release.namespace);
        await waitUntilReady(
          ctx,
          {
            targets: waitTargets(
              work.manifests.map((m) => m.object),
              status?.objects ?? [],
              release.namespace,
            ),
            release: { name: release.name, namespace: release.namespace },
          },
          ctx.wait,
        );
      }
      back.push(hub);
    } catch (err) {
      outcomes.push({
        hub,
        revision: before.revision,
        ok: false,
        message: `rollback failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  const records = back.length > 0 ? await run.check(back) : [];
  for (const hub of back) {
    const release = run.units.get(hub)?.release;
    const before = release ? ctx.liveReleases.get(key(release.namespace, release.name)) : undefined;
    const record = records.find((r) => r.hub === hub);
    outcomes.push({
      hub,
      ...(before ? { revision: before.revision } : {}),
      ok: record?.ok === true,
      ...(record?.ok ? {} : { message: `check after rollback: ${record?.message ?? "no result"}` }),
    });
  }
  return hubs.flatMap((h) => outcomes.filter((o) => o.hub === h));
}
