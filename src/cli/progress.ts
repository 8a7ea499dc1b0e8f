/**
 * Progress of apply (one line per event, plain for logs and CI, and a summary table) and of
 * archive's uploads (on stderr: a line rewritten in place on a terminal, one line per object
 * otherwise).
 */
import type { ApplyReport, PruneEvent, RolloutEvent } from "../apply/engine.js";
import type { ApplyEvent, HubOutcome } from "../apply/hubApply.js";
import { formatDuration } from "../apply/wait.js";
import type { ArchiveEvent } from "../archive/archive.js";
import { describePart } from "../archive/manifest.js";
import type { Io } from "./io.js";
import { resultCell } from "./style.js";

/** On a terminal: one line per hub, rewritten in place as it moves through its phases. */
function liveBoard(io: Io) {
  const order: string[] = [];
  const state = new Map<string, string>();
  let drawn = 0;
  const draw = () => {
    if (drawn > 0) io.out(`\x1b[${drawn}A`);
    for (const hub of order) io.out(`\x1b[2K${hub.padEnd(24)} ${state.get(hub) ?? ""}\n`);
    drawn = order.length;
  };
  return (hub: string, text: string) => {
    if (!state.has(hub)) order.push(hub);
    state.set(hub, text);
    draw();
  };
}

export function progressPrinter(io: Io) {
  const c = io.colour.out;
  const board = io.isTTY ? liveBoard(io) : undefined;
  return {
    onEvent(event: ApplyEvent | PruneEvent | RolloutEvent): void {
      if (
        board &&
        (event.type === "hub-start" ||
          event.type === "phase" ||
          event.type === "waiting" ||
          event.type === "hub-done")
      ) {
        if (event.type === "hub-done") {
          const o = event.outcome;
          board(
            o.hub,
            `${o.result}${o.error ? `: ${o.error}` : ""} (${(o.durationMs / 1000).toFixed(1)}s)${o.asleep ? `, ${o.asleep}` : ""}`,
          );
        } else if (event.type === "waiting") {
          board(event.hub, `waiting to be ready: ${event.what}`);
        } else board(event.hub, event.type === "phase" ? `${event.phase}...` : "checking...");
        return;
      }
      switch (event.type) {
        case "hub-start":
          io.out(`[${event.hub}] checking\n`);
          break;
        case "phase":
          io.out(`[${event.hub}] ${event.phase}\n`);
          break;
        case "waiting":
          io.out(
            `[${event.hub}] waiting to be ready (at most ${formatDuration(event.timeoutMs)}): ${event.what}\n`,
          );
          break;
        case "hub-done": {
          const o = event.outcome;
          const secs = (o.durationMs / 1000).toFixed(1);
          io.out(
            `[${o.hub}] ${resultCell(c, `${o.result}${o.error ? `: ${o.error}` : ""}`)} (${secs}s)${o.asleep ? `, ${o.asleep}` : ""}\n`,
          );
          break;
        }
        case "recovered":
          io.out(`[${event.hub}] recovered: ${event.message}\n`);
          break;
        case "prune-uninstall":
          io.out(`[prune] uninstall release ${event.release}\n`);
          break;
        case "prune-delete":
          io.out(`[prune] delete ${event.object} (${event.reason})\n`);
          break;
        case "prune-retain":
          io.out(`[prune] ${resultCell(c, "RETAINED")} ${event.object} (${event.reason})\n`);
          break;
        case "prune-leave":
          io.out(`[prune] left alone ${event.object} (${event.reason})\n`);
          break;
        case "prune-failed":
          io.out(`[prune] ${resultCell(c, "FAILED")} to delete ${event.object}: ${event.error}\n`);
          break;
        case "prune-note":
          io.out(`[prune] ${event.message}\n`);
          break;
        case "addresses-reserved":
          io.out(
            `[fleet] ${event.services.length} drive address(es) taken before any release, so that no other Service can take them\n`,
          );
          break;
        case "wave-start":
          io.out(
            `[rollout] ${event.wave.canary ? "canary" : `wave ${event.wave.number}`}: ${event.wave.hubs.join(", ")}\n`,
          );
          break;
        case "wave-checked":
          io.out(
            `[rollout] ${event.wave.canary ? "canary" : `wave ${event.wave.number}`} check: ${resultCell(c, event.ok ? "ok" : "FAILED")}\n`,
          );
          break;
        case "wave-pause":
          io.out(`[rollout] pausing ${formatDuration(event.ms)} before the next wave\n`);
          break;
        case "rollout-halted":
          io.out(
            `[rollout] ${resultCell(c, "HALTED")} at wave ${event.wave.number}: ${event.message}\n`,
          );
          break;
        case "rollback":
          io.out(`[${event.hub}] rolling back to revision ${event.revision}\n`);
          break;
        case "adopted":
          io.out(
            `[${event.hub}] adopted ${event.object}: fields kubectl apply (client-side) set now belong to hubfleet\n`,
          );
          break;
      }
    },
    summary(report: ApplyReport): void {
      const units = [...report.tools, ...report.hubs];
      const width = Math.max(4, ...units.map((h) => h.hub.length));
      io.out(`\n${"UNIT".padEnd(width)}  RESULT     TIME\n`);
      for (const h of units) {
        io.out(
          `${h.hub.padEnd(width)}  ${resultCell(c, h.result, 9)}  ${(h.durationMs / 1000).toFixed(1)}s${h.error ? `  ${h.error}` : ""}${h.asleep ? `  ${h.asleep}` : ""}\n`,
        );
      }
      const counts = (list: readonly HubOutcome[]) => {
        const n = (r: string) => list.filter((h) => h.result === r).length;
        return `${n("applied")} applied, ${n("unchanged")} unchanged, ${n("failed")} failed`;
      };
      const tools = report.tools.length > 0 ? `tools: ${counts(report.tools)}; ` : "";
      const { pruned } = report;
      const uninstalled =
        pruned.uninstalled.length > 0 ? `, uninstalled ${pruned.uninstalled.length}` : "";
      const failed =
        pruned.failed.length > 0 ? `, ${pruned.failed.length} prune step(s) FAILED` : "";
      io.out(
        `\n${tools}hubs: ${counts(report.hubs)}; pruned ${pruned.deleted.length}${uninstalled}, retained ${report.prune.retain.length}${failed}\n`,
      );
      if (pruned.failed.length > 0) {
        io.out("run apply again to retry what is left: it is still in hubfleet's inventory\n");
      }
      rolloutSummary(io, report);
    },
  };
}

