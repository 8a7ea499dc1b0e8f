/**
 * Instant queries to the fleet's Prometheus over its HTTP API (`/api/v1/query`): through the API
 * server's Service proxy to the monitoring release's Prometheus in cluster-tools (as driveUsage.ts
 * reaches the drives), or at a URL the user gives (a port-forward). The answer's parsing is pure.
 */
import { ClusterError } from "../errors.js";
import type { KubePort } from "../ports/kube.js";
import { MONITORING_RELEASE } from "../render/tools/monitoring.js";
import { TOOLS_NAMESPACE } from "../vocabulary/namespaces.js";

/** kube-prometheus-stack's Prometheus Service (<release>-prometheus) and its port's name. */
export const PROMETHEUS_SERVICE = `${MONITORING_RELEASE}-prometheus`;
export const PROMETHEUS_PORT = "http-web";

export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Where queries go, and how to name it in messages. */
export interface PrometheusSource {
  readonly where: string;
  /** GET of `path` (e.g. "/api/v1/query") with these parameters; the body's text. */
  get(path: string, params: Readonly<Record<string, string>>): Promise<string>;
}

export function prometheusThroughKube(kube: KubePort): PrometheusSource {
  return {
    where: `Service ${TOOLS_NAMESPACE}/${PROMETHEUS_SERVICE} through ${kube.server}`,
    get: (path, params) =>
      kube.proxyGet({
        namespace: TOOLS_NAMESPACE,
        service: PROMETHEUS_SERVICE,
        port: PROMETHEUS_PORT,
        path,
        query: params,
      }),
  };
}

export function prometheusAt(base: string, timeoutMs = 60_000): PrometheusSource {
  const root = base.replace(/\/+$/, "");
  return {
    where: root,
    get: async (path, params) => {
      const url = new URL(`${root}${path}`);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      // Prometheus answers a bad query with 400 and its error in the JSON body.
      if (!res.ok && !text.startsWith("{")) throw new Error(`HTTP ${res.status} from ${root}`);
      return text;
    },
  };
}

const badAnswer = (where: string, message: string) =>
  new ClusterError({ status: 0, reason: "PrometheusError", message, object: where });

/** The `data.result` of an answer of the given type; throws with Prometheus' own error text. */
function parseResult(text: string, where: string, type: "vector" | "matrix"): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badAnswer(where, `the answer is not Prometheus' JSON: ${text.slice(0, 200)}`);
  }
  const b = body as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (b.status !== "success") {
    throw badAnswer(
      where,
      `Prometheus answered ${b.status ?? "?"}: ${b.error ?? text.slice(0, 200)}`,
    );
  }
  if (b.data?.resultType !== type || !Array.isArray(b.data.result)) {
    throw badAnswer(where, `expected a ${type}, got ${b.data?.resultType ?? "nothing"}`);
  }
  return b.data.result;
}

/** An instant query's vector; throws with Prometheus' own error text. */
export function parseVector(text: string, where: string): PromSample[] {
  const result = parseResult(text, where, "vector") as Array<{
    metric?: Record<string, string>;
    value?: [number, string];
  }>;
  return result.map((r) => ({ labels: r.metric ?? {}, value: Number(r.value?.[1]) }));
}

/** A GET to Prometheus; an unreachable one is a ClusterError naming where it was asked. */
async function ask(
  source: PrometheusSource,
  path: string,
  params: Readonly<Record<string, string>>,
): Promise<string> {
  try {
    return await source.get(path, params);
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ClusterError({
      status: 0,
      reason: "Unreachable",
      message: `no answer from Prometheus: ${message}`,
      object: source.where,
    });
  }
}

/** Runs one instant query at Unix time `time`. */
export async function instantQuery(
  source: PrometheusSource,
  query: string,
  time: number,
): Promise<PromSample[]> {
  const text = await ask(source, "/api/v1/query", { query, time: String(time) });
  return parseVector(text, source.where);
}

/** A range query's matrix; throws with Prometheus' own error text. */
export function parseMatrix(text: string, where: string): PromSeries[] {
  const result = parseResult(text, where, "matrix") as Array<{
    metric?: Record<string, string>;
    values?: Array<[number, string]>;
  }>;
  return result.map((r) => ({
    labels: r.metric ?? {},
    points: (r.values ?? []).map(([t, v]) => [Number(t), Number(v)] as const),
  }));
}

export interface PromSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Runs one range query from `start` to `end` (Unix seconds) every `step` seconds. */
export async function rangeQuery(
  source: PrometheusSource,
  q: { query: string; start: number; end: number; step: number },
): Promise<PromSeries[]> {
  const text = await ask(source, "/api/v1/query_range", {
    query: q.query,
    start: String(q.start),
    end: String(q.end),
    step: String(q.step),
  });
  return parseMatrix(text, source.where);
}
