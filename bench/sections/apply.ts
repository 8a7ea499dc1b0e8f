/**
 * apply on the real control plane with the z2jh stand-in chart. Each run gets a fresh control
 * plane and measures, side by side: the first apply of the fleet, a no-op re-apply, the
 * baseline (a plain loop of `kubectl apply --server-side` + `helm upgrade --install` over the
 * same rendered files), and a re-apply with one hub changed (exactly one release upgraded).
 */
import { join } from "node:path";
import { secretValues } from "../../src/apply/secrets.js";
import { HUB_SECRET_VALUES } from "../../src/render/hub/values.js";
import { type HubfleetCli, runProgram } from "../lib/cli.js";
import {
  type BenchCluster,
  CHART_DIR_ARGS,
  releaseRevisions,
  STANDIN_CHART,
  startBenchCluster,
} from "../lib/cluster.js";
import type { BenchContext, Section } from "../lib/context.js";
import { figure } from "../lib/figures.js";
import { type FleetShape, generateFleet, hubName, validGeneratedFleet } from "../lib/fleetGen.js";
import { kubectlBinary } from "../lib/kubectl.js";

// --force-conflicts: without it kubectl stops at fields hubfleet's field manager holds with a value
// the API server normalised (e.g. a NetworkPolicy's empty `ingress: []`).
export const BASELINE_NAME =
  "kubectl apply --server-side --force-conflicts + helm upgrade --install loop";

/** The bench's cluster fleet: as many hubs as status reads; apply works on the first ones. */
export function benchFleets(ctx: BenchContext) {
  const total = Math.max(ctx.sizes.applyHubs, ctx.sizes.statusHubs);
  const shape: FleetShape = { name: "bench", hubs: total, placeholderEvery: 5 };
  const all = validGeneratedFleet(shape);
  const pins = all.pins;
  const sub = (hubs: number, memoryLimitOf?: Map<number, string>) =>
    generateFleet({
      ...shape,
      hubs,
      driveAddressOf: pins,
      ...(memoryLimitOf ? { memoryLimitOf } : {}),
    });
  return {
    all,
    applyText: sub(ctx.sizes.applyHubs),
    /** Hub 1's memory limit changed. */
    changedText: () =>
      sub(ctx.sizes.applyHubs, new Map([[Math.min(1, ctx.sizes.applyHubs - 1), "15Gi"]])),
    statusText: sub(ctx.sizes.statusHubs),
    /** jhcontrolplane nodes (m5.4xlarge) enough for every hub's core pods, with room. */
    nodes: { jhcontrolplane: Math.ceil(total / 30) + 1, jhusers: 2 },
  };
}

function changedReleases(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([k, rev]) => before.get(k) !== rev).map(([k]) => k);
}

export async function startClusterFor(ctx: BenchContext): Promise<BenchCluster> {
  const fleets = benchFleets(ctx);
  ctx.log(`starting a control plane for ${fleets.all.fleet.hubs.length} hubs`);
  return startBenchCluster(fleets.all.fleet, fleets.nodes);
}

