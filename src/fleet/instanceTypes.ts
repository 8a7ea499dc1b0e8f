/**
 * The AWS instance types hubfleet knows, with what a node of each type offers to pods.
 *
 * Capacity facts are AWS's published vCPU/memory and the VPC CNI's max-pods for each type.
 * Allocatable subtracts what the kubelet reserves on EKS (the amazon-eks-ami formula):
 * CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above;
 * memory 255Mi + 11Mi per pod for kube-reserved, plus a 100Mi hard-eviction threshold.
 */

export interface InstanceType {
  readonly name: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly maxPods: number;
}

const TYPES: readonly InstanceType[] = [
  { name: "t3.medium", vcpu: 2, memoryMiB: 4096, maxPods: 17 },
  { name: "t3.large", vcpu: 2, memoryMiB: 8192, maxPods: 35 },
  { name: "t3.xlarge", vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  { name: "t3.2xlarge", vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  { name: "t3a.medium", vcpu: 2, memoryMiB: 4096, maxPods: 17 },
  { name: "t3a.large", vcpu: 2, memoryMiB: 8192, maxPods: 35 },
  { name: "t3a.xlarge", vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  { name: "t3a.2xlarge", vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  { name: "m5.large", vcpu: 2, memoryMiB: 8192, maxPods: 29 },
  { name: "m5.xlarge", vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  { name: "m5.2xlarge", vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  { name: "m5.4xlarge", vcpu: 16, memoryMiB: 65536, maxPods: 234 },
  { name: "m6i.large", vcpu: 2, memoryMiB: 8192, maxPods: 29 },
  { name: "m6i.xlarge", vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  { name: "m6i.2xlarge", vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  { name: "m6i.4xlarge", vcpu: 16, memoryMiB: 65536, maxPods: 234 },
  { name: "m7i.large", vcpu: 2, memoryMiB: 8192, maxPods: 29 },
  { name: "m7i.xlarge", vcpu: 4, memoryMiB: 16384, maxPods: 58 },
  { name: "m7i.2xlarge", vcpu: 8, memoryMiB: 32768, maxPods: 58 },
  { name: "c5.xlarge", vcpu: 4, memoryMiB: 8192, maxPods: 58 },
  { name: "c5.2xlarge", vcpu: 8, memoryMiB: 16384, maxPods: 58 },
  { name: "r5.large", vcpu: 2, memoryMiB: 16384, maxPods: 29 },
  { name: "r5.xlarge", vcpu: 4, memoryMiB: 32768, maxPods: 58 },
  { name: "r5.2xlarge", vcpu: 8, memoryMiB: 65536, maxPods: 58 },
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

export function allocatable(type: InstanceType): Allocatable {
  return {
    cpuMillis: type.vcpu * 1000 - reservedCpuMillis(type.vcpu),
    memoryMiB: type.memoryMiB - (255 + 11 * type.maxPods) - 100,
    pods: type.maxPods,
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
