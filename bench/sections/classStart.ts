/**
 * The class start: N students log in over M minutes (the seeded, front-loaded curve
 * of src/loadtest/arrivals.ts) through a REAL JupyterHub + KubeSpawner (test/hub/realHub.ts) on
 * the control plane, with the fleet's real user-scheduler, for three setups side by side: no
 * warm-up, the example's hand-set placeholders, and hubfleet's warm-up (the level
 * src/capacity/warmup.ts gives for the session: the logins of one node start-up, rounded to whole
 * nodes; applied here by the bench at the lead time, as KEDA's cron scaler would). New user nodes
 * come from the REAL Karpenter's KWOK provider with hubfleet's rendered NodePool
 * (bench/lib/karpenterAutoscaler.ts), or with `--class-autoscaler standin` from the node pool
 * STAND-IN (bench/lib/autoscalerStandIn.ts), after the start-up delay D.
 * Time is compressed by C: the arrivals' span, D and JupyterHub's Retry-After are divided by C;
 * the hub's and the scheduler's own work is not, so class-time figures (measured × C) over-count
 * that part (see docs/performance.md).
 */
import { loadavg } from "node:os";
import type { Document } from "yaml";
import { type ControlPlane, simNodeManifest, simNodesForFleet, waitFor } from "../../sim/index.js";
import { ARRIVAL_TIME_CONSTANT_SHARE } from "../../src/capacity/arrivals.js";
import { planNodes } from "../../src/capacity/model.js";
import { type Headroom, hubWarmUps, usersPerNode } from "../../src/capacity/warmup.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { arrivalTimes } from "../../src/loadtest/arrivals.js";
import { runBurst } from "../../src/loadtest/burst.js";
import { burstCapacity } from "../../src/loadtest/burstCapacity.js";
import { nodesOfUsers } from "../../src/loadtest/hubLoadTest.js";
import { type BurstSummary, summarize } from "../../src/loadtest/report.js";
import { fetchHubHttp } from "../../src/ports/hubHttp.js";
import type { KubePort } from "../../src/ports/kube.js";
import { fleetFrom } from "../../test/helpers.js";
import {
  LOOPBACK_POD_CIDR,
  type RealHub,
  startRealHub,
  startUserServersStandIn,
} from "../../test/hub/realHub.js";
import { applier, scenarioFleetText } from "../../test/safetyHelpers.js";
import { startFleetCluster } from "../../test/simFleet.js";
import { type Autoscaler, nodePoolStandIn } from "../lib/autoscalerStandIn.js";
import type { BenchContext, Section } from "../lib/context.js";
import { type Figure, figure } from "../lib/figures.js";
import { karpenterAutoscaler } from "../lib/karpenterAutoscaler.js";

const HUB = "stat101";
/** The example fleet's stat101: its server size and its hand-set placeholders. */
const EXAMPLE_PLACEHOLDERS = 4;
/** The warm-up's lead time before the session (the default lead time). */
const LEAD_MINUTES = 30;
/** z2jh's hub.concurrentSpawnLimit default (the stand-in glue sets only what values say). */
const Z2JH_SPAWN_LIMIT = 64;
/**
 * z2jh's singleuser.startTimeout default; the stand-in glue sets only what the values say, and
 * KubeSpawner's own default (60 s) would give up sooner than a z2jh hub does.
 */
const Z2JH_START_TIMEOUT_S = 300;

interface SetupResult {
  readonly setup: string;
  readonly placeholders: number;
  readonly summary: BurstSummary;
  /** User nodes up when the burst began, and at its end. */
  readonly warmNodes: number;
  readonly endNodes: number;
  /** Node-hours of the warm hour (the lead time and the first half hour of class). */
  readonly nodeHours: number;
  readonly costUsd?: number;
  /** Nodes the autoscaler made in this setup: before the burst (for placeholders) and in all. */
  readonly madeBeforeBurst: number;
  readonly made: number;
  /** The machine's 1-minute load average at the setup's start and end. */
  readonly load: readonly [number, number];
}

