/**
 * Safety scenarios 2–8 of docs (notes/failure-scenarios.md) on the real control plane, with
 * the z2jh stand-in chart: what prune and delete-hub do when the fleet file shrinks, when
 * objects are foreign, moved or undeletable, and when a hub with data goes away. Each scenario
 * has a fleet of its own (its own namespaces, inventory and lock) on one shared control plane.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { deleteHub } from "../../src/apply/deleteHub.js";
import { PruneGuardError } from "../../src/apply/engine.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { buildPlan } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import type { Bundle, Manifest } from "../../src/render/bundle.js";
import { renderFleet } from "../../src/render/index.js";
import { fleetLabels, hubLabels } from "../../src/render/labels.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { runCli } from "../helpers.js";
import {
  applier,
  fleetFile,
  fleetSnapshot,
  inventoryKeys,
  recordingPorts,
  STANDIN,
  safetyCluster,
  scenarioFleet,
  scenarioFleetText,
} from "../safetyHelpers.js";

const ALL_HUBS = [
  ...["s2-a", "s2-b", "s2-c", "s3-a", "s3-b", "s3-b2", "s4-a", "s4-b", "s5-a", "s5-b"],
  ...["s6-a", "s6-b", "s7-a", "s7-b", "s8-a", "s8-b"],
];
const safety = safetyCluster(ALL_HUBS);
const { apply, cluster, get, cliArgs } = safety;
let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;
const uidOf = async (kind: string, name: string, namespace?: string, apiVersion = "v1") =>
  (await get(kind, name, namespace, apiVersion))?.metadata?.uid as string | undefined;
const released = async (hub: string) => (await helm.status(hub, hub))?.status;
const plan = async (fleet: FleetModel, bundle: Bundle = renderFleet(fleet)) =>
  buildPlan(bundle, await observeForPlan({ kube, helm }, fleet, bundle));

/** A bundle with extra objects for a hub (or cluster-wide when hub is undefined). */
function withExtra(bundle: Bundle, extra: readonly Manifest[]): Bundle {
  return { ...bundle, manifests: [...bundle.manifests, ...extra] };
}

const RBAC = "rbac.authorization.k8s.io/v1";

/** A small generic chart (a ConfigMap and a Deployment) standing in for a tool's chart. */
const GENERIC_STANDIN = fileURLToPath(new URL("../fixtures/charts/standin", import.meta.url));

