/**
 * apply under faults, against the real control plane: killed (kill -9) at points drawn
 * uniformly over the measured duration of a whole apply, a release left pending by a dead helm,
 * an unreachable cluster, a wrong context, no helm. Each ends in a clear message, and the next
 * apply converges. The kill test prints where each kill landed; HUBFLEET_FAULT_SEED replays it.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { LOCK_NAMESPACE, lockName } from "../../src/apply/lock.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { renderFleetWithWarmUp } from "../../src/capacity/warmup.js";
import { buildPlan, planHasChanges } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { EXAMPLE, editedExample, fleetFrom, REPO, runCli } from "../helpers.js";
import { spawnCli, startApplyCli } from "../safetyHelpers.js";
import { standinCharts, startFleetCluster } from "../simFleet.js";

const STANDIN = fileURLToPath(new URL("../fixtures/charts/z2jh-standin", import.meta.url));
// The example, with Velero on IRSA (no credentials Secret to create first), written to a file
// the CLI reads; the tools' charts come from the stand-in.
// Three more small hubs than the example: an apply whose writes, not the CLI's start-up, take
// most of its time (kills are drawn over the whole run, start-up included).
const EXTRA_HUBS = ["bio110", "chem120", "phys130"];
const exampleIrsa = editedExample((d) => {
  d.setIn(["tools", "backups", "roleArn"], "arn:aws:iam::123456789012:role/velero");
  for (const name of EXTRA_HUBS)
    d.addIn(["hubs"], d.createNode({ name, admins: ["prof-lee"], expectedUsers: 5 }));
});
const FLEET = join(mkdtempSync(join(tmpdir(), "hubfleet-faults-")), "fleet.yaml");
writeFileSync(FLEET, exampleIrsa);
const example = fleetFrom(exampleIrsa);
const CHART_DIRS = [...standinCharts(example)].flatMap(([chart, dir]) => [
  "--chart-dir",
  `${chart}=${dir}`,
]);
const HUBS = example.hubs.map((h) => h.name);
const LOCK_SECONDS = 3;

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

function cliEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...cp.env,
    HUBFLEET_HELM: join(cp.binDir, "helm"),
    HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS),
  };
}

/** `hubfleet apply` of the fault fleet as a child process, with a short lock lease. */
const startApply = (extraArgs: string[] = []) =>
  startApplyCli(cp, FLEET, [...CHART_DIRS, ...extraArgs], {
    HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS),
  });

/**
 * The CLI as it is published: bin/hubfleet.js runs tsc's output in dist/ (`npm run build`,
 * which the kill test runs first). Started through tsx instead, most of a run would be tsx
 * compiling the CLI on the fly, before its first request.
 */
