/** `hubfleet status FILE`: every hub's health in one table (-o json). */
import type { Command } from "commander";
import { type FleetStatus, fleetStatus } from "../apply/status.js";
import { addClusterOptions, type ClusterOptions, connect, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";
import { parseOutputFormat } from "./options.js";

export function statusCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("status")
      .description("every hub's and cluster tool's health in one table")
      .argument("<file>", "fleet file")
      .option("-o, --output <format>", "text or json", "text"),
  ).action(async (file: string, options: ClusterOptions & { output: string }) => {
    const format = parseOutputFormat(options.output);
    const fleet = await loadValidFleet(io, file);
    const status = await fleetStatus(connect(io, options), fleet);
    if (format === "json") io.out(`${JSON.stringify(status, null, 2)}\n`);
    else printStatus(io, status);
    const healthy =
      status.hubs.every(
        (h) => h.release === "deployed" && h.hubReady && h.proxyReady && h.driveReady,
      ) &&
      status.tools.every((t) => t.release === "deployed" && t.podsReady === t.pods) &&
      (status.backups ?? []).every((b) => b.ok);
    if (!healthy) io.setExitCode(1);
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const mark = (ok: boolean) => (ok ? "ready" : "NOT READY");

function printStatus(io: Io, status: FleetStatus): void {
  const tools =
    status.tools.length === 0
      ? ""
      : `${table([
          ["TOOL", "NAMESPACE", "RELEASE", "CHART", "PODS READY"],
          ...status.tools.map((t) => [
            t.tool,
            t.namespace,
            t.release,
            t.chart,
            `${t.podsReady}/${t.pods}`,
          ]),
        ])}\n\n`;
  io.out(
    `${tools}${table([
      ["HUB", "RELEASE", "CHART", "HUB", "PROXY", "DRIVE", "USERS", "PLACEHOLDERS", "URL"],
      ...status.hubs.map((h) => [
        h.hub,
        h.release,
        h.chart,
        mark(h.hubReady),
        mark(h.proxyReady),
        mark(h.driveReady),
        String(h.userServers),
        `${h.placeholders.running}/${h.placeholders.total}`,
        h.url,
      ]),
    ])}\n\n${table([
      ["NODE GROUP", "NODES", "READY"],
      ...status.nodeGroups.map((g) => [g.group, String(g.nodes), String(g.ready)]),
    ])}\n${backupLines(status)}`,
  );
}

/** Backups: the last real copy of each hub's drive and database, and what is wrong. */
function backupLines(status: FleetStatus): string {
  if (!status.backups) return "";
  const rows = status.backups.flatMap((hub) =>
    hub.volumes.map((v) => [
      hub.hub,
      v.what,
      v.lastCompleted ?? "-",
      v.problem ? `PROBLEM: ${v.problem}` : "ok",
    ]),
  );
  return `\n${table([["HUB", "VOLUME", "LAST BACKUP", "CHECK"], ...rows])}\n`;
}
