/**
 * The AWS instance types hubfleet knows, with what a node of each type offers to pods.
 *
 * Capacity facts are AWS's published vCPU/memory, network interfaces (ENIs) and IPv4 addresses
 * per interface, and the VPC CNI's max-pods for each type: ENIs × (addresses − 1) + 2. With
 * custom networking (pods in subnets of their own) the primary interface holds no pods, so a
 * node takes (ENIs − 1) × (addresses − 1) + 2.
 * Allocatable subtracts what the kubelet reserves on EKS (the amazon-eks-ami formula):
 * CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above;
 * memory 255Mi + 11Mi per pod for kube-reserved, plus a 100Mi hard-eviction threshold.
 */

export interface InstanceType {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  /** Network interfaces an instance may have. */
  readonly enis: number;
  /** Private IPv4 addresses per interface. */
  readonly ipv4PerEni: number;
  /** The VPC CNI's default max pods (eni-max-pods): enis × (ipv4PerEni − 1) + 2. */
  readonly maxPods: number;
}

/** Where pods take addresses: the node's own subnets (the VPC CNI default) or subnets of their own. */
export type PodNetwork = "default" | "custom";

const TYPES: readonly InstanceType[] = [
  { name: "t3.medium", vcpu: 2, memoryMiB: 4096, enis: 3, ipv4PerEni: 6, maxPods: 17 },
  { name: "t3.large", vcpu: 2, memoryMiB: 8192, enis: 3, ipv4PerEni: 12, maxPods: 35 },
  { name: "t3.xlarge", vcpu: 4, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "t3.2xlarge", vcpu: 8, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "t3a.medium", vcpu: 2, memoryMiB: 4096, enis: 3, ipv4PerEni: 6, maxPods: 17 },
  { name: "t3a.large", vcpu: 2, memoryMiB: 8192, enis: 3, ipv4PerEni: 12, maxPods: 35 },
  { name: "t3a.xlarge", vcpu: 4, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "t3a.2xlarge", vcpu: 8, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m5.large", vcpu: 2, memoryMiB: 8192, enis: 3, ipv4PerEni: 10, maxPods: 29 },
  { name: "m5.xlarge", vcpu: 4, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m5.2xlarge", vcpu: 8, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m5.4xlarge", vcpu: 16, memoryMiB: 65536, enis: 8, ipv4PerEni: 30, maxPods: 234 },
  { name: "m6i.large", vcpu: 2, memoryMiB: 8192, enis: 3, ipv4PerEni: 10, maxPods: 29 },
  { name: "m6i.xlarge", vcpu: 4, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m6i.2xlarge", vcpu: 8, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m6i.4xlarge", vcpu: 16, memoryMiB: 65536, enis: 8, ipv4PerEni: 30, maxPods: 234 },
  { name: "m7i.large", vcpu: 2, memoryMiB: 8192, enis: 3, ipv4PerEni: 10, maxPods: 29 },
  { name: "m7i.xlarge", vcpu: 4, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "m7i.2xlarge", vcpu: 8, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "c5.xlarge", vcpu: 4, memoryMiB: 8192, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "c5.2xlarge", vcpu: 8, memoryMiB: 16384, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "r5.large", vcpu: 2, memoryMiB: 16384, enis: 3, ipv4PerEni: 10, maxPods: 29 },
  { name: "r5.xlarge", vcpu: 4, memoryMiB: 32768, enis: 4, ipv4PerEni: 15, maxPods: 58 },
  { name: "r5.2xlarge", vcpu: 8, memoryMiB: 65536, enis: 4, ipv4PerEni: 15, maxPods: 58 },
];

const BY_NAME = new Map(TYPES.map((t) => [t.name, t]));

export const instanceTypeNames: readonly string[] = TYPES.map((t) => t.name);

export function lookupInstanceType(name: string): InstanceType | undefined {
  return BY_NAME.get(name);
}

/** What pods can request on one node of this type, after the kubelet's reserves. */
export interface Allocatable {
  /** millicores */
  readonly cpuMillis: number;
  readonly memoryMiB: number;
  readonly pods: number;
}

/** How many pods a node of this type takes, by where pods get their addresses. */
export function maxPodsOf(type: InstanceType, podNetwork: PodNetwork): number {
  return podNetwork === "custom" ? (type.enis - 1) * (type.ipv4PerEni - 1) + 2 : type.maxPods;
}

/**
 * The kubelet's memory reserve follows the type's default max pods even when a node is told to
 * take fewer (custom networking): the smaller figure would promise memory the node keeps.
 */
export function allocatable(type: InstanceType, podNetwork: PodNetwork = "default"): Allocatable {
  return {
    cpuMillis: type.vcpu * 1000 - reservedCpuMillis(type.vcpu),
    memoryMiB: type.memoryMiB - (255 + 11 * type.maxPods) - 100,
    pods: maxPodsOf(type, podNetwork),
  };
}

function reservedCpuMillis(vcpu: number): number {
  const steps: ReadonlyArray<readonly [number, number]> = [
    [1, 60],
    [1, 10],
    [2, 5],
  ];
  let left = vcpu;
  let reserved = 0;
  for (const [cores, millisPerCore] of steps) {
    const n = Math.min(left, cores);
    reserved += n * millisPerCore;
    left -= n;
  }
  return reserved + left * 2.5;
}