function buildCli(): string {
  execFileSync(
    process.execPath,
    [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    { cwd: REPO, stdio: "pipe" },
  );
  return join(REPO, "bin", "hubfleet.js");
}
let builtEntry = "";

/** `hubfleet apply` of the fault fleet with the built CLI, as startApplyCli runs it. */
function startBuiltApply(extraArgs: string[] = []) {
  return spawnCli([builtEntry, "apply", FLEET, ...CHART_DIRS, ...extraArgs], cliEnv());
}

/** Applies until it is not refused by the (expiring) lock of a killed run. */
async function applyUntilAccepted(): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const { done } = startApply();
    const result = await done;
    if (result.code === 0) return result.output;
    if (!/holds the lock/.test(result.output)) assert.fail(`apply failed:\n${result.output}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.fail("apply was refused for too long");
}

async function dataVolumes(): Promise<Set<string>> {
  const pvs = await kube.list("v1", "PersistentVolume");
  return new Set(
    pvs.filter((pv) => !(pv.spec as { nfs?: unknown }).nfs).map((pv) => pv.metadata.name),
  );
}

async function assertConverged(): Promise<void> {
  // What the CLI applied: the bundle with the warm-up objects.
  const bundle = renderFleetWithWarmUp(example);
  const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, example, bundle));
  assert.equal(planHasChanges(plan), false, "plan shows changes after a converging apply");
  for (const hub of HUBS) assert.equal((await helm.status(hub, hub))?.status, "deployed", hub);
}

/**
 * mulberry32: a 32-bit generator whose first draws already differ from seed to seed (an LCG's
 * first value barely moves with a small seed), so one logged seed replays a run.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const KILLS = 10;
/** HUBFLEET_FAULT_SEED=<n> replays a run; otherwise a fresh seed, printed with the results. */
const SEED = process.env.HUBFLEET_FAULT_SEED
  ? Number(process.env.HUBFLEET_FAULT_SEED)
  : randomInt(2 ** 31);

/**
 * One apply run: when each of its output lines arrived and when its first write was seen (ms
 * since spawn). The first thing an apply writes is the fleet's lock, a Lease whose holder names
 * the process (`user@host pid <pid> …`); every other write comes after it. The test polls the
 * Lease, so `firstWriteMs` is the time the new holder was seen: at or after the write.
 */
interface TimedRun {
  readonly child: ChildProcess;
  readonly lines: Array<{ readonly ms: number; readonly text: string }>;
  readonly firstWriteMs: () => number | undefined;
  readonly done: Promise<{ code: number | null; output: string; ms: number }>;
}

const LEASE_POLL_MS = 50;

function timedApply(extraArgs: string[] = []): TimedRun {
  const started = performance.now();
  const { child, done } = startBuiltApply(extraArgs);
  const lines: Array<{ ms: number; text: string }> = [];
  let partial = "";
  const onData = (d: Buffer) => {
    const ms = performance.now() - started;
    const parts = (partial + d.toString()).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) if (text.trim() !== "") lines.push({ ms, text });
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let firstWriteMs: number | undefined;
  let finished = false;
  const ended = done.then((r) => {
    finished = true;
    return { ...r, ms: performance.now() - started };
  });
  const holder = new RegExp(` pid ${child.pid} `);
  const ref = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: LOCK_NAMESPACE };
  const lease = { ...ref, name: lockName(example.name) };
  void (async () => {
    while (!finished && firstWriteMs === undefined) {
      const live = await kube.get(lease).catch(() => undefined);
      const identity = (live?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
      if (identity && holder.test(identity)) firstWriteMs = performance.now() - started;
      else await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
    }
  })();
  return { child, lines, firstWriteMs: () => firstWriteMs, done: ended };
}

const isProgress = (text: string) => /^\[[^\]]+\] /.test(text);

/** What the apply after a kill reported: its units' results and any recovery. */
function nextApplySummary(output: string, refusals: number): string {
  const results = [...output.matchAll(/^\[([^\]]+)\] (applied|unchanged|failed)\b/gm)];
  const count = (r: string) => results.filter((m) => m[2] === r).length;
  const recovered = [...output.matchAll(/^\[([^\]]+)\] recovered: /gm)].map((m) => m[1]);
  return [
    `${count("applied")} applied, ${count("unchanged")} unchanged, ${count("failed")} failed`,
    ...(recovered.length > 0 ? [`recovered ${recovered.join(", ")}`] : []),
    ...(refusals > 0 ? [`refused ${refusals}x by the dead run's lock first`] : []),
  ].join("; ");
}

