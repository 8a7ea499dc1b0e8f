/**
 * The 1,000-hub moonshot: for each fleet size N (`--moonshot-hubs 100,250,500,1000`), a
 * generated fleet of N hubs of mixed sizes is rendered (in-process and CLI) and validated, then
 * applied to a fresh control plane holding it; plan, a no-op re-apply and status run against it.
 * Every cluster command is a CLI call with a CPU profile, its helm calls logged and the
 * apiserver's request metrics read before and after, so the report says where the time went.
 * Sizes that could not run are reported with their error; the figures at 1,000 hubs are
 * extrapolated from the measured sizes when 1,000 itself did not run.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseFleet } from "../../src/fleet/load.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import type { CliResult, HubfleetCli } from "../lib/cli.js";
import { type BenchCluster, CHART_DIR_ARGS, startBenchCluster } from "../lib/cluster.js";
import type { BenchContext, Section } from "../lib/context.js";
import { type Figure, figure, median, timed } from "../lib/figures.js";
import { validGeneratedFleet } from "../lib/fleetGen.js";
import { formatHelm, type HelmCalls, helmLog } from "../lib/helmLog.js";
import {
  formatDelta,
  type RequestDelta,
  readRequestMetrics,
  requestDelta,
} from "../lib/metrics.js";
import { formatBuckets, summarizeProfile } from "../lib/profile.js";

/** The phases and their targets (ms) at 1,000 hubs, in the order they run. */
export const PHASES = [
  { key: "renderInProcess", label: "render in-process", target: 1000 },
  { key: "renderCli", label: "render CLI", target: 2000 },
  { key: "validateCli", label: "validate CLI", target: 1000 },
  { key: "firstApply", label: "first apply", target: undefined },
  { key: "plan", label: "plan", target: 10_000 },
  { key: "noop", label: "no-op re-apply", target: 30_000 },
  { key: "status", label: "status", target: 2000 },
] as const;

export type PhaseKey = (typeof PHASES)[number]["key"];

export interface PhaseResult {
  readonly ms: number;
  /** 1-minute load average when the phase started. */
  readonly load: number;
  readonly samples: readonly number[];
  /** Where the time went (cluster phases). */
  readonly where?: string;
}

export interface SizeResult {
  readonly hubs: number;
  readonly phases: Partial<Record<PhaseKey, PhaseResult>>;
  /** Objects hubfleet applies server-side (rendered manifests) and Helm releases. */
  readonly manifests: number;
  /** API writes (POST, PUT, PATCH, APPLY; every client) during the first apply. */
  readonly apiWrites?: number;
  readonly error?: string;
}

const load = () => Math.round((loadavg()[0] ?? 0) * 100) / 100;

async function timedRuns(runs: number, fn: () => unknown): Promise<PhaseResult> {
  const load0 = load();
  fn(); // warm-up, untimed: these figures are for a warm process
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push((await timed(fn)).ms);
  return { ms: median(samples), load: load0, samples };
}

async function cliRuns(
  runs: number,
  call: () => Promise<CliResult>,
  ok: (r: CliResult) => boolean,
  what: string,
): Promise<PhaseResult> {
  const load0 = load();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const r = await call();
    if (!ok(r)) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    samples.push(r.ms);
  }
  return { ms: median(samples), load: load0, samples };
}

