/**
 * Apply: make the cluster match the rendered bundle. Holds the fleet lock throughout, applies
 * cluster-wide objects, then the cluster tools one after another (in bundle order: each may
 * need the CRDs of the one before), then hubs with bounded concurrency (one hub's failure does
 * not stop the others), then prunes what is gone from the fleet file — never data.
 */
import type { FleetModel } from "../fleet/model.js";
import { desiredKeys, objectKey, type PrunePlan, planPrune } from "../plan/prune.js";
import type { HelmPort } from "../ports/helm.js";
import type { KubePort } from "../ports/kube.js";
import { refOf } from "../ports/kube.js";
import type { Bundle } from "../render/bundle.js";
import type { ChartOverrides } from "./charts.js";
import { type ApplyEvent, applyHub, type HubOutcome, type HubWork, key } from "./hubApply.js";
import { FleetLock, type LockOptions } from "./lock.js";
import { listOwned, namespacesWithClaims } from "./observe.js";
import { mapBounded, retry } from "./retry.js";
import { presentSecrets, readHubHashes, toolKey } from "./state.js";

export interface ApplyOptions {
  readonly onlyHubs?: readonly string[];
  readonly concurrency?: number;
  readonly fleetDir: string;
  readonly charts?: ChartOverrides;
  /** Apply every hub even when its recorded hash matches. */
  readonly force?: boolean;
  readonly lock?: Partial<LockOptions>;
  readonly onEvent?: (event: ApplyEvent | PruneEvent) => void;
}

export type PruneEvent =
  | { readonly type: "prune-delete"; readonly object: string; readonly reason: string }
  | { readonly type: "prune-retain"; readonly object: string; readonly reason: string }
  | { readonly type: "prune-uninstall"; readonly release: string };

export interface ApplyReport {
  /** One outcome per cluster tool ("tools/<release>"), in the order they were applied. */
  readonly tools: readonly HubOutcome[];
  readonly hubs: readonly HubOutcome[];
  readonly prune: PrunePlan;
  readonly failed: number;
}

export function hubWork(bundle: Bundle, fleet: FleetModel): HubWork[] {
  return fleet.hubs.map((hub) => ({
    hub: hub.name,
    manifests: bundle.manifests.filter((m) => m.hub === hub.name),
    release: bundle.releases.find((r) => r.hub === hub.name),
    secrets: bundle.secrets.filter((s) => s.hub === hub.name),
  }));
}

/** One unit of work per cluster tool release, in bundle order. */
export function toolWork(bundle: Bundle): HubWork[] {
  return bundle.releases
    .filter((r) => r.tool !== undefined)
    .map((release) => ({
      hub: toolKey(release.name),
      tool: release.name,
      manifests: bundle.manifests.filter((m) => m.tool === release.name),
      release,
      secrets: bundle.secrets.filter((s) => s.tool === release.name),
    }));
}

export async function applyFleet(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const { kube, helm } = ports;
  const onEvent = options.onEvent ?? (() => {});
  const only = options.onlyHubs ? new Set(options.onlyHubs) : undefined;
  const unknown = [...(only ?? [])].filter((h) => !fleet.hubs.some((x) => x.name === h));
  if (unknown.length > 0) throw new Error(`no hub named ${unknown.join(", ")} in the fleet file`);
  const lock = await FleetLock.acquire(kube, { fleet: fleet.name, ...options.lock });
  try {
    await lock.assertHeld();
    for (const manifest of bundle.manifests.filter(
      (m) => m.hub === undefined && m.tool === undefined,
    )) {
      await retry(() => kube.apply(manifest.object));
    }
    const liveReleases = new Map((await helm.listAll()).map((r) => [key(r.namespace, r.name), r]));
    const [recordedHashes, secrets] = await Promise.all([
      readHubHashes(kube, fleet.name),
      presentSecrets(kube, fleet.name),
    ]);
    const context = {
      kube,
      helm,
      fleet,
      lock,
      fleetDir: options.fleetDir,
      charts: options.charts ?? new Map(),
      force: options.force ?? false,
      liveReleases,
      recordedHashes,
      presentSecrets: secrets,
      onEvent,
    };
    const tools: HubOutcome[] = [];
    for (const w of toolWork(bundle)) tools.push(await applyHub(context, w));
    const work = hubWork(bundle, fleet).filter((w) => !only || only.has(w.hub));
    const outcomes = await mapBounded(work, options.concurrency ?? 4, (w) => applyHub(context, w));
    const prune = await pruneFleet(ports, fleet, bundle, lock, only, onEvent, [
      ...liveReleases.values(),
    ]);
    return {
      tools,
      hubs: outcomes,
      prune,
      failed: [...tools, ...outcomes].filter((o) => o.result === "failed").length,
    };
  } finally {
    await lock.release();
  }
}

async function pruneFleet(
  ports: { kube: KubePort; helm: HelmPort },
  fleet: FleetModel,
  bundle: Bundle,
  lock: FleetLock,
  only: ReadonlySet<string> | undefined,
  onEvent: (e: PruneEvent) => void,
  releases: ReadonlyArray<{ namespace: string; name: string }>,
): Promise<PrunePlan> {
  const { kube, helm } = ports;
  const plan = planPrune({
    fleet: fleet.name,
    owned: await listOwned(kube, fleet.name),
    desiredKeys: desiredKeys(bundle),
    desiredHubs: new Set(fleet.hubs.map((h) => h.name)),
    ...(only ? { onlyHubs: only } : {}),
    namespacesWithClaims: await namespacesWithClaims(kube),
    releases,
  });
  for (const release of plan.uninstall) {
    await lock.assertHeld();
    onEvent({ type: "prune-uninstall", release: `${release.namespace}/${release.name}` });
    await helm.uninstall(release.name, release.namespace);
  }
  for (const item of plan.delete) {
    await lock.assertHeld();
    onEvent({ type: "prune-delete", object: objectKey(item.object), reason: item.reason });
    await retry(() => kube.delete(refOf(item.object)));
  }
  for (const item of plan.retain) {
    onEvent({ type: "prune-retain", object: objectKey(item.object), reason: item.reason });
  }
  return plan;
}
