/**
 * The eksctl ClusterConfig (eksctl.io/v1alpha5) for an EKS fleet: three managed node groups
 * labelled and tainted as the architecture says, tagged for cluster-autoscaler discovery (with
 * Karpenter: the core groups only, and eksctl's Karpenter roles and queue), and
 * the VPC CNI's pod networking (custom networking when the fleet names cluster.podCIDR).
 */
import { lookupInstanceType, maxPodsOf, podLimit } from "../../fleet/instanceTypes.js";
import type { FleetModel, NodeGroupModel } from "../../fleet/model.js";
import { GPU_GROUP, NODE_GROUP_NAMES } from "../../fleet/schema.js";
import { KARPENTER_CHART } from "../../vocabulary/charts.js";
import { FLEET_LABEL, NVIDIA_GPU } from "../../vocabulary/labels.js";
import { AUTOSCALER_NAMESPACE } from "../../vocabulary/namespaces.js";
import { KARPENTER_DISCOVERY_TAG, karpenterGroups, usesKarpenter } from "../tools/karpenter.js";
import { placement } from "./nodeGroups.js";

export const FLEET_TAG = FLEET_LABEL;

/** The cluster-autoscaler's service account (in kube-system), whoever creates it. */
export const AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

/**
 * Whether eksctl creates the autoscaler's IAM role and service account (IRSA) with the cluster:
 * yes unless the fleet names a role of its own (then the chart creates the account).
 */
export function eksctlCreatesAutoscalerServiceAccount(fleet: FleetModel): boolean {
  const { enabled, engine, roleArn } = fleet.tools.autoscaler;
  return enabled && engine === "cluster-autoscaler" && roleArn === undefined;
}

/**
 * eksctl's iamserviceaccount for the autoscaler, with its well-known policy (describe the ASGs,
 * set their size, terminate their instances). No hubfleet labels: apply would prune what it
 * does not render itself.
 */
function autoscalerServiceAccounts(fleet: FleetModel): Record<string, unknown> {
  if (!eksctlCreatesAutoscalerServiceAccount(fleet)) return {};
  return {
    serviceAccounts: [
      {
        metadata: { name: AUTOSCALER_SERVICE_ACCOUNT, namespace: AUTOSCALER_NAMESPACE },
        wellKnownPolicies: { autoScaler: true },
      },
    ],
  };
}

/** Tags cluster-autoscaler's auto-discovery looks for (--node-group-auto-discovery=asg:tag=...). */
export function autoscalerDiscoveryTags(clusterName: string): Record<string, string> {
  return {
    "k8s.io/cluster-autoscaler/enabled": "true",
    [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned",
  };
}

/**
 * Tags that tell cluster-autoscaler what a node of an empty group would look like, so it can
 * scale jhusers up from zero for a pod that needs its label and tolerates its taint.
 */
function nodeTemplateTags(group: NodeGroupModel): Record<string, string> {
  const { labels, taints } = placement(group.name);
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    tags[`k8s.io/cluster-autoscaler/node-template/label/${key}`] = value;
  }
  for (const taint of taints) {
    tags[`k8s.io/cluster-autoscaler/node-template/taint/${taint.key}`] =
      `${taint.value}:${taint.effect}`;
  }
  // An empty GPU group has no node to show its GPUs: the template says how many a node has.
  const gpus = lookupInstanceType(group.instanceType)?.gpus;
  if (group.name === GPU_GROUP && gpus) {
    tags[`k8s.io/cluster-autoscaler/node-template/resources/${NVIDIA_GPU}`] = String(gpus);
  }
  return tags;
}

function managedNodeGroup(fleet: FleetModel, group: NodeGroupModel): Record<string, unknown> {
  const { labels, taints } = placement(group.name);
  return {
    name: group.name,
    // The EKS-optimized AL2023 image ships nfs-utils, so kubelet can mount the hubs' NFS drives
    // without bootstrap commands (docs/design.md, "NFS client on nodes").
    amiFamily: "AmazonLinux2023",
    ...(group.spot
      ? { instanceTypes: [group.instanceType], spot: true }
      : { instanceType: group.instanceType }),
    minSize: group.minSize,
    maxSize: group.maxSize,
    desiredCapacity: group.desiredCapacity,
    volumeSize: group.volumeSize,
    ...maxPodsPerNode(group),
    volumeType: "gp3",
    availabilityZones: [...group.availabilityZones],
    labels,
    ...(taints.length > 0
      ? { taints: taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) }
      : {}),
    tags: {
      ...autoscalerDiscoveryTags(fleet.name),
      ...nodeTemplateTags(group),
      [FLEET_TAG]: fleet.name,
    },
    propagateASGTags: true,
    privateNetworking: true,
  };
}

/**
/**
 * Kubelet's pod limit, when it is not the AMI's default: the group's maxPodsPerNode, or with
 * custom networking the smaller figure of a node whose primary interface holds no pods (kubelet
 * must be told, or pods beyond the addresses it has would wait for one forever).
 */
function maxPodsPerNode(group: NodeGroupModel): Record<string, number> {
  if (group.maxPodsPerNode === undefined && group.podNetwork !== "custom") return {};
  const type = lookupInstanceType(group.instanceType);
  if (!type) throw new Error(`unknown instance type ${group.instanceType} (validate reports it)`);
  return { maxPodsPerNode: podLimit(type, group) };
}

