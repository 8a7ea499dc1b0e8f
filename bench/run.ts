/**
 * `npm run bench`: hubfleet's performance and reliability figures, measured side by side in one
 * run, printed as a table and written to bench/results.json (what each figure means: docs/performance.md).
 *
 *   npm run bench                       # full sizes (about 20 minutes on 2 quiet cores)
 *   npm run bench -- --quick            # small sizes, one run each (results.local.json)
 *   npm run bench -- --only render,packing --runs 5
 *   npm run bench -- --only moonshot --moonshot-hubs 100,250,500 --runs 1
 *   npm run bench -- --only class-start --class-students 60 --class-node-delay 180 --class-compression 6
 *   npm run bench -- --only class-start --class-autoscaler standin   # the node pool stand-in
 */
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compileCli, type HubfleetCli } from "./lib/cli.js";
import {
  type BenchContext,
  classAutoscalerOf,
  classSetupsOf,
  FULL_SIZES,
  QUICK_SIZES,
  type Section,
  type Sizes,
  tempDir,
  writeFile,
} from "./lib/context.js";
import { type Figure, figureTable } from "./lib/figures.js";
import { machineInfo } from "./lib/machine.js";
import { applySection } from "./sections/apply.js";
import { classStartSection } from "./sections/classStart.js";
import { fuzzSection } from "./sections/fuzz.js";
import { moonshotSection } from "./sections/moonshot.js";
import { packingSection } from "./sections/packing.js";
import { reliabilitySection } from "./sections/reliability.js";
import { renderSection } from "./sections/render.js";
import { statusSection } from "./sections/status.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const SECTIONS: readonly Section[] = [
  renderSection,
  applySection,
  statusSection,
  packingSection,
  reliabilitySection,
  fuzzSection,
  moonshotSection,
  classStartSection,
];

const SIZE_OPTIONS: Record<string, keyof Sizes> = {
  "render-hubs": "renderHubs",
  "apply-hubs": "applyHubs",
  "status-hubs": "statusHubs",
  pods: "pods",
  "packing-hubs": "packingHubs",
  "reliability-hubs": "reliabilityHubs",
  kills: "kills",
  restarts: "restarts",
  concurrent: "concurrent",
  "fuzz-runs": "fuzzRuns",
  "moonshot-cluster-max": "moonshotClusterMax",
  "class-students": "classStudents",
  "class-minutes": "classMinutes",
  "class-node-delay": "classNodeDelay",
  "class-compression": "classCompression",
};

const USAGE = `usage: npm run bench -- [--quick] [--runs N] [--only ${SECTIONS.map((s) => s.name).join(",")}]
                        [--out FILE] [--packing-instance TYPE] [--moonshot-hubs N,N,...]
                        [--moonshot-with EARLIER.json,...] [--class-autoscaler karpenter|standin]
                        [--class-setups none,handset,hubfleet,frontloaded,reference]
                        [--<size> N]
sizes (full / --quick): ${Object.entries(SIZE_OPTIONS)
  .map(([flag, key]) => `--${flag} ${String(FULL_SIZES[key])}/${String(QUICK_SIZES[key])}`)
  .join(
    ", ",
  )}, --moonshot-hubs ${FULL_SIZES.moonshotHubs.join(",")}/${QUICK_SIZES.moonshotHubs.join(",")}`;

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      "packing-instance": { type: "string" },
      "moonshot-hubs": { type: "string" },
      "moonshot-with": { type: "string" },
      "class-autoscaler": { type: "string" },
      "class-setups": { type: "string" },
      help: { type: "boolean", default: false },
      ...Object.fromEntries(Object.keys(SIZE_OPTIONS).map((k) => [k, { type: "string" as const }])),
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const positive = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${flag} ${text}: want a whole number >= 1`);
    return n;
  };
  const quick = values.quick === true;
  const base = quick ? QUICK_SIZES : FULL_SIZES;
  const sizes: Sizes = {
    ...base,
    ...Object.fromEntries(
      Object.entries(SIZE_OPTIONS).map(([flag, key]) => [
        key,
        positive(
          flag,
          (values as Record<string, unknown>)[flag] as string | undefined,
          base[key] as number,
        ),
      ]),
    ),
    packingInstanceType:
      (values["packing-instance"] as string | undefined) ?? base.packingInstanceType,
    moonshotHubs:
      values["moonshot-hubs"] === undefined
        ? base.moonshotHubs
        : values["moonshot-hubs"]
            .split(",")
            .map((n) => positive("moonshot-hubs", n.trim(), 0))
            .sort((a, b) => a - b),
    moonshotWith: values["moonshot-with"] ? values["moonshot-with"].split(",") : [],
    classAutoscaler: classAutoscalerOf(values["class-autoscaler"], base.classAutoscaler),
    classSetups: classSetupsOf(values["class-setups"]),
  };
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : undefined;
  const unknown = (only ?? []).filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}\n${USAGE}`);
  return {
    quick,
    sizes,
    runs: positive("runs", values.runs, quick ? 1 : 3),
    sections: SECTIONS.filter((s) => !only || only.includes(s.name)),
    out: values.out ?? join(REPO, "bench", quick ? "results.local.json" : "results.json"),
  };
}

