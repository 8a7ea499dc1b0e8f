/**
 * Fleet-specific pieces for tests on the control plane: simulated nodes from the fleet's node
 * groups, and a user-scheduler configuration for its hubs.
 */
export { simNodesForFleet } from "./sim/nodes.js";

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
