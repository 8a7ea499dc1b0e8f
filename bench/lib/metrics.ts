/**
 * kube-apiserver's own figures from its /metrics endpoint: requests by verb and resource with
 * their summed latency, so a phase of the bench can say how much of its time the API server
 * spent and on what (the difference of two readings).
 */
import type { ControlPlane } from "../../sim/index.js";

export interface RequestCounts {
  /** key "VERB resource" → requests and summed seconds. */
  readonly byVerbResource: ReadonlyMap<string, { count: number; seconds: number }>;
}

const SAMPLE = /^(\w+)\{([^}]*)\} ([0-9.eE+-]+)$/;

function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** Parses the request counters and latency sums out of the Prometheus text format. */
export function parseRequestMetrics(text: string): RequestCounts {
  const map = new Map<string, { count: number; seconds: number }>();
  const entry = (key: string) => {
    let e = map.get(key);
    if (!e) {
      e = { count: 0, seconds: 0 };
      map.set(key, e);
    }
    return e;
  };
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, name, labelText, valueText] = m;
    if (name !== "apiserver_request_total" && name !== "apiserver_request_duration_seconds_sum")
      continue;
    const l = labels(labelText ?? "");
    // Watches and exec/attach stay open for minutes: their "latency" is not a request's.
    if (l.verb === "WATCH" || l.verb === "CONNECT") continue;
    const key = `${l.verb ?? "?"} ${l.resource ?? "?"}${l.subresource ? `/${l.subresource}` : ""}`;
    const value = Number(valueText);
    if (name === "apiserver_request_total") entry(key).count += value;
    else entry(key).seconds += value;
  }
  return { byVerbResource: map };
}

export async function readRequestMetrics(cp: ControlPlane): Promise<RequestCounts> {
  const res = await cp.client.request("GET", "/metrics", { timeoutMs: 60_000 });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseRequestMetrics(res.text);
}

export interface RequestDelta {
  readonly requests: number;
  /** Summed server-side latency of those requests. */
  readonly seconds: number;
  readonly byVerb: readonly { verb: string; count: number; meanMs: number }[];
  readonly topResources: readonly { key: string; count: number; meanMs: number }[];
}

/** What happened between two readings. */
export function requestDelta(before: RequestCounts, after: RequestCounts): RequestDelta {
  const verbs = new Map<string, { count: number; seconds: number }>();
  const keys: { key: string; count: number; seconds: number }[] = [];
  for (const [key, a] of after.byVerbResource) {
    const b = before.byVerbResource.get(key) ?? { count: 0, seconds: 0 };
    const count = a.count - b.count;
    const seconds = a.seconds - b.seconds;
    if (count <= 0) continue;
    keys.push({ key, count, seconds });
    const verb = key.split(" ")[0] ?? "?";
    const v = verbs.get(verb) ?? { count: 0, seconds: 0 };
    verbs.set(verb, { count: v.count + count, seconds: v.seconds + seconds });
  }
  const mean = (e: { count: number; seconds: number }) => (e.seconds / e.count) * 1000;
  return {
    requests: keys.reduce((s, k) => s + k.count, 0),
    seconds: keys.reduce((s, k) => s + k.seconds, 0),
    byVerb: [...verbs]
      .map(([verb, e]) => ({ verb, count: e.count, meanMs: mean(e) }))
      .sort((x, y) => y.count - x.count),
    topResources: keys
      .sort((x, y) => y.count - x.count)
      .slice(0, 5)
      .map((k) => ({ key: k.key, count: k.count, meanMs: mean(k) })),
  };
}

export function formatDelta(d: RequestDelta): string {
  return `${d.requests} requests, ${d.seconds.toFixed(1)} s summed latency (${d.byVerb
    .map((v) => `${v.verb} ${v.count} @ ${v.meanMs.toFixed(1)} ms`)
    .join(", ")})`;
}