const load1 = () => Math.round((loadavg()[0] ?? 0) * 10) / 10;

/**
 * hubfleet's warm level for the class's session, from the warm-up rule that is deployed
 * (src/capacity/warmup.ts: the logins of one node start-up, rounded to whole nodes, capped).
 */
export function classWarmUp(fleet: FleetModel, hubName: string): Headroom {
  const plan = planNodes(fleet);
  const index = fleet.hubs.findIndex((h) => h.name === hubName);
  const warm = hubWarmUps(
    fleet,
    plan.users,
    plan.workloads.users.map((u) => u.request),
  )[index];
  const session = warm?.sessions[0];
  if (!session) throw new Error(`hub ${hubName} has no warm-up session`);
  return session;
}

/**
 * NOT what hubfleet deploys: the warm level if the rule counted the logins of the first node
 * start-up on the bench's front-loaded arrival curve (src/loadtest/arrivals.ts) instead of at the
 * window's average rate, rounded up to whole nodes. A what-if setup, to show what the deployed
 * rule's uniform-rate assumption costs.
 */
export function frontLoadedWarmUp(
  students: number,
  minutes: number,
  delaySeconds: number,
  perNode: number,
): { placeholders: number; logins: number; nodes: number } {
  const tau = minutes * 60 * ARRIVAL_TIME_CONSTANT_SHARE;
  const share = (1 - Math.exp(-delaySeconds / tau)) / (1 - Math.exp(-(minutes * 60) / tau));
  const logins = Math.ceil(students * Math.min(1, share) - 1e-9);
  const per = Math.max(1, Math.floor(perNode));
  const placeholders = Math.min(students, Math.ceil(logins / per) * per);
  return { placeholders, logins, nodes: Math.ceil(placeholders / per) };
}

function classFleetText(
  students: number,
  maxNodes: number,
  o: { delaySeconds: number; minutes: number },
): string {
  return scenarioFleetText("classstart", [HUB], (d: Document) => {
    d.deleteIn(["domain", "tls"]);
    d.setIn(["cluster", "nodeGroups", "jhusers", "maxSize"], maxNodes);
    d.setIn(["hubs", 0, "expectedUsers"], students);
    d.setIn(["hubs", 0, "placeholders"], 1);
    d.setIn(
      ["hubs", 0, "resources"],
      d.createNode({
        cpu: { guarantee: "0.25", limit: "1" },
        memory: { guarantee: "512Mi", limit: "1Gi" },
      }),
    );
    d.setIn(
      ["hubs", 0, "schedule"],
      d.createNode([{ days: ["mon"], start: "09:00", end: "10:30", users: students }]),
    );
    // The warm-up rule's inputs are the bench's own D and M, so its level fits this class.
    d.setIn(
      ["hubs", 0, "warmUp"],
      d.createNode({ nodeStartup: `${o.delaySeconds}s`, loginWindow: `${o.minutes}m` }),
    );
    d.setIn(
      ["hubs", 0, "extraValues"],
      d.createNode({
        hub: {
          concurrentSpawnLimit: Z2JH_SPAWN_LIMIT,
          // Bench-only: on the loaded 2-core machine the kube-apiserver can take longer than
          // KubeSpawner's 3 s per request (30 s in all) to create a pod, and the spawn fails
          // with "Could not create pod" — a fact of this machine, not of EKS.
          config: {
            KubeSpawner: { k8s_api_request_timeout: 30, k8s_api_request_retry_timeout: 180 },
          },
        },
        // z2jh's 300 s, not compressed: the scheduler's and the hub's own work is not either.
        singleuser: { startTimeout: Z2JH_START_TIMEOUT_S },
      }),
    );
  });
}

