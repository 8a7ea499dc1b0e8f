/**
 * Bridges the fleet renderer and the test control plane: the simulated nodes are the fleet's
 * node groups with exactly the labels, taints and allocatable resources the renderer defines.
 */
import type { FleetModel } from "../src/fleet/model.js";
import { nodeGroupNodes } from "../src/render/cluster/nodeGroups.js";
import type { SimNode } from "./sim/index.js";

export function simNodesForFleet(
  fleet: FleetModel,
  perGroup: Partial<Record<string, number>> = {},
): SimNode[] {
  return nodeGroupNodes(fleet).flatMap((group) =>
    Array.from({ length: perGroup[group.name] ?? 1 }, (_, i) => ({
      name: `${group.name}-${i}`,
      labels: { ...group.labels, "node.kubernetes.io/instance-type": group.group.instanceType },
      taints: group.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      allocatable: { ...group.allocatable },
    })),
  );
}

/**
 * A scheduler configuration with one profile per hub named like z2jh's user scheduler
 * (`<release>-user-scheduler`), packing user pods onto the fullest nodes.
 */
export function userSchedulerConfig(hubs: readonly string[]): string {
  const profiles = hubs
    .map(
      (hub) => `  - schedulerName: ${hub}-user-scheduler
    plugins:
      score:
        disabled:
          - name: NodeResourcesBalancedAllocation
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated
            resources:
              - name: cpu
                weight: 1
              - name: memory
                weight: 1`,
    )
    .join("\n");
  return `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: false
profiles:
${profiles}
`;
}
