/**
 * Fleet-specific pieces for tests on the control plane: simulated nodes from the fleet's node
 * groups, and the fleet's user-scheduler run from the configuration hubfleet renders.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ControlPlane, type SimScheduler, startControlPlane } from "../sim/index.js";
import { simNodesForFleet } from "../sim/nodes.js";
import type { FleetModel } from "../src/fleet/model.js";
import { type HelmPort, helmPort } from "../src/ports/helm.js";
import { type KubePort, kubePortFromConfig } from "../src/ports/kube.js";
import { renderFleet } from "../src/render/index.js";
import { SCHEDULER_CONFIG_KEY, SHARED_SCHEDULER_NAME } from "../src/render/shared/index.js";
import { renderTools } from "../src/render/tools/index.js";
import { SHARED_NAMESPACE } from "../src/vocabulary/namespaces.js";
import { provideHubSecrets } from "./hubSecrets.js";

export { simNodesForFleet };

/** User nodes of the control plane startFleetCluster starts. */
export const SIM_USER_NODES = 3;

/**
 * A scheduler configuration with one profile per hub named like z2jh's per-hub user scheduler
 * (`<release>-user-scheduler`), packing user pods onto the fullest nodes: what hubs rendered
 * before the fleet had its own scheduler ran (the migration test starts it for the old release).
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
 * A control plane shaped like the fleet (three user nodes, a core node per two hubs and at least
 * two), the fleet's EBS StorageClass served by the test-only provisioner, the fleet's
 * user-scheduler (started once apply has created its account), the Secrets its hubs reference
 * (test/hubSecrets.ts), and hubfleet's ports.
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
      // Three: the fleet's scheduler packs (MostAllocated), so the example's placeholders
      // (4 × 250m and 2 × 1000m) can leave two nodes too fragmented for the last one.
      jhusers: SIM_USER_NODES,
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
    startSharedSchedulerWhenApplied(cp, fleet);
    // What the operator does before the first apply (see README, "Providing the secrets").
    await provideHubSecrets(kube, fleet);
    return { cp, kube, helm };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

/** The fleet's user-scheduler as rendered: its ConfigMap's configuration, its Deployment's flags. */
export function renderedSharedScheduler(fleet: FleetModel): { configYaml: string; args: string[] } {
  const objects = renderFleet(fleet).sharedManifests.map((m) => m.object);
  const find = (kind: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === SHARED_SCHEDULER_NAME);
    if (!o) throw new Error(`the fleet renders no ${kind} ${SHARED_SCHEDULER_NAME}`);
    return o as Record<string, unknown>;
  };
  const data = find("ConfigMap").data as Record<string, string>;
  const configYaml = data[SCHEDULER_CONFIG_KEY];
  if (configYaml === undefined) throw new Error(`no ${SCHEDULER_CONFIG_KEY} in the ConfigMap`);
  const spec = find("Deployment").spec as {
    template: { spec: { containers: { command: string[] }[] } };
  };
  // The binary and the file the ConfigMap is mounted as are the sim's own here.
  const args = (spec.template.spec.containers[0]?.command ?? [])
    .slice(1)
    .filter((a) => !a.startsWith("--config="));
  return { configYaml, args };
}

/**
 * Runs the fleet's user-scheduler as its Deployment would once apply has created it: when the
 * rendered ServiceAccount exists, takes a token for it (TokenRequest) and starts the real
 * kube-scheduler with the rendered configuration (leader election kept, on the rendered Lease)
 * and flags, as that account, so the rendered RBAC is what lets it schedule. Stopped with cp.
 */
export function startSharedSchedulerWhenApplied(
  cp: ControlPlane,
  fleet: FleetModel,
): Promise<SimScheduler | undefined> {
  const { configYaml, args } = renderedSharedScheduler(fleet);
  let stopped = false;
  const stop = cp.stop.bind(cp);
  cp.stop = async () => {
    stopped = true;
    await stop();
  };
  const account = `/api/v1/namespaces/${SHARED_NAMESPACE}/serviceaccounts/${SHARED_SCHEDULER_NAME}`;
  const run = async (): Promise<SimScheduler | undefined> => {
    while (!stopped) {
      if ((await cp.client.getOrUndefined(account)) !== undefined) {
        const review = await cp.client.call<{ status: { token: string } }>(
          "POST",
          `${account}/token`,
          {
            body: {
              apiVersion: "authentication.k8s.io/v1",
              kind: "TokenRequest",
              spec: { expirationSeconds: 6 * 3600 },
            },
          },
        );
        return cp.startScheduler({
          name: "fleet-user-scheduler",
          configYaml,
          token: review.status.token,
          keepLeaderElection: true,
          extraArgs: args,
        });
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    return undefined;
  };
  // A failure shows in the test as pods left Pending; say why here too.
  const started = run().catch((err: unknown) => {
    if (!stopped) process.stderr.write(`fleet user-scheduler did not start: ${String(err)}\n`);
    return undefined;
  });
  return started;
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
