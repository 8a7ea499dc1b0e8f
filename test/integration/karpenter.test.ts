/**
 * Karpenter as the fleet's autoscaler, decided by the real Karpenter (its KWOK provider, built by
 * scripts/karpenter-build) on the simulated control plane with no user node at the start:
 *  (c) the rendered NodePool and EC2NodeClass pass Karpenter's own CRD validation, and Karpenter
 *      takes the NodePool (pointed at the KWOK node class instead of EC2: the one change) as valid;
 *      helm renders the AWS provider's chart (same release) with the rendered values;
 *  (a) a hub's pending placeholders (z2jh stand-in chart, rendered values, the fleet's real
 *      user-scheduler) make Karpenter launch nodes with the user group's labels and taint, and the
 *      scheduler places them there;
 *  (b) once the placeholders are gone, nodes each left with one user server (as the real
 *      KubeSpawner builds it from the rendered values: do-not-disrupt on) are never consolidated,
 *      though one node could take them all; a node whose server lacks the annotation is, and
 *      so is an empty node.
 * Node start-up: KWOKNodeClass nodeRegistrationDelay 10 s stands in for EKS's 1–3 min (a test
 * needs the delay to exist, not its length; the class-start bench uses the full figure).
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import {
  buildCrds,
  installCrds,
  kwokInstanceType,
  type RunningKarpenter,
  startKarpenter,
} from "../../sim/karpenter.js";
import { simNodesForFleet } from "../../sim/nodes.js";
import { lookupInstanceType } from "../../src/fleet/instanceTypes.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { type KubePort, kubePortFromConfig } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { renderEc2NodeClass, renderNodePool } from "../../src/render/tools/karpenter.js";
import { DO_NOT_DISRUPT } from "../../src/vocabulary/labels.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { editedExample, fleetFrom } from "../helpers.js";
import { kubeSpawnerPod } from "../hub/spawnerPod.js";
import { startSharedSchedulerWhenApplied } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values and live objects
type Any = any;

const REGISTRATION_DELAY = "10s";
const STANDIN = fileURLToPath(new URL("../fixtures/charts/z2jh-standin", import.meta.url));

const fleet: FleetModel = fleetFrom(
  editedExample((d) => {
    d.setIn(["tools", "backups", "enabled"], false);
    d.setIn(["tools", "autoscaler", "engine"], "karpenter");
    // consolidateAfter: how long a node must be consolidatable; short so the test is.
    d.setIn(["tools", "autoscaler", "scaleDownUnneededTime"], "5s");
    // Three 1-CPU placeholders: three nodes (two do not fit one t3a.large).
    const hubs = d.get("hubs") as Any;
    const cs480 = hubs.items.findIndex((h: Any) => h.get("name") === "cs480");
    d.setIn(["hubs", cs480, "placeholders"], 3);
  }),
);
const rendered = renderFleet(fleet);
const users = fleet.nodeGroups.jhusers;
const releaseOf = (hub: string) => {
  const unit = rendered.hubs.find((h) => h.name === hub);
  if (!unit) throw new Error(`no hub ${hub}`);
  return unit.release;
};
/** cs480: three placeholders of 1 CPU; no t3a.large node holds two. */
const PLACEHOLDER_HUB = "cs480";
/** stat101's user servers (0.25 CPU): two fit on one node. */
const SERVER_HUB = "stat101";

let cp: ControlPlane;
let kube: KubePort;
let karpenter: RunningKarpenter;

const nodes = async (): Promise<Any[]> =>
  ((await cp.client.get("/api/v1/nodes")) as Any).items as Any[];
const karpenterNodes = async () =>
  (await nodes()).filter((n) => n.metadata.labels?.["karpenter.sh/nodepool"] === users.name);
const podsOf = async (ns: string, selector: string): Promise<Any[]> =>
  (
    (await cp.client.call("GET", `/api/v1/namespaces/${ns}/pods`, {
      query: { labelSelector: selector },
    })) as Any
  ).items;

