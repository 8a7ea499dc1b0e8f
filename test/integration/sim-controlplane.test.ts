// Integration tests of the simulated control plane (sim/): one real etcd +
// kube-apiserver + kube-controller-manager + kube-scheduler + kwok for the whole file.
// Run: node --import tsx --test test/integration/sim-controlplane.test.ts
// Binaries come from scripts/sim/build's cache; a missing one is built first (slow once).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify as toYaml } from "yaml";
import { repoRoot } from "../../sim/binaries.js";
import { type ControlPlane, SIM_STORAGE_CLASS, startControlPlane } from "../../sim/controlPlane.js";
import { KubeError, type KubeObject, podIsRunningAndReady, waitFor } from "../../sim/kube.js";
import { isLoopbackOnly, listenersOf } from "../../sim/listeners.js";
import { defaultSimNodes } from "../../sim/nodes.js";
import { TEST_PROVISIONER_NAME } from "../../sim/testProvisioner.js";
import { allocatable, lookupInstanceType } from "../../src/fleet/instanceTypes.js";

const FIELD_MANAGER = "hubfleet-test";
const USER_TOLERATION = {
  key: "hub.jupyter.org/dedicated",
  operator: "Equal",
  value: "user",
  effect: "NoSchedule",
};
const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ nodes: defaultSimNodes() });
  process.stderr.write(`[sim] control plane ${cp.version} ready in ${cp.startupMs} ms\n`);
});

after(async () => {
  await cp?.stop();
});