describe("safety scenarios 2–8: prune and delete", { timeout: 900_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await safety.start());
  });
  after(safety.stop);

  // First: its drive must be scheduled (binding waits for the pod) before the nodes fill up.
  it("scenario 8: removing a hub orphans its volumes with reclaim policy Retain and never deletes its namespace", async () => {
    // Hub B's drive uses the simulator's class, whose volumes are deleted with their claims.
    const fleet = scenarioFleet("safety-s8", ["s8-a", "s8-b"], (d) =>
      d.setIn(["hubs", 1, "drive", "storageClass"], "sim-standard"),
    );
    await apply(fleet);
    const volume = await waitFor(
      "s8-b's drive bound",
      async () => (await get("PersistentVolumeClaim", "drive-data", "s8-b"))?.spec.volumeName,
      { timeoutMs: 60_000 },
    );
    assert.equal(
      (await get("PersistentVolume", volume))?.spec.persistentVolumeReclaimPolicy,
      "Delete",
    );
    const onlyA = scenarioFleet("safety-s8", ["s8-a"]);
    const report = await apply(onlyA, { prune: { pruneHubs: new Set(["s8-b"]) } });
    assert.equal(report.failed, 0, JSON.stringify(report.pruned.failed));
    const pv = await get("PersistentVolume", volume);
    assert.equal(pv?.spec.persistentVolumeReclaimPolicy, "Retain");
    assert.equal(pv?.metadata.labels["hubfleet.io/deleted-at"], "2026-11-26");
    assert.ok(await get("PersistentVolumeClaim", "drive-data", "s8-b"));
    assert.equal((await get("Namespace", "s8-b"))?.metadata.deletionTimestamp, undefined);
    // delete-hub --purge refuses a namespace that holds someone else's claim, before deleting anything.
    await kube.create({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "someone-elses-data", namespace: "s8-b" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    const refused = await runCli([
      "delete-hub",
      "s8-b",
      "-f",
      fleetFile(scenarioFleetText("safety-s8", ["s8-a"])),
      "--purge",
      "--yes-delete-data=s8-b",
      ...cliArgs(),
    ]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /namespace s8-b holds claim\(s\) someone-elses-data that hub s8-b did not create/,
    );
    assert.match(refused.stderr, /hint: move or delete that claim first/);
    assert.ok(await get("PersistentVolumeClaim", "drive-data", "s8-b"), "nothing deleted");
    assert.equal((await get("Namespace", "s8-b"))?.metadata.deletionTimestamp, undefined);
    // Without --purge, delete-hub keeps the data and the namespace too.
    const kept = await deleteHub({ kube, helm }, onlyA, "s8-b", {
      purge: false,
      today: "2026-11-27",
    });
    assert.ok(kept.kept.some((k) => k.startsWith("Namespace s8-b")));
    assert.ok(await get("PersistentVolume", volume));
  });

  describe("scenario 2: the desired set shrinks (a render bug, a truncated file)", () => {
    const full = scenarioFleet("safety-s2", ["s2-a", "s2-b", "s2-c"]);
    before(async () => {
      const report = await apply(full);
      assert.equal(report.failed, 0, JSON.stringify(report.hubs));
    });

    it("scenario 2: a render that drops more than 10 % of the objects stops without --confirm, and writes nothing", async () => {
      const bundle = renderFleet(full);
      const noPolicies = {
        ...bundle,
        manifests: bundle.manifests.filter((m) => m.object.kind !== "NetworkPolicy"),
      };
      const before = await fleetSnapshot(cluster(), full.name);
      const recording = recordingPorts(cluster());
      const { kube: k, helm: h } = recording;
      await assert.rejects(
        apply(full, { bundle: noPolicies, force: true, kube: k, helm: h }),
        (err: Error) => {
          assert.ok(err instanceof PruneGuardError, String(err));
          const policies = bundle.manifests.filter((m) => m.object.kind === "NetworkPolicy").length;
          assert.match(
            err.message,
            new RegExp(`apply would delete ${policies} of the \\d+ objects hubfleet manages`),
          );
          assert.deepEqual(err.verdict.flags, ["--confirm"]);
          return true;
        },
      );
      assert.deepEqual(recording.writes, [], "nothing was written");
      assert.deepEqual(await fleetSnapshot(cluster(), full.name), before);
      const report = await apply(full, { bundle: noPolicies, prune: { confirm: true } });
      assert.equal(
        report.pruned.deleted.length,
        bundle.manifests.filter((m) => m.object.kind === "NetworkPolicy").length,
      );
      assert.equal(await get("NetworkPolicy", "drive", "s2-a", "networking.k8s.io/v1"), undefined);
      await apply(full);
    });

    it("scenario 2: a fleet file that lost hubs stops, names --prune-hub for each, and plan says so first", async () => {
      const text = scenarioFleetText("safety-s2", ["s2-a"]);
      const shrunk = scenarioFleet("safety-s2", ["s2-a"]);
      const planned = await plan(shrunk);
      assert.equal(planned.guard.stop, true);
      assert.deepEqual(planned.guard.flags, ["--prune-hub s2-b", "--prune-hub s2-c"]);
      const shown = await runCli(["plan", fleetFile(text), "--detailed-exitcode", ...cliArgs()]);
      assert.equal(shown.code, 2, shown.stderr);
      assert.match(shown.stdout, /apply would stop before writing anything \(prune guard\)/);
      assert.match(shown.stdout, /hub s2-b is no longer in the fleet file/);
      assert.match(shown.stdout, /to go ahead: apply with --prune-hub s2-b --prune-hub s2-c/);
      // Without --detailed-exitcode a plan that was made exits 0, changes or not (as Terraform).
      const plain = await runCli(["plan", fleetFile(text), ...cliArgs()]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /\napply would change the cluster\n/);
      assert.match(plain.stderr, /^using context \S+ \(https?:\/\/\S+\)$/m);
      // --hub narrows the plan to that hub; -o yaml is the same plan as -o json.
      const fullText = fleetFile(scenarioFleetText("safety-s2", ["s2-a", "s2-b", "s2-c"]));
      const [asJson, asYaml] = await Promise.all(
        ["json", "yaml"].map((o) =>
          runCli(["plan", fullText, "--hub", "s2-b", "-o", o, ...cliArgs()]),
        ),
      );
      assert.equal(asJson?.code, 0, asJson?.stderr);
      const planned1 = JSON.parse(asJson?.stdout ?? "") as { hubs: Array<{ hub: string }> };
      assert.deepEqual(
        planned1.hubs.map((h) => h.hub),
        ["s2-b"],
      );
      assert.deepEqual(parseYaml(asYaml?.stdout ?? ""), planned1);

      const before = await fleetSnapshot(cluster(), shrunk.name);
      const refused = await runCli(["apply", fleetFile(text), ...cliArgs()]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /error: apply stopped before writing anything/);
      assert.match(
        refused.stderr,
        /hint: if the fleet file is right, run apply again with --prune-hub s2-b --prune-hub s2-c/,
      );
      assert.doesNotMatch(refused.stderr, /\n\s+at .+:\d+:\d+/);
      const recording = recordingPorts(cluster());
      await assert.rejects(
        apply(shrunk, {
          prune: { pruneHubs: new Set(["s2-b"]) },
          kube: recording.kube,
          helm: recording.helm,
        }),
        /hub s2-c is no longer in the fleet file/,
      );
      assert.deepEqual(recording.writes, [], "nothing was written");
      assert.deepEqual(await fleetSnapshot(cluster(), shrunk.name), before);
      assert.equal(await released("s2-b"), "deployed");

      const report = await apply(shrunk, { prune: { pruneHubs: new Set(["s2-b", "s2-c"]) } });
      assert.deepEqual([...report.pruned.uninstalled].sort(), ["s2-b/s2-b", "s2-c/s2-c"]);
      assert.equal(await released("s2-b"), undefined);
      assert.ok(await get("PersistentVolumeClaim", "drive-data", "s2-b"), "data kept");
    });

    it("scenario 2: a fleet file with no hubs prunes nothing, even with --confirm", async () => {
      const empty = scenarioFleet("safety-s2", []);
      const events: string[] = [];
      const report = await apply(empty, {
        prune: { confirm: true },
        onEvent: (e) => {
          if (e.type === "prune-note") events.push(e.message);
        },
      });
      assert.deepEqual([report.pruned.deleted, report.pruned.uninstalled], [[], []]);
      assert.match(events[0] ?? "", /the fleet file lists no hubs: apply prunes nothing/);
      assert.equal(await released("s2-a"), "deployed");
      assert.ok(await get("StatefulSet", "drive", "s2-a", "apps/v1"));
    });

    it("scenario 2: a cluster tool gone from the fleet file is uninstalled only with --prune-tool", async () => {
      const fleet = scenarioFleet("safety-s2", ["s2-a"]);
      const bundle = renderFleet(fleet);
      const toolNamespace: Manifest = {
        phase: "namespace",
        object: {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: "s2-tools", labels: fleetLabels(fleet) },
        },
      };
      const toolLabels = { ...fleetLabels(fleet), "hubfleet.io/tool": "s2-tool" };
      const withTool: Bundle = {
        ...withExtra(bundle, [
          toolNamespace,
          {
            phase: "network",
            tool: "s2-tool",
            object: {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "s2-tool-settings", namespace: "s2-tools", labels: toolLabels },
              data: { a: "1" },
            },
          },
        ]),
        releases: [
          {
            name: "s2-tool",
            namespace: "s2-tools",
            chart: { repo: "https://charts.invalid", name: "s2-tool-chart", version: "0.1.0" },
            values: {},
            tool: "s2-tool",
          },
          ...bundle.releases,
        ],
      };
      const applyTool = applier(
        cluster,
        new Map([
          ["jupyterhub", STANDIN],
          ["s2-tool-chart", GENERIC_STANDIN],
        ]),
      );
      const installed = await applyTool(fleet, { bundle: withTool });
      assert.equal(installed.tools[0]?.result, "applied", JSON.stringify(installed.tools));
      assert.equal((await helm.status("s2-tool", "s2-tools"))?.status, "deployed");
      await assert.rejects(applyTool(fleet, { bundle }), (err: Error) => {
        assert.ok(err instanceof PruneGuardError);
        assert.match(err.message, /cluster tool s2-tool is no longer in the fleet file/);
        assert.deepEqual(err.verdict.flags, ["--prune-tool s2-tool"]);
        return true;
      });
      const report = await applyTool(fleet, {
        bundle,
        prune: { pruneTools: new Set(["s2-tool"]) },
      });
      assert.deepEqual(report.pruned.uninstalled, ["s2-tools/s2-tool"]);
      assert.equal(await helm.status("s2-tool", "s2-tools"), undefined);
      assert.equal(await get("ConfigMap", "s2-tool-settings", "s2-tools"), undefined);
      assert.equal(await get("ConfigMap", "hubfleet-state-s2-tool", "s2-tools"), undefined);
      assert.ok(await get("Namespace", "s2-tools"), "namespaces are never pruned");
      assert.ok(
        report.prune.retain.some((r) => r.object.metadata.name === "s2-tools"),
        "the namespace is reported as retained",
      );
    });
  });

  it("scenario 3: a hub renamed in the fleet file: its claims, volumes and namespace are retained and reported as orphaned", async () => {
    const before = scenarioFleet("safety-s3", ["s3-a", "s3-b"]);
    await apply(before);
    const uids = {
      data: await uidOf("PersistentVolumeClaim", "drive-data", "s3-b"),
      db: await uidOf("PersistentVolumeClaim", "hub-db-dir", "s3-b"),
      namespace: await uidOf("Namespace", "s3-b"),
    };
    const volume = (await get("PersistentVolumeClaim", "drive-data", "s3-b"))?.spec.volumeName;
    const renamed = scenarioFleet("safety-s3", ["s3-a", "s3-b2"]);
    const shown = await runCli([
      "plan",
      fleetFile(scenarioFleetText("safety-s3", ["s3-a", "s3-b2"])),
      ...cliArgs(),
    ]);
    assert.match(
      shown.stdout,
      /retain PersistentVolumeClaim\/s3-b\/drive-data \(orphaned: hub s3-b is gone from the fleet file; retained: a volume claim/,
    );
    assert.match(shown.stdout, /retain Namespace\/\/s3-b \(orphaned: .*still holds volume claims/);
    const report = await apply(renamed, { prune: { pruneHubs: new Set(["s3-b"]) } });
    assert.equal(report.failed, 0);
    const retained = report.prune.retain.map((r) => `${r.object.kind}/${r.object.metadata.name}`);
    for (const kept of [
      "PersistentVolumeClaim/drive-data",
      "Namespace/s3-b",
      "Secret/hubfleet-hub-secrets",
    ]) {
      assert.ok(retained.includes(kept), `${kept} in ${retained.join(", ")}`);
    }
    assert.deepEqual(
      {
        data: await uidOf("PersistentVolumeClaim", "drive-data", "s3-b"),
        db: await uidOf("PersistentVolumeClaim", "hub-db-dir", "s3-b"),
        namespace: await uidOf("Namespace", "s3-b"),
      },
      uids,
      "the same claims and namespace, never recreated",
    );
    assert.equal(
      (await get("PersistentVolume", volume))?.spec.persistentVolumeReclaimPolicy,
      "Retain",
    );
    assert.equal(await get("StatefulSet", "drive", "s3-b", "apps/v1"), undefined, "no data in it");
    assert.equal(await released("s3-b2"), "deployed");
  });

  it("scenario 4: objects that copied hubfleet's labels, or replaced its object, are never deleted", async () => {
    const fleet = scenarioFleet("safety-s4", ["s4-a", "s4-b"]);
    await apply(fleet);
    const labels = hubLabels(fleet, "s4-b");
    await kube.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "copied-labels", namespace: "s4-b", labels },
      data: { owner: "someone else" },
    });
    // Someone deletes hubfleet's policy and creates their own under the same name and labels.
    const policy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      namespace: "s4-b",
      name: "hubfleet-hub",
    };
    await kube.delete(policy);
    await waitFor("policy gone", async () => (await kube.get(policy)) === undefined, {
      timeoutMs: 30_000,
    });
    const theirs = await kube.create({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "hubfleet-hub", namespace: "s4-b", labels },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    const shrunk = scenarioFleet("safety-s4", ["s4-a"]);
    const planned = await plan(shrunk);
    const left = planned.prune.leave.map((l) => `${l.object.metadata.name}: ${l.reason}`);
    assert.ok(
      left.some((l) => /^copied-labels: .*not in its inventory/.test(l)),
      left.join("\n"),
    );
    assert.ok(
      left.some((l) => /^hubfleet-hub: .*uid differs/.test(l)),
      left.join("\n"),
    );
    const report = await apply(shrunk, { prune: { pruneHubs: new Set(["s4-b"]) } });
    assert.equal(report.failed, 0, JSON.stringify(report.pruned.failed));
    assert.ok(await get("ConfigMap", "copied-labels", "s4-b"), "foreign object kept");
    assert.equal(
      ((await kube.get(policy)) as Any)?.metadata.uid,
      (theirs.metadata as Any).uid,
      "the replacement is still there",
    );
    assert.equal(
      await get("ConfigMap", "drive-ganesha", "s4-b"),
      undefined,
      "hubfleet's own is gone",
    );
  });

  describe("scenario 5: an object moves from hub A to hub B, then A is removed", () => {
    it("scenario 5: an object the fleet file moved to hub B survives the removal of hub A", async () => {
      const fleet = scenarioFleet("safety-s5", ["s5-a", "s5-b"]);
      const shared = (hub: string): Manifest => ({
        phase: "network",
        hub,
        object: {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: { name: "s5-shared-reader", labels: hubLabels(fleet, hub) },
          rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
        },
      });
      await apply(fleet, { bundle: withExtra(renderFleet(fleet), [shared("s5-a")]) });
      const uid = await uidOf("ClusterRole", "s5-shared-reader", undefined, RBAC);
      // Next version: hub B owns the object, hub A is gone.
      const onlyB = scenarioFleet("safety-s5", ["s5-b"]);
      const report = await apply(onlyB, {
        bundle: withExtra(renderFleet(onlyB), [shared("s5-b")]),
        prune: { pruneHubs: new Set(["s5-a"]) },
      });
      assert.equal(report.failed, 0, JSON.stringify(report.pruned.failed));
      const role = (await kube.get({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        name: "s5-shared-reader",
      })) as Any;
      assert.equal(role?.metadata.uid, uid, "not deleted, not recreated");
      assert.equal(role?.metadata.labels["hubfleet.io/hub"], "s5-b");
      const recorded = await inventoryKeys(kube, onlyB.name);
      assert.ok(recorded.includes("hub/s5-b ClusterRole//s5-shared-reader"), recorded.join("\n"));
      assert.ok(!recorded.includes("hub/s5-a ClusterRole//s5-shared-reader"), recorded.join("\n"));
    });

    it("scenario 5: ownership is checked again at the moment of deletion", async () => {
      const fleet = scenarioFleet("safety-s5", ["s5-a", "s5-b"]);
      await apply(fleet, { prune: { confirm: true } });
      const onlyB = scenarioFleet("safety-s5", ["s5-b"]);
      // After apply planned its prune, and before it deletes: the object moves to hub B.
      const movingHelm: HelmPort = {
        ...helm,
        uninstall: async (release, namespace) => {
          await kube.apply(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name: "drive-ganesha",
                namespace: "s5-a",
                labels: { "hubfleet.io/hub": "s5-b" },
              },
            },
            { fieldManager: "someone-else" },
          );
          await helm.uninstall(release, namespace);
        },
      };
      const report = await apply(onlyB, {
        helm: movingHelm,
        prune: { pruneHubs: new Set(["s5-a"]) },
      });
      const planned = report.prune.delete.map((d) => d.object.metadata.name);
      assert.ok(planned.includes("drive-ganesha"), "it was a candidate when apply planned");
      assert.deepEqual(
        report.pruned.left.filter((l) => l.object.endsWith("drive-ganesha")),
        [
          {
            object: "ConfigMap/s5-a/drive-ganesha",
            reason: "now labelled for hub s5-b, not s5-a: left alone",
          },
        ],
      );
      assert.ok(await get("ConfigMap", "drive-ganesha", "s5-a"), "not deleted");
      assert.equal(await get("Service", "drive", "s5-a"), undefined, "the rest of hub A is pruned");
    });
  });

  it("scenario 6: a hub-scoped apply never deletes cluster-wide objects; Namespaces, PVs and StorageClasses only by a command naming them", async () => {
    const fleet = scenarioFleet("safety-s6", ["s6-a", "s6-b"]);
    const clusterWide: Manifest[] = [
      {
        phase: "storage",
        object: {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: { name: "s6-old-reader", labels: fleetLabels(fleet) },
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
        },
      },
      {
        phase: "storage",
        object: {
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          metadata: { name: "s6-old-class", labels: fleetLabels(fleet) },
          provisioner: "hubfleet.test/sim-provisioner",
          reclaimPolicy: "Retain",
          volumeBindingMode: "WaitForFirstConsumer",
        },
      },
    ];
    await apply(fleet, { bundle: withExtra(renderFleet(fleet), clusterWide) });
    const onlyA = scenarioFleet("safety-s6", ["s6-a"]);
    // Namespace-scoped: apply --hub s6-a with a file that lost the cluster-wide objects and hub B.
    const scoped = await apply(onlyA, { onlyHubs: ["s6-a"] });
    assert.deepEqual([scoped.pruned.deleted, scoped.pruned.uninstalled], [[], []]);
    assert.ok(await get("ClusterRole", "s6-old-reader", undefined, "rbac.authorization.k8s.io/v1"));
    assert.equal(await released("s6-b"), "deployed");
    // The whole fleet, allowed to prune: the role goes; the class, hub B's namespace and volume stay.
    const full = await apply(onlyA, { prune: { confirm: true } });
    assert.equal(full.failed, 0, JSON.stringify(full.pruned.failed));
    assert.equal(
      await get("ClusterRole", "s6-old-reader", undefined, "rbac.authorization.k8s.io/v1"),
      undefined,
    );
    const reasons = Object.fromEntries(
      full.prune.retain.map((r) => [`${r.object.kind}/${r.object.metadata.name}`, r.reason]),
    );
    assert.match(reasons["StorageClass/s6-old-class"] ?? "", /prune never deletes one/);
    assert.match(reasons["Namespace/s6-b"] ?? "", /prune never deletes namespaces/);
    assert.match(reasons["PersistentVolume/hubfleet-s6-b-drive"] ?? "", /prune never deletes data/);
    assert.ok(await get("StorageClass", "s6-old-class", undefined, "storage.k8s.io/v1"));
    assert.ok(await get("PersistentVolume", "hubfleet-s6-b-drive"));
    assert.equal((await get("Namespace", "s6-b"))?.metadata.deletionTimestamp, undefined);
    // Only delete-hub --purge, with the hub named twice, deletes the namespace.
    const file = fleetFile(scenarioFleetText("safety-s6", ["s6-a"]));
    const unnamed = await runCli(["delete-hub", "s6-b", "-f", file, "--purge", ...cliArgs()]);
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr, /hint: to confirm, add --yes-delete-data=s6-b/);
    assert.equal((await get("Namespace", "s6-b"))?.metadata.deletionTimestamp, undefined);
    const named = await runCli([
      "delete-hub",
      "s6-b",
      "-f",
      file,
      "--purge",
      "--yes-delete-data=s6-b",
      ...cliArgs(),
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /deleted Namespace s6-b/);
  });

  it("scenario 7: a prune that partly fails keeps the survivors in the inventory; the retry deletes exactly them", async () => {
    const fleet = scenarioFleet("safety-s7", ["s7-a", "s7-b"]);
    await apply(fleet);
    await denyDeletesOfMarkedObjects();
    for (const [kind, apiVersion, name] of [
      ["ConfigMap", "v1", "drive-ganesha"],
      ["NetworkPolicy", "networking.k8s.io/v1", "hubfleet-hub"],
    ] as const) {
      await kube.apply(
        {
          apiVersion,
          kind,
          metadata: { name, namespace: "s7-b", labels: { [UNDELETABLE]: "true" } },
        },
        { fieldManager: "test-marker" },
      );
    }
    const onlyA = scenarioFleet("safety-s7", ["s7-a"]);
    const consent = { prune: { pruneHubs: new Set(["s7-b"]) } };
    const first = await apply(onlyA, consent);
    assert.deepEqual(first.pruned.failed.map((f) => f.object).sort(), [
      "ConfigMap/s7-b/drive-ganesha",
      "NetworkPolicy/s7-b/hubfleet-hub",
    ]);
    for (const f of first.pruned.failed)
      assert.match(f.error, /denied by the safety test's policy/);
    assert.equal(first.failed, 2);
    assert.ok(first.pruned.deleted.includes("Service/s7-b/drive"), first.pruned.deleted.join(", "));
    const afterFirst = await inventoryKeys(kube, fleet.name);
    assert.ok(afterFirst.includes("hub/s7-b ConfigMap/s7-b/drive-ganesha"));
    assert.ok(afterFirst.includes("hub/s7-b NetworkPolicy/s7-b/hubfleet-hub"));
    assert.ok(!afterFirst.includes("hub/s7-b Service/s7-b/drive"), "deleted ones are forgotten");

    await allowDeletes();
    const retry = await apply(onlyA, consent);
    assert.deepEqual(retry.pruned.failed, []);
    assert.deepEqual(retry.pruned.uninstalled, [], "the release went the first time");
    assert.deepEqual([...retry.pruned.deleted].sort(), [
      "ConfigMap/s7-b/drive-ganesha",
      "NetworkPolicy/s7-b/hubfleet-hub",
    ]);
    const again = await apply(onlyA);
    assert.deepEqual([again.pruned.deleted, again.pruned.failed], [[], []], "idempotent");
    const left = (await inventoryKeys(kube, fleet.name)).filter((k) => k.startsWith("hub/s7-b "));
    assert.deepEqual(
      left.map((k) => k.split(" ")[1]?.split("/")[0]).sort(),
      ["Namespace", "PersistentVolume", "PersistentVolumeClaim", "PersistentVolumeClaim", "Secret"],
      "only the retained data remains recorded (the hub's state went with it)",
    );
  });
});