async function helmInstall(hub: string, extra: Record<string, unknown> = {}): Promise<void> {
  const release = releaseOf(hub);
  const file = join(cp.dir, `${hub}-values.json`);
  writeFileSync(file, JSON.stringify({ ...release.values, ...extra }));
  const r = await cp.run("helm", [
    "upgrade",
    "--install",
    release.name,
    STANDIN,
    "--namespace",
    release.namespace,
    "--create-namespace",
    "--values",
    file,
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/**
 * A user server as the real KubeSpawner builds it from the hub's rendered values (annotations,
 * labels, tolerations, affinity, priority, requests), bound to `node`. Volumes and init containers
 * are left out: they do not decide where the pod may run, and the hub's drive is not here.
 */
function userServer(hub: string, user: string, node: string): KubeObject {
  const release = releaseOf(hub);
  const spawned = kubeSpawnerPod(release.values, hub) as Any;
  const container = spawned.spec.containers[0];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `jupyter-${user}`,
      namespace: release.namespace,
      labels: { ...spawned.metadata.labels, "hub.jupyter.org/username": user },
      annotations: { ...(spawned.metadata.annotations ?? {}) },
    },
    spec: {
      nodeName: node,
      tolerations: spawned.spec.tolerations,
      affinity: spawned.spec.affinity,
      priorityClassName: spawned.spec.priorityClassName,
      containers: [
        { name: container.name, image: container.image, resources: container.resources },
      ],
    },
  };
}

describe("Karpenter on the control plane", { timeout: 280_000 }, () => {
  before(async () => {
    // The core groups only: every user node is Karpenter's.
    cp = await startControlPlane({ nodes: simNodesForFleet(fleet, { jhusers: 0 }) });
    kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
    const type = lookupInstanceType(users.instanceType);
    assert.ok(type);
    karpenter = await startKarpenter(cp, {
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
      registrationDelay: REGISTRATION_DELAY,
    });
    // The fleet's shared parts: priority classes, the user-scheduler (run as its Deployment would).
    for (const phase of ["namespace", undefined]) {
      for (const m of rendered.sharedManifests) {
        if ((m.phase === "namespace") === (phase === "namespace")) await kube.apply(m.object);
      }
    }
    void startSharedSchedulerWhenApplied(cp, fleet);
  });

  after(async () => {
    await karpenter?.stop();
    await cp?.stop();
  });

  it("(c) the rendered NodePool and EC2NodeClass pass Karpenter's CRDs; Karpenter takes the NodePool", async () => {
    await installCrds(cp, buildCrds(karpenter.buildDir, "aws-crds"));
    // A port made now: its API discovery sees the EC2NodeClass kind just added.
    const kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
    const nodeClass = renderEc2NodeClass(fleet, users);
    const pool = renderNodePool(fleet, users);
    // The real readers of these objects: the CRDs' OpenAPI schemas and CEL rules.
    await kube.apply(nodeClass);
    await kube.apply(pool);
    await kube.delete({ apiVersion: pool.apiVersion, kind: "NodePool", name: pool.metadata.name });
    await cp.client.waitFor("the EC2 NodePool to be gone", async () => {
      const live = await cp.client.getOrUndefined(`/apis/karpenter.sh/v1/nodepools/${users.name}`);
      return live === undefined;
    });

    const sim = pool as Any;
    const kwokPool = {
      ...sim,
      spec: {
        ...sim.spec,
        template: {
          ...sim.spec.template,
          spec: { ...sim.spec.template.spec, nodeClassRef: karpenter.nodeClassRef },
        },
      },
    } as KubeObject;
    await kube.apply(kwokPool);
    // Karpenter's own checks of the NodePool (its validation) and of the class it names.
    await cp.client.waitFor(
      "Karpenter to find the NodePool valid and its node class ready",
      async () => {
        const live = (await cp.client.get(`/apis/karpenter.sh/v1/nodepools/${users.name}`)) as Any;
        const conditions = ((live.status?.conditions ?? []) as Any[]).map(
          (c) => `${c.type}=${c.status}`,
        );
        return ["ValidationSucceeded=True", "NodeClassReady=True"].every((c) =>
          conditions.includes(c),
        );
      },
      { timeoutMs: 60_000 },
    );
  });

  it("the AWS provider's chart, rendered by helm with the release's values, runs the controller as rendered", async () => {
    const tool = rendered.tools.find((t) => t.name === "karpenter");
    assert.ok(tool);
    const file = join(cp.dir, "karpenter-values.json");
    writeFileSync(file, JSON.stringify(tool.release.values));
    const chart = join(karpenter.buildDir, "aws-chart");
    const r = await cp.run("helm", ["template", "karpenter", chart, "-n", "karpenter", "-f", file]);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Any)
      .filter(Boolean);
    assert.ok(!docs.some((d) => d.kind === "ServiceAccount"), "eksctl's account, not the chart's");
    const deployment = docs.find((d) => d.kind === "Deployment");
    const pod = deployment.spec.template.spec;
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(pod.serviceAccountName, "karpenter");
    assert.equal(pod.nodeSelector["hubfleet.io/node-group"], "clustertools");
    const env = Object.fromEntries((pod.containers[0].env as Any[]).map((e) => [e.name, e.value]));
    assert.equal(env.CLUSTER_NAME, fleet.name);
    assert.equal(env.INTERRUPTION_QUEUE, fleet.name);
  });

  it("(a) pending placeholders make Karpenter launch user-group nodes, and the scheduler fills them", async () => {
    assert.equal((await karpenterNodes()).length, 0, "no user node before the placeholders");
    await helmInstall(PLACEHOLDER_HUB);
    const ns = releaseOf(PLACEHOLDER_HUB).namespace;
    const placeholders = await cp.client.waitFor(
      "the placeholders to run on Karpenter's nodes",
      async () => {
        const pods = await podsOf(ns, "component=user-placeholder");
        return pods.length === 3 && pods.every((p) => p.status?.phase === "Running") && pods;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        describe: async () => {
          const pods = await podsOf(ns, "component=user-placeholder");
          return JSON.stringify(pods.map((p) => [p.metadata.name, p.spec.nodeName, p.status]));
        },
      },
    );
    const made = await karpenterNodes();
    assert.equal(made.length, 3, "one node per 1-CPU placeholder: two do not fit a t3a.large");
    for (const node of made) {
      const labels = node.metadata.labels;
      assert.equal(labels["hubfleet.io/node-group"], "jhusers");
      assert.equal(labels["hub.jupyter.org/node-purpose"], "user");
      assert.equal(labels["node.kubernetes.io/instance-type"], users.instanceType);
      assert.ok(users.availabilityZones.includes(labels["topology.kubernetes.io/zone"]));
      const taints = (node.spec.taints ?? []).map(
        (t: Any) => `${t.key}=${t.value ?? ""}:${t.effect}`,
      );
      assert.deepEqual(taints, ["hub.jupyter.org/dedicated=user:NoSchedule"]);
    }
    const names = new Set(made.map((n) => n.metadata.name));
    for (const p of placeholders) {
      assert.ok(names.has(p.spec.nodeName), `${p.metadata.name} runs on ${p.spec.nodeName}`);
      // Placeholders stay preemptible: they never pin a node.
      assert.equal(p.metadata.annotations?.[DO_NOT_DISRUPT], undefined);
    }
  });

  it("(b) a node with a running user server is never consolidated; an underused or empty one is", async () => {
    const [a, b, c] = (await karpenterNodes()).map((n) => n.metadata.name);
    assert.ok(a && b && c);
    const ns = releaseOf(SERVER_HUB).namespace;
    await cp.client.create("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
    const ada = userServer(SERVER_HUB, "ada", a);
    const grace = userServer(SERVER_HUB, "grace", b);
    assert.equal(ada.metadata.annotations?.[DO_NOT_DISRUPT], "true", "KubeSpawner puts it on");
    // The control: the same pod without the annotation (what a hub rendered for the
    // cluster-autoscaler would start), on the third node.
    const plain = userServer(SERVER_HUB, "linus", c);
    const plainMeta = { ...plain.metadata, annotations: {} };
    for (const pod of [ada, grace, { ...plain, metadata: plainMeta }]) {
      await cp.client.create(`/api/v1/namespaces/${ns}/pods`, pod);
    }

    // The class ends: the placeholders go. Each node keeps one 0.25-CPU server; one node could
    // hold all three, so WhenEmptyOrUnderutilized merges what it may.
    const r = await cp.run("helm", [
      "uninstall",
      releaseOf(PLACEHOLDER_HUB).name,
      "--namespace",
      releaseOf(PLACEHOLDER_HUB).namespace,
      "--wait",
    ]);
    assert.equal(r.code, 0, r.stderr);
    await cp.client.waitFor(
      "Karpenter to consolidate the node whose server has no do-not-disrupt",
      async () => !(await nodes()).some((n) => n.metadata.name === c),
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const live = (await karpenterNodes()).map((n) => n.metadata.name).sort();
    assert.deepEqual(live, [a, b].sort(), "both nodes with a protected server are still there");
    for (const name of ["jupyter-ada", "jupyter-grace"]) {
      const pod = (await cp.client.get(`/api/v1/namespaces/${ns}/pods/${name}`)) as Any;
      assert.equal(pod.metadata.deletionTimestamp, undefined, `${name} was not evicted`);
      assert.equal(pod.status?.phase, "Running");
    }

    // grace logs out: her node is empty and goes; ada's stays.
    await cp.client.delete(`/api/v1/namespaces/${ns}/pods/jupyter-grace`, {
      gracePeriodSeconds: 0,
    });
    await cp.client.waitFor(
      "Karpenter to remove the empty node",
      async () => !(await nodes()).some((n) => n.metadata.name === b),
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    assert.deepEqual(
      (await karpenterNodes()).map((n) => n.metadata.name),
      [a],
    );
    const adaLive = (await cp.client.get(`/api/v1/namespaces/${ns}/pods/jupyter-ada`)) as Any;
    assert.equal(adaLive.metadata.deletionTimestamp, undefined);
  });
});
