/**
 * Karpenter as the fleet's autoscaler (tools.autoscaler.engine: karpenter): its controller
 * release on the clustertools group, and a NodePool with an EC2NodeClass for the user group (and
 * the GPU group) whose nodes carry exactly the labels and taints the node groups have, scale up
 * for pending placeholders, and are consolidated only when no user server runs on them.
 */
import { lookupInstanceType } from "../../fleet/instanceTypes.js";
import type { FleetModel, NodeGroupModel } from "../../fleet/model.js";
import { KARPENTER_CHART } from "../../vocabulary/charts.js";
import {
  FLEET_LABEL,
  INSTANCE_TYPE_LABEL,
  NODE_GROUP_LABEL,
  NVIDIA_GPU,
} from "../../vocabulary/labels.js";
import { KARPENTER_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { placement } from "../cluster/nodeGroups.js";
import { clusterToolsNodeSelector, type RenderedTool, toolLabels } from "./tool.js";

export const KARPENTER_RELEASE = "karpenter";

/** The service account eksctl's `karpenter:` block creates, with its IAM role (IRSA). */
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";

export const NODEPOOL_API_VERSION = "karpenter.sh/v1";
export const EC2_NODECLASS_API_VERSION = "karpenter.k8s.aws/v1";

/** The tag on the cluster's subnets and security groups Karpenter's EC2NodeClass selects by. */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/**
 * The node role eksctl's `karpenter:` block creates (eksctl's cfn builder names it
 * eksctl-KarpenterNodeRole-<cluster>); Karpenter's nodes join the cluster as it.
 */
export function karpenterNodeRole(fleet: FleetModel): string {
  return `eksctl-KarpenterNodeRole-${fleet.name}`;
}

/** Whether the fleet's autoscaler is Karpenter (only on EKS: validate refuses it on local). */
export function usesKarpenter(fleet: FleetModel): boolean {
  const settings = fleet.tools.autoscaler;
  return settings.enabled && settings.engine === "karpenter" && fleet.cluster.provider === "eks";
}

/** The groups Karpenter starts nodes for: user servers (and GPU servers). The core groups stay eksctl's. */
export function karpenterGroups(fleet: FleetModel): NodeGroupModel[] {
  return [fleet.nodeGroups.jhusers, ...(fleet.gpuGroup ? [fleet.gpuGroup] : [])];
}

/**
 * What the NodePool may add up to: maxSize nodes of the group's instance type, as cpu, memory
 * (and GPUs). Karpenter has no node count limit; it stops launching once these are reached.
 */
export function nodePoolLimits(group: NodeGroupModel): Record<string, string> {
  const type = lookupInstanceType(group.instanceType);
  if (!type) throw new Error(`unknown instance type ${group.instanceType} (validate reports it)`);
  return {
    cpu: String(type.vcpu * group.maxSize),
    memory: `${type.memoryMiB * group.maxSize}Mi`,
    ...(type.gpus ? { [NVIDIA_GPU]: String(type.gpus * group.maxSize) } : {}),
  };
}

/**
 * The NodePool of one group. Its nodes get the group's labels and taints (placement(): the same
 * source the eksctl config reads), only the group's instance type, zones and capacity type.
 * `nodeClassRef` names the group's EC2NodeClass; the tests point a copy at a KWOKNodeClass.
 */
export function renderNodePool(fleet: FleetModel, group: NodeGroupModel): KubeObject {
  const { labels, taints } = placement(group.name);
  const { consolidationPolicy, disruptionBudget } = fleet.tools.autoscaler.karpenter;
  return {
    apiVersion: NODEPOOL_API_VERSION,
    kind: "NodePool",
    metadata: { name: group.name, labels: toolLabels(fleet, KARPENTER_RELEASE) },
    spec: {
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: group.name },
          ...(taints.length > 0
            ? { taints: taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) }
            : {}),
          requirements: [
            {
              key: INSTANCE_TYPE_LABEL,
              operator: "In",
              values: [group.instanceType],
            },
            {
              key: "karpenter.sh/capacity-type",
              operator: "In",
              values: [group.spot ? "spot" : "on-demand"],
            },
            {
              key: "topology.kubernetes.io/zone",
              operator: "In",
              values: [...group.availabilityZones],
            },
          ],
          // Expiry is forceful in Karpenter v1: it would drain a node past do-not-disrupt pods
          // once their grace period ends. User nodes are replaced by consolidation instead.
          expireAfter: "Never",
        },
      },
      disruption: {
        consolidationPolicy,
        consolidateAfter: fleet.tools.autoscaler.scaleDownUnneededTime,
        budgets: [{ nodes: disruptionBudget }],
      },
      limits: nodePoolLimits(group),
    },
  };
}