const UNDELETABLE = "safety.test/undeletable";
const POLICY = "safety-test-deny-delete";

/** A ValidatingAdmissionPolicy (no webhook server needed) denying DELETE of marked objects. */
async function denyDeletesOfMarkedObjects(): Promise<void> {
  const api = "admissionregistration.k8s.io/v1";
  await kube.apply({
    apiVersion: api,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: POLICY },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ["", "networking.k8s.io"],
            apiVersions: ["*"],
            operations: ["DELETE"],
            resources: ["configmaps", "networkpolicies"],
          },
        ],
      },
      validations: [
        {
          expression: `!(has(oldObject.metadata.labels) && '${UNDELETABLE}' in oldObject.metadata.labels)`,
          message: "denied by the safety test's policy",
        },
      ],
    },
  } as KubeObject);
  await kube.apply({
    apiVersion: api,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: POLICY },
    spec: { policyName: POLICY, validationActions: ["Deny"] },
  } as KubeObject);
  // The apiserver picks policies up asynchronously: wait until a marked probe cannot be deleted.
  const probe = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "safety-probe", namespace: "default", labels: { [UNDELETABLE]: "true" } },
  };
  await kube.apply(probe);
  await waitFor(
    "the delete-denying policy in force",
    async () => {
      const denied = await cp.client
        .call("DELETE", "/api/v1/namespaces/default/configmaps/safety-probe", {
          query: { dryRun: "All" },
        })
        .then(
          () => false,
          () => true,
        );
      return denied;
    },
    { timeoutMs: 30_000 },
  );
}

async function allowDeletes(): Promise<void> {
  await kube.delete({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    name: POLICY,
  });
  await waitFor(
    "the delete-denying policy gone",
    async () =>
      cp.client
        .call("DELETE", "/api/v1/namespaces/default/configmaps/safety-probe", {
          query: { dryRun: "All" },
        })
        .then(
          () => true,
          () => false,
        ),
    { timeoutMs: 30_000 },
  );
}
