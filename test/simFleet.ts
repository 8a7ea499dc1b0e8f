/**
 * Fleet-specific pieces for tests on the control plane: simulated nodes from the fleet's node
 * groups, and a user-scheduler configuration for its hubs.
 */
import { join } from "node:path";
import type { FleetModel } from "../src/fleet/model.js";
import { type HelmPort, helmPort } from "../src/ports/helm.js";
import { type KubePort, kubePortFromConfig } from "../src/ports/kube.js";
import { type ControlPlane, startControlPlane } from "./sim/index.js";
import { simNodesForFleet } from "./sim/nodes.js";

export { simNodesForFleet };

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

/**
 * A control plane shaped like the fleet (two core and two user nodes), the fleet's EBS
 * StorageClass served by the test-only provisioner, a user scheduler for its hubs, and
 * hubfleet's ports connected to it.
 */
export async function startFleetCluster(
  fleet: FleetModel,
): Promise<{ cp: ControlPlane; kube: KubePort; helm: HelmPort }> {
  const cp = await startControlPlane({
    nodes: simNodesForFleet(fleet, { jhcontrolplane: 2, jhusers: 2 }),
    serviceCidr: fleet.cluster.serviceCIDR,
    testProvisionerStandInFor: ["ebs.csi.aws.com"],
  });
  try {
    const kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
    const helm = helmPort({
      binary: join(cp.binDir, "helm"),
      kubeconfig: cp.kubeconfigPath,
      env: cp.env,
    });
    await cp.startScheduler({
      name: "user-scheduler",
      configYaml: userSchedulerConfig(fleet.hubs.map((h) => h.name)),
    });
    return { cp, kube, helm };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}
