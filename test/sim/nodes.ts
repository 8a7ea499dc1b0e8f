// Simulated (kwok-managed) nodes. `defaultSimNodes()` is the one place that knows the
// default node groups; it is meant to be replaced by a bridge to the fleet renderer, so keep
// it isolated and keep everything else generic over `SimNode`.

export interface SimTaint {
  key: string;
  value?: string;
  effect: string;
}

export interface SimNode {
  name: string;
  labels: Record<string, string>;
  taints: SimTaint[];
  allocatable: { cpu: string; memory: string; pods: string };
}

/** The annotation kwok is started to select (`--manage-nodes-with-annotation-selector`). */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const KWOK_NODE_ANNOTATION_VALUE = "fake";

/**
 * One node per node group of DESIGN.md §2 (clustertools, jhcontrolplane, jhusers) with
 * allocatable resources close to what EKS reports for the original instance types
 * (t3a.medium for the core groups, t3a.large for users).
 */
export function defaultSimNodes(): SimNode[] {
  const t3aMedium = { cpu: "1930m", memory: "3442Mi", pods: "17" };
  const t3aLarge = { cpu: "1930m", memory: "7330Mi", pods: "35" };
  const group = (name: string, instanceType: string): Record<string, string> => ({
    "hubfleet.io/node-group": name,
    "node.kubernetes.io/instance-type": instanceType,
  });
  return [
    {
      name: "clustertools-0",
      labels: group("clustertools", "t3a.medium"),
      taints: [],
      allocatable: t3aMedium,
    },
    {
      name: "jhcontrolplane-0",
      labels: { ...group("jhcontrolplane", "t3a.medium"), "hub.jupyter.org/node-purpose": "core" },
      taints: [],
      allocatable: t3aMedium,
    },
    {
      name: "jhusers-0",
      labels: { ...group("jhusers", "t3a.large"), "hub.jupyter.org/node-purpose": "user" },
      taints: [{ key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" }],
      allocatable: t3aLarge,
    },
  ];
}

/**
 * The Node object for a SimNode. Status (allocatable/capacity/addresses/nodeInfo) is sent
 * with the create, as a kubelet does when it registers; kwok's node-initialize stage keeps
 * it and sets the conditions.
 */
export function simNodeManifest(node: SimNode, index: number, kubeletVersion: string): unknown {
  const ip = `10.255.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
        ...node.labels,
      },
      annotations: {
        [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE,
        "node.alpha.kubernetes.io/ttl": "0",
      },
    },
    spec: {
      taints: node.taints.map((t) => ({
        key: t.key,
        ...(t.value !== undefined ? { value: t.value } : {}),
        effect: t.effect,
      })),
    },
    status: {
      allocatable: { ...node.allocatable },
      capacity: { ...node.allocatable },
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: node.name },
      ],
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        kubeletVersion,
        kubeProxyVersion: kubeletVersion,
        containerRuntimeVersion: "kwok://simulated",
        kernelVersion: "simulated",
        osImage: "kwok simulated node",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
}
