/**
 * The AWS instance types hubfleet knows, with what a node of each type offers to pods.
 *
 * The facts (vCPU, memory, architecture, GPUs, the VPC CNI's max pods without and with prefix
 * delegation, on-demand prices per region) are read from data/instance-types.json, which
 * scripts/gen-instance-types.ts generates from pinned, dated public sources named in the file.
 * Network interfaces (ENIs) and IPv4 addresses per interface give the VPC CNI's max pods:
 * ENIs × (addresses − 1) + 2. With custom networking (pods in subnets of their own) the primary
 * interface holds no pods, so a node takes (ENIs − 1) × (addresses − 1) + 2.
 * Allocatable subtracts what the kubelet reserves on EKS (the amazon-eks-ami formula):
 * CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above;
 * memory 255Mi + 11Mi per pod for kube-reserved, plus a 100Mi hard-eviction threshold.
 */
import { readFileSync } from "node:fs";
import { closest } from "./schemaIssues.js";

export interface InstanceType {
  readonly name: string;
  readonly category: "general" | "compute" | "memory" | "gpu";
  readonly arch: "x86_64" | "arm64";
  readonly vcpu: number;
  readonly memoryMiB: number;
  /** Network interfaces an instance may have (absent where the source gives none). */
  readonly enis?: number;
  /** Private IPv4 addresses per interface. */
  readonly ipv4PerEni?: number;
  /** The VPC CNI's limit with one address per pod (eni-max-pods.txt). */
  readonly maxPods: number;
  /** EKS's recommended limit with prefix delegation on (the same as maxPods off Nitro). */
  readonly maxPodsPrefixDelegation: number;
  readonly gpus?: number;
  readonly gpuModel?: string;
  readonly gpuMemoryGiB?: number;
  /** On-demand Linux USD per hour, by region, where the sources give one. */
  readonly prices: Readonly<Record<string, number>>;
}

export interface InstanceTypeSource {
  readonly module: string;
  readonly date: string;
  readonly files: readonly string[];
  readonly gives: string;
}

/** Where pods take addresses: the node's own subnets (the VPC CNI default) or subnets of their own. */
export type PodNetwork = "default" | "custom";

export interface InstanceTypeTable {
  readonly generatedBy: string;
  readonly sources: Readonly<Record<string, InstanceTypeSource>>;
  readonly prefixDelegation: string;
  /** Which source gives each region's prices (a key of `sources`). */
  readonly priceSourceByRegion: Readonly<Record<string, string>>;
  readonly types: readonly InstanceType[];
}

let loaded: { table: InstanceTypeTable; byName: Map<string, InstanceType> } | undefined;

/**
 * The generated table, read once. It ships beside src/ and dist/ (two levels up from this
 * module in both), like a module import; read lazily so commands that never look at an
 * instance type do not pay for parsing it.
 */
export function instanceTypeTable(): InstanceTypeTable {
  if (!loaded) {
    const table = JSON.parse(
      readFileSync(new URL("../../data/instance-types.json", import.meta.url), "utf8"),
    ) as InstanceTypeTable;
    loaded = { table, byName: new Map(table.types.map((t) => [t.name, t])) };
  }
  return loaded.table;
}

export function instanceTypeNames(): readonly string[] {
  return instanceTypeTable().types.map((t) => t.name);
}

export function lookupInstanceType(name: string): InstanceType | undefined {
  instanceTypeTable();
  return loaded?.byName.get(name);
}

/** The message and hint for a name the table does not hold: the closest one it does. */
export function unknownInstanceType(name: string): { message: string; hint: string } {
  const near = closest(name, instanceTypeNames());
  return {
    message: `unknown instance type "${name}"`,
    hint: near
      ? `did you mean "${near}"? (hubfleet knows ${instanceTypeNames().length} current m, c, r, t, x, z, g and p types: data/instance-types.json)`
      : `pick one of the ${instanceTypeNames().length} current m, c, r, t, x, z, g and p types in data/instance-types.json, e.g. t3a.large, m7i.xlarge, m7g.xlarge, g5.xlarge`,
  };
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
  if (podNetwork === "default" || type.enis === undefined || type.ipv4PerEni === undefined)
    return type.maxPods;
  return (type.enis - 1) * (type.ipv4PerEni - 1) + 2;
}

/**
 * Allocatable of a node of this type running `maxPods` pods at most (kubelet's maxPods: the
 * group's maxPodsPerNode, or by default the VPC CNI's limit). Kubelet reserves memory per pod;
 * the reserve follows the larger of the type's default max pods and `maxPods`, so a node told
 * to take fewer (custom networking) is not promised memory it may keep.
 */
export function allocatable(type: InstanceType, maxPods: number = type.maxPods): Allocatable {
  return {
    cpuMillis: type.vcpu * 1000 - reservedCpuMillis(type.vcpu),
    memoryMiB: type.memoryMiB - (255 + 11 * Math.max(type.maxPods, maxPods)) - 100,
    pods: maxPods,
  };
}

/**
 * kubelet's maxPods on a node of a group: its maxPodsPerNode, or the VPC CNI's limit for the
 * group's pod network.
 */
export function podLimit(
  type: InstanceType,
  group: { readonly maxPodsPerNode?: number | undefined; readonly podNetwork?: PodNetwork },
): number {
  return group.maxPodsPerNode ?? maxPodsOf(type, group.podNetwork ?? "default");
}

/** A node group's per-node allocatable, or undefined for a type the table does not hold. */
export function groupAllocatable(group: {
  readonly instanceType: string;
  readonly maxPodsPerNode?: number | undefined;
  readonly podNetwork?: PodNetwork;
}): Allocatable | undefined {
  const type = lookupInstanceType(group.instanceType);
  return type ? allocatable(type, podLimit(type, group)) : undefined;
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
