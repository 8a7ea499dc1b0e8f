/**
 * The fleet's one image puller: a DaemonSet on the user nodes whose init containers pull every
 * image the hubs' user servers use (the union over the hubs, read from their rendered values),
 * so a new user node has them before the first user lands. One pod per user node for the whole
 * fleet, where z2jh's continuous puller puts one per hub.
 */
import type { FleetModel } from "../../fleet/model.js";
import { DEDICATED_TAINT } from "../../vocabulary/labels.js";
import { SHARED_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { valueAtPath } from "../../vocabulary/values.js";
import { DEFAULT_Z2JH_VERSION, requireZ2jhVersion } from "../../vocabulary/z2jhVersions.js";
import type { HelmRelease } from "../bundle.js";
import { requireNodeGroup, USER_TAINT } from "../cluster/nodeGroups.js";
import { fleetLabels } from "../labels.js";
import { PRIORITY, SHARED_IMAGE_PULLER } from "./names.js";
import { RESTRICTED_CONTAINER } from "./restricted.js";

/**
 * The chart's pause image (prePuller.pause.image) of the fleet's default chart version
 * (hubDefaults.chart.version): the container that stays after the pulls.
 */
export function pauseImage(fleet: FleetModel): string {
  const version = fleet.spec.hubDefaults.chart?.version ?? DEFAULT_Z2JH_VERSION;
  return requireZ2jhVersion(version).images.pause;
}

/** Requests of every puller container: a pod slot and next to nothing else. */
const TINY = { cpu: "1m", memory: "8Mi" };

/** An image, with how many hubs' users start from it. */
export interface PulledImage {
  readonly image: string;
  readonly hubs: readonly string[];
  /** The hubs' expected users together: the order of the pulls. */
  readonly users: number;
}

type Values = Readonly<Record<string, unknown>>;

const at = valueAtPath;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.length > 0 ? v : undefined;

function imageOf(ref: unknown): string | undefined {
  const name = str(at(ref, ["name"]));
  if (!name) return undefined;
  const tag = at(ref, ["tag"]);
  return typeof tag === "string" || typeof tag === "number" ? `${name}:${tag}` : name;
}

/**
 * The images one hub's user pods start from, as z2jh's continuous puller would pull them: the
 * user image, init and extra containers, profile images (and profile options' choices),
 * prePuller.extraImages, and the network tools image unless the metadata block is off.
 *
 * The network tools image is the release's chart version's: KubeSpawner starts every user pod
 * with it (an init container blocking the cloud metadata server with iptables,
 * `singleuser.cloudMetadata.blockWithIptables`, on by default), so users wait for it like for
 * their own image.
 */
export function hubUserImages(release: Pick<HelmRelease, "chart" | "values">): string[] {
  const { values } = release;
  const images: (string | undefined)[] = [imageOf(at(values, ["singleuser", "image"]))];
  const blockMetadata =
    at(values, ["singleuser", "cloudMetadata", "enabled"]) !== true &&
    at(values, ["singleuser", "cloudMetadata", "blockWithIptables"]) !== false;
  if (blockMetadata) images.push(requireZ2jhVersion(release.chart.version).images.networkTools);
  for (const key of ["initContainers", "extraContainers"]) {
    for (const c of list(at(values, ["singleuser", key]))) images.push(str(at(c, ["image"])));
  }
  if (at(values, ["prePuller", "pullProfileListImages"]) !== false) {
    for (const profile of list(at(values, ["singleuser", "profileList"]))) {
      images.push(str(at(profile, ["kubespawner_override", "image"])));
      const options = at(profile, ["profile_options"]);
      for (const option of Object.values((options as Values | undefined) ?? {})) {
        const choices = at(option, ["choices"]);
        for (const choice of Object.values((choices as Values | undefined) ?? {})) {
          images.push(str(at(choice, ["kubespawner_override", "image"])));
        }
      }
    }
  }
  const extra = (at(values, ["prePuller", "extraImages"]) as Values | undefined) ?? {};
  for (const key of Object.keys(extra).sort()) images.push(imageOf(extra[key]));
  return [...new Set(images.filter((i): i is string => i !== undefined))];
}

/**
 * Every image of every hub once, most users first (a new node pulls them one after another, so
 * the image most users wait for is there soonest), then most hubs, then by name.
 */
export function fleetUserImages(
  fleet: FleetModel,
  hubReleases: readonly HelmRelease[],
): PulledImage[] {
  const users = new Map(fleet.hubs.map((h) => [h.name, h.peakUsers]));
  const byImage = new Map<string, { hubs: string[]; users: number }>();
  for (const release of hubReleases) {
    const hub = release.hub ?? release.name;
    for (const image of hubUserImages(release)) {
      const entry = byImage.get(image) ?? { hubs: [], users: 0 };
      entry.hubs.push(hub);
      entry.users += users.get(hub) ?? 0;
      byImage.set(image, entry);
    }
  }
  return [...byImage]
    .map(([image, e]) => ({ image, hubs: e.hubs, users: e.users }))
    .sort(
      (a, b) =>
        b.users - a.users ||
        b.hubs.length - a.hubs.length ||
        (a.image < b.image ? -1 : a.image > b.image ? 1 : 0),
    );
}

export function renderSharedImagePuller(
  fleet: FleetModel,
  hubReleases: readonly HelmRelease[],
): KubeObject {
  const labels = { ...fleetLabels(fleet), component: "image-puller" };
  const selector = { component: "image-puller" };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: SHARED_IMAGE_PULLER, namespace: SHARED_NAMESPACE, labels },
    spec: {
      selector: { matchLabels: selector },
      // A new image list restarts every puller pod at once: they hold nothing.
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: PRIORITY.imagePuller.name,
          affinity: requireNodeGroup("jhusers"),
          tolerations: [
            {
              key: DEDICATED_TAINT,
              operator: "Equal",
              value: USER_TAINT.value,
              effect: USER_TAINT.effect,
            },
          ],
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          // Each init container only has to start: starting it made the kubelet pull its image.
          initContainers: fleetUserImages(fleet, hubReleases).map((pulled, i) => ({
            name: `pull-${i}`,
            image: pulled.image,
            command: ["/bin/sh", "-c", "echo Pulling complete"],
            resources: { requests: TINY },
            securityContext: RESTRICTED_CONTAINER,
          })),
          containers: [
            {
              name: "pause",
              image: pauseImage(fleet),
              resources: { requests: TINY },
              securityContext: RESTRICTED_CONTAINER,
            },
          ],
        },
      },
    },
  };
}
