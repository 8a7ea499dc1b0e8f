/** `hubfleet apply FILE`: make the cluster match the fleet file, hub by hub, safely re-runnable. */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { applyFleet } from "../apply/engine.js";
import { freezeClock } from "../apply/rollout.js";
import { checkFleetFits } from "../capacity/fit.js";
import { renderFleetWithWarmUp } from "../capacity/warmup.js";
import { checkFleet } from "../check/fleetCheck.js";
import { UsageError } from "../errors.js";
import { rolloutSettings } from "../plan/rollout.js";
import { fetchHubHttp } from "../ports/hubHttp.js";
import {
  addClusterOptions,
  type ClusterOptions,
  chartOverrides,
  connect,
  loadValidFleet,
} from "./cluster.js";
import type { Io } from "./io.js";
import { parseHubNames, parseHubUrls, parseTimeout } from "./options.js";
import { progressPrinter } from "./progress.js";

const repeatable = (value: string, previous: string[] = []) => [...previous, value];

export function applyCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("apply")
      .description(
        "make the cluster match the fleet file (ordered, concurrent, locked, skips unchanged hubs)",
      )
      .argument("<file>", "fleet file (- reads it from standard input)")
      .option("--hub <name>", "only this hub (repeatable)", repeatable)
      .option("--concurrency <n>", "hubs applied at once", "4")
      .option("--force", "apply every hub even if unchanged")
      .option(
        "--prune-hub <name>",
        "allow removing this hub, gone from the fleet file (repeatable; its data is kept)",
        repeatable,
      )
      .option(
        "--prune-tool <name>",
        "allow uninstalling this cluster tool's release, gone from the fleet file (repeatable)",
        repeatable,
      )
      .option(
        "--timeout <duration>",
        "how long each hub (and tool) may take to be ready after its release, e.g. 90s, 10m",
        "10m",
      )
      .option("--no-wait", "call a hub applied once its release is installed, without waiting")
      .option(
        "--confirm",
        "allow a prune the guard stops (whole hubs or tools, or more than 10 % of the objects)",
      )
      .option(
        "--canary <hubs>",
        "apply these hubs first (comma-separated), check them, then the others in the rollout's waves",
      )
      .option(
        "--rollback-on-failure",
        "when a wave fails its check: roll its failed hubs back to their previous revision, check again",
      )
      .option(
        "--during-class",
        "change hubs even during a class, its warm-up or a fleet freeze (a warning each)",
      )
      .option(
        "--url <hub=url>",
        "reach a hub at this URL for the rollout's check instead of its public one (repeatable)",
        repeatable,
      )
      .option("--check-timeout <duration>", "how long the check lets a server take to start", "5m"),
  ).action(
    async (
      file: string,
      options: ClusterOptions & {
        hub?: string[];
        concurrency: string;
        force?: boolean;
        pruneHub?: string[];
        pruneTool?: string[];
        confirm?: boolean;
        timeout: string;
        wait: boolean;
        canary?: string;
        rollbackOnFailure?: boolean;
        duringClass?: boolean;
        url?: string[];
        checkTimeout: string;
      },
    ) => {
      // A fleet that cannot run on its node groups is refused, as validate refuses it.
      const fleet = await loadValidFleet(io, file, { extraChecks: checkFleetFits });
      const onlyHubs = parseHubNames(
        options.hub,
        fleet.hubs.map((h) => h.name),
      );
      const timeoutMs = parseTimeout(options.timeout);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new UsageError(`--concurrency ${options.concurrency} is not a positive whole number`);
      }
      const names = fleet.hubs.map((h) => h.name);
      const rollout = rolloutSettings(
        fleet,
        options.canary === undefined
          ? undefined
          : options.canary
              .split(",")
              .map((h) => h.trim())
              .filter(Boolean),
      );
      if (rollout && !options.wait) {
        throw new UsageError(
          "--no-wait cannot go with a rollout: each wave must be ready before its check",
          "drop --no-wait (the rollout's waves wait, then check), or apply without rollout settings",
        );
      }
      const urls = parseHubUrls(options.url, names);
      const readyTimeoutMs = parseTimeout(options.checkTimeout);
      const charts = chartOverrides(io, options.chartDir);
      // One instant for the render (which hubs sleep) and the engine (the change freeze).
      const now = freezeClock()();
      const bundle = renderFleetWithWarmUp(fleet, { now });
      const ports = connect(io, options);
      const progress = progressPrinter(io);
      io.out(`applying fleet ${fleet.name} to ${ports.kube.server}\n`);
      const report = await applyFleet(ports, fleet, bundle, {
        ...(onlyHubs ? { onlyHubs } : {}),
        wait: options.wait ? { timeoutMs } : false,
        concurrency,
        fleetDir: dirname(resolve(io.cwd, file)),
        charts,
        force: options.force ?? false,
        prune: {
          confirm: options.confirm ?? false,
          pruneHubs: new Set(options.pruneHub ?? []),
          pruneTools: new Set(options.pruneTool ?? []),
        },
        onEvent: progress.onEvent,
        now: () => now,
        ...(rollout
          ? {
              rollout,
              // Each wave's gate is hubfleet check itself, its records kept for status.
              check: async (hubs: readonly string[]) =>
                (
                  await checkFleet({ kube: ports.kube, http: fetchHubHttp() }, fleet, {
                    hubs,
                    urls,
                    readyTimeoutMs,
                    // A hub this apply put to sleep passes its wave's check as asleep.
                    at: now,
                  })
                ).records,
            }
          : {}),
        rollbackOnFailure: options.rollbackOnFailure ?? false,
        duringClass: options.duringClass ?? false,
        ...(process.env.HUBFLEET_LOCK_SECONDS
          ? { lock: { durationSeconds: Number(process.env.HUBFLEET_LOCK_SECONDS) } }
          : {}),
      });
      progress.summary(report);
      if (report.failed > 0) io.setExitCode(1);
    },
  );
}
