/**
 * `hubfleet status FILE`: every hub's health in one table (-o json): release, pods, how full
 * its drive is, whether JupyterHub answers, the last `hubfleet check`, and for a scheduled hub
 * its warm-up (placeholders now against the schedule's, the next warm-up in local time).
 */
import type { Command } from "commander";
import { freezeClock } from "../apply/rollout.js";
import { type FleetStatus, fleetStatus, type HubStatus, hubHealthy } from "../apply/status.js";
import { fetchHubHttp } from "../ports/hubHttp.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";
import {
  OUTPUT_OPTION,
  parseHubNames,
  parseHubUrls,
  parseOutputFormat,
  repeatable,
  writeStructured,
} from "./options.js";
import { resultCell } from "./style.js";

export function statusCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("status")
      .description("every hub's and cluster tool's health in one table")
      .argument("<file>", "fleet file (- reads it from standard input)")
      .option(...OUTPUT_OPTION)
      .option("--hub <name>", "only this hub (repeatable)", repeatable)
      .option(
        "--url <hub=url>",
        "ask this hub's API here instead of at its public URL (a port-forward); repeatable",
        repeatable,
      ),
  ).action(
    async (
      file: string,
      options: ClusterOptions & { output: string; hub?: string[]; url?: string[] },
    ) => {
      const format = parseOutputFormat(options.output);
      const fleet = await loadValidFleet(io, file);
      const names = fleet.hubs.map((h) => h.name);
      const hubs = parseHubNames(options.hub, names);
      const urls = parseHubUrls(options.url, names);
      const status = await fleetStatus({ ...connect(io, options), http: fetchHubHttp() }, fleet, {
        ...(hubs ? { hubs } : {}),
        urls,
        // Which hubs sleep: the same clock as apply's (HUBFLEET_NOW pins it).
        now: freezeClock()(),
      });
      if (format !== "text") writeStructured(io, format, status);
      else printStatus(io, status);
      const healthy =
        status.hubs.every(hubHealthy) &&
        status.tools.every((t) => t.release === "deployed" && t.podsReady === t.pods) &&
        (status.backups ?? []).every((b) => b.ok);
      if (!healthy) io.setExitCode(1);
    },
  );
}

function table(rows: string[][], colour = false): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r, row) =>
      r
        .map((c, i) => (row === 0 ? c.padEnd(widths[i] ?? 0) : resultCell(colour, c, widths[i])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const mark = (ok: boolean) => (ok ? "ready" : "NOT READY");

function printStatus(io: Io, status: FleetStatus): void {
  const c = io.colour.out;
  const tools =
    status.tools.length === 0
      ? ""
      : `${table(
          [
            ["TOOL", "NAMESPACE", "RELEASE", "CHART", "PODS READY"],
            ...status.tools.map((t) => [
              t.tool,
              t.namespace,
              t.release,
              t.chart,
              `${t.podsReady}/${t.pods}`,
            ]),
          ],
          c,
        )}\n\n`;
  io.out(
    `${tools}${table(
      [
        [
          "HUB",
          "RELEASE",
          "CHART",
          "HUB",
          "PROXY",
          "DRIVE",
          "DRIVE USED",
          "USERS",
          "PLACEHOLDERS",
          "API",
          "LAST CHECK",
          "URL",
        ],
        ...status.hubs.map((h) => [
          h.hub,
          h.release,
          h.chart,
          ...(h.asleep
            ? ["-", "-", "-"]
            : [mark(h.hubReady), mark(h.proxyReady), mark(h.driveReady)]),
          driveCell(h),
          String(h.userServers),
          `${h.placeholders.running}/${h.placeholders.total}`,
          apiCell(h),
          lastCheckCell(h),
          h.url,
        ]),
      ],
      c,
    )}\n${warmUpLines(status, c)}\n${table([
      ["NODE GROUP", "NODES", "READY"],
      ...status.nodeGroups.map((g) => [g.group, String(g.nodes), String(g.ready)]),
    ])}\n${backupLines(status, c)}`,
  );
}

const GIB = 1024 ** 3;

/** "12.3 of 50.0 GiB (25%)": used and size of the drive's volume; "-" when not read. */
export function driveCell(h: HubStatus): string {
  const d = h.drive;
  if (!d) return "-";
  if ("problem" in d) return `UNKNOWN: ${d.problem}`;
  const { usedBytes, sizeBytes, usedRatio } = d.usage;
  return `${(usedBytes / GIB).toFixed(1)} of ${(sizeBytes / GIB).toFixed(1)} GiB (${Math.round(usedRatio * 100)}%)`;
}

/** "answering", or "NOT ANSWERING: why". */
export function apiCell(h: HubStatus): string {
  if (h.asleep) return h.asleep;
  if (!h.api) return "-";
  return h.api.answering ? "answering" : `NOT ANSWERING: ${h.api.problem ?? "no answer"}`;
}

/** "2026-12-05 06:30Z ok", "… FAILED: message", or "never". */
export function lastCheckCell(h: HubStatus): string {
  const c = h.lastCheck;
  if (!c) return "never";
  const when = c.time.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, "Z");
  return c.ok ? `${when} ok` : `${when} FAILED${c.message ? `: ${c.message}` : ""}`;
}

/**
 * Warm-up: per warming hub, placeholders running against what the schedule wants now, the
 * window it is in, and the next warm-up in the hub's local time.
 */
function warmUpLines(status: FleetStatus, colour: boolean): string {
  const rows = status.hubs.flatMap((h) => {
    const w = h.warmUp;
    if (!w) return [];
    const now = `${w.running}/${w.wanted}${w.running < w.wanted ? " WARMING" : ""}`;
    const next = w.next ? `${w.next.local} (${w.next.placeholders})` : "-";
    return [[h.hub, now, w.current ?? "-", next]];
  });
  if (rows.length === 0) return "";
  return `\n${table([["HUB", "PLACEHOLDERS NOW", "IN WINDOW", "NEXT WARM-UP (PLACEHOLDERS)"], ...rows], colour)}\n`;
}

/** Backups: the last real copy of each hub's drive and database, and what is wrong. */
function backupLines(status: FleetStatus, colour: boolean): string {
  if (!status.backups) return "";
  const rows = status.backups.flatMap((hub) =>
    hub.volumes.map((v) => [
      hub.hub,
      v.what,
      v.lastCompleted ?? "-",
      v.problem ? `PROBLEM: ${v.problem}` : "ok",
    ]),
  );
  return `\n${table([["HUB", "VOLUME", "LAST BACKUP", "CHECK"], ...rows], colour)}\n`;
}
