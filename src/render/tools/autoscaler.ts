/**
 * The cluster-autoscaler release: finds the three node groups by the tags the eksctl config sets,
 * runs the autoscaler build made for the cluster's Kubernetes minor, and scales down in a way that
 * never takes a hub, proxy, drive or running user server away.
 */
import type { FleetModel } from "../../fleet/model.js";
import type { NodeGroupName, SUPPORTED_KUBERNETES_VERSIONS } from "../../fleet/schema.js";
import { AUTOSCALER_CHART } from "../../vocabulary/charts.js";
import { ROLE_ARN_ANNOTATION, SAFE_TO_EVICT } from "../../vocabulary/labels.js";
import { AUTOSCALER_NAMESPACE } from "../../vocabulary/namespaces.js";
import { AUTOSCALER_SERVICE_ACCOUNT, autoscalerDiscoveryTags } from "../cluster/eksctl.js";
import { clusterToolsNodeSelector, type RenderedTool } from "./tool.js";

export const AUTOSCALER_RELEASE = "cluster-autoscaler";

export const AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler";

type KubernetesMinor = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];

/**
 * The newest released autoscaler per Kubernetes minor (git tags cluster-autoscaler-<x.y.z>).
 * The autoscaler simulates the scheduler of its own minor, so it must match the control plane's.
 * Typed by the supported minors: adding a minor to the schema fails to compile until it is here.
 */
export const AUTOSCALER_IMAGE_TAGS: Readonly<Record<KubernetesMinor, string>> = {
  "1.32": "v1.32.7",
  "1.33": "v1.33.6",
  "1.34": "v1.34.5",
  "1.35": "v1.35.2",
  "1.36": "v1.36.1",
};

/**
 * Pods with a priority below this never cause a scale-up. z2jh's user placeholders run at -10
 * (scheduling.podPriority.userPlaceholderPriority): exactly at the cutoff, so they still make
 * the autoscaler add the warm nodes they stand for. Written out so that contract is visible.
 */
export const EXPENDABLE_PODS_PRIORITY_CUTOFF = -10;

/**
 * Priority expander: among groups that could take a pending pod, the highest number wins. Only
 * pods without a node-group requirement can choose; they go to clustertools rather than
 * jhcontrolplane, whose nodes rarely come back down (drives and hubs are never evicted). The
 * regexes match ASG names (managed groups: eks-<group>-<uuid>); ".*" keeps any other group usable.
 */
const GROUP_PRIORITIES: ReadonlyArray<readonly [number, NodeGroupName | undefined]> = [
  [30, "jhusers"],
  [20, "clustertools"],
  [10, "jhcontrolplane"],
  [1, undefined],
];

export function autoscalerImageTag(fleet: FleetModel): string {
  return fleet.tools.autoscaler.imageTag ?? AUTOSCALER_IMAGE_TAGS[fleet.cluster.kubernetesVersion];
}

/** The priority expander's ConfigMap content as the chart's expanderPriorities value. */
export function expanderPriorities(): Record<string, string[]> {
  return Object.fromEntries(
    GROUP_PRIORITIES.map(([priority, group]) => [
      String(priority),
      [group ? `.*-${group}-.*` : ".*"],
    ]),
  );
}

function extraArgs(fleet: FleetModel): Record<string, string | number | boolean> {
  const settings = fleet.tools.autoscaler;
  return {
    // Ties between equally preferred groups go to the one that wastes least.
    expander: settings.expander === "priority" ? "priority,least-waste" : "least-waste",
    "scale-down-unneeded-time": settings.scaleDownUnneededTime,
    "scale-down-delay-after-add": settings.scaleDownDelayAfterAdd,
    "balance-similar-node-groups": true,
    // Hub, proxy and drive are kept by their safe-to-evict=false annotation and user servers by
    // having no controller; emptyDir here is only tools' scratch space and must not pin nodes.
    "skip-nodes-with-local-storage": false,
    // The default, written out: only kube-system pods without a PodDisruptionBudget hold their
    // node (coredns and the EBS CSI controller have one, so they move).
    "skip-nodes-with-system-pods": true,
    "expendable-pods-priority-cutoff": EXPENDABLE_PODS_PRIORITY_CUTOFF,
  };
}

function serviceAccount(fleet: FleetModel): Record<string, unknown> {
  const { roleArn } = fleet.tools.autoscaler;
  // Without a role of the fleet's own, eksctl creates role and service account together when
  // it creates the cluster (see eksctlCreatesAutoscalerServiceAccount); the chart uses that one.
  if (roleArn === undefined) return { create: false, name: AUTOSCALER_SERVICE_ACCOUNT };
  return {
    create: true,
    name: AUTOSCALER_SERVICE_ACCOUNT,
    annotations: { [ROLE_ARN_ANNOTATION]: roleArn },
  };
}

function autoscalerValues(fleet: FleetModel): Record<string, unknown> {
  const discovery = Object.entries(autoscalerDiscoveryTags(fleet.name)).map(
    ([key, value]) => `${key}=${value}`,
  );
  return {
    fullnameOverride: AUTOSCALER_RELEASE,
    cloudProvider: "aws",
    awsRegion: fleet.cluster.region,
    autoDiscovery: { clusterName: fleet.name, tags: discovery },
    image: { repository: AUTOSCALER_IMAGE, tag: autoscalerImageTag(fleet) },
    rbac: { serviceAccount: serviceAccount(fleet) },
    extraArgs: extraArgs(fleet),
    ...(fleet.tools.autoscaler.expander === "priority"
      ? { expanderPriorities: expanderPriorities() }
      : {}),
    replicaCount: 1,
    nodeSelector: clusterToolsNodeSelector(),
    priorityClassName: "system-cluster-critical",
    // Evicting the autoscaler in the middle of a scale-down leaves a node cordoned.
    podAnnotations: { [SAFE_TO_EVICT]: "false" },
    // One replica may be evicted: a drain of its node (e.g. an upgrade) must go through.
    podDisruptionBudget: { maxUnavailable: 1 },
    resources: {
      requests: { cpu: "100m", memory: "300Mi" },
      limits: { memory: "600Mi" },
    },
  };
}

/**
 * The autoscaler release on EKS; nothing when it is turned off, Karpenter is the engine
 * (render/tools/karpenter.ts) or the cluster is local (kind).
 */
export function renderAutoscaler(fleet: FleetModel): RenderedTool[] {
  const settings = fleet.tools.autoscaler;
  if (!settings.enabled || settings.engine !== "cluster-autoscaler") return [];
  if (fleet.cluster.provider !== "eks") return [];
  return [
    {
      name: AUTOSCALER_RELEASE,
      namespace: AUTOSCALER_NAMESPACE,
      release: {
        name: AUTOSCALER_RELEASE,
        namespace: AUTOSCALER_NAMESPACE,
        chart: { ...AUTOSCALER_CHART, version: settings.chartVersion ?? AUTOSCALER_CHART.version },
        values: autoscalerValues(fleet),
        tool: AUTOSCALER_RELEASE,
      },
      manifests: [],
      secrets: [],
    },
  ];
}
