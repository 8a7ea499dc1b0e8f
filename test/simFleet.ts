/**
 * Fleet-specific pieces for tests on the control plane: simulated nodes from the fleet's node
 * groups, and a user-scheduler configuration for its hubs.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ControlPlane, startControlPlane } from "../sim/index.js";
import { simNodesForFleet } from "../sim/nodes.js";
import type { FleetModel } from "../src/fleet/model.js";
import { type HelmPort, helmPort } from "../src/ports/helm.js";
import { type KubePort, kubePortFromConfig } from "../src/ports/kube.js";
import { renderTools } from "../src/render/tools/index.js";
import { provideHubSecrets } from "./hubSecrets.js";

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
 * A control plane shaped like the fleet (two user nodes, a core node per two hubs and at least
 * two), the fleet's EBS StorageClass served by the test-only provisioner, a user scheduler for
 * its hubs, the Secrets its hubs reference (test/hubSecrets.ts), and hubfleet's ports.
 */
export async function startFleetCluster(
  fleet: FleetModel,
  options: { podCidr?: string; coreNodes?: number } = {},
): Promise<{ cp: ControlPlane; kube: KubePort; helm: HelmPort }> {
  const cp = await startControlPlane({
    // Core nodes enough for every hub's core pods to run (apply waits for them): two hubs a node.
    nodes: simNodesForFleet(fleet, {
      // The bench's big fleets pass fewer, bigger-node counts: kwok nodes cost the apiserver.
      jhcontrolplane: options.coreNodes ?? Math.max(2, Math.ceil(fleet.hubs.length / 2)),
      jhusers: 2,
    }),
    serviceCidr: fleet.cluster.serviceCIDR,
    // The real-hub harness gives pods loopback addresses (127.64.0.0/16) that one local
    // listener answers for (test/hub/README.md).
    ...(options.podCidr ? { podCidr: options.podCidr } : {}),
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
    // What the operator does before the first apply (see README, "Providing the secrets").
    await provideHubSecrets(kube, fleet);
    return { cp, kube, helm };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

const chartDir = (name: string) =>
  fileURLToPath(new URL(`./fixtures/charts/${name}`, import.meta.url));

/**
 * Chart name → local stand-in chart for everything a fleet installs: z2jh's stand-in for the
 * hubs, the tool stand-in for every enabled cluster tool (the public repositories are
 * unreachable here).
 */
export function standinCharts(fleet: FleetModel): Map<string, string> {
  return new Map([
    ["jupyterhub", chartDir("z2jh-standin")],
    ...renderTools(fleet).map((t): [string, string] => [
      t.release.chart.name,
      chartDir("tool-standin"),
    ]),
  ]);
}

/** What `hubfleet backup-setup` writes for Velero (a stand-in key: no AWS here). */
export async function writeVeleroCredentialsStandIn(
  kube: KubePort,
  fleet: FleetModel,
): Promise<void> {
  await kube.apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "velero" },
  });
  await kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "hubfleet-velero-credentials",
      namespace: "velero",
      labels: {
        "app.kubernetes.io/managed-by": "hubfleet",
        "hubfleet.io/fleet": fleet.name,
        "hubfleet.io/tool": "velero",
      },
    },
    type: "Opaque",
    stringData: {
      cloud: "[default]\naws_access_key_id = AKIASTANDIN\naws_secret_access_key = standin\n",
    },
  });
}