/** Skipped hubs, warnings, and for a rollout: its waves, where it halted, rollbacks, versions. */
function rolloutSummary(io: Io, report: ApplyReport): void {
  const c = io.colour.out;
  for (const s of report.skipped) {
    io.out(
      `${s.hub}: ${resultCell(c, "skipped")} (${s.reason}); apply --during-class to change it anyway\n`,
    );
  }
  for (const w of report.warnings) io.out(`${resultCell(c, "WARNING")}: ${w}\n`);
  const rollout = report.rollout;
  if (!rollout) return;
  if (rollout.halted) {
    io.out(
      `rollout ${resultCell(c, "HALTED")} at wave ${rollout.halted.wave} (${rollout.halted.hubs.join(", ")}): ${rollout.halted.message}\n`,
    );
  }
  if (rollout.notReached.length > 0) {
    io.out(`not reached (left as they were): ${rollout.notReached.join(", ")}\n`);
  }
  for (const r of rollout.rolledBack) {
    io.out(
      `${r.hub}: ${r.revision !== undefined ? `rolled back to revision ${r.revision}` : "not rolled back"}, ${r.ok ? "check ok" : resultCell(c, `FAILED: ${r.message ?? ""}`)}\n`,
    );
  }
  io.out("chart versions:\n");
  for (const v of report.versions) io.out(`  ${v.hub}: ${v.chart ?? "(no release)"}\n`);
}

/** Bytes for people: 1.5 MiB, 20 KiB, 700 B. */
export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `[██████░░░░░░] 50%`: a bar of `width` cells (capped at 100 %: files may grow while read). */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.floor(share * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/**
 * Archive progress on stderr, so stdout stays the result. On a terminal one line redrawn: a bar
 * over the whole archive's file bytes, the bytes read, and the part being uploaded (k of n);
 * elsewhere (logs, CI) a line per part and one per tenth of the total.
 */
export function transferProgress(io: Io): (event: ArchiveEvent) => void {
  let live = false;
  let parts = 0;
  let current = "";
  let shown = -1;
  return (event) => {
    switch (event.type) {
      case "planned":
        parts = event.parts;
        io.err(`  ${event.parts} parts, ${bytes(event.totalBytes)} of files to read\n`);
        break;
      case "part-start":
        current = `${event.key} (${event.index}/${parts})`;
        if (!io.isTTY)
          io.err(
            `  [${event.index}/${parts}] uploading ${event.key} (${describePart(event.part)})\n`,
          );
        break;
      case "read": {
        const tenth =
          event.totalBytes > 0 ? Math.floor((10 * event.doneBytes) / event.totalBytes) : 10;
        if (io.isTTY) {
          const percent =
            event.totalBytes > 0 ? Math.floor((1000 * event.doneBytes) / event.totalBytes) : 1000;
          if (percent === shown) break;
          shown = percent;
          io.err(
            `\r\x1b[2K  ${progressBar(event.doneBytes, event.totalBytes)} ${bytes(event.doneBytes)} of ${bytes(event.totalBytes)}  ${current}`,
          );
          live = true;
        } else if (tenth > shown && tenth < 10) {
          shown = tenth;
          io.err(
            `  ${progressBar(event.doneBytes, event.totalBytes)} ${bytes(event.doneBytes)} of ${bytes(event.totalBytes)} read\n`,
          );
        }
        break;
      }
      case "part-done":
      case "part-skipped": {
        const o = event.object;
        if (live) io.err("\r\x1b[2K");
        live = false;
        if (io.isTTY) shown = -1; // the bar is drawn again under this line
        io.err(
          `  ${event.type === "part-done" ? "archived" : "kept    "} ${o.key}: ${o.fileCount} files, ${bytes(o.uncompressedBytes)} → ${bytes(o.objectBytes)}${event.type === "part-skipped" ? " (already in S3 with its checksum)" : ""}\n`,
        );
        break;
      }
      case "verified":
        io.err(
          event.verification.ok
            ? `  verified: manifest read back, ${event.verification.objects} objects with their sizes and checksums\n`
            : `  NOT verified:\n    ${event.verification.problems.join("\n    ")}\n`,
        );
        break;
    }
  };
}
