/**
 * A hub's health beyond its pods: whether JupyterHub itself answers (its `hub/health`
 * endpoint, through the hub's URL), and the record of the last `hubfleet check`.
 */
import { HubHttpError, type HubHttpPort, type HubHttpResponse } from "../ports/hubHttp.js";
import type { KubePort } from "../ports/kube.js";
import { COMPONENT_LABEL, FLEET_LABEL } from "../vocabulary/labels.js";
import { CHECK_RECORD_CONFIGMAP, type CheckRecord, parseCheckRecord } from "./checkRecord.js";
import { mapBounded } from "./retry.js";

/** Long enough for a hub under load, short enough that status of a dead fleet stays quick. */
export const HEALTH_TIMEOUT_MS = 5000;

export interface ApiHealth {
  /** What was asked: `<hub URL>hub/health`. */
  readonly url: string;
  readonly answering: boolean;
  /** Why it does not count as answering. */
  readonly problem?: string;
}

/** JupyterHub's health endpoint under a hub's URL (which ends in "/"). */
export function healthUrl(hubUrl: string): string {
  return `${hubUrl}hub/health`;
}

/** Pure: an answer (or the reason there was none) as the hub's API health. */
export function apiHealth(url: string, answer: HubHttpResponse | Error): ApiHealth {
  if (answer instanceof Error) {
    const problem = answer instanceof HubHttpError ? answer.reason : answer.message;
    return { url, answering: false, problem };
  }
  if (answer.status >= 200 && answer.status < 300) return { url, answering: true };
  const body = answer.text.trim().split("\n")[0]?.slice(0, 120);
  return { url, answering: false, problem: `HTTP ${answer.status}${body ? `: ${body}` : ""}` };
}

/** Asks each hub's API at once (a few at a time), hub name → health. */
export async function probeHubApis(
  http: HubHttpPort,
  hubUrls: ReadonlyMap<string, string>,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<Map<string, ApiHealth>> {
  const entries = await mapBounded([...hubUrls], 16, async ([hub, base]) => {
    const url = healthUrl(base);
    const answer = await http
      .request({ method: "GET", url, timeoutMs })
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    return [hub, apiHealth(url, answer)] as const;
  });
  return new Map(entries);
}

/** Every hub's last check record, in one listing: hub name → record. */
export async function readCheckRecords(
  kube: KubePort,
  fleet: string,
): Promise<Map<string, CheckRecord>> {
  const maps = await kube.list("v1", "ConfigMap", {
    labelSelector: `${FLEET_LABEL}=${fleet},${COMPONENT_LABEL}=check`,
  });
  const records = new Map<string, CheckRecord>();
  for (const m of maps) {
    if (m.metadata.name !== CHECK_RECORD_CONFIGMAP || !m.metadata.namespace) continue;
    const record = parseCheckRecord(m.data as Record<string, string> | undefined);
    if (record) records.set(m.metadata.namespace, record);
  }
  return records;
}
