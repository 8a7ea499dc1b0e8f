/**
 * The result of the last `hubfleet check` of a hub, kept on the cluster so that `status` (run
 * later, from any machine) can show it: a ConfigMap in the hub's namespace, written by check.
 */
import { COMPONENT_LABEL, FLEET_LABEL, HUB_LABEL, MANAGED_BY } from "../vocabulary/labels.js";

/** The ConfigMap's name in each hub's namespace, and its one data key. */
export const CHECK_RECORD_CONFIGMAP = "hubfleet-check";
const CHECK_RECORD_KEY = "result.json";

/** One step of a check, in order: hub answers, server starts, … */
export interface CheckStep {
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** What went wrong (JupyterHub's own message where it gave one). */
  readonly message?: string;
}

export interface CheckRecord {
  readonly hub: string;
  /** When the check started (ISO 8601, UTC). */
  readonly time: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly steps: readonly CheckStep[];
  /** The first failure's message, when the check failed. */
  readonly message?: string;
  /**
   * The hub is asleep (outside its term): nothing was checked, and that is not a failure
   * ("asleep until 2027-01-17 (…)"). Such a record is not written to the cluster.
   */
  readonly asleep?: string;
}

/** The ConfigMap check writes (server-side applied, so a later check replaces it). */
export function checkRecordObject(fleet: string, record: CheckRecord): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: CHECK_RECORD_CONFIGMAP,
      namespace: record.hub,
      labels: {
        [MANAGED_BY]: "hubfleet",
        [FLEET_LABEL]: fleet,
        [HUB_LABEL]: record.hub,
        [COMPONENT_LABEL]: "check",
      },
    },
    data: { [CHECK_RECORD_KEY]: `${JSON.stringify(record)}\n` },
  };
}

/** The record in a ConfigMap's data, or undefined when it is missing or not one of ours. */
export function parseCheckRecord(
  data: Readonly<Record<string, string>> | undefined,
): CheckRecord | undefined {
  const text = data?.[CHECK_RECORD_KEY];
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<CheckRecord>;
    if (typeof parsed.hub !== "string" || typeof parsed.time !== "string") return undefined;
    if (typeof parsed.ok !== "boolean" || !Array.isArray(parsed.steps)) return undefined;
    return parsed as CheckRecord;
  } catch {
    return undefined;
  }
}
