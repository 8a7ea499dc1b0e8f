/**
 * status of many hubs on the real control plane: in-process (fleetStatus) and as a CLI call
 * (`hubfleet status -o json`), on the apply section's cluster grown to the status fleet.
 */
import { applyFleet } from "../../src/apply/engine.js";
import { fleetStatus } from "../../src/apply/status.js";
import { parseFleet } from "../../src/fleet/load.js";
import { renderFleet } from "../../src/render/index.js";
import { STANDIN_CHART } from "../lib/cluster.js";
import type { BenchContext, Section } from "../lib/context.js";
import { figure, timed } from "../lib/figures.js";
import { benchFleets, startClusterFor } from "./apply.js";

export const statusSection: Section = {
  name: "status",
  title: "status of many hubs",
  async run(ctx: BenchContext) {
    const n = ctx.sizes.statusHubs;
    const { statusText } = benchFleets(ctx);
    const file = ctx.file("status-fleet.yaml", statusText);
    const fleet = parseFleet(statusText, file).fleet;
    if (!fleet) throw new Error("the status fleet does not validate");
    ctx.shared.fleetCluster ??= await startClusterFor(ctx);
    const cluster = ctx.shared.fleetCluster;
    ctx.log(`applying the ${n}-hub status fleet (not timed)`);
    const report = await applyFleet(cluster, fleet, renderFleet(fleet), {
      fleetDir: ctx.tmp,
      charts: new Map([["jupyterhub", STANDIN_CHART]]),
    });
    if (report.failed > 0) throw new Error(`${report.failed} hub(s) failed to apply`);
    const cli = await ctx.cli();
    const inProcess: number[] = [];
    const viaCli: number[] = [];
    const startup: number[] = [];
    let healthy = 0;
    for (let run = 0; run < ctx.runs; run += 1) {
      const a = await timed(() => fleetStatus(cluster, fleet));
      inProcess.push(a.ms);
      healthy = a.result.hubs.filter((h) => h.release === "deployed").length;
      // Each hub's API at a closed local port: no hub process runs here, and the sandbox cannot
      // resolve the hubs' public names (DNS timeouts would be measured instead of hubfleet).
      const closed = fleet.hubs.flatMap((h) => ["--url", `${h.name}=http://127.0.0.1:1/`]);
      const b = await cli.run(["status", file, "-o", "json", ...closed], { env: cluster.env });
      if (b.code !== 0 && b.code !== 1) throw new Error(`hubfleet status failed:\n${b.stderr}`);
      viaCli.push(b.ms);
      // What a CLI call costs before it does anything: node, the compiled CLI and its imports.
      startup.push((await cli.run(["--version"])).ms);
      ctx.log(`status ${n} hubs: in-process ${a.ms.toFixed(0)} ms, CLI ${b.ms.toFixed(0)} ms`);
    }
    const section = "status";
    const note = `${healthy} of ${n} releases deployed; pods of every hub listed in one call`;
    return [
      figure({
        section,
        name: `status of ${n} hubs, in-process`,
        unit: "ms",
        samples: inProcess,
        target: { on: "value", op: "<", value: 1000 },
        note,
      }),
      figure({
        section,
        name: `status of ${n} hubs, CLI (-o json)`,
        unit: "ms",
        samples: viaCli,
        target: { on: "value", op: "<", value: 1000 },
        note: "compiled CLI, a new node process per call",
      }),
      figure({
        section,
        name: "CLI start-up alone (hubfleet --version)",
        unit: "ms",
        samples: startup,
        note: "part of every CLI figure (render, apply, status)",
      }),
    ];
  },
};
