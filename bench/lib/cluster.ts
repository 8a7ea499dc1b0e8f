/**
 * A control plane for the bench: the test control plane shaped like a fleet (test/simFleet.ts),
 * grown to as many simulated nodes per group as the fleet needs, and what the CLI needs to
 * reach it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ControlPlane,
  nodeIsReady,
  simNodeManifest,
  simNodesForFleet,
  waitFor,
} from "../../sim/index.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { HUB_SECRET } from "../../src/render/hub/values.js";
import { startFleetCluster } from "../../test/simFleet.js";

export const STANDIN_CHART = fileURLToPath(
  new URL("../../test/fixtures/charts/z2jh-standin", import.meta.url),
);
/** The CLI option that installs the stand-in chart in place of the public z2jh chart. */
export const CHART_DIR_ARGS = ["--chart-dir", `jupyterhub=${STANDIN_CHART}`] as const;

export interface BenchCluster {
  readonly cp: ControlPlane;
  readonly kube: KubePort;
  readonly helm: HelmPort;
  /** Environment for the CLI, kubectl and helm against this cluster. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * startFleetCluster (one clustertools, two jhcontrolplane and two jhusers nodes, the fleet's
 * user scheduler), then more nodes until each group has `nodes[group]`.
 */
export async function startBenchCluster(
  fleet: FleetModel,
  nodes: Partial<Record<string, number>> = {},
): Promise<BenchCluster> {
  const { cp, kube, helm } = await startFleetCluster(
    fleet,
    nodes.jhcontrolplane === undefined ? {} : { coreNodes: nodes.jhcontrolplane },
  );
  try {
    await addNodes(cp, fleet, nodes);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return {
    cp,
    kube,
    helm,
    env: { ...cp.env, HUBFLEET_HELM: join(cp.binDir, "helm") },
    stop: () => cp.stop(),
  };
}

/** Creates the missing simulated nodes of each group and waits until they are Ready. */
export async function addNodes(
  cp: ControlPlane,
  fleet: FleetModel,
  perGroup: Partial<Record<string, number>>,
): Promise<void> {
  const existing = new Set(
    (await cp.client.list("/api/v1/nodes")).items.map((n) => n.metadata.name),
  );
  const wanted = simNodesForFleet(fleet, perGroup).filter((n) => !existing.has(n.name));
  // Node IPs come from the index; start past the ones startControlPlane handed out.
  const offset = existing.size + 100;
  await Promise.all(
    wanted.map((node, i) =>
      cp.client.create("/api/v1/nodes", simNodeManifest(node, offset + i, cp.version)),
    ),
  );
  const names = wanted.map((n) => n.name);
  await waitFor(
    `${names.length} added nodes Ready`,
    async () => {
      const list = (await cp.client.list("/api/v1/nodes")).items;
      return names.every((name) => {
        const node = list.find((n) => n.metadata.name === name);
        const taints: { key: string }[] = node?.spec?.taints ?? [];
        return (
          node !== undefined &&
          nodeIsReady(node) &&
          !taints.some((t) => t.key.startsWith("node.kubernetes.io/"))
        );
      });
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** Each hub's generated secrets (cookie secret, proxy token, CryptKeeper key), decoded. */
export async function hubSecrets(
  kube: KubePort,
  hubs: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const hub of hubs) {
    const secret = await kube.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: hub,
      name: HUB_SECRET,
    });
    const data = (secret?.data ?? {}) as Record<string, string>;
    out.set(
      hub,
      Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      ),
    );
  }
  return out;
}

/** Revision of every Helm release, by namespace/name. */
export async function releaseRevisions(helm: HelmPort): Promise<Map<string, number>> {
  return new Map((await helm.listAll()).map((r) => [`${r.namespace}/${r.name}`, r.revision]));
}
