/**
 * How full each hub's drive is, and how much each home takes: read from the drive's metrics
 * sidecar (node-exporter: the data volume's filesystem, and the home-usage sidecar's figures
 * through its textfile collector) through the API server's Service proxy, then parsed (pure).
 */

import type { KubePort } from "../ports/kube.js";
import { HOME_USED_METRIC } from "../render/homeUsage.js";
import { DRIVE } from "../render/hub/drive.js";
import { METRICS_DATA_MOUNT } from "../render/nfs.js";

export interface HomeUsage {
  readonly user: string;
  readonly usedBytes: number;
}

export interface DriveUsage {
  readonly sizeBytes: number;
  /** As df counts it: size minus free blocks (free includes the blocks reserved for root). */
  readonly usedBytes: number;
  /** Free to the users (node-exporter's avail). */
  readonly availBytes: number;
  /** Used share as df shows it: used / (used + avail). */
  readonly usedRatio: number;
  /** Each home, largest first; empty when the sidecar has not measured yet. */
  readonly homes: readonly HomeUsage[];
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus' text format, the samples only (comments and blank lines skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line.trim());
    if (!m?.[1] || !m[4]) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (l[1])
        labels[l[1]] = (l[2] ?? "").replace(/\\(.)/g, (_a, c: string) => (c === "n" ? "\n" : c));
    }
    const value = Number(m[4]);
    if (!Number.isNaN(value)) samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** The drive's usage from one scrape of its metrics sidecar; undefined when the volume is missing. */
export function driveUsageFromMetrics(text: string): DriveUsage | undefined {
  const samples = parseExposition(text);
  const volume = (name: string) =>
    samples.find((s) => s.name === name && s.labels.mountpoint === METRICS_DATA_MOUNT)?.value;
  const size = volume("node_filesystem_size_bytes");
  const free = volume("node_filesystem_free_bytes");
  const avail = volume("node_filesystem_avail_bytes");
  if (size === undefined || free === undefined || avail === undefined) return undefined;
  const used = size - free;
  const homes = samples
    .filter((s) => s.name === HOME_USED_METRIC && s.labels.user !== undefined)
    .map((s) => ({ user: s.labels.user ?? "", usedBytes: s.value }))
    .sort((a, b) => b.usedBytes - a.usedBytes || a.user.localeCompare(b.user));
  return {
    sizeBytes: size,
    usedBytes: used,
    availBytes: avail,
    usedRatio: used + avail > 0 ? used / (used + avail) : 0,
    homes,
  };
}

/** A drive's usage, or why it could not be read. */
export type DriveReading = { readonly usage: DriveUsage } | { readonly problem: string };

/** Asks each hub's drive (its `metrics` port, through the API server), all at once. */
export async function readDriveUsage(
  kube: KubePort,
  hubs: readonly string[],
  timeoutMs = 5000,
): Promise<Map<string, DriveReading>> {
  const readings = await Promise.all(
    hubs.map(async (hub): Promise<[string, DriveReading]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const text = await Promise.race([
          kube.proxyGet({ namespace: hub, service: DRIVE, port: "metrics", path: "/metrics" }),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
              timeoutMs,
            );
          }),
        ]);
        const usage = driveUsageFromMetrics(text);
        return [
          hub,
          usage ? { usage } : { problem: `no filesystem figures for ${METRICS_DATA_MOUNT}` },
        ];
      } catch (err) {
        return [hub, { problem: err instanceof Error ? err.message : String(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return new Map(readings);
}