/** The EC2NodeClass of one group: AMI, subnets, security groups, disk and the node role. */
export function renderEc2NodeClass(fleet: FleetModel, group: NodeGroupModel): KubeObject {
  return {
    apiVersion: EC2_NODECLASS_API_VERSION,
    kind: "EC2NodeClass",
    metadata: { name: group.name, labels: toolLabels(fleet, KARPENTER_RELEASE) },
    spec: {
      role: karpenterNodeRole(fleet),
      // The EKS-optimized AL2023 image, as the managed groups use (nfs-utils for the drives);
      // Karpenter picks its NVIDIA variant for GPU instance types.
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      // Private subnets only (eksctl tags them for internal load balancers), as the managed
      // groups' privateNetworking.
      subnetSelectorTerms: [
        { tags: { [KARPENTER_DISCOVERY_TAG]: fleet.name, "kubernetes.io/role/internal-elb": "1" } },
      ],
      // The cluster security group EKS creates and tags; managed group nodes use it too.
      securityGroupSelectorTerms: [{ tags: { "aws:eks:cluster-name": fleet.name } }],
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: `${group.volumeSize}Gi`,
            volumeType: "gp3",
            encrypted: true,
            deleteOnTermination: true,
          },
        },
      ],
      ...(group.maxPodsPerNode !== undefined ? { kubelet: { maxPods: group.maxPodsPerNode } } : {}),
      tags: { [FLEET_LABEL]: fleet.name, [NODE_GROUP_LABEL]: group.name },
    },
  };
}

/** Chart values: settings.clusterName, eksctl's service account, placement on clustertools. */
export function karpenterValues(fleet: FleetModel): Record<string, unknown> {
  const { interruptionQueue } = fleet.tools.autoscaler.karpenter;
  return {
    // eksctl creates the account with its IRSA role annotation (karpenter.createServiceAccount
    // false); the chart must not make a second one without it.
    serviceAccount: { create: false, name: KARPENTER_SERVICE_ACCOUNT },
    settings: {
      clusterName: fleet.name,
      // eksctl names the queue after the cluster (withSpotInterruptionQueue).
      ...(interruptionQueue ? { interruptionQueue: fleet.name } : {}),
    },
    // One replica, like the cluster-autoscaler's: the chart's two need two clustertools nodes
    // (hostname anti-affinity), and a restart only pauses scaling for the seconds it takes.
    replicas: 1,
    nodeSelector: { "kubernetes.io/os": "linux", ...clusterToolsNodeSelector() },
    podDisruptionBudget: { name: KARPENTER_RELEASE, maxUnavailable: 1 },
    controller: {
      resources: {
        requests: { cpu: "200m", memory: "512Mi" },
        limits: { memory: "1Gi" },
      },
    },
  };
}

/** The Karpenter release and its NodePools/EC2NodeClasses; nothing unless usesKarpenter(). */
export function renderKarpenter(fleet: FleetModel): RenderedTool[] {
  if (!usesKarpenter(fleet)) return [];
  const settings = fleet.tools.autoscaler.karpenter;
  const objects = karpenterGroups(fleet).flatMap((group) => [
    renderEc2NodeClass(fleet, group),
    renderNodePool(fleet, group),
  ]);
  const manifests: Manifest[] = objects.map((object) => ({
    phase: "after-release",
    tool: KARPENTER_RELEASE,
    object,
  }));
  return [
    {
      name: KARPENTER_RELEASE,
      namespace: KARPENTER_NAMESPACE,
      release: {
        name: KARPENTER_RELEASE,
        namespace: KARPENTER_NAMESPACE,
        chart: { ...KARPENTER_CHART, version: settings.chartVersion ?? KARPENTER_CHART.version },
        values: karpenterValues(fleet),
        tool: KARPENTER_RELEASE,
      },
      manifests,
      secrets: [],
    },
  ];
}
