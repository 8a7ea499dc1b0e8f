/**
 * render: a generated fleet of many hubs, in-process (parse + validate + render, and render
 * alone) and as a CLI call (`hubfleet render --out-dir DIR`), and that two renders are byte-identical.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseFleet } from "../../src/fleet/load.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import type { BundleFile } from "../../src/vocabulary/objects.js";
import type { BenchContext, Section } from "../lib/context.js";
import { figure, timed } from "../lib/figures.js";
import { validGeneratedFleet } from "../lib/fleetGen.js";

export function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return out;
}

/** Paths that differ between two sets of files (missing on one side, or other bytes). */
export function differingFiles(a: Map<string, string>, b: Map<string, string>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => a.get(p) !== b.get(p)).sort();
}

const fileMap = (files: readonly BundleFile[]) => new Map(files.map((f) => [f.path, f.content]));

export const renderSection: Section = {
  name: "render",
  title: "render a generated fleet",
  async run(ctx: BenchContext) {
    const hubs = ctx.sizes.renderHubs;
    const { text } = validGeneratedFleet({ name: "render", hubs });
    const file = ctx.file("render-fleet.yaml", text);
    const inProcess = () => {
      const result = parseFleet(text, file);
      if (!result.fleet) throw new Error("the generated fleet stopped validating");
      // The files too, as `hubfleet render` makes them (renderFleet alone returns data).
      return bundleFiles(renderFleet(result.fleet));
    };
    // One untimed warm-up: the figures are for a warm process (the CLI figure is the cold one).
    const reference = inProcess();
    const fleet = parseFleet(text, file).fleet;
    if (!fleet) throw new Error("the generated fleet stopped validating");
    const whole: number[] = [];
    const renderOnly: number[] = [];
    const cli: number[] = [];
    const inProcessDiffs: string[] = [];
    const outputs: Map<string, string>[] = [];
    const cliRunner = await ctx.cli();
    for (let run = 0; run < Math.max(2, ctx.runs); run += 1) {
      const a = await timed(inProcess);
      const b = await timed(() => bundleFiles(renderFleet(fleet)));
      inProcessDiffs.push(...differingFiles(fileMap(reference), fileMap(a.result)));
      inProcessDiffs.push(...differingFiles(fileMap(reference), fileMap(b.result)));
      const out = join(ctx.tmp, `render-out-${run}`);
      const c = await cliRunner.run(["render", file, "--out-dir", out]);
      if (c.code !== 0) throw new Error(`hubfleet render failed:\n${c.stderr}`);
      outputs.push(filesUnder(out));
      if (run < ctx.runs) {
        whole.push(a.ms);
        renderOnly.push(b.ms);
        cli.push(c.ms);
      }
      ctx.log(`render ${hubs} hubs: in-process ${a.ms.toFixed(0)} ms, CLI ${c.ms.toFixed(0)} ms`);
    }
    const [first, second] = outputs as [Map<string, string>, Map<string, string>];
    const cliDiffs = differingFiles(first, second);
    const section = "render";
    return [
      figure({
        section,
        name: `in-process, ${hubs} hubs (parse + validate + render)`,
        unit: "ms",
        samples: whole,
        target: { on: "value", op: "<", value: 1000 },
        note: `${reference.length} files; warm process (one untimed warm-up run)`,
      }),
      figure({
        section,
        name: `in-process, ${hubs} hubs (renderFleet only)`,
        unit: "ms",
        samples: renderOnly,
      }),
      figure({
        section,
        name: `CLI call, ${hubs} hubs (hubfleet render --out-dir DIR)`,
        unit: "ms",
        samples: cli,
        note: "compiled CLI (tsconfig.build.json), a new node process per call, files written",
      }),
      figure({
        section,
        name: "files differing between two renders",
        unit: "files",
        samples: [inProcessDiffs.length + cliDiffs.length],
        target: { on: "value", op: "==", value: 0 },
        note:
          inProcessDiffs.length + cliDiffs.length === 0
            ? `byte-identical: ${first.size} files from two CLI calls, ${reference.length} from every in-process render`
            : `differ: ${[...new Set([...inProcessDiffs, ...cliDiffs])].slice(0, 5).join(", ")}`,
      }),
    ];
  },
};
