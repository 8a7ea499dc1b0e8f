/**
 * The reliability suite on one control plane: kill -9 of apply at random points, the
 * kube-apiserver stopped and restarted in the middle of an apply, two concurrent applies, and
 * at the end the hubs' secrets: unchanged, and in no rendered file, log line or plan output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { apiserverControl, quietProvisioner } from "../lib/apiserver.js";
import type { CliResult } from "../lib/cli.js";
import { CHART_DIR_ARGS, hubSecrets, startBenchCluster } from "../lib/cluster.js";
import type { BenchContext, Section } from "../lib/context.js";
import { FleetUnderTest, failedCleanly, sleep, VolumeWatch } from "../lib/faults.js";
import { figure } from "../lib/figures.js";
import { seeded, validGeneratedFleet } from "../lib/fleetGen.js";
import { changedSecrets, findLeaks, type Text } from "../lib/leaks.js";
import { filesUnder } from "./render.js";

/** Seconds a killed apply's lock outlives it (HUBFLEET_LOCK_SECONDS, as in the fault tests). */
const LOCK_SECONDS = 3;
/** How long the apiserver stays down. */
const APISERVER_DOWN_MS = 3000;

/** A figure for "every trial went well": how many did, out of how many there were to be. */
function allOf(name: string, trials: readonly boolean[], wanted: number, note?: string) {
  return figure({
    section: "reliability",
    name,
    unit: "trials",
    samples: trials.map(Number),
    value: trials.filter(Boolean).length,
    target: { on: "value", op: "==", value: wanted },
    ...(note ? { note } : {}),
  });
}

/** A figure for something that must never happen: how often it did. */
function none(name: string, count: number, unit: string, note: string) {
  return figure({
    section: "reliability",
    name,
    unit,
    samples: [count],
    target: { on: "value", op: "==", value: 0 },
    note,
  });
}

export const reliabilitySection: Section = {
  name: "reliability",
  title: "kill -9, apiserver restart, concurrent applies, secrets",
  async run(ctx: BenchContext) {
    const { kills, restarts, concurrent, reliabilityHubs } = ctx.sizes;
    const { text, fleet } = validGeneratedFleet({
      name: "rel",
      hubs: reliabilityHubs,
      placeholderEvery: 2,
    });
    const file = ctx.file("reliability-fleet.yaml", text);
    const hubs = fleet.hubs.map((h) => h.name);
    const cli = await ctx.cli();
    const cluster = await startBenchCluster(fleet);
    const env = { ...cluster.env, HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS) };
    const target = new FleetUnderTest(cli, cluster, file, hubs, env);
    const volumes = new VolumeWatch(cluster.kube);
    const lost = new Set<string>();
    const watch = async () => {
      for (const name of await volumes.lost()) lost.add(name);
    };
    const apiserver = apiserverControl(cluster.cp);
    const random = seeded(20_261_126);
    const failures: string[] = [];
    try {
      const initial = await target.converge();
      if (!initial.converged)
        throw new Error(`the first apply did not converge: ${initial.detail}`);
      const secretsBefore = await hubSecrets(cluster.kube, hubs);
      await watch();
      // Kill points are spread over a whole forced apply (every phase of every hub).
      const calibration = await cli.run(target.applyArgs(["--force"]), { env });
      const span = calibration.ms;
      ctx.log(`reliability: a forced apply of ${hubs.length} hubs takes ${span.toFixed(0)} ms`);

      const killConverged: boolean[] = [];
      let attempts = 0;
      // A kill after the apply already exited is no fault: draw another point (at most 2N draws).
      while (killConverged.length < kills && attempts < 2 * kills) {
        attempts += 1;
        const delay = Math.round(100 + random() * 0.95 * span);
        const run = target.spawnApply(["--force"]);
        await sleep(delay);
        const hit = run.child.exitCode === null && run.child.signalCode === null;
        run.child.kill("SIGKILL");
        await run.done;
        await watch();
        const c = await target.converge();
        await watch();
        if (hit) killConverged.push(c.converged);
        if (!c.converged) failures.push(`kill at ${delay} ms: ${c.detail}`);
        ctx.log(
          `kill -9 after ${delay} ms${hit ? "" : " (apply had already finished)"}: next apply ${c.converged ? "converged" : "did NOT converge"} (${c.refused} refused by the lock first)`,
        );
      }

      const restartOk: boolean[] = [];
      const restartConverged: boolean[] = [];
      const outcomes: string[] = [];
      for (let i = 0; i < restarts; i += 1) {
        const delay = Math.round((0.1 + random() * 0.4) * span);
        const run = target.spawnApply(["--force"]);
        await sleep(delay);
        ctx.log(
          `stopping kube-apiserver ${delay} ms into an apply (the control plane reports its exit: expected)`,
        );
        const { result: r, muted } = await quietProvisioner(async () => {
          await apiserver.stop();
          await sleep(APISERVER_DOWN_MS);
          await apiserver.start();
          return withTimeout(run.done, 600_000, () => run.child.kill("SIGKILL"));
        });
        if (muted > 0)
          ctx.log(`(the test provisioner could not reach the apiserver ${muted} times)`);
        const outcome = r.code === 0 ? "retried" : failedCleanly(r) ? "failed cleanly" : "UNCLEAN";
        outcomes.push(outcome);
        restartOk.push(outcome !== "UNCLEAN");
        if (outcome === "UNCLEAN") failures.push(`apiserver restart: ${r.stdout}${r.stderr}`);
        if (outcome !== "retried") {
          const tail = `${r.stdout}${r.stderr}`.trim().split("\n").slice(-4).join("\n  ");
          ctx.log(`the apply interrupted by the restart ended with exit ${r.code}:\n  ${tail}`);
        }
        await watch();
        const c = await target.converge();
        await watch();
        restartConverged.push(c.converged);
        if (!c.converged) failures.push(`after apiserver restart: ${c.detail}`);
        ctx.log(
          `apiserver restart #${i + 1}: apply ${outcome}; next apply ${c.converged ? "converged" : "NOT converged"}`,
        );
      }

      const exactlyOne: boolean[] = [];
      for (let i = 0; i < concurrent; i += 1) {
        const both = await Promise.all([
          target.spawnApply(["--force"]).done,
          target.spawnApply(["--force"]).done,
        ]);
        const winners = both.filter((r) => r.code === 0);
        const losers = both.filter((r) => r.code !== 0 && /holds the lock/.test(r.stderr));
        exactlyOne.push(winners.length === 1 && losers.length === 1);
        if (!exactlyOne[i])
          failures.push(`concurrent: exits ${both.map((r) => r.code).join(", ")}`);
        await watch();
      }
      const finalState = await target.planClean();
      if (!finalState.converged) failures.push(`final plan: ${finalState.detail}`);

      const secretsAfter = await hubSecrets(cluster.kube, hubs);
      const changed = changedSecrets(secretsBefore, secretsAfter);
      const scan = await leakSources(ctx, target, fleet, file, cluster.cp.logs());
      const leaks = findLeaks(secretsAfter, scan.texts);
      const componentLeaks = findLeaks(secretsAfter, scan.componentLogs);
      if (failures.length > 0) ctx.log(`reliability failures:\n${failures.join("\n")}`);

      return [
        allOf(
          `kill -9 of apply at ${kills} random points: next apply converged`,
          killConverged,
          kills,
          `${killConverged.length} kills of a running apply in ${attempts} draws, points uniform over a forced apply of ${hubs.length} hubs (${(span / 1000).toFixed(1)} s); a killed run's lock expires after ${LOCK_SECONDS} s`,
        ),
        allOf(
          "kube-apiserver stopped + restarted mid-apply: retried or failed cleanly",
          restartOk,
          restarts,
          `outcomes: ${outcomes.join(", ") || "-"}; down ${APISERVER_DOWN_MS / 1000} s each time`,
        ),
        allOf("... and the next apply converged", restartConverged, restarts),
        allOf(
          "two concurrent applies: exactly one proceeded",
          exactlyOne,
          concurrent,
          "two CLI processes started together; the other refused naming the lock holder",
        ),
        none(
          "volumes or claims deleted across all faults",
          lost.size,
          "objects",
          `${volumes.count} PersistentVolumes and claims watched${lost.size > 0 ? `; lost: ${[...lost].join(", ")}` : ""}`,
        ),
        none(
          "hub secrets changed (cookie secret, proxy token, CryptKeeper key)",
          changed.length,
          "values",
          `${hubs.length} hubs compared before the first fault and after the last${changed.length > 0 ? `; changed: ${changed.join(", ")}` : ""}`,
        ),
        none(
          "secret values in rendered files, hubfleet output, plan output",
          leaks.length,
          "places",
          `${scan.summary}${leaks.length > 0 ? `; found in: ${[...new Set(leaks.map((l) => l.source))].join(", ")}` : ""}; control plane component logs (not hubfleet's): ${componentLeaks.length} found`,
        ),
      ];
    } finally {
      // The restarted apiserver goes first; the provisioner polls until the control plane stops.
      await quietProvisioner(async () => {
        await apiserver.dispose();
        await cluster.stop();
      });
    }
  },
};

