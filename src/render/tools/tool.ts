/**
 * What a cluster tool renders to, and where tool pods may run: the shared vocabulary of the
 * tool renderers (ingress, cert-manager, autoscaler, monitoring, backups).
 */
import type { FleetModel } from "../../fleet/model.js";
import { NODE_GROUP_LABEL, TOOL_LABEL } from "../../vocabulary/labels.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { HelmRelease, JsonDocument, Manifest, SecretRequest } from "../bundle.js";
import { fleetLabels } from "../labels.js";

export interface RenderedTool {
  /** Release name; also the folder under DIR/tools/. */
  readonly name: string;
  readonly namespace: string;
  readonly release: HelmRelease;
  /** Objects hubfleet applies itself around the release (phase says when). */
  readonly manifests: readonly Manifest[];
  readonly secrets: readonly SecretRequest[];
  /** Extra JSON files for the render output (e.g. dashboards/jupyterhub-fleet.json). */
  readonly documents?: readonly JsonDocument[];
}

/** nodeSelector that pins a tool pod to the clustertools group. */
export function clusterToolsNodeSelector(): Record<string, string> {
  return { [NODE_GROUP_LABEL]: "clustertools" };
}

/** Tolerations of per-node agents (node exporter, Velero's node agent): every node, every taint. */
export const EVERY_NODE_TOLERATIONS: ReadonlyArray<Record<string, string>> = [
  { operator: "Exists" },
];

export function toolLabels(fleet: FleetModel, tool: string): Record<string, string> {
  return { ...fleetLabels(fleet), [TOOL_LABEL]: tool };
}

/** Prometheus rule groups as a PrometheusRule in cluster-tools (the operator loads every one). */
export function prometheusRule(
  fleet: FleetModel,
  tool: string,
  name: string,
  groups: ReadonlyArray<{ readonly name: string; readonly rules: readonly object[] }>,
): KubeObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name, namespace: TOOLS_NAMESPACE, labels: toolLabels(fleet, tool) },
    spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r })) })) },
  };
}