/** Runs a cluster command once more with a CPU profile, its helm calls and API requests counted. */
async function profiled(
  ctx: BenchContext,
  cli: HubfleetCli,
  cluster: BenchCluster,
  helm: ReturnType<typeof helmLog>,
  name: string,
  args: readonly string[],
  ok: (r: CliResult) => boolean,
): Promise<{ result: CliResult; where: string; helm: HelmCalls; api: RequestDelta }> {
  const dir = join(ctx.tmp, `prof-${name}`);
  mkdirSync(dir, { recursive: true });
  helm.take();
  const before = await readRequestMetrics(cluster.cp);
  const result = await cli.run(args, {
    env: { ...cluster.env, HUBFLEET_HELM: helm.binary },
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
  });
  const api = requestDelta(before, await readRequestMetrics(cluster.cp));
  const calls = helm.take();
  if (!ok(result)) {
    // apply reports a failed hub in its progress lines (stdout), not on stderr.
    const failed = result.stdout
      .split("\n")
      .filter((l) => /fail|error|timed out/i.test(l))
      .slice(0, 20)
      .join("\n");
    throw new Error(
      `${name} failed (exit ${result.code}):\n${failed}\n${result.stderr.slice(-1500)}`,
    );
  }
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  const profile = file ? summarizeProfile(join(dir, file)) : undefined;
  const where = [
    `wall ${(result.ms / 1000).toFixed(2)} s`,
    profile ? `hubfleet process: ${formatBuckets(profile, 25)}` : "no profile",
    formatHelm(calls),
    `apiserver: ${formatDelta(api)}`,
  ].join("; ");
  ctx.log(`  ${name}: ${where}`);
  if (profile) {
    ctx.log(
      `  ${name} hottest: ${profile.functions
        .slice(0, 5)
        .map((f) => `${f.name} ${f.ms.toFixed(0)} ms`)
        .join(" | ")}`,
    );
  }
  return { result, where, helm: calls, api };
}

async function runSize(ctx: BenchContext, hubs: number, cli: HubfleetCli): Promise<SizeResult> {
  const phases: Partial<Record<PhaseKey, PhaseResult>> = {};
  const gen = validGeneratedFleet({ name: "moon", hubs, placeholderEvery: 10 });
  const file = ctx.file(`moonshot-${hubs}.yaml`, gen.text);
  const bundle = renderFleet(gen.fleet);
  const manifests = bundle.manifests.length + bundle.releases.length;
  const partial = (error: string): SizeResult => ({ hubs, phases, manifests, error });
  ctx.log(`moonshot ${hubs} hubs: ${manifests} objects and releases rendered`);

  phases.renderInProcess = await timedRuns(ctx.runs, () => {
    const parsed = parseFleet(gen.text, file);
    if (!parsed.fleet) throw new Error("the generated fleet stopped validating");
    return bundleFiles(renderFleet(parsed.fleet));
  });
  phases.renderCli = await cliRuns(
    ctx.runs,
    () => cli.run(["render", file, "--out-dir", join(ctx.tmp, `moon-render-${hubs}`)]),
    (r) => r.code === 0,
    "hubfleet render",
  );
  phases.validateCli = await cliRuns(
    ctx.runs,
    () => cli.run(["validate", file]),
    (r) => r.code === 0,
    "hubfleet validate",
  );
  ctx.log(
    `  render in-process ${phases.renderInProcess.ms.toFixed(0)} ms, CLI ${phases.renderCli.ms.toFixed(0)} ms; validate CLI ${phases.validateCli.ms.toFixed(0)} ms`,
  );

  if (hubs > ctx.sizes.moonshotClusterMax) {
    ctx.log(
      `  no control plane at ${hubs} hubs (--moonshot-cluster-max ${ctx.sizes.moonshotClusterMax})`,
    );
    return { hubs, phases, manifests };
  }
  let cluster: BenchCluster | undefined;
  try {
    ctx.log(`  starting a control plane for ${hubs} hubs (load ${load()})`);
    const coreNodes = Math.ceil(hubs / 30) + 1;
    try {
      cluster = await startBenchCluster(gen.fleet, { jhcontrolplane: coreNodes, jhusers: 2 });
    } catch (err) {
      return partial(`control plane: ${err instanceof Error ? err.message : String(err)}`);
    }
    const helm = helmLog(ctx.tmp, `${cluster.cp.binDir}/helm`);
    const c = cluster;
    const zeroExit = (r: CliResult) => r.code === 0;
    const applyArgs = ["apply", file, ...CHART_DIR_ARGS, "--timeout", "30m"];

    const load0 = load();
    const first = await profiled(ctx, cli, c, helm, `first-apply-${hubs}`, applyArgs, zeroExit);
    phases.firstApply = {
      ms: first.result.ms,
      load: load0,
      samples: [first.result.ms],
      where: `${first.where} (timed with the profiler on)`,
    };
    const apiWrites = first.api.byVerb
      .filter((v) => ["POST", "PUT", "PATCH", "APPLY"].includes(v.verb))
      .reduce((s, v) => s + v.count, 0);

    const cluster3 = async (
      key: "plan" | "noop" | "status",
      args: readonly string[],
      ok: (r: CliResult) => boolean,
    ) => {
      const env = { ...c.env, HUBFLEET_HELM: helm.binary };
      const timedPhase = await cliRuns(ctx.runs, () => cli.run(args, { env }), ok, key);
      helm.take();
      const where = (await profiled(ctx, cli, c, helm, `${key}-${hubs}`, args, ok)).where;
      phases[key] = { ...timedPhase, where };
      ctx.log(`  ${key} ${hubs} hubs: ${timedPhase.ms.toFixed(0)} ms (load ${timedPhase.load})`);
    };
    // --detailed-exitcode: a no-op plan must exit 0 (2 would mean the applied fleet drifted).
    await cluster3("plan", ["plan", file, "--detailed-exitcode"], zeroExit);
    await cluster3("noop", applyArgs, zeroExit);
    // status exits 1 when a hub is unhealthy; the figure is about reading, not the verdict. No
    // hub process runs here: each hub's API is asked at a closed local port (refused at once),
    // not at its public name, which the sandbox cannot resolve (DNS timeouts would be measured).
    const closed = gen.fleet.hubs.flatMap((h) => ["--url", `${h.name}=http://127.0.0.1:1/`]);
    await cluster3(
      "status",
      ["status", file, "-o", "json", ...closed],
      (r) => r.code === 0 || r.code === 1,
    );
    return { hubs, phases, manifests, apiWrites };
  } catch (err) {
    return partial(err instanceof Error ? err.message : String(err));
  } finally {
    await cluster?.stop();
  }
}

