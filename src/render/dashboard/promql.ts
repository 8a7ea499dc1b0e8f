/**
 * PromQL pieces the fleet dashboard is built from: selectors, the hub filter, and the joins
 * that attach pod labels and node groups to resource metrics. Metric and label names are the
 * upstream exporters' (JupyterHub 5.x, kube-state-metrics v2, kubelet/cAdvisor).
 */
import { NODE_GROUP_LABEL } from "../../vocabulary/labels.js";

export const HUB_VARIABLE = "hub";

/** Keeps series of the hubs chosen in the hub variable (one hub = one namespace). */
export const IN_SELECTED_HUBS = `namespace=~"$${HUB_VARIABLE}"`;

/** Pod label z2jh's KubeSpawner puts on every user server pod. */
export const USER_SERVER_POD = `${kubeStateLabel("component")}="singleuser-server"`;

/** kube-state-metrics' name for a Kubernetes label in kube_*_labels (only allowlisted keys appear). */
export function kubeStateLabel(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

export const NODE_GROUP = kubeStateLabel(NODE_GROUP_LABEL);

export function selector(metric: string, ...matchers: string[]): string {
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(", ")}}`;
}

/** Real containers only: cAdvisor also reports each pod's cgroup (container="") and old runtimes' pause container. */
export const CONTAINERS = ['container!=""', 'container!="POD"'] as const;

/** `expr`, restricted to user server pods of the selected hubs. */
export function onUserServers(expr: string): string {
  return `${expr} and on (namespace, pod) ${selector("kube_pod_labels", IN_SELECTED_HUBS, USER_SERVER_POD)}`;
}

/** Attaches the node group label to a vector that has a `node` label; drops nodes of no group. */
export function withNodeGroup(expr: string): string {
  return `${operand(expr)} * on (node) group_left (${NODE_GROUP}) ${selector("kube_node_labels", `${NODE_GROUP}!=""`)}`;
}

/** Attaches each pod's node (from kube_pod_info) to a vector with namespace and pod labels. */
export function withPodNode(expr: string): string {
  return `${operand(expr)} * on (namespace, pod) group_left (node) max by (namespace, pod, node) (${selector("kube_pod_info", 'node!=""')})`;
}

/** `expr` as the left operand of `*`: bracketed unless it is a bare selector or a call. */
function operand(expr: string): string {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$/.test(expr) ? expr : `(${expr})`;
}

export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(", ")}) (${expr})`;
}

/** The q-quantile of a histogram's buckets rated over `window`, per `by` label set. */
export function histogramQuantile(options: {
  q: number;
  metric: string;
  matchers: readonly string[];
  by: readonly string[];
  window: string;
}): string {
  const rate = `rate(${selector(`${options.metric}_bucket`, ...options.matchers)}[${options.window}])`;
  return `histogram_quantile(${options.q}, ${sumBy([...options.by, "le"], rate)})`;
}

/** Allocatable `resource` (cpu or memory) per node group. */
export function allocatablePerGroup(resource: "cpu" | "memory"): string {
  return sumBy(
    [NODE_GROUP],
    withNodeGroup(selector("kube_node_status_allocatable", `resource="${resource}"`)),
  );
}
