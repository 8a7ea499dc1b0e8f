/**
 * The bundle the release before the fleet's shared parts rendered (commit 56295b5), made from
 * today's: each hub runs the chart's own user-scheduler, priority classes and continuous image
 * puller, its user pods and placeholders name them, and there are no shared parts. The
 * migration test applies this first, then today's bundle. (Checked once against that commit's
 * `render` of the example fleet: the hub values are identical.)
 */
import type { Bundle, HelmRelease, Manifest, ReleaseUnit } from "../src/render/bundle.js";

type Values = Record<string, unknown>;

const obj = (v: unknown): Values =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? { ...(v as Values) } : {};

/** A hub's values as that release wrote them. */
export function previousHubValues(values: Readonly<Values>): Values {
  const hub = obj(values.hub);
  const config = obj(hub.config);
  const spawner = obj(config.KubeSpawner);
  delete spawner.scheduler_name;
  delete spawner.priority_class_name;
  if (Object.keys(spawner).length > 0) config.KubeSpawner = spawner;
  else delete config.KubeSpawner;
  const scheduling = obj(values.scheduling);
  const placeholder = obj(scheduling.userPlaceholder);
  delete placeholder.extraPodSpec;
  return {
    ...values,
    hub: { ...hub, config },
    scheduling: {
      ...scheduling,
      userScheduler: { enabled: true },
      podPriority: { enabled: true },
      userPlaceholder: placeholder,
    },
    prePuller: { ...obj(values.prePuller), continuous: { enabled: true } },
  };
}

export function previousReleaseBundle(bundle: Bundle): Bundle {
  const shared = new Set<Manifest>(bundle.sharedManifests);
  const hubs: ReleaseUnit[] = bundle.hubs.map((unit) => ({
    ...unit,
    release: { ...unit.release, values: previousHubValues(unit.release.values) },
  }));
  const byName = new Map(hubs.map((h) => [h.release.name, h.release]));
  const releases: HelmRelease[] = bundle.releases.map((r) =>
    r.hub !== undefined ? (byName.get(r.name) ?? r) : r,
  );
  return {
    ...bundle,
    sharedManifests: [],
    manifests: bundle.manifests.filter((m) => !shared.has(m)),
    hubs,
    releases,
  };
}
