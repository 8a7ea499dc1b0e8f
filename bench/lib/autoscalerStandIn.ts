/**
 * STAND-IN for the cluster's autoscaler in the class-start bench, until Karpenter's KWOK provider
 * runs here (scripts/karpenter-build): a node pool that watches the user pods the scheduler could
 * not place and, after the node start-up delay, adds as many simulated user nodes as first-fit
 * decreasing says they need (as cluster-autoscaler and Karpenter size a scale-up), up to the
 * group's maxSize. It never removes a node during a run. Behind the Autoscaler interface so the
 * real one can take its place.
 */
import { type ControlPlane, simNodeManifest, simNodesForFleet } from "../../sim/index.js";
import { type NodeRoom, type PodBatch, packNodes } from "../../src/capacity/binpack.js";
import { planNodes } from "../../src/capacity/model.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { parseQuantity } from "../../src/fleet/quantity.js";

export interface Autoscaler {
  /** What the output calls it (the stand-in says so). */
  readonly name: string;
  /** Begins adding nodes for pending pods (Karpenter's: creates its NodePool). */
  start(): void | Promise<void>;
  stop(): Promise<void>;
  /** Nodes it added so far and when each became part of the cluster (ms since start()). */
  readonly added: readonly { readonly name: string; readonly atMs: number }[];
  /** Removes the nodes it added (between runs) and waits until they are gone. */
  reset(): Promise<void>;
}

interface PodLike {
  metadata: { name: string; namespace: string };
  spec: {
    schedulerName?: string;
    nodeName?: string;
    containers: { resources?: { requests?: Record<string, string> } }[];
  };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

function unschedulable(pod: PodLike): boolean {
  return (
    !pod.spec.nodeName &&
    (pod.status?.conditions ?? []).some(
      (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
    )
  );
}

function requestOf(pod: PodLike) {
  let cpuMillis = 0;
  let memoryMiB = 0;
  for (const c of pod.spec.containers) {
    const r = c.resources?.requests ?? {};
    if (r.cpu) cpuMillis += (parseQuantity(r.cpu) ?? 0) * 1000;
    if (r.memory) memoryMiB += (parseQuantity(r.memory) ?? 0) / 2 ** 20;
  }
  return { cpuMillis, memoryMiB };
}

export function nodePoolStandIn(
  cp: ControlPlane,
  fleet: FleetModel,
  options: { delayMs: number; namespaces: readonly string[]; intervalMs?: number },
): Autoscaler {
  const plan = planNodes(fleet);
  const room: NodeRoom = plan.users.room;
  const maxNodes = fleet.nodeGroups.jhusers.maxSize;
  const template = simNodesForFleet(fleet, { jhusers: 1 }).find((n) =>
    n.name.startsWith("jhusers"),
  );
  if (!template) throw new Error("the fleet has no jhusers node group");
  const added: { name: string; atMs: number }[] = [];
  let booting: { name: string; readyAt: number }[] = [];
  let counter = 0;
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  let busy: Promise<void> = Promise.resolve();
  let running = false;

  const userNodes = async () =>
    (await cp.client.list("/api/v1/nodes")).items.filter(
      (n) => n.metadata.labels?.["hubfleet.io/node-group"] === "jhusers",
    ).length;

  const tick = async () => {
    const pending: PodLike[] = [];
    for (const ns of options.namespaces) {
      const pods = (await cp.client.list(`/api/v1/namespaces/${ns}/pods`))
        .items as unknown as PodLike[];
      pending.push(...pods.filter(unschedulable));
    }
    const now = Date.now();
    // A node that joined a moment ago has not been offered to the scheduler yet: count it.
    booting = booting.filter((b) => b.readyAt + 3000 > now);
    if (pending.length === 0) return;
    const batches: PodBatch[] = pending.map((p) => ({
      key: `${p.metadata.namespace}/${p.metadata.name}`,
      count: 1,
      request: requestOf(p),
    }));
    const needed = packNodes(room, batches).nodes;
    const have = (await userNodes()) + booting.filter((b) => b.readyAt > now).length;
    const toAdd = Math.min(needed - booting.length, maxNodes - have);
    for (let i = 0; i < toAdd; i++) {
      counter++;
      const name = `jhusers-standin-${counter}`;
      const readyAt = now + options.delayMs;
      booting.push({ name, readyAt });
      setTimeout(() => {
        if (!running) return;
        const node = { ...template, name };
        cp.client
          .create("/api/v1/nodes", simNodeManifest(node, 500 + counter, cp.version))
          .then(() => added.push({ name, atMs: Date.now() - started }))
          .catch(() => {});
      }, options.delayMs);
    }
  };

  return {
    name: `node pool stand-in for the autoscaler (new node after ${options.delayMs / 1000} s)`,
    added,
    start() {
      running = true;
      started = Date.now();
      const loop = () => {
        busy = tick()
          .catch(() => {})
          .finally(() => {
            if (running) timer = setTimeout(loop, options.intervalMs ?? 500);
          });
      };
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await busy;
    },
    async reset() {
      const mine = (await cp.client.list("/api/v1/nodes")).items
        .map((n) => n.metadata.name)
        .filter((n) => n.startsWith("jhusers-standin-"));
      await Promise.all(mine.map((n) => cp.client.delete(`/api/v1/nodes/${n}`)));
      added.length = 0;
      booting = [];
    },
  };
}