/** Least-squares fit of log(ms) = log(a) + k log(N): the measured curve, for extrapolation. */
export function powerFit(points: readonly { n: number; ms: number }[]) {
  const usable = points.filter((p) => p.n > 0 && p.ms > 0);
  if (usable.length < 2) return undefined;
  const xs = usable.map((p) => Math.log(p.n));
  const ys = usable.map((p) => Math.log(p.ms));
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  const k = xs.reduce((s, x, i) => s + (x - mx) * ((ys[i] as number) - my), 0) / sxx;
  const a = Math.exp(my - k * mx);
  return { k, at: (n: number) => a * n ** k };
}

const seconds = (ms: number) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;

/** The table docs/performance.md shows: one row per size, one column per phase. */
export function moonshotTable(results: readonly SizeResult[], extrapolateTo: number): string {
  const head = ["N", ...PHASES.map((p) => p.label), "objects/s", "load"];
  const targetRow = [
    "target",
    ...PHASES.map((p) => (p.target === undefined ? "report" : `< ${seconds(p.target)}`)),
    "report",
    "",
  ];
  const cell = (p: (typeof PHASES)[number], r?: PhaseResult) => {
    if (!r) return "-";
    const met = p.target === undefined ? "" : r.ms < p.target ? " met" : " MISS";
    return `${seconds(r.ms)}${met}`;
  };
  const rows = results.map((r) => {
    const loads = Object.values(r.phases).map((p) => p.load);
    return [
      String(r.hubs),
      ...PHASES.map((p) => cell(p, r.phases[p.key])),
      r.phases.firstApply ? `${(r.manifests / (r.phases.firstApply.ms / 1000)).toFixed(1)}` : "-",
      loads.length ? `${Math.min(...loads)}-${Math.max(...loads)}` : "",
    ];
  });
  // Phases not measured at the target size (no control plane there, or it stopped) are
  // extrapolated from the sizes that measured them: a power law through their times.
  const atTarget = results.find((r) => r.hubs === extrapolateTo);
  const missing = PHASES.filter((p) => !atTarget?.phases[p.key]);
  const extra: string[][] = [];
  if (missing.length > 0) {
    extra.push([
      `${extrapolateTo} (extrapolated)`,
      ...PHASES.map((p) => {
        if (!missing.includes(p)) return "(measured)";
        const fit = powerFit(
          results.flatMap((r) => {
            const ph = r.phases[p.key];
            return ph ? [{ n: r.hubs, ms: ph.ms }] : [];
          }),
        );
        if (!fit) return "-";
        const ms = fit.at(extrapolateTo);
        const met = p.target === undefined ? "" : ms < p.target ? " met" : " MISS";
        return `~${seconds(ms)}${met} (N^${fit.k.toFixed(2)})`;
      }),
      "",
      "",
    ]);
  }
  const all = [head, targetRow, ...rows, ...extra];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...[targetRow, ...rows, ...extra].map(line),
  ].join("\n");
}

