/**
 * Renders a whole fleet to a Bundle: data only (cluster configs, manifests per phase, releases,
 * Secrets to create). Pure and deterministic; bundleFiles (files.ts) makes the files from it.
 */
import type { FleetModel } from "../fleet/model.js";
import { asleepHubs } from "../fleet/terms.js";
import { renderAsleepPages } from "./asleep/pages.js";
import type { Bundle, HelmRelease, Manifest, ReleaseUnit, SecretRequest } from "./bundle.js";
import { renderEksctlConfig } from "./cluster/eksctl.js";
import { renderKindConfig } from "./cluster/kind.js";
import { renderStorageClass } from "./cluster/storage.js";
import { renderDatasetServers } from "./datasets/index.js";
import { renderHub } from "./hub/index.js";
import { renderSharedParts } from "./shared/index.js";
import { renderToolNamespaces, renderTools } from "./tools/index.js";

/** What a render depends on besides the fleet file. */
export interface RenderOptions {
  /**
   * The instant the fleet is rendered for: a hub outside its term renders asleep. Without it
   * every hub renders awake (as in term); the CLI always passes its clock (HUBFLEET_NOW or now).
   */
  readonly now?: Date;
}

export function renderFleet(fleet: FleetModel, options: RenderOptions = {}): Bundle {
  const sleeping = options.now ? asleepHubs(fleet, options.now) : new Map();
  const tools = renderTools(fleet);
  const clusterManifests: Manifest[] = [
    ...renderToolNamespaces(fleet, tools),
    { phase: "storage", object: renderStorageClass(fleet) },
  ];
  // Fleet-level, like the cluster-wide objects (no hub): applied with them, before any hub.
  const datasetManifests = renderDatasetServers(fleet);
  const hubs: ReleaseUnit[] = fleet.hubs.map((hub) => ({
    name: hub.name,
    ...renderHub(fleet, hub, sleeping.get(hub.name)),
  }));
  // Fleet-level too; built from the hubs' rendered values (the images their users start from).
  const sharedManifests = [
    ...renderSharedParts(
      fleet,
      hubs.map((h) => h.release),
    ),
    ...renderAsleepPages(
      fleet,
      fleet.hubs.flatMap((hub) => {
        const state = sleeping.get(hub.name);
        return state ? [{ hub, state }] : [];
      }),
    ).map((object): Manifest => ({ phase: "release", object })),
  ];
  const manifests: Manifest[] = [...clusterManifests, ...datasetManifests, ...sharedManifests];
  const releases: HelmRelease[] = [];
  const secrets: SecretRequest[] = [];
  for (const unit of [...tools, ...hubs]) {
    manifests.push(...unit.manifests);
    releases.push(unit.release);
    secrets.push(...unit.secrets);
  }
  return {
    clusterConfigs: { eksctl: renderEksctlConfig(fleet), kind: renderKindConfig(fleet) },
    clusterManifests,
    datasetManifests,
    sharedManifests,
    tools,
    hubs,
    manifests,
    releases,
    secrets,
  };
}
