/**
 * A kind Cluster (kind.x-k8s.io/v1alpha4) to try a fleet on a laptop: one control-plane node
 * and one worker per node group, with the same labels and taints as on EKS.
 */
import type { FleetModel } from "../../fleet/model.js";
import { NODE_GROUP_NAMES } from "../../fleet/schema.js";
import { toYaml } from "../yaml.js";
import { placement } from "./nodeGroups.js";

/** kind has no taint field; kubeadm's JoinConfiguration registers the node with its taints. */
function taintPatch(group: (typeof NODE_GROUP_NAMES)[number]): string[] {
  const { taints } = placement(group);
  if (taints.length === 0) return [];
  return [
    toYaml({
      kind: "JoinConfiguration",
      nodeRegistration: {
        taints: taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      },
    }),
  ];
}

export function renderKindConfig(fleet: FleetModel): Record<string, unknown> {
  return {
    apiVersion: "kind.x-k8s.io/v1alpha4",
    kind: "Cluster",
    name: fleet.name,
    networking: { serviceSubnet: fleet.cluster.serviceCIDR },
    nodes: [
      { role: "control-plane" },
      ...NODE_GROUP_NAMES.map((group) => {
        const patches = taintPatch(group);
        return {
          role: "worker",
          labels: placement(group).labels,
          ...(patches.length > 0 ? { kubeadmConfigPatches: patches } : {}),
        };
      }),
    ],
  };
}
