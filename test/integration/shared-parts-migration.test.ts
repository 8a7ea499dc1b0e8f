/**
 * Moving an existing fleet to the shared parts, on the real control plane with the z2jh
 * stand-in chart: a fleet applied as the previous release rendered it (every hub with its own
 * user-scheduler, priority classes and image puller; test/previousRelease.ts), with user servers
 * and placeholders running; then applied with today's bundle. No user pod or placeholder is
 * lost, the per-hub parts are gone, the fleet's shared ones run and place the pods.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, type SimScheduler, waitFor } from "../../sim/index.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { previousReleaseBundle } from "../previousRelease.js";
import { applier, scenarioFleet } from "../safetyHelpers.js";
import { SIM_USER_NODES, startFleetCluster, userSchedulerConfig } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

const HUBS = ["alpha", "beta"];
const PLACEHOLDERS = 2;
const fleet = scenarioFleet("migrate", HUBS, (d) => {
  for (const i of HUBS.keys()) {
    d.setIn(["hubs", i, "placeholders"], PLACEHOLDERS);
    d.setIn(["hubs", i, "resources"], d.createNode({ cpu: { guarantee: "0.1", limit: "1" } }));
  }
});
const today = renderFleet(fleet);
const previous = previousReleaseBundle(today);

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;
let legacyScheduler: SimScheduler | undefined;
const apply = applier(() => ({ cp, kube, helm }));

const podsOf = async (namespace: string, selector: string): Promise<Any[]> =>
  (await kube.list("v1", "Pod", { namespace, labelSelector: selector })) as Any[];
const exists = async (apiVersion: string, kind: string, name: string, namespace?: string) =>
  (await kube.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) })) !== undefined;
const nodeGroupOf = async (nodeName: string): Promise<string> =>
  ((await kube.get({ apiVersion: "v1", kind: "Node", name: nodeName })) as Any)?.metadata.labels[
    "hubfleet.io/node-group"
  ];
const scheduledBy = async (namespace: string, pod: string): Promise<string | undefined> => {
  const events = (await kube.list("events.k8s.io/v1", "Event", { namespace })) as Any[];
  return events.filter((e) => e.reason === "Scheduled" && e.regarding?.name === pod).at(-1)
    ?.reportingController;
};

/** A user's server as KubeSpawner creates it with the release's values: a bare Pod. */
function userPod(hub: string, user: string, scheduler: string, priorityClass: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `jupyter-${user}`,
      namespace: hub,
      labels: { app: "jupyterhub", component: "singleuser-server", release: hub },
      annotations: { "hub.jupyter.org/username": user },
    },
    spec: {
      schedulerName: scheduler,
      priorityClassName: priorityClass,
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
      tolerations: [
        {
          key: "hub.jupyter.org/dedicated",
          operator: "Equal",
          value: "user",
          effect: "NoSchedule",
        },
      ],
      containers: [
        {
          name: "notebook",
          image: "quay.io/jupyter/scipy-notebook:2025-10-20",
          resources: { requests: { cpu: "100m", memory: "256Mi" } },
        },
      ],
    },
  };
}

/** Waits until the selector's pods are all Running and there are `count` of them. */
function running(namespace: string, selector: string, count: number): Promise<Any[]> {
  return waitFor(
    `${count} × ${selector} running in ${namespace}`,
    async () => {
      const pods = await podsOf(namespace, selector);
      const up = pods.filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp);
      return up.length === count && pods.length === count ? up : undefined;
    },
    {
      timeoutMs: 120_000,
      describe: async () =>
        JSON.stringify(
          (await podsOf(namespace, selector)).map((p) => [
            p.metadata.name,
            p.status?.phase,
            p.spec.schedulerName,
          ]),
        ),
    },
  );
}

interface Census {
  users: Map<string, string>;
  placeholders: number;
}

async function census(hub: string): Promise<Census> {
  const users = await podsOf(hub, "component=singleuser-server");
  const placeholders = await podsOf(hub, "component=user-placeholder");
  return {
    users: new Map(
      users
        .filter((p) => p.status?.phase === "Running")
        .map((p) => [p.metadata.name, p.metadata.uid]),
    ),
    placeholders: placeholders.filter((p) => p.status?.phase === "Running").length,
  };
}

