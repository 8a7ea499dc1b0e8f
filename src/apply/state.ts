/**
 * What apply records in the cluster about each hub: the hash of the desired state it last
 * applied successfully (a ConfigMap in the hub's namespace).
 */
import type { FleetModel } from "../fleet/model.js";
import type { KubePort } from "../ports/kube.js";
import type { HelmRelease } from "../render/bundle.js";
import { hubLabels } from "../render/labels.js";
import { toolLabels } from "../render/tools/tool.js";
import { ROLE_LABEL, TOOL_LABEL } from "../vocabulary/labels.js";

export const STATE_CONFIGMAP = "hubfleet-state";

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

/**
 * Blanks a recorded hash (the ConfigMap stays, with its labels): the next apply will not take
 * the unit for unchanged. Nothing to do when there is no record.
 */
export async function forgetHash(
  kube: KubePort,
  ref: { namespace: string; name: string },
): Promise<void> {
  const target = { apiVersion: "v1", kind: "ConfigMap", ...ref };
  if (!(await kube.get(target))) return;
  await kube.mergePatch(target, { data: { hash: "" } });
}

/** A cluster tool's recorded state: a ConfigMap of its own in the tool's namespace. */
export function toolStateName(tool: string): string {
  return `${STATE_CONFIGMAP}-${tool}`;
}

/** Key of a tool in the recorded-hash map (hub names never contain "/"). */
export function toolKey(tool: string): string {
  return `tools/${tool}`;
}

export async function writeToolHash(
  kube: KubePort,
  fleet: FleetModel,
  release: HelmRelease,
  hash: string,
): Promise<void> {
  await kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: toolStateName(release.name),
      namespace: release.namespace,
      labels: { ...toolLabels(fleet, release.name), [ROLE_LABEL]: "state" },
    },
    data: { hash, chart: `${release.chart.name}-${release.chart.version}` },
  });
}

/** Every hub's (and tool's, keyed "tools/<release>") recorded hash, in one listing. */
export async function readHubHashes(kube: KubePort, fleet: string): Promise<Map<string, string>> {
  const maps = await kube.list("v1", "ConfigMap", {
    labelSelector: `app.kubernetes.io/managed-by=hubfleet,hubfleet.io/fleet=${fleet},${ROLE_LABEL}=state`,
  });
  const hashes = new Map<string, string>();
  for (const m of maps) {
    const hash = (m.data as Record<string, string> | undefined)?.hash ?? "";
    const tool = m.metadata.labels?.[TOOL_LABEL];
    if (tool !== undefined && m.metadata.name === toolStateName(tool)) {
      hashes.set(toolKey(tool), hash);
    } else if (m.metadata.name === STATE_CONFIGMAP && m.metadata.namespace) {
      hashes.set(m.metadata.namespace, hash);
    }
  }
  return hashes;
}

/** namespace/name of every Secret apply created for the fleet, in one listing. */
export async function presentSecrets(kube: KubePort, fleet: string): Promise<Set<string>> {
  const secrets = await kube.list("v1", "Secret", {
    labelSelector: `app.kubernetes.io/managed-by=hubfleet,hubfleet.io/fleet=${fleet}`,
  });
  return new Set(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
}
