/**
 * What a cluster tool renders to, and where tool pods may run: the shared vocabulary of the
 * tool renderers (ingress, cert-manager, autoscaler, monitoring, backups).
 */
import type { FleetModel } from "../../fleet/model.js";
import type { HelmRelease, JsonDocument, Manifest, SecretRequest } from "../bundle.js";
import { NODE_GROUP_LABEL } from "../cluster/nodeGroups.js";
import { fleetLabels } from "../labels.js";

/** Namespaces of the tools, as in the original setup. */
export const TOOLS_NAMESPACE = "cluster-tools";
export const AUTOSCALER_NAMESPACE = "kube-system";
export const VELERO_NAMESPACE = "velero";

/** The IRSA annotation that names the IAM role a service account's pods act as. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";

/** Label on every object hubfleet renders for a tool (its release name). */
export const TOOL_LABEL = "hubfleet.io/tool";

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