async function main(): Promise<number> {
  const opts = options();
  const machine = machineInfo(REPO);
  const started = Date.now();
  const log = (message: string) =>
    process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  const tmp = tempDir(tmpdir(), "hubfleet-bench-");
  let cli: Promise<HubfleetCli> | undefined;
  const ctx: BenchContext = {
    repo: REPO,
    sizes: opts.sizes,
    runs: opts.runs,
    quick: opts.quick,
    tmp,
    log,
    cli: () => {
      cli ??= compileCli(REPO, join(tmp, "cli"));
      return cli;
    },
    file: (name, content) => writeFile(tmp, name, content),
    shared: {},
  };
  log(
    `${opts.quick ? "QUICK mode (small sizes, noisy)" : "full sizes"}, ${opts.runs} run(s); sections ${opts.sections.map((s) => s.name).join(", ")}; temp ${tmp}`,
  );
  const figures: Figure[] = [];
  const sections: Record<string, { seconds: number; error?: string }> = {};
  try {
    for (const section of opts.sections) {
      log(`== ${section.name}: ${section.title}`);
      const t0 = Date.now();
      try {
        figures.push(...(await section.run(ctx)));
        sections[section.name] = { seconds: (Date.now() - t0) / 1000 };
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${section.name} FAILED: ${message}`);
        sections[section.name] = { seconds: (Date.now() - t0) / 1000, error: message };
      }
    }
  } finally {
    await ctx.shared.fleetCluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const results = {
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
    mode: opts.quick ? "quick" : "full",
    runs: opts.runs,
    sizes: opts.sizes,
    machine,
    durationSeconds: (Date.now() - started) / 1000,
    sections,
    figures,
    ...(ctx.shared.moonshot ? { moonshot: ctx.shared.moonshot } : {}),
  };
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  const failed = Object.entries(sections).filter(([, s]) => s.error);
  process.stdout.write(
    `\nhubfleet bench (${results.mode}, ${opts.runs} run(s), median shown) on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, commit ${machine.gitCommit.slice(0, 12)}${machine.gitDirty ? " (dirty)" : ""}\n\n${figureTable(figures)}\n\n` +
      `${(ctx.shared.tables ?? []).map((t) => `${t}\n\n`).join("")}` +
      `${failed.length > 0 ? `sections that failed: ${failed.map(([n]) => n).join(", ")}\n` : ""}` +
      `results: ${opts.out} (${results.durationSeconds.toFixed(0)} s)\n`,
  );
  const missed = figures.filter((f) => f.pass === false).length;
  return failed.length > 0 ? 2 : missed > 0 ? 1 : 0;
}

process.exitCode = await main();
