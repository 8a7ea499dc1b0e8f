/**
 * packing: the user-scheduler configuration hubfleet ships, run as a real second kube-scheduler
 * over a pool of simulated jhusers nodes, places a burst of user pods of mixed sizes from
 * several hubs; the nodes it uses are compared with the lower bound ceil(sum of requests / node
 * allocatable) per resource, and with the default scheduler placing the same pods.
 */

import {
  type ControlPlane,
  simNodesForFleet,
  startControlPlane,
  waitFor,
} from "../../sim/index.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { parseQuantity } from "../../src/fleet/quantity.js";
import { USER_TAINT } from "../../src/render/cluster/nodeGroups.js";
import { userSchedulerConfig } from "../../test/simFleet.js";
import type { BenchContext, Section } from "../lib/context.js";
import { figure } from "../lib/figures.js";
import { pickWeighted, seeded, validGeneratedFleet } from "../lib/fleetGen.js";

const amount = (q: string): number => {
  const v = parseQuantity(q);
  if (v === undefined) throw new Error(`not a quantity: ${q}`);
  return v;
};

interface UserPod {
  readonly hub: string;
  readonly name: string;
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

/** A burst of user pods: each from a hub picked by its expected users, in a shuffled order. */
export function userPods(fleet: FleetModel, count: number, seed: number): UserPod[] {
  const random = seeded(seed);
  const weighted = fleet.hubs.map((hub) => ({ hub, weight: hub.expectedUsers }));
  const pods = Array.from({ length: count }, (_, i) => {
    const { hub } = pickWeighted(weighted, random);
    return {
      hub: hub.name,
      name: `jupyter-user-${String(i).padStart(4, "0")}`,
      cpu: hub.resources.cpu.guarantee,
      memory: hub.resources.memory.guarantee,
      cpuLimit: hub.resources.cpu.limit,
      memoryLimit: hub.resources.memory.limit,
    };
  });
  for (let i = pods.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [pods[i], pods[j]] = [pods[j] as UserPod, pods[i] as UserPod];
  }
  return pods;
}

/** A pod shaped like a z2jh single-user server: requests, user-node affinity and toleration. */
function podManifest(pod: UserPod, schedulerName: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: pod.name,
      namespace: pod.hub,
      labels: {
        app: "jupyterhub",
        component: "singleuser-server",
        release: pod.hub,
        "hub.jupyter.org/network-access-hub": "true",
      },
    },
    spec: {
      schedulerName,
      terminationGracePeriodSeconds: 0,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] },
                ],
              },
            ],
          },
        },
      },
      tolerations: [{ ...USER_TAINT, operator: "Equal" }],
      containers: [
        {
          name: "notebook",
          image: "quay.io/jupyter/scipy-notebook:2025-10-20",
          resources: {
            requests: { cpu: pod.cpu, memory: pod.memory },
            limits: { cpu: pod.cpuLimit, memory: pod.memoryLimit },
          },
        },
      ],
    },
  };
}

/** ceil(sum of requests / node allocatable), per resource. */
export function lowerBounds(
  pods: readonly UserPod[],
  node: { cpu: string; memory: string; pods: string },
) {
  // The epsilon keeps a float sum such as 0.1 + 0.2 from adding a node.
  const bound = (total: number, per: number) => Math.ceil(total / per - 1e-9);
  const sum = (f: (p: UserPod) => number) => pods.reduce((s, p) => s + f(p), 0);
  return {
    cpu: bound(
      sum((p) => amount(p.cpu)),
      amount(node.cpu),
    ),
    memory: bound(
      sum((p) => amount(p.memory)),
      amount(node.memory),
    ),
    pods: bound(pods.length, Number(node.pods)),
  };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await fn(item);
      }
    }),
  );
}

/** Creates the burst, waits until every pod is bound (or found unschedulable), reads placement. */
async function place(
  cp: ControlPlane,
  pods: readonly UserPod[],
  scheduler: (hub: string) => string,
) {
  const start = Date.now();
  await mapLimit(pods, 16, async (pod) => {
    await cp.client.create(
      `/api/v1/namespaces/${pod.hub}/pods`,
      podManifest(pod, scheduler(pod.hub)),
    );
  });
  const hubs = [...new Set(pods.map((p) => p.hub))];
  const listAll = async () =>
    (await Promise.all(hubs.map((h) => cp.client.list(`/api/v1/namespaces/${h}/pods`)))).flatMap(
      (l) => l.items,
    );
  const settled = await waitFor(
    `${pods.length} user pods placed`,
    async () => {
      const items = await listAll();
      const done = items.filter(
        (p) =>
          p.spec?.nodeName ||
          (p.status?.conditions ?? []).some(
            (c: { type: string; reason?: string }) =>
              c.type === "PodScheduled" && c.reason === "Unschedulable",
          ),
      );
      return done.length === pods.length ? items : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  const ms = Date.now() - start;
  const nodes = new Set(
    settled.flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName as string] : [])),
  );
  const unscheduled = settled.filter((p) => !p.spec?.nodeName).length;
  // A fresh state for the next scheduler: the pods are removed (kwok finishes the deletion).
  await Promise.all(
    hubs.map((h) => cp.client.delete(`/api/v1/namespaces/${h}/pods`, { gracePeriodSeconds: 0 })),
  );
  await waitFor("user pods deleted", async () => (await listAll()).length === 0, {
    timeoutMs: 300_000,
    intervalMs: 500,
  });
  return { nodes: nodes.size, unscheduled, ms };
}

