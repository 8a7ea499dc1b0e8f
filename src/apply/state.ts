/**
 * What apply records in the cluster about each hub: the hash of the desired state it last
 * applied successfully (a ConfigMap in the hub's namespace).
 */
import type { FleetModel } from "../fleet/model.js";
import type { KubePort } from "../ports/kube.js";
import { hubLabels } from "../render/labels.js";

export const STATE_CONFIGMAP = "hubfleet-state";
/** Label on objects apply writes for itself; prune leaves them alone. */
export const ROLE_LABEL = "hubfleet.io/role";

export async function writeHubHash(
  kube: KubePort,
  fleet: FleetModel,
  hub: string,
  hash: string,
  chart: string,
): Promise<void> {
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: STATE_CONFIGMAP,
      namespace: hub,
      labels: { ...hubLabels(fleet, hub), [ROLE_LABEL]: "state" },
    },
    data: { hash, chart },
  });
}

/** Every hub's recorded hash, in one listing. */
export async function readHubHashes(kube: KubePort, fleet: string): Promise<Map<string, string>> {
  const maps = await kube.list("v1", "ConfigMap", {
    labelSelector: `app.kubernetes.io/managed-by=hubfleet,hubfleet.io/fleet=${fleet},${ROLE_LABEL}=state`,
  });
  return new Map(
    maps
      .filter((m) => m.metadata.name === STATE_CONFIGMAP && m.metadata.namespace)
      .map((m) => [
        m.metadata.namespace as string,
        (m.data as Record<string, string> | undefined)?.hash ?? "",
      ]),
  );
}

/** namespace/name of every Secret apply created for the fleet, in one listing. */
export async function presentSecrets(kube: KubePort, fleet: string): Promise<Set<string>> {
  const secrets = await kube.list("v1", "Secret", {
    labelSelector: `app.kubernetes.io/managed-by=hubfleet,hubfleet.io/fleet=${fleet}`,
  });
  return new Set(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
}