export const classStartSection: Section = {
  name: "class-start",
  title: "a class logs in: no warm-up, hand-set placeholders, hubfleet's warm-up",
  async run(ctx: BenchContext): Promise<Figure[]> {
    const N = ctx.sizes.classStudents;
    const M = ctx.sizes.classMinutes;
    const D = ctx.sizes.classNodeDelay;
    const C = ctx.sizes.classCompression;
    const seed = 1;
    // Room for the class and every placeholder of the warm-up at once, with spare.
    const shape = { delaySeconds: D, minutes: M };
    const probe = fleetFrom(classFleetText(N, 1000, shape));
    const perNode = Math.max(1, Math.floor(N / Math.max(1, burstCapacity(probe, HUB, N).packed)));
    const maxNodes = Math.ceil((2 * N) / perNode) + 4;
    const fleet = fleetFrom(classFleetText(N, maxNodes, shape));
    const capacity = burstCapacity(fleet, HUB, N);
    const warm = classWarmUp(fleet, HUB);
    ctx.log(
      `class-start: ${N} students over ${M} min, node start-up ${D} s, time compressed ×${C}; capacity model: ${capacity.packed} ${capacity.instanceType} nodes (lower bound ${capacity.lowerBound}); load ${load1()}`,
    );
    const warmRule = `src/capacity/warmup.ts: ${warm.loginsPerStartup} logins in one ${D} s start-up → ${warm.placeholders} placeholders on ${warm.nodes} nodes (limit: ${warm.limit})`;
    ctx.log(`class-start: hubfleet's warm-up level: ${warmRule}`);
    const nodePlan = planNodes(fleet);
    const hubRequest = nodePlan.workloads.users.find((u) => u.hub === HUB)?.request;
    const front = frontLoadedWarmUp(
      N,
      M,
      D,
      hubRequest ? usersPerNode(nodePlan.users, hubRequest) : 1,
    );
    const { cp, kube, helm } = await startFleetCluster(fleet, { podCidr: LOOPBACK_POD_CIDR });
    const servers = await startUserServersStandIn();
    let hub: RealHub | undefined;
    let autoscaler: Autoscaler | undefined;
    try {
      await kube.apply(
        { apiVersion: "v1", kind: "Namespace", metadata: { name: HUB } },
        { fieldManager: "operator" },
      );
      await kube.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "github-oauth", namespace: HUB },
          type: "Opaque",
          stringData: { "client-secret": "standin-client-secret" },
        },
        { fieldManager: "operator" },
      );
      const report = await applier(() => ({ cp, kube, helm }))(fleet);
      const failed = report.hubs.filter((h) => h.result !== "applied" && h.result !== "unchanged");
      if (failed.length > 0) throw new Error(`apply failed: ${JSON.stringify(failed)}`);
      hub = await startRealHub({ controlPlane: cp, release: HUB, userServers: servers });
      // The idle cluster: one user node (the simulated cluster starts with three).
      for (const extra of ["jhusers-1", "jhusers-2"]) {
        await cp.client.delete(`/api/v1/nodes/${extra}`).catch(() => {});
      }
      const delayMs = (D * 1000) / C;
      autoscaler =
        ctx.sizes.classAutoscaler === "karpenter"
          ? await karpenterAutoscaler(cp, fleet, { delayMs, compression: C })
          : nodePoolStandIn(cp, fleet, { delayMs, namespaces: [HUB] });
      ctx.log(`class-start: autoscaler = ${autoscaler.name} (compressed)`);
      const setups = [
        { key: "none", setup: "no warm-up", placeholders: 0 },
        {
          key: "handset",
          setup: "hand-set placeholders (example: 4)",
          placeholders: EXAMPLE_PLACEHOLDERS,
        },
        {
          key: "hubfleet",
          setup: `hubfleet warm-up (${warm.placeholders} placeholders, ${warm.nodes} nodes)`,
          placeholders: warm.placeholders,
        },
        // Not what hubfleet deploys: the rule's level had it counted the front-loaded curve's
        // logins in the first start-up rather than the window's average rate.
        {
          key: "frontloaded",
          setup: `what-if: warm-up for the front-loaded curve (${front.placeholders} placeholders, ${front.nodes} nodes)`,
          placeholders: front.placeholders,
        },
        // Not a setup hubfleet offers: the same nodes up, empty, without placeholders to
        // preempt; it tells the preemption's share of the warm-up's wait from the rest.
        {
          key: "reference",
          setup: `${capacity.packed} warm nodes, no placeholders (reference)`,
          placeholders: 0,
          warmNodes: capacity.packed,
        },
      ];
      const results: SetupResult[] = [];
      const chosen = ctx.sizes.classSetups;
      for (const { key, ...s } of setups) {
        if (chosen.length > 0 && !chosen.includes(key)) continue;
        results.push(
          await runSetup(ctx, {
            cp,
            kube,
            hub,
            autoscaler,
            fleet,
            capacity,
            N,
            M,
            D,
            C,
            seed,
            ...s,
          }),
        );
      }
      ctx.shared.tables = [
        ...(ctx.shared.tables ?? []),
        classTable(results, { N, M, D, C, autoscaler: autoscaler.name, warmRule }),
      ];
      return results.flatMap((r) => setupFigures(r, C));
    } finally {
      await autoscaler?.stop();
      await hub?.stop();
      await servers.stop();
      await cp.stop();
    }
  },
};