export const packingSection: Section = {
  name: "packing",
  title: "user pods packed by the shipped user-scheduler vs the default scheduler",
  async run(ctx: BenchContext) {
    const { pods: count, packingHubs, packingInstanceType } = ctx.sizes;
    const { fleet } = validGeneratedFleet({
      name: "pack",
      hubs: packingHubs,
      sizes: "cycle",
      userInstanceType: packingInstanceType,
    });
    const sample = userPods(fleet, count, 1);
    const nodeShape = simNodesForFleet(fleet, {
      clustertools: 0,
      jhcontrolplane: 0,
      jhusers: 1,
    })[0];
    if (!nodeShape) throw new Error("no jhusers node shape");
    const bound = lowerBounds(sample, nodeShape.allocatable);
    const poolSize = 2 * Math.max(bound.cpu, bound.memory, bound.pods) + 2;
    ctx.log(
      `packing ${count} pods from ${packingHubs} hubs on a pool of ${poolSize} ${packingInstanceType} jhusers nodes`,
    );
    const cp = await startControlPlane({
      nodes: simNodesForFleet(fleet, { clustertools: 0, jhcontrolplane: 0, jhusers: poolSize }),
      testProvisioner: false,
    });
    const user: number[] = [];
    const dflt: number[] = [];
    const userMs: number[] = [];
    const defaultMs: number[] = [];
    const bounds: number[] = [];
    let unscheduled = 0;
    try {
      await cp.startScheduler({
        name: "user-scheduler",
        configYaml: userSchedulerConfig(fleet.hubs.map((h) => h.name)),
      });
      for (const hub of fleet.hubs) {
        await cp.client.create("/api/v1/namespaces", {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: hub.name },
        });
        // Pods are admitted only once the namespace's default ServiceAccount exists.
        await waitFor(`${hub.name}/default ServiceAccount`, () =>
          cp.client.getOrUndefined(`/api/v1/namespaces/${hub.name}/serviceaccounts/default`),
        );
      }
      for (let run = 0; run < ctx.runs; run += 1) {
        const pods = userPods(fleet, count, run + 1);
        const lb = lowerBounds(pods, nodeShape.allocatable);
        const best = Math.max(lb.cpu, lb.memory, lb.pods);
        // Alternate which scheduler goes first, so neither always meets a fresher cluster.
        const order = run % 2 === 0 ? ["user", "default"] : ["default", "user"];
        for (const which of order) {
          const r = await place(cp, pods, (hub) =>
            which === "user" ? `${hub}-user-scheduler` : "default-scheduler",
          );
          unscheduled += r.unscheduled;
          (which === "user" ? user : dflt).push(r.nodes / best);
          (which === "user" ? userMs : defaultMs).push(r.ms);
          ctx.log(
            `packing run ${run + 1}, ${which} scheduler: ${r.nodes} nodes (lower bound ${best}: cpu ${lb.cpu}, memory ${lb.memory}, pods ${lb.pods}), ${r.unscheduled} unscheduled, ${r.ms} ms`,
          );
        }
        bounds.push(best);
      }
    } finally {
      await cp.stop();
    }
    const section = "packing";
    const shape = `${count} pods from ${packingHubs} hubs, pool of ${poolSize} ${packingInstanceType} (${nodeShape.allocatable.cpu} CPU, ${nodeShape.allocatable.memory}, ${nodeShape.allocatable.pods} pods each)`;
    return [
      figure({
        section,
        name: "user-scheduler: nodes used / lower bound",
        unit: "x",
        samples: user,
        baseline: { name: "default scheduler", samples: dflt },
        ratioKind: "relative",
        target: { on: "value", op: "<=", value: 1.1 },
        note: `${shape}; lower bound per run ${bounds.join(", ")} nodes (max over cpu, memory, pods)`,
      }),
      figure({
        section,
        name: "default scheduler: nodes used / lower bound",
        unit: "x",
        samples: dflt,
        note: "same pods, same pool, after the user-scheduler's pods were deleted (or before)",
      }),
      figure({
        section,
        name: `time to place ${count} pods, user-scheduler`,
        unit: "ms",
        samples: userMs,
      }),
      figure({
        section,
        name: `time to place ${count} pods, default scheduler`,
        unit: "ms",
        samples: defaultMs,
      }),
      figure({
        section,
        name: "pods left unscheduled",
        unit: "pods",
        samples: [unscheduled],
        target: { on: "value", op: "==", value: 0 },
      }),
    ];
  },
};