async function withTimeout(
  done: Promise<CliResult>,
  ms: number,
  onTimeout: () => void,
): Promise<CliResult> {
  const timer = setTimeout(onTimeout, ms);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** Everything the secrets must not appear in: rendered files, every CLI output, plan output. */
async function leakSources(
  ctx: BenchContext,
  target: FleetUnderTest,
  fleet: Parameters<typeof renderFleet>[0],
  file: string,
  componentLogs: Record<string, string>,
) {
  const out = join(ctx.tmp, "reliability-render");
  const rendered = await target.cli.run(["render", file, "--out-dir", out]);
  if (rendered.code !== 0) throw new Error(`render failed: ${rendered.stderr}`);
  const files = filesUnder(out);
  const inProcess = new Map(bundleFiles(renderFleet(fleet)).map((f) => [f.path, f.content]));
  const plans = await Promise.all(
    [["-o", "json"], []].map((extra) =>
      target.cli.run(["plan", file, ...CHART_DIR_ARGS, ...extra], { env: target.env }),
    ),
  );
  const texts: Text[] = [
    ...[...files].map(([path, text]) => ({ source: `rendered ${path}`, text })),
    ...[...inProcess].map(([path, text]) => ({ source: `renderFleet ${path}`, text })),
    ...plans.map((p, i) => ({
      source: `plan output ${i === 0 ? "-o json" : "text"}`,
      text: p.stdout + p.stderr,
    })),
    ...target.cli.transcript.map((text, i) => ({
      source: `hubfleet command ${i + 1} output`,
      text,
    })),
  ];
  const logs: Text[] = Object.entries(componentLogs).map(([name, path]) => {
    try {
      return { source: `${name} log`, text: readFileSync(path, "utf8") };
    } catch {
      return { source: `${name} log`, text: "" };
    }
  });
  const bytes = texts.reduce((s, t) => s + t.text.length, 0);
  return {
    texts,
    componentLogs: logs,
    summary: `${files.size} rendered files, ${target.cli.transcript.length} hubfleet command outputs (apply, plan, status, render), ${(bytes / 1024).toFixed(0)} KiB searched`,
  };
}
