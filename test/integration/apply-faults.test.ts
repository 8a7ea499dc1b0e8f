/**
 * apply under faults, against the real control plane: killed at random points (kill -9),
 * a release left pending by a dead helm, an unreachable cluster, a wrong context, no helm.
 * Each ends in a clear message, and the next apply converges.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { buildPlan, planHasChanges } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { EXAMPLE, editedExample, fleetFrom, runCli } from "../helpers.js";
import { startApplyCli } from "../safetyHelpers.js";
import { standinCharts, startFleetCluster } from "../simFleet.js";

const STANDIN = fileURLToPath(new URL("../fixtures/charts/z2jh-standin", import.meta.url));
// The example, with Velero on IRSA (no credentials Secret to create first), written to a file
// the CLI reads; the tools' charts come from the stand-in.
const exampleIrsa = editedExample((d) =>
  d.setIn(["tools", "backups", "roleArn"], "arn:aws:iam::123456789012:role/velero"),
);
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
  const bundle = renderFleet(example);
  const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, example, bundle));
  assert.equal(planHasChanges(plan), false, "plan shows changes after a converging apply");
  for (const hub of HUBS) assert.equal((await helm.status(hub, hub))?.status, "deployed", hub);
}

/** A small deterministic generator, so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("apply under faults", { timeout: 900_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(example));
  });
  after(async () => {
    await cp?.stop();
  });

  it("kill -9 at 10 random points: the next apply always converges and no data volume is ever deleted", async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 10; seed += 1) {
      const delayMs = 200 + Math.floor(random(seed)() * 5000);
      const { child, done } = startApply();
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill("SIGKILL");
      await done;
      for (const v of await dataVolumes()) seen.add(v);
      await applyUntilAccepted();
      await assertConverged();
      const now = await dataVolumes();
      const lost = [...seen].filter((v) => !now.has(v));
      assert.deepEqual(lost, [], `seed ${seed} (killed after ${delayMs} ms): data volumes deleted`);
      for (const v of now) seen.add(v);
    }
    assert.ok(
      seen.size >= HUBS.length * 2,
      `expected drive and database volumes, saw ${seen.size}`,
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
