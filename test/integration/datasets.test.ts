/**
 * A shared data set applied to the real control plane (sim/), with the z2jh stand-in chart
 * (test/fixtures/charts/z2jh-standin) in place of the public chart: two hubs, one data set on a
 * new volume that hub A (stat101) lists and hub B (cs480) does not. The stand-in's sample user
 * server stands in for the pod KubeSpawner would create from the rendered singleuser values.
 * What NetworkPolicies allow is judged by a real analyzer in netpol.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Document } from "yaml";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { type ApplyReport, applyFleet } from "../../src/apply/engine.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import type { Bundle } from "../../src/render/bundle.js";
import { datasetClusterIP } from "../../src/render/datasets/index.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom, REPO } from "../helpers.js";
import { startFleetCluster } from "../simFleet.js";

const STANDIN = fileURLToPath(new URL("../fixtures/charts/z2jh-standin", import.meta.url));
const A = "stat101";
const B = "cs480";
const DATASET = "census";

/** The example with two hubs, no cluster tools (their charts are not here), census for A only. */
const fleet: FleetModel = fleetFrom(
  editedExample((doc: Document) => {
    doc.deleteIn(["hubs", 2]);
    for (const tool of ["ingress", "autoscaler", "monitoring", "backups", "keda"]) {
      doc.setIn(["tools", tool, "enabled"], false);
    }
    for (const hub of [0, 1]) doc.setIn(["hubs", hub, "placeholders"], 0);
    doc.setIn(["hubs", 1, "datasets"], doc.createNode([]));
  }),
);