async function applyCli(cli: HubfleetCli, cluster: BenchCluster, file: string, what: string) {
  const r = await cli.run(["apply", file, ...CHART_DIR_ARGS], { env: cluster.env });
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The baseline: what fleet operators run today, one hub after another. */
async function baselineLoop(
  cluster: BenchCluster,
  kubectl: string,
  rendered: string,
  hubs: readonly string[],
): Promise<number> {
  // The values helm gets from the hub's Secret, as hubfleet passes them (read before timing).
  const secrets = new Map<string, string>();
  for (const hub of hubs) {
    secrets.set(hub, JSON.stringify(await secretValues(cluster.kube, hub, HUB_SECRET_VALUES)));
  }
  const helm = join(cluster.cp.binDir, "helm");
  const check = (r: { code: number | null; stderr: string }, what: string) => {
    if (r.code !== 0) throw new Error(`baseline ${what} failed: ${r.stderr}`);
  };
  const start = process.hrtime.bigint();
  const env = cluster.env;
  check(
    await runProgram(
      kubectl,
      [
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        join(rendered, "cluster", "manifests.yaml"),
      ],
      { env },
    ),
    "kubectl apply cluster/manifests.yaml",
  );
  for (const hub of hubs) {
    const dir = join(rendered, "hubs", hub);
    check(
      await runProgram(
        kubectl,
        ["apply", "--server-side", "--force-conflicts", "-f", join(dir, "manifests.yaml")],
        {
          env,
        },
      ),
      `kubectl apply ${hub}`,
    );
    check(
      await runProgram(
        helm,
        [
          "upgrade",
          "--install",
          hub,
          STANDIN_CHART,
          "--namespace",
          hub,
          "-f",
          join(dir, "values.yaml"),
          "-f",
          "-",
        ],
        { env, input: secrets.get(hub) ?? "{}" },
      ),
      `helm upgrade --install ${hub}`,
    );
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const applySection: Section = {
  name: "apply",
  title: "apply on the real control plane (stand-in chart)",
  async run(ctx: BenchContext) {
    const n = ctx.sizes.applyHubs;
    const fleets = benchFleets(ctx);
    const applyFile = ctx.file("apply-fleet.yaml", fleets.applyText);
    const hubs = Array.from({ length: n }, (_, i) => hubName("bench", i));
    const cli = await ctx.cli();
    const kubectl = await kubectlBinary(ctx);
    const first: number[] = [];
    const noop: number[] = [];
    const baseline: number[] = [];
    const changed: number[] = [];
    const upgraded: number[] = [];
    for (let run = 0; run < ctx.runs; run += 1) {
      await ctx.shared.fleetCluster?.stop();
      ctx.shared.fleetCluster = undefined;
      const cluster = await startClusterFor(ctx);
      ctx.shared.fleetCluster = cluster;
      const a = await applyCli(cli, cluster, applyFile, "first apply");
      first.push(a.ms);
      const beforeNoop = await releaseRevisions(cluster.helm);
      const b = await applyCli(cli, cluster, applyFile, "no-op re-apply");
      const touched = changedReleases(beforeNoop, await releaseRevisions(cluster.helm));
      if (touched.length > 0) throw new Error(`the re-apply upgraded ${touched.join(", ")}`);
      noop.push(b.ms);
      const rendered = join(ctx.tmp, `apply-rendered-${run}`);
      const r = await cli.run(["render", applyFile, "--out-dir", rendered]);
      if (r.code !== 0) throw new Error(`render failed:\n${r.stderr}`);
      baseline.push(await baselineLoop(cluster, kubectl.path, rendered, hubs));
      const changedFile = ctx.file(`apply-changed-${run}.yaml`, fleets.changedText());
      const before = await releaseRevisions(cluster.helm);
      const c = await applyCli(cli, cluster, changedFile, "one-hub re-apply");
      const after = await releaseRevisions(cluster.helm);
      changed.push(c.ms);
      upgraded.push(changedReleases(before, after).length);
      ctx.log(
        `apply run ${run + 1}: first ${a.ms.toFixed(0)} ms, no-op ${b.ms.toFixed(0)} ms, baseline ${baseline[run]?.toFixed(0)} ms, one hub changed ${c.ms.toFixed(0)} ms (${upgraded[run]} release(s) upgraded)`,
      );
    }
    const section = "apply";
    const fresh = "a fresh control plane per run";
    return [
      figure({
        section,
        name: `first apply, ${n} hubs (CLI)`,
        unit: "ms",
        samples: first,
        note: fresh,
      }),
      figure({
        section,
        name: `no-op re-apply, ${n} hubs (CLI)`,
        unit: "ms",
        samples: noop,
        baseline: { name: "baseline loop", samples: baseline },
        target: { on: "ratio", op: ">=", value: 20 },
        note: `baseline: ${BASELINE_NAME} over the same rendered files, one hub after another (real kubectl ${kubectl.version}, real helm)`,
      }),
      figure({
        section,
        name: `re-apply, one of ${n} hubs changed (CLI)`,
        unit: "ms",
        samples: changed,
      }),
      figure({
        section,
        name: "releases upgraded by the one-hub change",
        unit: "releases",
        samples: upgraded,
        // The worst run counts: every run must upgrade exactly one release.
        value: upgraded.reduce((w, u) => (Math.abs(u - 1) > Math.abs(w - 1) ? u : w), 1),
        target: { on: "value", op: "==", value: 1 },
        note: `per run: ${upgraded.join(", ")} (every run must be exactly 1)`,
      }),
      ...(kubectl.buildSeconds === undefined
        ? []
        : [
            figure({
              section,
              name: "kubectl cold build for the baseline (once)",
              unit: "s",
              samples: [kubectl.buildSeconds],
              note: "bench/kubectl/build on this machine, when it first ran (Go caches as the sim build left them); cached afterwards",
            }),
          ]),
    ];
  },
};
