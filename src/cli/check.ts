/**
 * `hubfleet check FILE`: per hub, start and remove a test user's server through the hub's own
 * REST API (hubfleet's service token, never a user's password); a table or JSON; exit 1 when
 * any hub fails.
 */
import type { Command } from "commander";
import type { CheckRecord } from "../apply/checkRecord.js";
import { freezeClock } from "../apply/rollout.js";
import { checkFleet, checkUrl, type FleetCheckResult } from "../check/fleetCheck.js";
import { CHECK_STEPS } from "../check/hubCheck.js";
import { UsageError } from "../errors.js";
import { fetchHubHttp } from "../ports/hubHttp.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";
import {
  OUTPUT_OPTION,
  parseHubNames,
  parseHubUrls,
  parseOutputFormat,
  parseTimeout,
  repeatable,
  writeStructured,
} from "./options.js";
import { resultCell } from "./style.js";

export function checkCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("check")
      .description(
        "start and remove a test user's server on each hub through its REST API (exit 1 if any hub fails)",
      )
      .argument("<file>", "fleet file (- reads it from standard input)")
      .option("--hub <name>", "only this hub (repeatable)", repeatable)
      .option(
        "--url <hub=url>",
        "reach a hub at this URL instead of its public one, e.g. a port-forward (repeatable)",
        repeatable,
      )
      .option("--timeout <duration>", "how long a server may take to become ready", "5m")
      .option("--concurrency <n>", "hubs checked at once", "4")
      .option(...OUTPUT_OPTION),
  ).action(
    async (
      file: string,
      options: ClusterOptions & {
        hub?: string[];
        url?: string[];
        timeout: string;
        concurrency: string;
        output: string;
      },
    ) => {
      const format = parseOutputFormat(options.output);
      const readyTimeoutMs = parseTimeout(options.timeout);
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new UsageError(`--concurrency ${options.concurrency} is not a positive whole number`);
      }
      const fleet = await loadValidFleet(io, file);
      const names = fleet.hubs.map((h) => h.name);
      const only = parseHubNames(options.hub, names);
      const urls = parseHubUrls(options.url, names);
      const { kube } = connect(io, options);
      if (format === "text") {
        for (const hub of fleet.hubs.filter((h) => !only || only.includes(h.name))) {
          io.err(`[${hub.name}] checking ${checkUrl(fleet, hub, urls)}\n`);
        }
      }
      const result = await checkFleet({ kube, http: fetchHubHttp() }, fleet, {
        ...(only ? { hubs: only } : {}),
        urls,
        readyTimeoutMs,
        concurrency,
        at: freezeClock()(),
        ...(format === "text"
          ? {
              onResult: (r: CheckRecord) =>
                io.err(
                  `[${r.hub}] ${r.asleep ?? resultCell(io.colour.err, r.ok ? "ok" : `FAILED: ${r.message ?? "see below"}`)}\n`,
                ),
            }
          : {}),
      });
      if (format !== "text") writeStructured(io, format, checkJson(result));
      else io.out(checkTable(result, io.colour.out));
      for (const e of result.recordErrors) {
        io.err(`warning: ${e.hub}: the check's record was not written: ${e.message}\n`);
      }
      if (!result.records.every((r) => r.ok)) io.setExitCode(1);
    },
  );
}

/** `-o json`: every hub's record (as status shows it later), and whether all passed. */
export function checkJson(result: FleetCheckResult) {
  return {
    ok: result.records.every((r) => r.ok),
    hubs: result.records,
    ...(result.recordErrors.length > 0 ? { recordErrors: result.recordErrors } : {}),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One row per hub and step, failures with JupyterHub's message. */
export function checkTable(result: FleetCheckResult, colour = false): string {
  const rows: string[][] = [["HUB", "STEP", "RESULT", "TIME"]];
  for (const record of result.records) {
    if (record.asleep) {
      rows.push([record.hub, "(check)", record.asleep, ""]);
      continue;
    }
    for (const name of CHECK_STEPS) {
      const step = record.steps.find((s) => s.name === name);
      rows.push([
        record.hub,
        name,
        step ? (step.ok ? "ok" : `FAILED: ${step.message ?? ""}`) : "-",
        step ? seconds(step.durationMs) : "",
      ]);
    }
    rows.push([
      record.hub,
      "(check)",
      record.ok ? "ok" : `FAILED${record.steps.length === 0 ? `: ${record.message ?? ""}` : ""}`,
      seconds(record.durationMs),
    ]);
  }
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const lines = rows.map((r, i) =>
    [
      (r[0] ?? "").padEnd(widths[0] ?? 0),
      (r[1] ?? "").padEnd(widths[1] ?? 0),
      (r[3] ?? "").padStart(8),
      i === 0 ? (r[2] ?? "") : resultCell(colour, r[2] ?? ""),
    ].join("  "),
  );
  const passed = result.records.filter((r) => r.ok && !r.asleep).length;
  const asleep = result.records.filter((r) => r.asleep).length;
  const checked = result.records.length - asleep;
  return `${lines.join("\n")}\n\n${passed} of ${checked} hub(s) passed${asleep > 0 ? `; ${asleep} asleep (not checked)` : ""}\n`;
}