/** Brings the user group to `count` nodes at once (named like the stand-in's, so reset removes them). */
async function warmNodePool(cp: ControlPlane, fleet: FleetModel, count: number): Promise<void> {
  const template = simNodesForFleet(fleet, { jhusers: 1 }).find((n) =>
    n.name.startsWith("jhusers"),
  );
  if (!template) throw new Error("the fleet has no jhusers node group");
  const have = await userNodeCount(cp);
  await Promise.all(
    Array.from({ length: Math.max(0, count - have) }, (_, i) =>
      cp.client.create(
        "/api/v1/nodes",
        simNodeManifest({ ...template, name: `jhusers-standin-warm-${i}` }, 900 + i, cp.version),
      ),
    ),
  );
  await waitFor(`${count} user nodes`, async () => (await userNodeCount(cp)) >= count, {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
}

const userNodeCount = async (cp: import("../../sim/index.js").ControlPlane) =>
  (await cp.client.list("/api/v1/nodes")).items.filter(
    (n) => n.metadata.labels?.["hubfleet.io/node-group"] === "jhusers",
  ).length;

async function runSetup(
  ctx: BenchContext,
  p: {
    cp: import("../../sim/index.js").ControlPlane;
    kube: KubePort;
    hub: RealHub;
    autoscaler: Autoscaler;
    fleet: ReturnType<typeof fleetFrom>;
    capacity: ReturnType<typeof burstCapacity>;
    N: number;
    M: number;
    D: number;
    C: number;
    seed: number;
    setup: string;
    placeholders: number;
    /** User nodes to have up before the burst without placeholders (the reference setup). */
    warmNodes?: number;
  },
): Promise<SetupResult> {
  const { cp, kube, hub, autoscaler } = p;
  ctx.log(`class-start: ${p.setup}`);
  // Back to the idle cluster: the stand-in's nodes gone, placeholders at the setup's level.
  const loadAtStart = load1();
  await autoscaler.stop();
  await autoscaler.reset();
  // The reference setup's warm nodes (the stand-in's reset removes them too; Karpenter's does not).
  await Promise.all(
    (await cp.client.list("/api/v1/nodes")).items
      .map((n) => n.metadata.name)
      .filter((n) => n.startsWith("jhusers-standin-warm-"))
      .map((n) => cp.client.delete(`/api/v1/nodes/${n}`).catch(() => {})),
  );
  await cp.client.patch(
    `/apis/apps/v1/namespaces/${HUB}/statefulsets/user-placeholder`,
    { spec: { replicas: p.placeholders } },
    "merge",
  );
  if (p.warmNodes !== undefined) await warmNodePool(cp, p.fleet, p.warmNodes);
  await autoscaler.start();
  // The warm-up's lead time (30 min) is longer than a node's start-up: the burst begins once the
  // placeholders run. Waiting for that stands for the lead time.
  await waitFor(
    `${p.placeholders} placeholders running`,
    async () => {
      const pods = (await cp.client.list(`/api/v1/namespaces/${HUB}/pods`)).items.filter(
        (x) => x.metadata.labels?.component === "user-placeholder",
      );
      return pods.length === p.placeholders && pods.every((x) => x.status?.phase === "Running");
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  const warmNodes = await userNodeCount(cp);
  const madeBeforeBurst = autoscaler.added.length;
  const overMs = (p.M * 60_000) / p.C;
  const samples: { t: number; nodes: number }[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    userNodeCount(cp)
      .then((nodes) => samples.push({ t: Date.now() - t0, nodes }))
      .catch(() => {});
  }, 1000);
  let summary: BurstSummary;
  try {
    const result = await runBurst(fetchHubHttp(), {
      hub: HUB,
      url: hub.url,
      token: hub.harnessToken,
      run: `cs${p.placeholders}`,
      arrivals: arrivalTimes(p.N, overMs, p.seed),
      overMs,
      readyTimeoutMs: 600_000,
      pollMs: 1000,
      retryScale: 1 / p.C,
      observeNodes: (users) => nodesOfUsers(kube, HUB, users),
      onProgress: (x) => {
        if (x.phase === "done" || (x.phase === "burst" && x.ready > 0 && x.ready % 50 === 0)) {
          ctx.log(
            `class-start: ${x.phase} ${x.loggedIn} in, ${x.ready} ready, ${x.failed} failed, ${x.throttled429} 429s, ${x.removed} removed`,
          );
        }
      },
    });
    summary = summarize(result, p.capacity);
  } finally {
    clearInterval(sampler);
  }
  const endNodes = await userNodeCount(cp);
  const made = autoscaler.added.length;
  // The warm hour: the lead time at the warm level, the burst as measured (× C to class time),
  // the rest of the first half hour of class at the level the burst ended with.
  const burstMs = samples.length > 0 ? (samples[samples.length - 1]?.t ?? 0) : 0;
  let burstNodeMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a && b) burstNodeMs += a.nodes * (b.t - a.t);
  }
  const classBurstHours = (burstNodeMs * p.C) / 3_600_000;
  const restHours = Math.max(0, 0.5 - (burstMs * p.C) / 3_600_000);
  const nodeHours = (warmNodes * LEAD_MINUTES) / 60 + classBurstHours + endNodes * restHours;
  const price = p.capacity.nodeHourlyUsd;
  ctx.log(
    `class-start: ${p.setup}: p50/p95/max ${[summary.loginToReadyMs.p50, summary.loginToReadyMs.p95, summary.loginToReadyMs.max].map((x) => ((x ?? Number.NaN) / 1000).toFixed(1)).join("/")} s measured, ${summary.throttled429} 429s, ${summary.served}/${p.N} served, nodes ${warmNodes}→${endNodes}, made ${madeBeforeBurst}+${made - madeBeforeBurst}, load ${loadAtStart}→${load1()}`,
  );
  const reasons = new Map<string, number>();
  for (const f of summary.failures) reasons.set(f.message, (reasons.get(f.message) ?? 0) + 1);
  for (const [message, count] of reasons) ctx.log(`class-start: ${count} failed: ${message}`);
  return {
    setup: p.setup,
    placeholders: p.placeholders,
    summary,
    warmNodes,
    endNodes,
    nodeHours,
    ...(price !== undefined ? { costUsd: nodeHours * price } : {}),
    madeBeforeBurst,
    made,
    load: [loadAtStart, load1()],
  };
}

function setupFigures(r: SetupResult, C: number): Figure[] {
  const s = r.summary;
  const classSec = (ms: number | undefined) => ((ms ?? Number.NaN) * C) / 1000;
  const name = (what: string) => `${r.setup}: ${what}`;
  const hubfleet = r.setup.startsWith("hubfleet");
  return [
    figure({
      section: "class-start",
      name: name("login→ready p50 (class time)"),
      unit: "s",
      samples: [classSec(s.loginToReadyMs.p50)],
    }),
    figure({
      section: "class-start",
      name: name("login→ready p95 (class time)"),
      unit: "s",
      samples: [classSec(s.loginToReadyMs.p95)],
      ...(hubfleet ? { target: { on: "value" as const, op: "<=" as const, value: 60 } } : {}),
      note: `measured ${((s.loginToReadyMs.p95 ?? Number.NaN) / 1000).toFixed(1)} s at ×${C}`,
    }),
    figure({
      section: "class-start",
      name: name("login→ready max (class time)"),
      unit: "s",
      samples: [classSec(s.loginToReadyMs.max)],
    }),
    figure({
      section: "class-start",
      name: name("429s"),
      unit: "answers",
      samples: [s.throttled429],
    }),
    figure({
      section: "class-start",
      name: name("served"),
      unit: "students",
      samples: [s.served],
      target: { on: "value", op: "==", value: s.users },
    }),
    figure({
      section: "class-start",
      name: name("user nodes at the end"),
      unit: "nodes",
      samples: [r.endNodes],
      note: `lower bound ${s.nodes.lowerBound} for the class alone; ${s.nodes.used ?? "?"} held a student's server`,
    }),
    figure({
      section: "class-start",
      name: name("nodes the autoscaler made"),
      unit: "nodes",
      samples: [r.made],
      note: `${r.madeBeforeBurst} for the placeholders before the burst, ${r.made - r.madeBeforeBurst} during it; load ${r.load[0]}→${r.load[1]}`,
    }),
    figure({
      section: "class-start",
      name: name("warm hour cost"),
      unit: "USD",
      samples: [r.costUsd ?? Number.NaN],
      note: `${r.nodeHours.toFixed(1)} node-hours`,
    }),
  ];
}

function classTable(
  results: readonly SetupResult[],
  o: { N: number; M: number; D: number; C: number; autoscaler: string; warmRule: string },
): string {
  const head = [
    "setup",
    "placeholders",
    "p50 s",
    "p95 s",
    "max s",
    "429s",
    "served",
    "nodes warm→end",
    "used",
    "made",
    "lower bound",
    "warm hour",
    "load",
  ];
  const cs = (ms: number | undefined) => (ms === undefined ? "-" : ((ms * o.C) / 1000).toFixed(0));
  const rows = results.map((r) => [
    r.setup,
    String(r.placeholders),
    cs(r.summary.loginToReadyMs.p50),
    cs(r.summary.loginToReadyMs.p95),
    cs(r.summary.loginToReadyMs.max),
    String(r.summary.throttled429),
    `${r.summary.served}/${r.summary.users}`,
    `${r.warmNodes}→${r.endNodes}`,
    String(r.summary.nodes.used ?? "?"),
    `${r.madeBeforeBurst}+${r.made - r.madeBeforeBurst}`,
    String(r.summary.nodes.lowerBound ?? "?"),
    r.costUsd === undefined ? "-" : `$${r.costUsd.toFixed(2)}`,
    `${r.load[0]}→${r.load[1]}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [
    `class start: ${o.N} students over ${o.M} min, node start-up ${o.D} s, time compressed ×${o.C} (times in class time = measured × ${o.C}); ${o.autoscaler}; hubfleet's warm-up level from ${o.warmRule}`,
    line(head),
    ...rows.map(line),
  ].join("\n");
}