/**
 * Whether a group asks for more pods per node than the VPC CNI can address one IP at a time:
 * then the CNI hands out /28 prefixes instead (ENABLE_PREFIX_DELEGATION, cluster-wide).
 */
export function needsPrefixDelegation(fleet: FleetModel): boolean {
  const groups = [...NODE_GROUP_NAMES.map((name) => fleet.nodeGroups[name]), fleet.gpuGroup];
  return groups.some((group) => {
    if (!group) return false;
    const type = lookupInstanceType(group.instanceType);
    return type !== undefined && (group.maxPodsPerNode ?? 0) > maxPodsOf(type, group.podNetwork);
  });
}

/**
 * The VPC CNI add-on's configuration (its EKS add-on schema: `enableNetworkPolicy`, `env`,
 * `eniConfig`). It enforces NetworkPolicies only when asked to: hub isolation depends on it.
 * With prefix delegation it hands out /28 prefixes, so maxPodsPerNode can pass the ENI limit.
 * With `cluster.podCIDR`, custom networking: each node's pods take addresses from the ENIConfig
 * named after the node's zone (one per zone, created by the add-on), so no pod has an address
 * in the node range that the NFS servers admit (docs/design.md, "Network isolation").
 */
export function vpcCniConfiguration(fleet: FleetModel): Record<string, unknown> {
  const { podCIDR, podSubnets, region } = fleet.cluster;
  const custom = podCIDR !== undefined && podSubnets !== undefined;
  const prefix = needsPrefixDelegation(fleet);
  const env: Record<string, string> = {
    ...(custom
      ? { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true", ENI_CONFIG_LABEL_DEF: ZONE_LABEL }
      : {}),
    ...(prefix ? { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } : {}),
  };
  const subnets = custom
    ? Object.fromEntries(
        Object.keys(podSubnets)
          .sort()
          .map((zone) => [zone, { id: podSubnets[zone] }]),
      )
    : undefined;
  return {
    enableNetworkPolicy: "true",
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(subnets ? { eniConfig: { create: true, region, subnets } } : {}),
  };
}

/** The well-known node label of a node's zone, which names its ENIConfig. */
const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * eksctl's Karpenter support: the controller's IAM role and service account (IRSA, in the
 * karpenter namespace), the node role and instance profile Karpenter's nodes join as, and the
 * interruption queue. eksctl also installs the chart once; apply then upgrades that release with
 * hubfleet's values (render/tools/karpenter.ts).
 */
function karpenterConfig(fleet: FleetModel): Record<string, unknown> {
  if (!usesKarpenter(fleet)) return {};
  const { chartVersion, interruptionQueue } = fleet.tools.autoscaler.karpenter;
  return {
    karpenter: {
      version: chartVersion ?? KARPENTER_CHART.version,
      createServiceAccount: false,
      withSpotInterruptionQueue: interruptionQueue,
    },
  };
}

/** The managed node groups: all of them, but the ones Karpenter starts nodes for itself. */
function managedGroups(fleet: FleetModel): NodeGroupModel[] {
  const all = [
    ...NODE_GROUP_NAMES.map((name) => fleet.nodeGroups[name]),
    ...(fleet.gpuGroup ? [fleet.gpuGroup] : []),
  ];
  if (!usesKarpenter(fleet)) return all;
  const byKarpenter = new Set(karpenterGroups(fleet).map((group) => group.name));
  return all.filter((group) => !byKarpenter.has(group.name));
}

export function renderEksctlConfig(fleet: FleetModel): Record<string, unknown> {
  const karpenter = usesKarpenter(fleet);
  return {
    apiVersion: "eksctl.io/v1alpha5",
    kind: "ClusterConfig",
    metadata: {
      name: fleet.name,
      region: fleet.cluster.region,
      version: fleet.cluster.kubernetesVersion,
      // eksctl puts these tags on every resource it creates; Karpenter finds the subnets by
      // the discovery tag.
      tags: {
        [FLEET_TAG]: fleet.name,
        ...(karpenter ? { [KARPENTER_DISCOVERY_TAG]: fleet.name } : {}),
      },
    },
    availabilityZones: [...fleet.cluster.availabilityZones],
    kubernetesNetworkConfig: { serviceIPv4CIDR: fleet.cluster.serviceCIDR },
    // Drives admit NFS from the node range, so it is set rather than left to eksctl.
    vpc: { cidr: fleet.cluster.nodeCIDR, nat: { gateway: "Single" } },
    // OIDC lets the autoscaler and Velero use IAM roles for service accounts (IRSA).
    iam: { withOIDC: true, ...autoscalerServiceAccounts(fleet) },
    ...karpenterConfig(fleet),
    addons: [
      { name: "vpc-cni", configurationValues: JSON.stringify(vpcCniConfiguration(fleet)) },
      { name: "coredns" },
      { name: "kube-proxy" },
      // Drives and hub databases are EBS volumes: the CSI driver provisions and attaches them.
      { name: "aws-ebs-csi-driver", wellKnownPolicies: { ebsCSIController: true } },
    ],
    // A GPU group on AmazonLinux2023 gets EKS's NVIDIA AMI (driver and container toolkit), and
    // eksctl installs the NVIDIA device plugin with it (docs/capacity.md, "GPU servers").
    managedNodeGroups: managedGroups(fleet).map((group) => managedNodeGroup(fleet, group)),
  };
}
