/**
 * The labels and taints of the three node groups: the one place they are written down.
 * The eksctl and kind configs, the hub renderers and the test control plane all read them here.
 */
import { allocatable, lookupInstanceType } from "../../fleet/instanceTypes.js";
import type { FleetModel, NodeGroupModel } from "../../fleet/model.js";
import { NODE_GROUP_NAMES, type NodeGroupName } from "../../fleet/schema.js";
import { DEDICATED_TAINT, NODE_GROUP_LABEL, NODE_PURPOSE_LABEL } from "../../vocabulary/labels.js";
export const USER_TAINT = {
  key: DEDICATED_TAINT,
  value: "user",
  effect: "NoSchedule",
} as const;

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface NodeGroupPlacement {
  readonly name: NodeGroupName;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

const PURPOSE: Partial<Record<NodeGroupName, string>> = {
  jhcontrolplane: "core",
  jhusers: "user",
};

export function placement(group: NodeGroupName): NodeGroupPlacement {
  const purpose = PURPOSE[group];
  return {
    name: group,
    labels: { [NODE_GROUP_LABEL]: group, ...(purpose ? { [NODE_PURPOSE_LABEL]: purpose } : {}) },
    taints: group === "jhusers" ? [USER_TAINT] : [],
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
    const type = lookupInstanceType(group.instanceType);
    if (!type)
      throw new Error(
        `unknown instance type ${group.instanceType} (validation should have caught it)`,
      );
    const a = allocatable(type, group.podNetwork);
    return {
      ...placement(name),
      group,
      allocatable: { cpu: `${a.cpuMillis}m`, memory: `${a.memoryMiB}Mi`, pods: `${a.pods}` },
    };
  });
}
