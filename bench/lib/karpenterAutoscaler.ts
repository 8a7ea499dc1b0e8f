/**
 * The class-start bench's autoscaler when it is the REAL Karpenter: its KWOK provider
 * (sim/karpenter.ts, built by scripts/karpenter-build) run against the bench's control plane, with
 * the NodePool hubfleet renders for the user group (renderNodePool) pointed at the KWOK node class
 * (the one change, as test/integration/karpenter.test.ts makes it) and only the user group's
 * instance type on offer. Karpenter decides how many nodes to launch and when; the node start-up
 * delay is the KWOKNodeClass's registration delay. Behind the bench's Autoscaler interface.
 */
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { kwokInstanceType, type RunningKarpenter, startKarpenter } from "../../sim/karpenter.js";
import { lookupInstanceType } from "../../src/fleet/instanceTypes.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { renderNodePool } from "../../src/render/tools/karpenter.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import type { Autoscaler } from "./autoscalerStandIn.js";

/** The label Karpenter puts on every node it launched from a NodePool. */
const NODEPOOL_LABEL = "karpenter.sh/nodepool";

/** The rendered NodePool with its nodeClassRef swapped for the KWOK node class. */
export function kwokNodePool(
  fleet: FleetModel,
  nodeClassRef: RunningKarpenter["nodeClassRef"],
): KubeObject {
  const pool = renderNodePool(fleet, fleet.nodeGroups.jhusers) as KubeObject & {
    spec: { template: { spec: Record<string, unknown> } };
  };
  return {
    ...pool,
    spec: {
      ...pool.spec,
      template: { ...pool.spec.template, spec: { ...pool.spec.template.spec, nodeClassRef } },
    },
  };
}

/** Karpenter's batching of pending pods (its defaults: 1 s idle, 10 s at most). */
export const KARPENTER_BATCH_IDLE_MS = 1000;
export const KARPENTER_BATCH_MAX_MS = 10_000;

/**
 * Karpenter's batching windows divided by the bench's time compression: on EKS a scale-up waits
 * up to 10 s for more pending pods, which is 10 s of class time, not 10 s of compressed time.
 */
export function compressedBatching(compression: number): Record<string, string> {
  const ms = (x: number) => `${Math.max(1, Math.round(x / compression))}ms`;
  return {
    BATCH_IDLE_DURATION: ms(KARPENTER_BATCH_IDLE_MS),
    BATCH_MAX_DURATION: ms(KARPENTER_BATCH_MAX_MS),
  };
}

/** Karpenter's registration delay for a start-up of `delayMs` (whole seconds, at least 1). */
export function registrationDelay(delayMs: number): string {
  return `${Math.max(1, Math.round(delayMs / 1000))}s`;
}

/**
 * Starts Karpenter on `cp` for the fleet's user group. start() creates the NodePool (Karpenter
 * then scales up for pending pods), stop() deletes it (no more launches), reset() deletes the
 * NodeClaims Karpenter made and waits until their nodes are gone.
 */
export async function karpenterAutoscaler(
  cp: ControlPlane,
  fleet: FleetModel,
  options: { delayMs: number; compression: number; intervalMs?: number },
): Promise<Autoscaler & { readonly karpenter: RunningKarpenter }> {
  const users = fleet.nodeGroups.jhusers;
  const type = lookupInstanceType(users.instanceType);
  if (!type) throw new Error(`unknown instance type ${users.instanceType} for the user group`);
  const karpenter = await startKarpenter(cp, {
    instanceTypes: [
      kwokInstanceType({
        name: type.name,
        cpu: type.vcpu,
        memoryMiB: type.memoryMiB,
        pods: type.maxPods,
        zones: users.availabilityZones,
        pricePerHour: type.prices[fleet.cluster.region] ?? 0.1,
      }),
    ],
    registrationDelay: registrationDelay(options.delayMs),
    env: compressedBatching(options.compression),
  });
  const pool = kwokNodePool(fleet, karpenter.nodeClassRef);
  const poolPath = `/apis/karpenter.sh/v1/nodepools/${users.name}`;
  const claimsPath = "/apis/karpenter.sh/v1/nodeclaims";
  const added: { name: string; atMs: number }[] = [];
  const seen = new Set<string>();
  let started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> = Promise.resolve();
  let running = false;

  const mine = async () =>
    (await cp.client.list("/api/v1/nodes")).items.filter(
      (n) => n.metadata.labels?.[NODEPOOL_LABEL] === users.name,
    );
  // Records each node Karpenter made, when it first appeared (for the bench's "nodes made").
  const watch = async () => {
    for (const n of await mine()) {
      if (seen.has(n.metadata.name)) continue;
      seen.add(n.metadata.name);
      added.push({ name: n.metadata.name, atMs: Date.now() - started });
    }
  };

  return {
    name: `Karpenter (KWOK provider, real controller; node registration delay ${registrationDelay(options.delayMs)}, batching ${Object.values(compressedBatching(options.compression)).join("/")})`,
    added,
    karpenter,
    async start() {
      await cp.client.apply(poolPath, pool, "hubfleet-bench", { force: true });
      running = true;
      started = Date.now();
      const loop = () => {
        busy = watch()
          .catch(() => {})
          .finally(() => {
            if (running) timer = setTimeout(loop, options.intervalMs ?? 1000);
          });
      };
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await busy;
      await cp.client.delete(poolPath).catch(() => {});
    },
    async reset() {
      const claims = (await cp.client.list(claimsPath)).items.filter(
        (c) => c.metadata.labels?.[NODEPOOL_LABEL] === users.name,
      );
      await Promise.all(
        claims.map((c) => cp.client.delete(`${claimsPath}/${c.metadata.name}`).catch(() => {})),
      );
      await waitFor(
        "Karpenter's NodeClaims to be gone",
        async () => (await cp.client.list(claimsPath)).items.length === 0,
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
      // The KWOK "cloud" registers a launched node after the delay even when its NodeClaim was
      // deleted first; nothing then owns it (it keeps karpenter.sh/unregistered). Such nodes are
      // removed here until one registration delay has passed with none left.
      const quietUntil = Date.now() + options.delayMs + 5000;
      await waitFor(
        "Karpenter's nodes to be gone",
        async () => {
          const left = await mine();
          await Promise.all(
            left.map((n) => cp.client.delete(`/api/v1/nodes/${n.metadata.name}`).catch(() => {})),
          );
          return left.length === 0 && Date.now() > quietUntil;
        },
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
      added.length = 0;
      seen.clear();
    },
  };
}