/** The rendered bundle, with the stand-in told to create its sample user server in every hub. */
function withSampleUserServers(bundle: Bundle): Bundle {
  return {
    ...bundle,
    releases: bundle.releases.map((r) =>
      r.hub === undefined
        ? r
        : { ...r, values: { ...r.values, standin: { sampleUserServer: { enabled: true } } } },
    ),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;
let report: ApplyReport;

const get = async (kind: string, name: string, namespace?: string): Promise<Any> =>
  kube.get({
    apiVersion: kind === "StatefulSet" ? "apps/v1" : "v1",
    kind,
    name,
    ...(namespace ? { namespace } : {}),
  });

const running = (namespace: string, name: string) =>
  waitFor(
    `${namespace}/${name} running`,
    async () => {
      const pod = await get("Pod", name, namespace);
      return pod?.status?.phase === "Running" ? pod : undefined;
    },
    {
      timeoutMs: 90_000,
      describe: async () => JSON.stringify((await get("Pod", name, namespace))?.status ?? null),
    },
  );

const bound = (namespace: string, name: string) =>
  waitFor(`claim ${namespace}/${name} bound`, async () => {
    const claim = await get("PersistentVolumeClaim", name, namespace);
    return claim?.status?.phase === "Bound" ? claim : undefined;
  });

describe("a shared data set on the real control plane", { timeout: 600_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(fleet));
    report = await applyFleet({ kube, helm }, fleet, withSampleUserServers(renderFleet(fleet)), {
      fleetDir: REPO,
      charts: new Map([["jupyterhub", STANDIN]]),
      concurrency: 2,
    });
  });
  after(async () => {
    await cp?.stop();
  });

  it("applies both hubs", () => {
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      [
        [A, "applied", undefined],
        [B, "applied", undefined],
      ],
    );
  });

  it("runs the data set's server, one pod, on a jhcontrolplane node", async () => {
    const statefulSet = await get("StatefulSet", `dataset-${DATASET}`, "datasets");
    assert.equal(statefulSet.spec.replicas, 1);
    const pod = await running("datasets", `dataset-${DATASET}-0`);
    const node = await get("Node", pod.spec.nodeName);
    assert.equal(node.metadata.labels["hubfleet.io/node-group"], "jhcontrolplane");
    const pods = (await kube.list("v1", "Pod", { namespace: "datasets" })) as Any[];
    assert.deepEqual(
      pods.map((p) => p.metadata.name),
      [`dataset-${DATASET}-0`],
    );
  });

  it("keeps the data on a bound claim whose volume is retained, labelled as data", async () => {
    const claim = await bound("datasets", `dataset-${DATASET}-data`);
    assert.equal(claim.metadata.labels["hubfleet.io/data"], "true");
    assert.equal(claim.spec.storageClassName, "hubfleet-drive");
    const volume = await get("PersistentVolume", claim.spec.volumeName);
    assert.equal(volume.spec.persistentVolumeReclaimPolicy, "Retain");
  });

  it("serves it at the ClusterIP derived from its name", async () => {
    const service = await get("Service", `dataset-${DATASET}`, "datasets");
    const dataset = fleet.datasets[0];
    assert.ok(dataset);
    assert.equal(service.spec.clusterIP, datasetClusterIP(fleet, dataset));
  });

  it(`${A}'s claim is bound to an NFS volume at the server's ClusterIP; ${B} has neither`, async () => {
    const service = await get("Service", `dataset-${DATASET}`, "datasets");
    const claim = await bound(A, `dataset-${DATASET}`);
    assert.equal(claim.spec.volumeName, `hubfleet-${A}-dataset-${DATASET}`);
    const volume = await get("PersistentVolume", claim.spec.volumeName);
    assert.deepEqual([volume.spec.nfs.server, volume.spec.nfs.path], [service.spec.clusterIP, "/"]);
    assert.equal(volume.spec.persistentVolumeReclaimPolicy, "Retain");
    assert.equal(volume.status.phase, "Bound");
    assert.equal(await get("PersistentVolumeClaim", `dataset-${DATASET}`, B), undefined);
    assert.equal(await get("PersistentVolume", `hubfleet-${B}-dataset-${DATASET}`), undefined);
  });

  /** hub → whether its user server mounts the data set (read-only at ~/datasets/census). */
  const USER_SERVERS: Array<[string, boolean]> = [
    [A, true],
    [B, false],
  ];
  for (const [hub, mounts] of USER_SERVERS) {
    it(`a user server of ${hub} ${mounts ? "carries the read-only mount" : "does not mount it"}`, async () => {
      const pod = await running(hub, "jupyter-sample");
      const node = await get("Node", pod.spec.nodeName);
      assert.equal(node.metadata.labels["hubfleet.io/node-group"], "jhusers");
      const volume = pod.spec.volumes.find(
        (v: Any) => v.persistentVolumeClaim?.claimName === `dataset-${DATASET}`,
      );
      const mount = pod.spec.containers[0].volumeMounts.find(
        (m: Any) => m.mountPath === `/home/jovyan/datasets/${DATASET}`,
      );
      // Every user server has its home on the drive; only A's has the data set.
      assert.ok(
        pod.spec.containers[0].volumeMounts.some((m: Any) => m.mountPath === "/home/jovyan"),
      );
      if (!mounts) {
        assert.equal(volume, undefined);
        assert.equal(mount, undefined);
        return;
      }
      assert.ok(volume, "the data set's claim is a volume of the pod");
      assert.ok(mount, "mounted at ~/datasets/census");
      assert.equal(mount.name, volume.name);
      assert.equal(mount.readOnly, true);
    });
  }

  // Kubelet mounts the data set from the node: the server admits NFS from the node range and
  // from no pod, the listing hub's user servers included.
  it("applies the server's policy admitting NFS from the node range (kubelets) only", async () => {
    const policy = (await kube.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      namespace: "datasets",
      name: `dataset-${DATASET}`,
    })) as Any;
    // Through JSON: the client's models carry unset fields as undefined.
    assert.deepEqual(JSON.parse(JSON.stringify(policy.spec.ingress)), [
      {
        from: [{ ipBlock: { cidr: fleet.cluster.nodeCIDR } }],
        ports: [{ protocol: "TCP", port: 2049 }],
      },
    ]);
  });

  it("a second apply leaves the server and its data alone", async () => {
    const before = await get("StatefulSet", `dataset-${DATASET}`, "datasets");
    const claim = await get("PersistentVolumeClaim", `dataset-${DATASET}-data`, "datasets");
    const again = await applyFleet(
      { kube, helm },
      fleet,
      withSampleUserServers(renderFleet(fleet)),
      { fleetDir: REPO, charts: new Map([["jupyterhub", STANDIN]]), concurrency: 2 },
    );
    assert.equal(again.failed, 0);
    const after = await get("StatefulSet", `dataset-${DATASET}`, "datasets");
    assert.equal(after.metadata.generation, before.metadata.generation);
    const claimAfter = await get("PersistentVolumeClaim", `dataset-${DATASET}-data`, "datasets");
    assert.equal(claimAfter.metadata.uid, claim.metadata.uid);
  });
});
