/**
 * A summary of a V8 CPU profile (`node --cpu-prof`): self time by where the code lives (an npm
 * package, a hubfleet layer, Node itself, garbage collection, idle) and the hottest functions,
 * so the bench can say where a command's time goes without a profiler UI.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  /** Wall time the profile covers. */
  readonly totalMs: number;
  /** Self time by bucket, largest first. */
  readonly buckets: readonly { readonly bucket: string; readonly ms: number }[];
  /** Self time of the hottest functions, largest first. */
  readonly functions: readonly { readonly name: string; readonly ms: number }[];
}

/** Where a frame's code lives: "pkg <name>", "hubfleet <layer>", "node", or V8's own entries. */
export function bucketOf(url: string, functionName: string): string {
  if (url === "") {
    if (functionName === "(garbage collector)") return "gc";
    if (functionName === "(idle)") return "idle (waiting for I/O)";
    if (functionName === "(program)") return "v8 (compile, module linking)";
    return "v8 (other)";
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `pkg ${pkg[1]}`;
  const own = /\/(?:dist|src)\/([^/]+)\//.exec(url);
  if (own) return `hubfleet ${own[1]}`;
  if (/\/(?:dist|src)\/[^/]+\.[jt]s$/.test(url)) return "hubfleet (top)";
  if (url.startsWith("node:")) return "node";
  return "other";
}

export function summarizeProfile(path: string, top = 8): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { url, functionName, lineNumber } = node.callFrame;
    const bucket = bucketOf(url, functionName);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + ms);
    const short = url.replace(/^.*\/(node_modules|dist|src)\//, "$1/");
    const name = `${functionName || "(anonymous)"} ${short}${url ? `:${lineNumber + 1}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    buckets: sorted(buckets).map(([bucket, ms]) => ({ bucket, ms })),
    functions: sorted(functions)
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms })),
  };
}

/** "pkg @kubernetes/client-node 612 ms, v8 (compile) 300 ms, ..." (buckets of at least `minMs`). */
export function formatBuckets(summary: ProfileSummary, minMs = 20): string {
  return summary.buckets
    .filter((b) => b.ms >= minMs)
    .map((b) => `${b.bucket} ${b.ms.toFixed(0)} ms`)
    .join(", ");
}