describe("migrating a fleet to the shared parts", { timeout: 900_000 }, () => {
  const before_: Record<string, Census> = {};
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(fleet));
    // The previous release's schedulers: one per hub, what each hub's user-scheduler Deployment
    // ran (kwok runs no containers, so a real kube-scheduler stands in for those pods).
    legacyScheduler = await cp.startScheduler({
      name: "legacy-user-schedulers",
      configYaml: userSchedulerConfig(HUBS),
    });
  });
  after(async () => {
    await legacyScheduler?.stop();
    await cp?.stop();
  });

  it("applies the fleet as the previous release did: per-hub schedulers, pullers, priority classes", async () => {
    const report = await apply(fleet, { bundle: previous });
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      HUBS.map((h) => [h, "applied", undefined]),
    );
    for (const hub of HUBS) {
      await running(hub, "component=user-scheduler", 2);
      await running(hub, "component=continuous-image-puller", SIM_USER_NODES);
      const placeholders = await running(hub, "component=user-placeholder", PLACEHOLDERS);
      assert.equal(placeholders[0].spec.schedulerName, `${hub}-user-scheduler`);
      for (const pc of ["default", "user-placeholder", "image-puller"]) {
        assert.ok(
          await exists("scheduling.k8s.io/v1", "PriorityClass", `${hub}-${pc}-priority`),
          `${hub}-${pc}-priority`,
        );
      }
      assert.ok(
        await exists("rbac.authorization.k8s.io/v1", "ClusterRole", `${hub}-user-scheduler`),
      );
      // Two users working, as KubeSpawner started them with the previous values.
      for (const user of ["ann", "bob"]) {
        await kube.apply(userPod(hub, user, `${hub}-user-scheduler`, `${hub}-default-priority`), {
          fieldManager: "kubespawner",
        });
      }
      await running(hub, "component=singleuser-server", 2);
      before_[hub] = await census(hub);
      assert.equal(before_[hub]?.users.size, 2);
      assert.equal(before_[hub]?.placeholders, PLACEHOLDERS);
    }
    assert.equal(await exists("v1", "Namespace", "hubfleet-shared"), false);
  });

  it("applies today's release over it: no user pod or placeholder lost, the per-hub parts gone, the shared ones running", async () => {
    const report = await apply(fleet, { bundle: today });
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      HUBS.map((h) => [h, "applied", undefined]),
    );
    // The per-hub Deployments are gone; so goes what stood in for their pods.
    await legacyScheduler?.stop();
    legacyScheduler = undefined;
    for (const hub of HUBS) {
      const placeholders = await running(hub, "component=user-placeholder", PLACEHOLDERS);
      for (const p of placeholders) {
        assert.equal(p.spec.schedulerName, "hubfleet-user-scheduler", p.metadata.name);
        assert.equal(p.spec.priorityClassName, "hubfleet-user-placeholder-priority");
        assert.equal(p.spec.priority, -10);
        assert.equal(await scheduledBy(hub, p.metadata.name), "hubfleet-user-scheduler");
        assert.equal(await nodeGroupOf(p.spec.nodeName), "jhusers");
      }
      const after_ = await census(hub);
      // The same user pods (same uids), still running; as many placeholders as before.
      assert.deepEqual([...after_.users].sort(), [...(before_[hub]?.users ?? [])].sort(), hub);
      assert.equal(after_.placeholders, before_[hub]?.placeholders, hub);
      // The hub's own parts are gone, namespaced and cluster-scoped.
      assert.deepEqual(await podsOf(hub, "component=user-scheduler"), [], `${hub} schedulers`);
      assert.deepEqual(await podsOf(hub, "component=continuous-image-puller"), [], hub);
      assert.equal(await exists("apps/v1", "Deployment", "user-scheduler", hub), false);
      assert.equal(await exists("apps/v1", "DaemonSet", "continuous-image-puller", hub), false);
      for (const pc of ["default", "user-placeholder", "image-puller"]) {
        assert.equal(
          await exists("scheduling.k8s.io/v1", "PriorityClass", `${hub}-${pc}-priority`),
          false,
          `${hub}-${pc}-priority`,
        );
      }
      assert.equal(
        await exists("rbac.authorization.k8s.io/v1", "ClusterRole", `${hub}-user-scheduler`),
        false,
      );
    }
    // The fleet's: two schedulers on the core group, a puller on each user node.
    const schedulers = await running("hubfleet-shared", "component=user-scheduler", 2);
    const pullers = await running("hubfleet-shared", "component=image-puller", SIM_USER_NODES);
    for (const p of schedulers) assert.equal(await nodeGroupOf(p.spec.nodeName), "jhcontrolplane");
    for (const p of pullers) assert.equal(await nodeGroupOf(p.spec.nodeName), "jhusers");
    for (const pc of ["default", "user-placeholder", "image-puller"]) {
      assert.ok(await exists("scheduling.k8s.io/v1", "PriorityClass", `hubfleet-${pc}-priority`));
    }
  });

  it("places a user who starts after the move with the fleet's scheduler", async () => {
    await kube.apply(
      userPod("alpha", "cara", "hubfleet-user-scheduler", "hubfleet-default-priority"),
      { fieldManager: "kubespawner" },
    );
    const [cara] = (await running("alpha", "component=singleuser-server", 3)).filter(
      (p) => p.metadata.name === "jupyter-cara",
    );
    assert.equal(await scheduledBy("alpha", "jupyter-cara"), "hubfleet-user-scheduler");
    assert.equal(await nodeGroupOf(cara.spec.nodeName), "jhusers");
  });
});
