/**
 * The labels and taints of the three node groups: the one place they are written down.
 * The eksctl and kind configs, the hub renderers and the test control plane all read them here.
 */
import { groupAllocatable } from "../../fleet/instanceTypes.js";
import type { FleetModel, NodeGroupModel } from "../../fleet/model.js";
import { type AnyNodeGroupName, NODE_GROUP_NAMES, type NodeGroupName } from "../../fleet/schema.js";
import {
  DEDICATED_TAINT,
  NODE_GROUP_LABEL,
  NODE_PURPOSE_LABEL,
  NVIDIA_GPU,
} from "../../vocabulary/labels.js";
export const USER_TAINT = {
  key: DEDICATED_TAINT,
  value: "user",
  effect: "NoSchedule",
} as const;

/**
 * GPU nodes keep other pods off with NVIDIA's usual taint, not z2jh's user taint: the NVIDIA
 * device plugin (which eksctl installs on them) tolerates this one and not z2jh's.
 */
export const GPU_TAINT = { key: NVIDIA_GPU, value: "present", effect: "NoSchedule" } as const;

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface NodeGroupPlacement {
  readonly name: AnyNodeGroupName;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

const PURPOSE: Partial<Record<AnyNodeGroupName, string>> = {
  jhcontrolplane: "core",
  jhusers: "user",
  // GPU servers are user pods: z2jh's required node-purpose affinity must match there too.
  jhgpu: "user",
};

const TAINTS: Partial<Record<AnyNodeGroupName, readonly Taint[]>> = {
  jhusers: [USER_TAINT],
  jhgpu: [GPU_TAINT],
};

export function placement(group: AnyNodeGroupName): NodeGroupPlacement {
  const purpose = PURPOSE[group];
  return {
    name: group,
    labels: { [NODE_GROUP_LABEL]: group, ...(purpose ? { [NODE_PURPOSE_LABEL]: purpose } : {}) },
    taints: TAINTS[group] ?? [],
  };
}

export interface NodeGroupNodes extends NodeGroupPlacement {
  readonly group: NodeGroupModel;
  /** What one node of the group offers to pods, as Kubernetes quantities. */
  readonly allocatable: { readonly cpu: string; readonly memory: string; readonly pods: string };
}

/** Every group of the fleet with its placement and per-node allocatable resources. */
export function nodeGroupNodes(fleet: FleetModel): NodeGroupNodes[] {
  return NODE_GROUP_NAMES.map((name) => {
    const group = fleet.nodeGroups[name];
    const a = groupAllocatable(group);
    if (!a)
      throw new Error(
        `unknown instance type ${group.instanceType} (validation should have caught it)`,
      );
    return {
      ...placement(name),
      group,
      allocatable: { cpu: `${a.cpuMillis}m`, memory: `${a.memoryMiB}Mi`, pods: `${a.pods}` },
    };
  });
}

/** A pod's affinity requiring a node of the group, by the label every group carries. */
export function requireNodeGroup(group: NodeGroupName) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: NODE_GROUP_LABEL, operator: "In", values: [group] }] },
        ],
      },
    },
  };
}
