/**
 * apply, plan, status and delete-hub against the real control plane, with the z2jh stand-in
 * chart (test/fixtures/charts/z2jh-standin) in place of the public chart.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { deleteHub } from "../../src/apply/deleteHub.js";
import { type ApplyReport, applyFleet } from "../../src/apply/engine.js";
import { LockError } from "../../src/apply/lock.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { fleetStatus } from "../../src/apply/status.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { buildPlan, planHasChanges } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { editedExample, exampleText, fleetFrom, REPO } from "../helpers.js";
import {
  SIM_USER_NODES,
  standinCharts,
  startFleetCluster,
  writeVeleroCredentialsStandIn,
} from "../simFleet.js";

const example = fleetFrom(exampleText);
const charts = standinCharts(example);
const HUBS = example.hubs.map((h) => h.name);

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

const apply = (
  fleet: FleetModel,
  extra: Partial<Parameters<typeof applyFleet>[3]> = {},
): Promise<ApplyReport> =>
  applyFleet({ kube, helm }, fleet, renderFleet(fleet), {
    fleetDir: REPO,
    charts,
    concurrency: 3,
    ...extra,
  });

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;
const pods = async (namespace: string): Promise<Any[]> =>
  (await kube.list("v1", "Pod", { namespace })) as Any[];
const nodeGroupOf = async (nodeName: string) =>
  ((await kube.get({ apiVersion: "v1", kind: "Node", name: nodeName })) as Any)?.metadata.labels[
    "hubfleet.io/node-group"
  ];
const revision = async (hub: string) => (await helm.status(hub, hub))?.revision;
const dataVolume = async (hub: string) =>
  (
    (await kube.get({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: hub,
      name: "drive-data",
    })) as Any
  )?.spec?.volumeName as string | undefined;

describe("apply on the real control plane", { timeout: 600_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(example));
    await writeVeleroCredentialsStandIn(kube, example);
  });
  after(async () => {
    await cp?.stop();
  });

  it("applies the example fleet: every hub applied, every pod Running on its node group, claims bound", async () => {
    const report = await apply(example);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      HUBS.map((h) => [h, "applied", undefined]),
    );
    for (const hub of HUBS) {
      const expected = example.hubs.find((h) => h.name === hub)?.placeholders ?? 0;
      const list = await waitFor(
        `${hub} pods running`,
        async () => {
          const all = await pods(hub);
          const running = all.filter((p) => p.status?.phase === "Running");
          // The user-scheduler and the image puller are the fleet's (below), not the hub's.
          const wanted = 1 /* drive */ + 1 /* hub */ + 1 /* proxy */ + expected;
          return running.length >= wanted && all.every((p) => p.status?.phase === "Running")
            ? all
            : undefined;
        },
        {
          timeoutMs: 90_000,
          describe: async () =>
            JSON.stringify((await pods(hub)).map((p) => [p.metadata.name, p.status?.phase])),
        },
      );
      for (const pod of list) {
        const component =
          pod.metadata.labels.component ?? pod.metadata.labels["app.kubernetes.io/component"];
        const group = await nodeGroupOf(pod.spec.nodeName);
        const want = ["user-placeholder", "continuous-image-puller", "singleuser-server"].includes(
          component,
        )
          ? "jhusers"
          : "jhcontrolplane";
        assert.equal(group, want, `${hub}/${pod.metadata.name} (${component}) on ${group}`);
        if (group === "jhusers") {
          // Nothing on the user nodes holds a block volume (only the drive's NFS share).
          for (const volume of pod.spec.volumes ?? []) {
            const claimName = volume.persistentVolumeClaim?.claimName;
            if (!claimName) continue;
            const claim = (await kube.get({
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              namespace: hub,
              name: claimName,
            })) as Any;
            const pv = (await kube.get({
              apiVersion: "v1",
              kind: "PersistentVolume",
              name: claim?.spec?.volumeName ?? "",
            })) as Any;
            assert.ok(
              pv?.spec?.nfs,
              `${hub}/${pod.metadata.name} on jhusers mounts ${claimName}, not an NFS share`,
            );
          }
        }
      }
      assert.deepEqual(
        list.filter((p) =>
          ["user-scheduler", "continuous-image-puller"].includes(p.metadata.labels.component),
        ),
        [],
        `${hub} runs no scheduler or puller of its own`,
      );
      const claims = (await kube.list("v1", "PersistentVolumeClaim", { namespace: hub })) as Any[];
      const datasetClaims = (example.hubs.find((h) => h.name === hub)?.datasets ?? []).map(
        (d): [string, string] => [`dataset-${d}`, "Bound"],
      );
      assert.deepEqual(
        claims.map((c) => [c.metadata.name, c.status.phase]).sort(),
        [
          ...datasetClaims,
          ["drive", "Bound"],
          ["drive-data", "Bound"],
          ["hub-db-dir", "Bound"],
        ].sort(),
      );
      const pv = (await kube.get({
        apiVersion: "v1",
        kind: "PersistentVolume",
        name: (await dataVolume(hub)) ?? "",
      })) as Any;
      assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Retain");
    }
    const status = await fleetStatus({ kube, helm }, example);
    for (const h of status.hubs) {
      assert.deepEqual(
        [h.release, h.hubReady, h.proxyReady, h.driveReady],
        ["deployed", true, true, true],
        h.hub,
      );
    }
  });

  it("runs the fleet's shared parts once: two user-schedulers on the core group, one puller per user node (not per hub)", async () => {
    const shared = await waitFor(
      "the fleet's shared pods running",
      async () => {
        const all = await pods("hubfleet-shared");
        const running = all.filter((p) => p.status?.phase === "Running");
        const want = 2 + SIM_USER_NODES;
        return running.length === want && all.length === want ? all : undefined;
      },
      {
        timeoutMs: 90_000,
        describe: async () =>
          JSON.stringify(
            (await pods("hubfleet-shared")).map((p) => [p.metadata.name, p.status?.phase]),
          ),
      },
    );
    const placed = await Promise.all(
      shared.map(async (p) => [p.metadata.labels.component, await nodeGroupOf(p.spec.nodeName)]),
    );
    assert.deepEqual(placed.sort(), [
      ...Array.from({ length: SIM_USER_NODES }, () => ["image-puller", "jhusers"]),
      ["user-scheduler", "jhcontrolplane"],
      ["user-scheduler", "jhcontrolplane"],
    ]);
  });
  it("a second apply changes nothing and upgrades no release; plan agrees", async () => {
    const before = await Promise.all(HUBS.map(revision));
    const report = await apply(example);
    assert.deepEqual(
      report.hubs.map((h) => h.result),
      HUBS.map(() => "unchanged"),
    );
    assert.deepEqual(await Promise.all(HUBS.map(revision)), before);
    const bundle = renderFleet(example);
    // plan lists each kind by the fleet label: on an applied fleet it reads no object one by one.
    const gets: string[] = [];
    const counting: KubePort = Object.assign(Object.create(kube) as KubePort, {
      get: (ref: Parameters<KubePort["get"]>[0]) => {
        gets.push(`${ref.kind}/${ref.namespace ?? ""}/${ref.name}`);
        return kube.get(ref);
      },
    });
    const observed = await observeForPlan({ kube: counting, helm }, example, bundle);
    const manifestKeys = bundle.manifests.map(
      (m) => `${m.object.kind}/${m.object.metadata.namespace ?? ""}/${m.object.metadata.name}`,
    );
    assert.deepEqual(
      gets.filter((g) => manifestKeys.includes(g)),
      [],
    );
    // The same objects a read of each would give (by uid: their status may move meanwhile).
    for (const m of bundle.manifests) {
      const key = `${m.object.kind}/${m.object.metadata.namespace ?? ""}/${m.object.metadata.name}`;
      const one = (await kube.get({
        ...m.object,
        name: m.object.metadata.name,
        namespace: m.object.metadata.namespace,
      })) as Any;
      assert.equal((observed.objects.get(key) as Any)?.metadata?.uid, one?.metadata?.uid, key);
    }
    const plan = buildPlan(bundle, observed);
    assert.equal(
      planHasChanges(plan),
      false,
      JSON.stringify(plan.hubs.filter((h) => h.objects.some((o) => o.action !== "unchanged"))),
    );
  });

  it("keeps the generated secrets across applies", async () => {
    const read = async () =>
      (
        (await kube.get({
          apiVersion: "v1",
          kind: "Secret",
          namespace: "cs480",
          name: "hubfleet-hub-secrets",
        })) as Any
      ).data;
    const first = await read();
    await apply(example, { force: true });
    assert.deepEqual(await read(), first);
    const values = await helm.getValues("cs480", "cs480");
    assert.equal(
      (values as Any).proxy.secretToken,
      Buffer.from(first["proxy-token"], "base64").toString("utf8"),
      "helm got the token from the Secret",
    );
  });

  it("a change to one hub upgrades only that hub's release; plan shows the value diff first", async () => {
    const changed = fleetFrom(
      editedExample((d) => d.setIn(["hubs", 1, "resources", "memory", "limit"], "3Gi")),
    );
    const bundle = renderFleet(changed);
    const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, changed, bundle));
    const cs480 = plan.hubs.find((h) => h.hub === "cs480");
    assert.equal(cs480?.release?.action, "upgrade");
    assert.deepEqual(cs480?.release?.valueChanges, [
      // Bytes: what JupyterHub and Kubernetes both read (docs/design.md).
      { path: "singleuser.memory.limit", from: 4 * 2 ** 30, to: 3 * 2 ** 30 },
    ]);
    assert.ok(
      plan.hubs.filter((h) => h.hub !== "cs480").every((h) => h.release?.action === "unchanged"),
    );
    const before = await Promise.all(HUBS.map(revision));
    const report = await apply(changed);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result]),
      [
        ["stat101", "unchanged"],
        ["cs480", "applied"],
        ["genomics-lab", "unchanged"],
      ],
    );
    const after = await Promise.all(HUBS.map(revision));
    assert.deepEqual(after, [before[0], (before[1] ?? 0) + 1, before[2]]);
    await apply(example);
  });

  it("two concurrent applies: exactly one proceeds, the other is refused naming the holder", async () => {
    const results = await Promise.allSettled([
      apply(example, { force: true }),
      apply(example, { force: true }),
    ]);
    const refused = results.filter((r) => r.status === "rejected");
    assert.equal(refused.length, 1, JSON.stringify(results.map((r) => r.status)));
    const reason = (refused[0] as PromiseRejectedResult).reason;
    assert.ok(reason instanceof LockError);
    assert.match(reason.message, /another hubfleet apply holds the lock .*pid \d+/);
  });

  it("a hub removed from the file is pruned, but its data volume, claims and namespace are kept", async () => {
    const volume = await dataVolume("genomics-lab");
    assert.ok(volume);
    const without = fleetFrom(editedExample((d) => d.deleteIn(["hubs", 2])));
    // A whole hub goes: the prune guard wants it named.
    const report = await apply(without, { prune: { pruneHubs: new Set(["genomics-lab"]) } });
    assert.deepEqual(report.prune.uninstall, [
      { ...report.prune.uninstall[0], name: "genomics-lab", namespace: "genomics-lab" },
    ]);
    assert.equal(await helm.status("genomics-lab", "genomics-lab"), undefined);
    assert.ok(
      await kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: volume }),
      "PV kept",
    );
    assert.equal(await dataVolume("genomics-lab"), volume, "claim kept");
    assert.ok(
      await kube.get({ apiVersion: "v1", kind: "Namespace", name: "genomics-lab" }),
      "namespace kept",
    );
    assert.equal(
      await kube.get({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        namespace: "genomics-lab",
        name: "drive",
      }),
      undefined,
    );
    const retained = report.prune.retain.map((r) => `${r.object.kind}/${r.object.metadata.name}`);
    assert.ok(retained.includes("PersistentVolumeClaim/drive-data"), retained.join(", "));
    // Re-adding the hub re-attaches the same drive.
    const readded = await apply(example);
    assert.equal(readded.hubs.find((h) => h.hub === "genomics-lab")?.result, "applied");
    assert.equal(await dataVolume("genomics-lab"), volume);
  });

  it("delete-hub keeps and labels the data; re-adding the hub re-binds the same volume", async () => {
    const volume = await dataVolume("stat101");
    const without = fleetFrom(editedExample((d) => d.deleteIn(["hubs", 0])));
    const report = await deleteHub({ kube, helm }, without, "stat101", {
      purge: false,
      today: "2026-11-26",
    });
    assert.equal(report.uninstalled, true);
    const pv = (await kube.get({
      apiVersion: "v1",
      kind: "PersistentVolume",
      name: volume ?? "",
    })) as KubeObject | undefined;
    assert.equal(pv?.metadata.labels?.["hubfleet.io/hub"], "stat101");
    assert.equal(pv?.metadata.labels?.["hubfleet.io/deleted-at"], "2026-11-26");
    await apply(example);
    assert.equal(await dataVolume("stat101"), volume);
    assert.equal((await helm.status("stat101", "stat101"))?.status, "deployed");
  });
  it("delete-hub --purge deletes the data volumes and the namespace", async () => {
    const volumes = [await dataVolume("cs480")];
    const dbClaim = (await kube.get({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: "cs480",
      name: "hub-db-dir",
    })) as Any;
    volumes.push(dbClaim?.spec?.volumeName);
    assert.ok(
      volumes.every((v) => typeof v === "string"),
      JSON.stringify(volumes),
    );
    const without = fleetFrom(editedExample((d) => d.deleteIn(["hubs", 1])));
    const report = await deleteHub({ kube, helm }, without, "cs480", {
      purge: true,
      today: "2026-11-26",
    });
    assert.ok(report.deleted.includes("Namespace cs480"));
    await waitFor(
      "cs480's volumes deleted by the storage driver",
      async () => {
        const left = await Promise.all(
          volumes.map((v) =>
            kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: v as string }),
          ),
        );
        return left.every((v) => v === undefined);
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(
      "namespace cs480 gone",
      async () =>
        (await kube.get({ apiVersion: "v1", kind: "Namespace", name: "cs480" })) === undefined,
      { timeoutMs: 60_000 },
    );
  });
});
