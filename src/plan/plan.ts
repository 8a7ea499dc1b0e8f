/**
 * The plan: what apply would do, object by object and release by release. Pure: it takes the
 * bundle and what was observed in the cluster.
 */
import type { HelmReleaseInfo } from "../ports/helmParse.js";
import type { Bundle, HelmRelease, SecretValue } from "../render/bundle.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { type FieldChange, fieldChanges } from "./diff.js";
import { type ImmutableViolation, immutableViolations } from "./immutable.js";
import type { PrunePlan } from "./prune.js";
import { type GuardVerdict, NO_CONSENT, pruneGuard } from "./pruneGuard.js";
import { objectKey } from "./units.js";

export type ObjectAction = "create" | "update" | "unchanged";
export type ReleaseAction = "install" | "upgrade" | "unchanged";

export interface ObjectPlan {
  readonly key: string;
  readonly action: ObjectAction;
  readonly changes: readonly FieldChange[];
}

export interface ReleasePlan {
  readonly name: string;
  readonly namespace: string;
  readonly action: ReleaseAction;
  readonly chartFrom?: string;
  readonly chartTo: string;
  readonly valueChanges: readonly FieldChange[];
}

export interface HubPlan {
  readonly hub: string;
  readonly objects: readonly ObjectPlan[];
  readonly release?: ReleasePlan;
}

export interface Plan {
  readonly cluster: readonly ObjectPlan[];
  readonly hubs: readonly HubPlan[];
  readonly prune: PrunePlan;
  /** Whether apply (without --confirm/--prune-hub/--prune-tool) would stop, and why. */
  readonly guard: GuardVerdict;
  /** Changes apply would refuse: they cannot be made in place on data-bearing objects. */
  readonly immutable: readonly ImmutableViolation[];
  /** Secrets the operator provides that are missing: apply would stop these hubs before their release. */
  readonly missingSecrets: readonly MissingSecret[];
}

export interface MissingSecret {
  /** The hub, or "tools/<release>". */
  readonly unit: string;
  readonly message: string;
}

export interface Observed {
  /** Live objects by objectKey; missing = does not exist. */
  readonly objects: ReadonlyMap<string, KubeObject>;
  /** Live releases by namespace/name with their user-supplied values. */
  readonly releases: ReadonlyMap<
    string,
    { info: HelmReleaseInfo; values: Record<string, unknown> }
  >;
  readonly prune: PrunePlan;
  /** Provided Secrets that are missing or lack a key (see apply's secrets phase). */
  readonly missingSecrets?: readonly MissingSecret[];
}

function planObject(desired: KubeObject, observed: Observed): ObjectPlan {
  const key = objectKey(desired);
  const live = observed.objects.get(key);
  if (!live) return { key, action: "create", changes: [] };
  const changes = fieldChanges(desired, live);
  return { key, action: changes.length > 0 ? "update" : "unchanged", changes };
}

/** Values hubfleet fills in from Secrets are not compared (they are never in the bundle). */
function withoutSecretValues(
  values: Record<string, unknown>,
  refs: readonly SecretValue[],
): Record<string, unknown> {
  const copy = structuredClone(values);
  for (const ref of refs) {
    let node: Record<string, unknown> | undefined = copy;
    for (const part of ref.valuePath.slice(0, -1)) {
      const next: unknown = node?.[part];
      node = next && typeof next === "object" ? (next as Record<string, unknown>) : undefined;
    }
    if (node) delete node[ref.valuePath[ref.valuePath.length - 1] as string];
  }
  return dropEmpty(copy) as Record<string, unknown>;
}

/** Maps left empty by removing secret values are not values the user set. */
function dropEmpty(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const cleaned = dropEmpty(v);
    if (
      cleaned &&
      typeof cleaned === "object" &&
      !Array.isArray(cleaned) &&
      Object.keys(cleaned).length === 0
    )
      continue;
    out[k] = cleaned;
  }
  return out;
}

/** Differences both ways: changed or added values, and values that would be removed. */
export function valuesDiff(desired: unknown, live: unknown): FieldChange[] {
  const removed = fieldChanges(live, desired)
    .filter((c) => c.from === undefined)
    .map((c) => ({ path: c.path, from: c.to, to: undefined }));
  return [...fieldChanges(desired, live), ...removed];
}

function planRelease(release: HelmRelease, observed: Observed): ReleasePlan {
  const base = { name: release.name, namespace: release.namespace };
  const chartTo = `${release.chart.name}-${release.chart.version}`;
  const live = observed.releases.get(`${release.namespace}/${release.name}`);
  if (!live) return { ...base, action: "install", chartTo, valueChanges: [] };
  const chartFrom = `${live.info.chartName}-${live.info.chartVersion}`;
  const valueChanges = valuesDiff(
    release.values,
    withoutSecretValues(live.values, release.secretValues ?? []),
  );
  const changed =
    chartFrom !== chartTo || valueChanges.length > 0 || live.info.status !== "deployed";
  return { ...base, action: changed ? "upgrade" : "unchanged", chartFrom, chartTo, valueChanges };
}

export function buildPlan(bundle: Bundle, observed: Observed): Plan {
  const hubs = [...new Set(bundle.releases.map((r) => r.hub).filter((h): h is string => !!h))];
  return {
    cluster: bundle.manifests
      .filter((m) => m.hub === undefined)
      .map((m) => planObject(m.object, observed)),
    hubs: hubs.map((hub) => {
      const release = bundle.releases.find((r) => r.hub === hub);
      const objects = bundle.manifests
        .filter((m) => m.hub === hub)
        .map((m) => planObject(m.object, observed));
      return release ? { hub, objects, release: planRelease(release, observed) } : { hub, objects };
    }),
    prune: observed.prune,
    guard: pruneGuard(observed.prune, NO_CONSENT),
    immutable: bundle.manifests.flatMap((m) =>
      immutableViolations(m.object, observed.objects.get(objectKey(m.object))),
    ),
    missingSecrets: observed.missingSecrets ?? [],
  };
}

/** Whether apply would write anything of this hub. */
export function hubChanges(hub: HubPlan): boolean {
  return (
    hub.objects.some((o) => o.action !== "unchanged") ||
    (hub.release !== undefined && hub.release.action !== "unchanged")
  );
}

/** Each hub whose release would run another chart version: live (absent: a new install) → rendered. */
export function versionChanges(plan: Plan): { hub: string; from?: string; to: string }[] {
  return plan.hubs.flatMap((h) =>
    h.release && h.release.chartFrom !== h.release.chartTo
      ? [
          {
            hub: h.hub,
            ...(h.release.chartFrom ? { from: h.release.chartFrom } : {}),
            to: h.release.chartTo,
          },
        ]
      : [],
  );
}

export function planHasChanges(plan: Plan): boolean {
  const objectChanged = (o: ObjectPlan) => o.action !== "unchanged";
  return (
    plan.cluster.some(objectChanged) ||
    plan.hubs.some(
      (h) => h.objects.some(objectChanged) || (h.release && h.release.action !== "unchanged"),
    ) ||
    plan.prune.delete.length > 0 ||
    plan.prune.uninstall.length > 0
  );
}