/** Creates (server-side applies) a namespace for one test. */
async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 6)}`;
  await cp.client.apply(
    `/api/v1/namespaces/${name}`,
    { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    FIELD_MANAGER,
  );
  await waitFor(`ServiceAccount ${name}/default`, async () =>
    cp.client.getOrUndefined(`/api/v1/namespaces/${name}/serviceaccounts/default`),
  );
  return name;
}

function pod(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name } },
    spec: {
      containers: [
        {
          name: "main",
          image: PAUSE_IMAGE,
          resources: { requests: { cpu: "10m", memory: "16Mi" } },
        },
      ],
      terminationGracePeriodSeconds: 0,
      ...spec,
    },
  };
}

async function waitPod(
  ns: string,
  name: string,
  ok: (p: KubeObject) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  const path = `/api/v1/namespaces/${ns}/pods/${name}`;
  return waitFor(
    `pod ${ns}/${name} ${what}`,
    async () => {
      const p = await cp.client.get(path);
      return ok(p) ? p : undefined;
    },
    { timeoutMs, describe: async () => JSON.stringify((await cp.client.get(path)).status) },
  );
}

async function events(ns: string, objectName: string): Promise<KubeObject[]> {
  const list = await cp.client.list(`/api/v1/namespaces/${ns}/events`, {
    fieldSelector: `involvedObject.name=${objectName}`,
  });
  return list.items;
}

describe("simulated control plane", () => {
  test("comes up: version, readyz, Ready nodes with labels and taints, default ServiceAccount", async () => {
    assert.equal(cp.version, "v1.36.3");
    assert.equal((await cp.client.request("GET", "/readyz")).status, 200);
    const nodes = (await cp.client.list("/api/v1/nodes")).items;
    assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [
      "clustertools-0",
      "jhcontrolplane-0",
      "jhusers-0",
    ]);
    const users = nodes.find((n) => n.metadata.name === "jhusers-0");
    assert.equal(users?.metadata.labels?.["hub.jupyter.org/node-purpose"], "user");
    assert.equal(users?.metadata.labels?.["hubfleet.io/node-group"], "jhusers");
    assert.deepEqual(
      (users?.spec?.taints ?? []).map((t: { key: string; value?: string; effect: string }) => [
        t.key,
        t.value,
        t.effect,
      ]),
      [["hub.jupyter.org/dedicated", "user", "NoSchedule"]],
    );
    // What EKS would report for the example's user nodes (t3a.large), from hubfleet's table.
    const t3aLarge = lookupInstanceType("t3a.large");
    assert.ok(t3aLarge);
    assert.equal(users?.status?.allocatable?.memory, `${allocatable(t3aLarge).memoryMiB}Mi`);
    assert.equal(users?.status?.allocatable?.cpu, `${allocatable(t3aLarge).cpuMillis}m`);
    const core = nodes.find((n) => n.metadata.name === "jhcontrolplane-0");
    assert.equal(core?.metadata.labels?.["hub.jupyter.org/node-purpose"], "core");
    for (const n of nodes) {
      const ready = (n.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
      assert.equal(ready?.status, "True", `node ${n.metadata.name} Ready`);
    }
    assert.ok(await cp.client.get("/api/v1/namespaces/default/serviceaccounts/default"));
    // kwok renews the node leases.
    assert.ok(
      await cp.client.get(
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/jhusers-0",
      ),
    );
  });

  test("every component listens on 127.0.0.1 only", () => {
    const procs = cp.processes().filter((p) => p.running);
    const listeners = listenersOf(procs.map((p) => p.pid));
    const byPid = new Map(procs.map((p) => [p.pid, p.name]));
    const described = listeners.map(
      (l) => `${byPid.get(l.pid)} ${l.protocol} ${l.address}:${l.port}`,
    );
    assert.ok(
      listeners.some((l) => byPid.get(l.pid) === "kube-apiserver"),
      `found the apiserver's socket: ${described.join(", ")}`,
    );
    const exposed = listeners.filter((l) => !isLoopbackOnly(l));
    assert.deepEqual(
      exposed.map((l) => `${byPid.get(l.pid)} ${l.protocol} ${l.address}:${l.port}`),
      [],
      `all listeners: ${described.join(", ")}`,
    );
    assert.equal(new URL(cp.server).hostname, "127.0.0.1");
  });

  test("server-side apply: field manager, managedFields, conflicts", async () => {
    const ns = await namespace("ssa");
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    const yamlBody = toYaml({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { a: "1" },
    });
    const created = await cp.client.call<KubeObject>("PATCH", path, {
      body: yamlBody,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: FIELD_MANAGER },
    });
    assert.deepEqual((created as { data?: unknown }).data, { a: "1" });
    const managed = (created.metadata.managedFields ?? []) as {
      manager: string;
      operation: string;
    }[];
    assert.ok(managed.some((m) => m.manager === FIELD_MANAGER && m.operation === "Apply"));

    // Re-apply with a change: same manager owns the field, so it updates.
    const updated = await cp.client.apply(
      path,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "2" } },
      FIELD_MANAGER,
    );
    assert.deepEqual((updated as { data?: unknown }).data, { a: "2" });

    // Another manager setting the same field conflicts unless forced.
    await assert.rejects(
      cp.client.apply(
        path,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "3" } },
        "someone-else",
      ),
      (err: unknown) => err instanceof KubeError && err.status === 409,
    );
    const forced = await cp.client.apply(
      path,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "3" } },
      "someone-else",
      { force: true },
    );
    assert.deepEqual((forced as { data?: unknown }).data, { a: "3" });
  });

  test("a Deployment's pods reach Running and Ready on kwok nodes", async () => {
    const ns = await namespace("deploy");
    await cp.client.apply(
      `/apis/apps/v1/namespaces/${ns}/deployments/web`,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: (pod("web").spec as Record<string, unknown>) ?? {},
          },
        },
      },
      FIELD_MANAGER,
    );
    const dep = await waitFor(
      "deployment web available",
      async () => {
        const d = await cp.client.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
        return d.status?.availableReplicas === 2 ? d : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(dep.status?.readyReplicas, 2);
    const rs = await cp.client.list(`/apis/apps/v1/namespaces/${ns}/replicasets`);
    assert.equal(rs.items.length, 1, "the Deployment controller made one ReplicaSet");
    const pods = (
      await cp.client.list(`/api/v1/namespaces/${ns}/pods`, { labelSelector: "app=web" })
    ).items;
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.ok(podIsRunningAndReady(p), `${p.metadata.name} Running+Ready`);
      assert.ok(p.status?.podIP, "kwok gave the pod an IP");
      assert.notEqual(p.spec?.nodeName, "jhusers-0", "untolerated pods stay off the users' node");
      assert.ok(["clustertools-0", "jhcontrolplane-0"].includes(p.spec?.nodeName));
    }
  });

  test("a pod without the users' toleration is never scheduled on the jhusers node", async () => {
    const ns = await namespace("taint");
    const selector = { "hubfleet.io/node-group": "jhusers" };
    await cp.client.create(
      `/api/v1/namespaces/${ns}/pods`,
      pod("no-toleration", { nodeSelector: selector }),
    );
    const failed = await waitFor(
      "FailedScheduling event for no-toleration",
      async () => (await events(ns, "no-toleration")).find((e) => e.reason === "FailedScheduling"),
      { timeoutMs: 30_000 },
    );
    assert.match(String(failed.message), /untolerated taint|had untolerated/i);
    // Give the scheduler time to retry; it must still be Pending and unbound.
    await new Promise((r) => setTimeout(r, 3_000));
    const p = await cp.client.get(`/api/v1/namespaces/${ns}/pods/no-toleration`);
    assert.equal(p.status?.phase, "Pending");
    assert.equal(p.spec?.nodeName, undefined);
    const cond = (p.status?.conditions ?? []).find(
      (c: { type: string }) => c.type === "PodScheduled",
    );
    assert.equal(cond?.status, "False");
    assert.equal(cond?.reason, "Unschedulable");

    // Control: the same pod with the toleration lands there and runs.
    await cp.client.create(
      `/api/v1/namespaces/${ns}/pods`,
      pod("with-toleration", { nodeSelector: selector, tolerations: [USER_TOLERATION] }),
    );
    const ok = await waitPod(ns, "with-toleration", podIsRunningAndReady, "Running+Ready");
    assert.equal(ok.spec?.nodeName, "jhusers-0");
  });

  test("a pod requiring node-purpose=core lands on jhcontrolplane", async () => {
    const ns = await namespace("core");
    await cp.client.create(
      `/api/v1/namespaces/${ns}/pods`,
      pod("hub", {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: "hub.jupyter.org/node-purpose", operator: "In", values: ["core"] },
                  ],
                },
              ],
            },
          },
        },
        // Tolerating the users' taint must not matter: the affinity decides.
        tolerations: [USER_TOLERATION],
      }),
    );
    const p = await waitPod(ns, "hub", podIsRunningAndReady, "Running+Ready");
    assert.equal(p.spec?.nodeName, "jhcontrolplane-0");
  });

  test("a StatefulSet with a volumeClaimTemplate on the test StorageClass binds and runs", async () => {
    const ns = await namespace("sts");
    const sc = await cp.client.get(`/apis/storage.k8s.io/v1/storageclasses/${SIM_STORAGE_CLASS}`);
    assert.equal((sc as { provisioner?: string }).provisioner, TEST_PROVISIONER_NAME);
    await cp.client.apply(
      `/apis/apps/v1/namespaces/${ns}/statefulsets/drive`,
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "drive" },
        spec: {
          replicas: 1,
          serviceName: "drive",
          selector: { matchLabels: { app: "drive" } },
          template: {
            metadata: { labels: { app: "drive" } },
            spec: {
              nodeSelector: { "hub.jupyter.org/node-purpose": "core" },
              containers: [
                {
                  name: "nfs",
                  image: PAUSE_IMAGE,
                  volumeMounts: [{ name: "data", mountPath: "/export" }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: SIM_STORAGE_CLASS,
                resources: { requests: { storage: "5Gi" } },
              },
            },
          ],
        },
      },
      FIELD_MANAGER,
    );
    const p = await waitPod(ns, "drive-0", podIsRunningAndReady, "Running+Ready", 60_000);
    assert.equal(p.spec?.nodeName, "jhcontrolplane-0");
    const pvc = await waitFor("PVC data-drive-0 Bound", async () => {
      const c = await cp.client.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data-drive-0`);
      return c.status?.phase === "Bound" ? c : undefined;
    });
    const pv = await cp.client.get(`/api/v1/persistentvolumes/${pvc.spec?.volumeName}`);
    assert.equal(
      pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"],
      TEST_PROVISIONER_NAME,
    );
    assert.equal(pv.status?.phase, "Bound");
    assert.equal(pv.spec?.capacity?.storage, "5Gi");
    assert.equal(
      pvc.metadata.annotations?.["volume.kubernetes.io/selected-node"],
      "jhcontrolplane-0",
      "WaitForFirstConsumer: the scheduler chose the node",
    );
  });

  test("a static PV and a PVC bind through the PV controller", async () => {
    const ns = await namespace("static");
    const pvName = `static-${ns}`;
    await cp.client.create("/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pvName, labels: { drive: ns } },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: "",
        hostPath: { path: `/tmp/${pvName}` },
      },
    });
    await cp.client.create(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "home" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "",
        selector: { matchLabels: { drive: ns } },
        resources: { requests: { storage: "10Gi" } },
      },
    });
    const pvc = await waitFor("static PVC Bound", async () => {
      const c = await cp.client.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/home`);
      return c.status?.phase === "Bound" ? c : undefined;
    });
    assert.equal(pvc.spec?.volumeName, pvName);
    const pv = await waitFor("static PV Bound", async () => {
      const v = await cp.client.get(`/api/v1/persistentvolumes/${pvName}`);
      return v.status?.phase === "Bound" ? v : undefined;
    });
    assert.equal(pv.spec?.claimRef?.name, "home");
    assert.equal(pv.spec?.claimRef?.namespace, ns);
  });

  test("helm upgrade --install of the local stand-in chart deploys", async () => {
    const chart = join(repoRoot, "test", "fixtures", "charts", "standin");
    const ns = `helm-${randomUUID().slice(0, 6)}`;
    const install = await cp.run("helm", [
      "upgrade",
      "--install",
      "hub1",
      chart,
      "--namespace",
      ns,
      "--create-namespace",
      "--wait",
      "--timeout",
      "90s",
      "--set",
      "hub.baseUrl=/hub1/",
    ]);
    assert.equal(install.code, 0, `helm failed:\n${install.stdout}\n${install.stderr}`);
    const status = await cp.run("helm", ["status", "hub1", "--namespace", ns, "-o", "json"]);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { info: { status: string }; version: number };
    assert.equal(parsed.info.status, "deployed");
    assert.equal(parsed.version, 1);
    const cm = await cp.client.get(`/api/v1/namespaces/${ns}/configmaps/hub1-hub-config`);
    assert.equal((cm as { data?: Record<string, string> }).data?.baseUrl, "/hub1/");
    const dep = await cp.client.get(`/apis/apps/v1/namespaces/${ns}/deployments/hub1-hub`);
    assert.equal(dep.status?.readyReplicas, 1);

    // An upgrade makes revision 2.
    const upgrade = await cp.run("helm", [
      "upgrade",
      "--install",
      "hub1",
      chart,
      "--namespace",
      ns,
      "--wait",
      "--timeout",
      "90s",
      "--set",
      "hub.baseUrl=/hub1-renamed/",
    ]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const status2 = JSON.parse(
      (await cp.run("helm", ["status", "hub1", "--namespace", ns, "-o", "json"])).stdout,
    ) as { info: { status: string }; version: number };
    assert.equal(status2.info.status, "deployed");
    assert.equal(status2.version, 2);
  });

  test("a coordination.k8s.io Lease can be created and renewed with resourceVersion", async () => {
    const ns = await namespace("lease");
    const path = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/hubfleet-apply`;
    const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
    const created = await cp.client.create(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "hubfleet-apply" },
      spec: {
        holderIdentity: "runner-a",
        leaseDurationSeconds: 30,
        acquireTime: microTime(new Date()),
        renewTime: microTime(new Date()),
      },
    });
    const rv1 = created.metadata.resourceVersion;
    assert.ok(rv1);
    const renewed = await cp.client.put(path, {
      ...created,
      spec: { ...created.spec, renewTime: microTime(new Date(Date.now() + 1_000)) },
    });
    assert.notEqual(renewed.metadata.resourceVersion, rv1);
    assert.equal(renewed.spec?.holderIdentity, "runner-a");
    // A writer holding the old resourceVersion loses (optimistic concurrency).
    await assert.rejects(
      cp.client.put(path, { ...created, spec: { ...created.spec, holderIdentity: "runner-b" } }),
      (err: unknown) => err instanceof KubeError && err.status === 409,
    );
    const current = await cp.client.get(path);
    assert.equal(current.spec?.holderIdentity, "runner-a");
  });

  test("a second scheduler with its own schedulerName and scoring schedules pods naming it", async () => {
    const ns = await namespace("usersched");
    const schedulerName = "hubfleet-user-scheduler";
    // Shaped like z2jh's user-scheduler: pack users onto the fullest node.
    const configYaml = toYaml({
      apiVersion: "kubescheduler.config.k8s.io/v1",
      kind: "KubeSchedulerConfiguration",
      profiles: [
        {
          schedulerName,
          plugins: {
            score: {
              disabled: [
                { name: "NodeResourcesBalancedAllocation" },
                { name: "NodeAffinity" },
                { name: "InterPodAffinity" },
                { name: "NodeResourcesFit" },
                { name: "ImageLocality" },
              ],
              enabled: [
                { name: "NodeAffinity", weight: 14631 },
                { name: "InterPodAffinity", weight: 1331 },
                { name: "NodeResourcesFit", weight: 121 },
                { name: "ImageLocality", weight: 11 },
              ],
            },
          },
          pluginConfig: [
            {
              name: "NodeResourcesFit",
              args: {
                scoringStrategy: {
                  type: "MostAllocated",
                  resources: [
                    { name: "cpu", weight: 1 },
                    { name: "memory", weight: 1 },
                  ],
                },
              },
            },
          ],
        },
      ],
    });
    // Before the second scheduler exists, a pod naming it stays unscheduled.
    await cp.client.create(
      `/api/v1/namespaces/${ns}/pods`,
      pod("user-1", {
        schedulerName,
        tolerations: [USER_TOLERATION],
        nodeSelector: { "hub.jupyter.org/node-purpose": "user" },
      }),
    );
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(
      (await cp.client.get(`/api/v1/namespaces/${ns}/pods/user-1`)).spec?.nodeName,
      undefined,
    );

    const sched = await cp.startScheduler({ name: "user-scheduler", configYaml });
    try {
      const p = await waitPod(ns, "user-1", podIsRunningAndReady, "Running+Ready", 60_000);
      assert.equal(p.spec?.nodeName, "jhusers-0");
      const scheduled = await waitFor("Scheduled event", async () =>
        (await events(ns, "user-1")).find((e) => e.reason === "Scheduled"),
      );
      const by =
        (scheduled as { reportingComponent?: string }).reportingComponent ||
        (scheduled as { source?: { component?: string } }).source?.component;
      assert.equal(by, schedulerName, "the second scheduler bound the pod");
    } finally {
      await sched.stop();
    }
  });
});
