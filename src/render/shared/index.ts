/**
 * The fleet's shared parts, once per fleet rather than once per hub: its namespace, the priority
 * classes, the one user-scheduler and the one image puller. Fleet-level objects (no hub label),
 * applied with the cluster-wide objects before any hub, so every hub's values can name them.
 */
import type { FleetModel } from "../../fleet/model.js";
import { POD_SECURITY_ENFORCE } from "../../vocabulary/labels.js";
import { SHARED_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { HelmRelease, Manifest } from "../bundle.js";
import { fleetLabels } from "../labels.js";
import { renderSharedImagePuller } from "./imagePuller.js";
import { PRIORITY } from "./names.js";
import { renderSharedScheduler } from "./scheduler.js";

export { fleetUserImages, hubUserImages, type PulledImage } from "./imagePuller.js";
export {
  PRIORITY,
  SHARED_IMAGE_PULLER,
  SHARED_SCHEDULER_LOCK,
  SHARED_SCHEDULER_NAME,
} from "./names.js";
export { SCHEDULER_CONFIG_KEY, sharedSchedulerConfig } from "./scheduler.js";

const DESCRIPTIONS: Record<keyof typeof PRIORITY, string> = {
  userServers: "hubfleet: every hub's user servers; above placeholders, which they push out.",
  imagePuller:
    "hubfleet: the fleet's image puller; may push out a placeholder on a full node, never a user.",
  placeholders:
    "hubfleet: user placeholders; the lowest, at the autoscaler's cutoff so they still add nodes.",
};

function priorityClasses(fleet: FleetModel): KubeObject[] {
  return (Object.keys(PRIORITY) as (keyof typeof PRIORITY)[]).map((key) => ({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: PRIORITY[key].name, labels: fleetLabels(fleet) },
    // No globalDefault: false is its default, and the API server leaves it out.
    value: PRIORITY[key].value,
    description: DESCRIPTIONS[key],
  }));
}

/**
 * In apply order: the namespace, the priority classes (the pods below name them), the scheduler,
 * then the puller. A fleet without hubs has no shared parts.
 */
export function renderSharedParts(
  fleet: FleetModel,
  hubReleases: readonly HelmRelease[],
): Manifest[] {
  if (fleet.hubs.length === 0) return [];
  const namespace: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: SHARED_NAMESPACE,
      // Nothing here needs more than the restricted Pod Security standard.
      labels: {
        ...fleetLabels(fleet),
        [POD_SECURITY_ENFORCE]: "restricted",
      },
    },
  };
  return [
    { phase: "namespace", object: namespace },
    ...priorityClasses(fleet).map((object): Manifest => ({ phase: "storage", object })),
    ...renderSharedScheduler(fleet).map((object): Manifest => ({ phase: "release", object })),
    { phase: "release", object: renderSharedImagePuller(fleet, hubReleases) },
  ];
}
