/**
 * `load-test` over one hub of a fleet: the API token read from a Secret in the hub's namespace,
 * the hub's URL as `check` reaches it, the burst run against it, the nodes its servers landed on
 * read from the cluster, and the summary against the capacity model's bound.
 */
import { checkUrl } from "../check/fleetCheck.js";
import type { FleetModel, Hub } from "../fleet/model.js";
import type { HubHttpPort } from "../ports/hubHttp.js";
import type { KubePort } from "../ports/kube.js";
import { HUB_SECRET, LOAD_TEST_TOKEN_KEY } from "../render/hub/values.js";
import { arrivalTimes } from "./arrivals.js";
import { type BurstProgress, runBurst } from "./burst.js";
import { burstCapacity } from "./burstCapacity.js";
import { type BurstSummary, summarize } from "./report.js";

/** Where the token is: a Secret in the hub's namespace and its key. */
export interface TokenSource {
  readonly secret: string;
  readonly key: string;
}

export const DEFAULT_TOKEN_SOURCE: TokenSource = { secret: HUB_SECRET, key: LOAD_TEST_TOKEN_KEY };

/** `NAME` or `NAME/KEY` (key default `token`). */
export function parseTokenSource(text: string): TokenSource | undefined {
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?:\/([-._a-zA-Z0-9]+))?$/.exec(text);
  if (!m?.[1]) return undefined;
  return { secret: m[1], key: m[3] ?? "token" };
}

/** The token, or why there is none (said in words an operator can act on). */
export async function readToken(
  kube: KubePort,
  hub: string,
  source: TokenSource,
): Promise<string | { problem: string }> {
  const secret = await kube.get({
    apiVersion: "v1",
    kind: "Secret",
    namespace: hub,
    name: source.secret,
  });
  if (!secret) return { problem: `no Secret ${hub}/${source.secret}` };
  const encoded = (secret.data as Record<string, string> | undefined)?.[source.key];
  if (!encoded) return { problem: `Secret ${hub}/${source.secret} has no key ${source.key}` };
  return Buffer.from(encoded, "base64").toString("utf8").trim();
}

/** Distinct nodes the given users' servers are on (KubeSpawner's username annotation). */
export async function nodesOfUsers(
  kube: KubePort,
  namespace: string,
  users: readonly string[],
): Promise<number> {
  const wanted = new Set(users);
  const pods = (await kube.list("v1", "Pod", {
    namespace,
    labelSelector: "component=singleuser-server",
  })) as Array<{
    metadata: { annotations?: Record<string, string> };
    spec?: { nodeName?: string };
  }>;
  const nodes = new Set(
    pods
      .filter((p) => wanted.has(p.metadata.annotations?.["hub.jupyter.org/username"] ?? ""))
      .flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName] : [])),
  );
  return nodes.size;
}

export interface HubLoadTestOptions {
  readonly users: number;
  readonly overMs: number;
  readonly seed: number;
  readonly run: string;
  readonly token: string;
  /** Reach the hub here instead of its public URL (ending in "/"). */
  readonly url?: string;
  readonly readyTimeoutMs: number;
  readonly pollMs?: number;
  readonly retryScale?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BurstProgress) => void;
}

export async function loadTestHub(
  ports: { kube: KubePort; http: HubHttpPort },
  fleet: FleetModel,
  hub: Hub,
  options: HubLoadTestOptions,
): Promise<BurstSummary> {
  const url = options.url ?? checkUrl(fleet, hub);
  const result = await runBurst(ports.http, {
    hub: hub.name,
    url,
    token: options.token,
    run: options.run,
    arrivals: arrivalTimes(options.users, options.overMs, options.seed),
    overMs: options.overMs,
    readyTimeoutMs: options.readyTimeoutMs,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.retryScale !== undefined ? { retryScale: options.retryScale } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    observeNodes: (users) => nodesOfUsers(ports.kube, hub.name, users),
  });
  return summarize(result, burstCapacity(fleet, hub.name, options.users));
}