export const moonshotSection: Section = {
  name: "moonshot",
  title: "the 1,000-hub moonshot (render, validate, apply, plan, no-op, status per fleet size)",
  async run(ctx: BenchContext) {
    const cli = await ctx.cli();
    // Sizes measured by earlier runs (--moonshot-with FILE): one curve from runs made apart.
    const results: SizeResult[] = ctx.sizes.moonshotWith.flatMap((file) => {
      const earlier = (JSON.parse(readFileSync(file, "utf8")) as { moonshot?: SizeResult[] })
        .moonshot;
      if (!earlier) throw new Error(`${file} holds no moonshot results`);
      return earlier.filter((r) => !ctx.sizes.moonshotHubs.includes(r.hubs));
    });
    for (const hubs of ctx.sizes.moonshotHubs) {
      const r = await runSize(ctx, hubs, cli);
      if (r.error) ctx.log(`moonshot ${hubs} hubs stopped: ${r.error.split("\n")[0]}`);
      results.push(r);
    }
    results.sort((a, b) => a.hubs - b.hubs);
    const largest = Math.max(1000, ...ctx.sizes.moonshotHubs);
    const table = moonshotTable(results, largest);
    const wheres = results.flatMap((r) =>
      PHASES.flatMap((p) => {
        const w = r.phases[p.key]?.where;
        return w ? [`- ${r.hubs} hubs, ${p.label}: ${w}`] : [];
      }),
    );
    const errors = results.flatMap((r) =>
      r.error ? [`- ${r.hubs} hubs stopped: ${r.error}`] : [],
    );
    ctx.shared.tables = [
      ...(ctx.shared.tables ?? []),
      `moonshot (median of ${ctx.runs} run(s); first apply once, profiled; load = 1-minute load average at each phase's start)\n${table}\n\nwhere the time went:\n${[...wheres, ...errors].join("\n")}`,
    ];
    ctx.shared.moonshot = results;
    const figures: Figure[] = [];
    for (const r of results) {
      for (const p of PHASES) {
        const ph = r.phases[p.key];
        if (!ph) continue;
        figures.push(
          figure({
            section: "moonshot",
            name: `${p.label}, ${r.hubs} hubs`,
            unit: "ms",
            samples: ph.samples,
            ...(p.target === undefined
              ? {}
              : { target: { on: "value", op: "<", value: p.target } }),
            note: `load ${ph.load}${ph.where ? `; ${ph.where}` : ""}`,
          }),
        );
      }
      const status = r.phases.status;
      if (status && r.hubs <= 100) {
        // A cluster command's start-up: status of 100 hubs through the CLI within a second.
        figures.push(
          figure({
            section: "moonshot",
            name: `status, ${r.hubs} hubs (CLI start-up target)`,
            unit: "ms",
            samples: status.samples,
            target: { on: "value", op: "<", value: 1000 },
            note: `load ${status.load}; the same runs as the status row`,
          }),
        );
      }
      if (r.phases.firstApply) {
        figures.push(
          figure({
            section: "moonshot",
            name: `first apply objects/s, ${r.hubs} hubs`,
            unit: "objects/s",
            samples: [r.manifests / (r.phases.firstApply.ms / 1000)],
            note: `${r.manifests} rendered objects and releases; ${r.apiWrites ?? "?"} API writes by every client`,
          }),
        );
      }
    }
    return figures;
  },
};