describe("apply under faults", { timeout: 900_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(example));
  });
  after(async () => {
    await cp?.stop();
  });

  it("kill -9 at 10 random points over a whole apply: most after its first write, the next apply always converges, no data volume is ever deleted", async () => {
    builtEntry = buildCli();
    // The cluster is empty: the first apply creates everything, and is timed for the record.
    const first = timedApply();
    const created = await first.done;
    assert.equal(created.code, 0, created.output);
    await assertConverged();
    // The runs killed below are forced applies (every object written, every release
    // upgraded, as on a first apply). Measure two whole ones and spread the kills over the
    // shorter, so that a point rarely falls after a run has already finished.
    const measured: Array<{ ms: number; firstWriteMs: number | undefined }> = [];
    for (let i = 0; i < 2; i += 1) {
      const run = timedApply(["--force"]);
      const full = await run.done;
      assert.equal(full.code, 0, full.output);
      measured.push({ ms: full.ms, firstWriteMs: run.firstWriteMs() });
    }
    let span = Math.min(...measured.map((m) => m.ms));
    // Uniform over the whole run: one fraction of it in each tenth (stratified, so no tenth is
    // skipped by chance), visited in a random order.
    const random = mulberry32(SEED);
    const fractions = Array.from({ length: KILLS }, (_, i) => (i + random()) / KILLS);
    for (let i = fractions.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [fractions[i], fractions[j]] = [fractions[j] as number, fractions[i] as number];
    }

    const rows: string[] = [];
    const seen = new Set<string>();
    let afterFirstWrite = 0;
    for (const [index, fraction] of fractions.entries()) {
      // The machine's load changes how long an apply takes. A run that finishes before its
      // point is a new measurement of a whole apply: the span shrinks to it and the same
      // fraction is tried again (at most three runs).
      let run = timedApply(["--force"]);
      let delayMs = Math.floor(fraction * span);
      let exited = false;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (attempt > 0) {
          run = timedApply(["--force"]);
          delayMs = Math.floor(fraction * span);
        }
        const current = run;
        exited = await Promise.race([
          current.done.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), delayMs)),
        ]);
        if (!exited) break;
        const whole = await current.done;
        if (whole.code === 0) span = Math.min(span, whole.ms);
      }
      if (!exited) run.child.kill("SIGKILL");
      const killed = await run.done;
      const wrote = run.firstWriteMs();
      const lastLine = run.lines.filter((l) => l.ms <= delayMs && isProgress(l.text)).pop()?.text;
      const landed = exited
        ? "finished before the point (not killed)"
        : wrote === undefined || wrote > delayMs
          ? "before the lock was seen taken (start-up, reads)"
          : `after the first write; last line: ${lastLine ?? "(none yet: lock, inventory, cluster-wide objects)"}`;
      if (!exited && wrote !== undefined && wrote <= delayMs) afterFirstWrite += 1;
      for (const v of await dataVolumes()) seen.add(v);
      let refusals = 0;
      let next = "";
      for (;;) {
        const { done } = startBuiltApply();
        const result = await done;
        if (result.code === 0) {
          next = result.output;
          break;
        }
        if (!/holds the lock/.test(result.output) || refusals >= 10)
          assert.fail(`apply after kill ${index + 1} failed:\n${result.output}`);
        refusals += 1;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await assertConverged();
      const now = await dataVolumes();
      const lost = [...seen].filter((v) => !now.has(v));
      assert.deepEqual(
        lost,
        [],
        `seed ${SEED}, kill ${index + 1} at ${delayMs} ms: data volumes deleted`,
      );
      for (const v of now) seen.add(v);
      rows.push(
        `${String(index + 1).padStart(2)}  ${String(delayMs).padStart(6)}  ${String(wrote === undefined ? "-" : Math.round(wrote)).padStart(6)}  ${killed.code === null ? "killed" : `exit ${killed.code}`}  ${landed}  ->  ${nextApplySummary(next, refusals)}`,
      );
    }
    const table = [
      `kill -9 points, seed ${SEED} (HUBFLEET_FAULT_SEED=${SEED} replays them)`,
      `first apply (empty cluster): ${created.ms.toFixed(0)} ms; forced applies measured: ${measured.map((m) => `${m.ms.toFixed(0)} ms (lock taken by ${m.firstWriteMs?.toFixed(0) ?? "?"} ms)`).join(", ")}; points drawn over ${Math.min(...measured.map((m) => m.ms)).toFixed(0)} ms, ${span.toFixed(0)} ms at the end`,
      " #  kill at  lock at  run     where it landed  ->  what the next apply did",
      ...rows,
      `${afterFirstWrite} of ${KILLS} kills landed in a running apply after its first write`,
    ].join("\n");
    console.log(table);
    assert.ok(
      seen.size >= HUBS.length * 2,
      `expected drive and database volumes, saw ${seen.size}`,
    );
    // Points are spread over the whole run: most land after the apply began writing.
    assert.ok(
      afterFirstWrite >= 7,
      `only ${afterFirstWrite} of ${KILLS} after the first write:\n${table}`,
    );
  });

  it("recovers a release a dead helm left pending-upgrade, and says so", async () => {
    // Start an upgrade that waits for a pod that can never be scheduled, then kill helm.
    const child = spawn(
      join(cp.binDir, "helm"),
      [
        "upgrade",
        "cs480",
        STANDIN,
        "-n",
        "cs480",
        "--reuse-values",
        "--set",
        "singleuser.memory.guarantee=900Gi",
        "--set",
        "scheduling.userPlaceholder.enabled=true",
        "--set",
        "scheduling.userPlaceholder.replicas=1",
        "--wait",
        "--timeout",
        "5m",
      ],
      { env: cliEnv(), stdio: "ignore" },
    );
    await waitFor(
      "cs480 pending-upgrade",
      async () => (await helm.status("cs480", "cs480"))?.status === "pending-upgrade",
      { timeoutMs: 60_000 },
    );
    child.kill("SIGKILL");
    const output = await applyUntilAccepted();
    assert.match(
      output,
      /\[cs480\] recovered: release was left pending-upgrade by an interrupted run; rolled back to revision \d+/,
    );
    await assertConverged();
  });

  it("an apply paused past its lock's expiry stops before its next write when it resumes", async () => {
    const paused = startApply(["--force", "--concurrency", "1"]);
    let seen = "";
    paused.child.stdout?.on("data", (d: Buffer) => {
      seen += d.toString();
    });
    await waitFor("first apply writing", async () => /\] storage/.test(seen), {
      timeoutMs: 30_000,
      describe: async () => seen,
    });
    paused.child.kill("SIGSTOP");
    let secondResult: { code: number | null; output: string };
    try {
      await new Promise((r) => setTimeout(r, (LOCK_SECONDS + 2) * 1000));
      // The lock has expired: a second apply takes it and finishes.
      secondResult = await startApply().done;
    } finally {
      // Never leave a stopped process behind, whatever failed above.
      paused.child.kill("SIGCONT");
    }
    assert.equal(secondResult.code, 0, secondResult.output);
    const first = await paused.done;
    assert.equal(first.code, 1, first.output);
    assert.match(first.output, /lost the fleet lock/);
    assert.match(first.output, /stopping before the next write/);
    await assertConverged();
  });

  it("explains an unreachable cluster", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-unreachable-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`,
    );
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--kubeconfig",
      kubeconfig,
      "--helm",
      join(cp.binDir, "helm"),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the Kubernetes API/);
    assert.match(r.stderr, /hint: check that the cluster is up/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
  });

  it("explains a context that is not in the kubeconfig", async () => {
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--kubeconfig",
      cp.kubeconfigPath,
      "--context",
      "prod-typo",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /context "prod-typo" is not in the kubeconfig/);
  });

  it("explains a missing helm, and changes nothing", async () => {
    const before = await Promise.all(HUBS.map(async (h) => (await helm.status(h, h))?.revision));
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--kubeconfig",
      cp.kubeconfigPath,
      "--helm",
      "/nonexistent/helm",
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /helm not found \("\/nonexistent\/helm"\): install helm 3 or set HUBFLEET_HELM/,
    );
    assert.deepEqual(
      await Promise.all(HUBS.map(async (h) => (await helm.status(h, h))?.revision)),
      before,
    );
  });
});
