/**
 * `hubfleet check` over a fleet: per hub, the check token read from the hub's Secret, the check
 * run against the hub's public URL (or an override), a few hubs at a time, and the result
 * written as the hub's check record for `status`.
 */

import { type CheckRecord, checkRecordObject } from "../apply/checkRecord.js";
import { mapBounded } from "../apply/retry.js";
import type { FleetModel, Hub } from "../fleet/model.js";
import { asleepHubs, describeSleep } from "../fleet/terms.js";
import type { HubHttpPort } from "../ports/hubHttp.js";
import type { KubePort } from "../ports/kube.js";
import { hubRoute, hubUrl } from "../render/hub/routing.js";
import { CHECK_TOKEN_KEY, CHECK_USER, HUB_SECRET } from "../render/hub/values.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { runHubCheck } from "./hubCheck.js";

export interface FleetCheckOptions {
  /** Only these hubs (validated names), in fleet order; all when absent. */
  readonly hubs?: readonly string[];
  /** Hub → URL to reach it at instead of its public URL (ending in "/"). */
  readonly urls?: ReadonlyMap<string, string>;
  /** How long a server may take to become ready (default 5 min). */
  readonly readyTimeoutMs?: number;
  /** Hubs checked at once (default 4). */
  readonly concurrency?: number;
  /** Called as each hub's check ends (progress). */
  readonly onResult?: (record: CheckRecord) => void;
  readonly now?: () => number;
  /** The instant that says which hubs are asleep (outside their term); default: now(). */
  readonly at?: Date;
}

export interface FleetCheckResult {
  readonly records: readonly CheckRecord[];
  /** Hubs whose record could not be written (the check itself still counts). */
  readonly recordErrors: readonly { hub: string; message: string }[];
}

/** The hub's URL as check reaches it. */
export function checkUrl(fleet: FleetModel, hub: Hub, urls?: ReadonlyMap<string, string>): string {
  return urls?.get(hub.name) ?? hubUrl(hubRoute(fleet, hub));
}

/** The check service's token from the hub's Secret, or why there is none. */
async function checkToken(kube: KubePort, hub: string): Promise<string | { problem: string }> {
  const secret = await kube.get({
    apiVersion: "v1",
    kind: "Secret",
    namespace: hub,
    name: HUB_SECRET,
  });
  const encoded = (secret?.data as Record<string, string> | undefined)?.[CHECK_TOKEN_KEY];
  if (!encoded) {
    return {
      problem: `Secret ${hub}/${HUB_SECRET} has no ${CHECK_TOKEN_KEY}: run hubfleet apply (it creates the check's token)`,
    };
  }
  return Buffer.from(encoded, "base64").toString("utf8");
}

export async function checkFleet(
  ports: { kube: KubePort; http: HubHttpPort },
  fleet: FleetModel,
  options: FleetCheckOptions = {},
): Promise<FleetCheckResult> {
  const now = options.now ?? Date.now;
  const selected = fleet.hubs.filter((h) => !options.hubs || options.hubs.includes(h.name));
  const recordErrors: { hub: string; message: string }[] = [];
  const sleeping = asleepHubs(fleet, options.at ?? new Date(now()));
  const records = await mapBounded(selected, options.concurrency ?? 4, async (hub) => {
    const started = now();
    const sleep = sleeping.get(hub.name);
    if (sleep) {
      // Its URL answers with the asleep page: there is no hub to check, and none is expected.
      const record: CheckRecord = {
        hub: hub.name,
        time: new Date(started).toISOString(),
        ok: true,
        durationMs: 0,
        steps: [],
        asleep: describeSleep(sleep),
      };
      options.onResult?.(record);
      return record;
    }
    const token = await checkToken(ports.kube, hub.name);
    const record: CheckRecord =
      typeof token === "string"
        ? await runHubCheck(ports.http, {
            hub: hub.name,
            url: checkUrl(fleet, hub, options.urls),
            token,
            user: CHECK_USER,
            readyTimeoutMs: options.readyTimeoutMs ?? 300_000,
            now,
          })
        : {
            hub: hub.name,
            time: new Date(started).toISOString(),
            ok: false,
            durationMs: now() - started,
            steps: [],
            message: token.problem,
          };
    try {
      await ports.kube.apply(checkRecordObject(fleet.name, record) as KubeObject);
    } catch (err) {
      recordErrors.push({
        hub: hub.name,
        message: err instanceof Error ? err.message : String(err),
      });
    }
    options.onResult?.(record);
    return record;
  });
  return { records, recordErrors };
}
