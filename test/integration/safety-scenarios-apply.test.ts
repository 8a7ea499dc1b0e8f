/**
 * Safety scenarios 1 and 9–12 of notes/failure-scenarios.md on the real control plane, with
 * the z2jh stand-in chart: an apply killed (kill -9) mid helm upgrade and mid prune, an apply
 * paused (SIGSTOP) past its lock's expiry, adopting objects kubectl created, changes to fields
 * that cannot change, and the drive's backup opt-in. One control plane, a fleet per scenario.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { checkBackups } from "../../src/apply/backupCheck.js";
import { ImmutableFieldError } from "../../src/apply/immutable.js";
import { LOCK_NAMESPACE, LockError, leaseIsLive, lockName } from "../../src/apply/lock.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { buildPlan } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import { ClusterError, type KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { LAST_APPLIED } from "../../src/vocabulary/labels.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { runCli } from "../helpers.js";
import { provideHubSecrets } from "../hubSecrets.js";
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
  startApplyCli,
} from "../safetyHelpers.js";

const ALL_HUBS = ["s12-a", "s1-a", "s1-b", "s9-a", "s9-b", "s10-a", "s11-a"];
const safety = safetyCluster(ALL_HUBS);
const { apply, cluster, get, cliArgs } = safety;
let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;
const LOCK_SECONDS = 3;

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

/** Waits until nobody holds the fleet's lock (a killed holder's lease has expired). */
async function lockFree(fleet: string): Promise<void> {
  await waitFor(
    `lock of ${fleet} free`,
    async () => {
      const lease = await kube.get({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        namespace: LOCK_NAMESPACE,
        name: lockName(fleet),
      });
      return !leaseIsLive(lease?.spec as Any, Date.now());
    },
    { timeoutMs: 30_000 },
  );
}

/**
 * The z2jh stand-in plus a pre-upgrade hook pod that can never be scheduled, in revision 2
 * only: the first upgrade stays pending-upgrade (helm waits for the hook) until killed.
 */
function chartWithStuckUpgrade(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hubfleet-stuck-chart-")), "jupyterhub");
  cpSync(STANDIN, dir, { recursive: true });
  writeFileSync(
    join(dir, "templates", "zz-stuck-upgrade-hook.yaml"),
    `{{- if eq (int .Release.Revision) 2 }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-stuck-upgrade
  annotations:
    "helm.sh/hook": pre-upgrade
    "helm.sh/hook-delete-policy": before-hook-creation
spec:
  nodeSelector:
    safety.test/no-such-node: "true"
  containers:
    - name: wait
      image: registry.invalid/standin/wait:test
{{- end }}
`,
  );
  return dir;
}

/**
 * A stand-in for Velero's PodVolumeBackup CRD (velero.io/v1): same group, kind and the fields
 * hubfleet reads (spec.pod, spec.volume, status.phase/completionTimestamp/message), no schema.
 */
async function installPodVolumeBackupStandIn(): Promise<void> {
  await kube.apply({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "podvolumebackups.velero.io" },
    spec: {
      group: "velero.io",
      scope: "Namespaced",
      names: {
        plural: "podvolumebackups",
        singular: "podvolumebackup",
        kind: "PodVolumeBackup",
        listKind: "PodVolumeBackupList",
      },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        },
      ],
    },
  } as KubeObject);
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "velero" } });
  await waitFor(
    "PodVolumeBackups served",
    async () =>
      kube.list("velero.io/v1", "PodVolumeBackup", { namespace: "velero" }).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 30_000 },
  );
}

/** A PodVolumeBackup as Velero's node agent records one. */
async function podVolumeBackup(
  name: string,
  pod: string,
  volume: string,
  phase: "Completed" | "Failed",
  at: number,
): Promise<void> {
  const stamp = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
  await kube.create({
    apiVersion: "velero.io/v1",
    kind: "PodVolumeBackup",
    metadata: {
      name,
      namespace: "velero",
      labels: { "velero.io/backup-name": name.split("-").slice(0, 2).join("-") },
    },
    spec: { volume, pod: { kind: "Pod", namespace: "s12-a", name: pod }, uploaderType: "kopia" },
    status: {
      phase,
      startTimestamp: stamp,
      completionTimestamp: stamp,
      ...(phase === "Failed" ? { message: "data path init failed: pod volume not found" } : {}),
    },
  } as KubeObject);
}

describe("safety scenarios 1 and 9–12: interrupted applies, adoption, immutable fields, backups", {
  timeout: 900_000,
}, () => {
  before(async () => {
    ({ cp, kube, helm } = await safety.start());
  });
  after(safety.stop);

  it("scenario 12: the drive is a running StatefulSet of one whose data volume (and the hub database) is opted into Velero's file-system backup", async () => {
    const fleet = scenarioFleet("safety-s12", ["s12-a"]);
    await apply(fleet);
    const sts = await get("StatefulSet", "drive", "s12-a", "apps/v1");
    assert.equal(sts.spec.replicas, 1);
    const pod = await waitFor(
      "the drive pod running",
      async () => {
        const p = await get("Pod", "drive-0", "s12-a");
        return p?.status?.phase === "Running" ? p : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(pod.metadata.annotations["backup.velero.io/backup-volumes"], "data");
    const data = pod.spec.volumes.find((v: Any) => v.name === "data");
    assert.equal(data?.persistentVolumeClaim?.claimName, "drive-data");
    assert.equal(
      pod.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"],
      "false",
    );
    const values = (await helm.getValues("s12-a", "s12-a")) as Any;
    assert.equal(values.hub.annotations["backup.velero.io/backup-volumes"], "pvc");
  });

  it("scenario 12: a backup that isn't: hubs without a completed volume backup of their drive or database are reported", async () => {
    const fleet = scenarioFleet("safety-s12", ["s12-a"]);
    const problems = async () =>
      (await checkBackups(kube, fleet)).flatMap((h) =>
        h.volumes.filter((v) => v.problem).map((v) => `${h.hub} ${v.what}: ${v.problem}`),
      );
    assert.deepEqual(await problems(), [
      "s12-a drive: no completed volume backup of it",
      "s12-a database: no completed volume backup of it",
    ]);
    await installPodVolumeBackupStandIn();
    const hour = 3_600_000;
    await podVolumeBackup("daily-1-drive", "drive-0", "data", "Completed", Date.now() - hour);
    // Velero calls such a Backup "Completed" too (velero#6212): the database's copy failed.
    await podVolumeBackup("daily-1-db", "hub-7f9c-x2", "pvc", "Failed", Date.now() - hour);
    assert.deepEqual(await problems(), [
      "s12-a database: its volume backup failed: data path init failed: pod volume not found",
    ]);
    await podVolumeBackup("daily-2-db", "hub-7f9c-x2", "pvc", "Completed", Date.now() - 1000);
    const [hub] = await checkBackups(kube, fleet);
    assert.deepEqual([hub?.ok, hub?.volumes.map((v) => v.backup)], [true, ["daily-1", "daily-2"]]);
  });

  it("scenario 1: apply killed (kill -9) mid helm upgrade: a live holder's pending release is left alone; after it dies, the next apply rolls it back and upgrades, data untouched", async () => {
    const chart = chartWithStuckUpgrade();
    const charts = new Map([["jupyterhub", chart]]);
    const fleet = scenarioFleet("safety-s1", ["s1-a"]);
    await applier(cluster, charts)(fleet);
    const claims = async () =>
      Promise.all(
        ["drive-data", "hub-db-dir"].map(
          async (c) => (await get("PersistentVolumeClaim", c, "s1-a"))?.metadata.uid,
        ),
      );
    const before = await claims();
    const changed = fleetFile(
      scenarioFleetText("safety-s1", ["s1-a"], (d) =>
        d.setIn(["hubs", 0, "resources"], d.createNode({ memory: { limit: "3Gi" } })),
      ),
    );
    const chartArg = ["--chart-dir", `jupyterhub=${chart}`, ...cliArgs()];
    const env = { HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS) };
    const first = startApplyCli(cp, changed, chartArg, env);
    await waitFor(
      "s1-a pending-upgrade",
      async () => (await helm.status("s1-a", "s1-a"))?.status === "pending-upgrade",
      { timeoutMs: 60_000, describe: async () => first.output() },
    );
    // The holder is alive: another apply is refused and the pending release is not touched.
    await assert.rejects(applier(cluster, charts)(fleet), (err: Error) => {
      assert.ok(err instanceof LockError);
      assert.match(
        err.message,
        /another hubfleet apply holds the lock of fleet safety-s1: .*pid \d+/,
      );
      return true;
    });
    assert.deepEqual(
      [(await helm.status("s1-a", "s1-a"))?.status, (await helm.status("s1-a", "s1-a"))?.revision],
      ["pending-upgrade", 2],
    );
    process.kill(-(first.child.pid as number), "SIGKILL");
    await first.done;
    await lockFree(fleet.name);
    const second = await startApplyCli(cp, changed, chartArg, env).done;
    assert.equal(second.code, 0, second.output);
    assert.match(
      second.output,
      /\[s1-a\] recovered: release was left pending-upgrade by an interrupted run; rolled back to revision 1/,
    );
    const status = await helm.status("s1-a", "s1-a");
    assert.deepEqual([status?.status, status?.revision], ["deployed", 4]);
    assert.equal(
      ((await helm.getValues("s1-a", "s1-a")) as Any).singleuser.memory.limit,
      3 * 2 ** 30,
    );
    assert.deepEqual(await claims(), before, "the same claims: nothing uninstalled or recreated");
  });

  it("scenario 1: apply killed (kill -9) mid prune: the next apply finishes the prune from the inventory; data kept", async () => {
    const fleet = scenarioFleet("safety-s1", ["s1-a", "s1-b"]);
    await apply(fleet, { force: true });
    const dataClaim = (await get("PersistentVolumeClaim", "drive-data", "s1-b"))?.metadata.uid;
    const file = fleetFile(scenarioFleetText("safety-s1", ["s1-a"]));
    const args = ["--prune-hub", "s1-b", "--chart-dir", `jupyterhub=${STANDIN}`, ...cliArgs()];
    const env = { HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS) };
    const killed = startApplyCli(cp, file, args, env);
    await waitFor("prune started", async () => /\[prune\] uninstall/.test(killed.output()), {
      timeoutMs: 60_000,
      describe: async () => killed.output(),
    });
    process.kill(-(killed.child.pid as number), "SIGKILL");
    await killed.done;
    await lockFree(fleet.name);
    const rerun = await startApplyCli(cp, file, args, env).done;
    assert.equal(rerun.code, 0, rerun.output);
    assert.equal(await helm.status("s1-b", "s1-b"), undefined);
    assert.equal(await get("StatefulSet", "drive", "s1-b", "apps/v1"), undefined);
    assert.equal(
      (await get("PersistentVolumeClaim", "drive-data", "s1-b"))?.metadata.uid,
      dataClaim,
    );
    const recorded = (await inventoryKeys(kube, fleet.name)).filter((k) =>
      k.startsWith("hub/s1-b "),
    );
    for (const k of recorded) {
      assert.match(
        k,
        / (Namespace|PersistentVolume|PersistentVolumeClaim|Secret)\//,
        `still recorded: ${k}`,
      );
    }
  });

  it("scenario 9: an apply paused (SIGSTOP) past its lease's expiry writes nothing after it resumes", async () => {
    const fleet = scenarioFleet("safety-s9", ["s9-a", "s9-b"]);
    await apply(fleet);
    const file = fleetFile(scenarioFleetText("safety-s9", ["s9-a", "s9-b"]));
    const paused = startApplyCli(
      cp,
      file,
      ["--force", "--concurrency", "1", "--chart-dir", `jupyterhub=${STANDIN}`, ...cliArgs()],
      { HUBFLEET_LOCK_SECONDS: String(LOCK_SECONDS) },
    );
    // Paused the moment it reports its first write phase (not later, when helm may be running:
    // a helm child already writing cannot be fenced).
    paused.child.stdout?.on("data", (d: Buffer) => {
      if (/\[s9-a\] storage/.test(d.toString())) paused.child.kill("SIGSTOP");
    });
    await waitFor("the first apply paused", async () => /\[s9-a\] storage/.test(paused.output()), {
      timeoutMs: 60_000,
      describe: async () => paused.output(),
    });
    const leaseRef = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: LOCK_NAMESPACE,
      name: lockName(fleet.name),
    };
    const held = await kube.get(leaseRef);
    await lockFree(fleet.name);
    // Meanwhile another apply takes the expired lock and converges.
    const second = await apply(fleet, { force: true });
    assert.equal(second.failed, 0);
    // A renewal the paused holder may have read before it stopped cannot revive its lease.
    await assert.rejects(
      kube.replace(held as KubeObject),
      (err: Error) => err instanceof ClusterError && err.conflict,
    );
    assert.equal(((await kube.get(leaseRef)) as Any)?.spec.holderIdentity, undefined);
    const snapshot = await fleetSnapshot(cluster(), fleet.name);
    paused.child.kill("SIGCONT");
    const first = await paused.done;
    assert.equal(first.code, 1, first.output);
    assert.match(first.output, /lost the fleet lock/);
    assert.match(first.output, /stopping before the next write/);
    assert.deepEqual(
      await fleetSnapshot(cluster(), fleet.name),
      snapshot,
      "the resumed apply wrote nothing",
    );
  });

  it("scenario 10: objects created by kubectl apply (client-side) are adopted; fields no longer in the fleet file disappear", async () => {
    // The failure path: server-side apply alone leaves kubectl's fields in place.
    await kubectlApply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "csa-control", namespace: "default" },
      data: { kept: "1", legacy: "1" },
    });
    await kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "csa-control", namespace: "default" },
      data: { kept: "1" },
    });
    assert.equal((await get("ConfigMap", "csa-control", "default")).data.legacy, "1");

    // Someone applied an older render of hub s10-a with kubectl; it had fields the fleet lost.
    const fleet = scenarioFleet("safety-s10", ["s10-a"]);
    // kubectl created the namespace too: the one made for the hub's Secrets at start goes first.
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: "s10-a" });
    await waitFor(
      "namespace s10-a gone",
      async () => (await get("Namespace", "s10-a")) === undefined,
      { timeoutMs: 60_000 },
    );
    for (const m of renderFleet(fleet).manifests.filter((x) => x.hub === "s10-a")) {
      const o = structuredClone(m.object) as Any;
      if (o.kind === "ConfigMap") o.data["legacy.conf"] = "# from an older fleet file";
      if (o.kind === "NetworkPolicy") o.metadata.labels["example.edu/legacy"] = "yes";
      await kubectlApply(o);
    }
    await provideHubSecrets(kube, fleet, ["s10-a"]);
    const adopted: string[] = [];
    const report = await apply(fleet, {
      onEvent: (e) => {
        if (e.type === "adopted") adopted.push(e.object);
      },
    });
    assert.equal(report.failed, 0, JSON.stringify(report.hubs));
    assert.ok(adopted.includes("ConfigMap/s10-a/drive-ganesha"), adopted.join(", "));
    const config = await get("ConfigMap", "drive-ganesha", "s10-a");
    assert.equal(config.data["legacy.conf"], undefined, "the field is gone");
    assert.ok(config.data["ganesha.conf"]);
    const policy = await get("NetworkPolicy", "drive", "s10-a", "networking.k8s.io/v1");
    assert.equal(policy.metadata.labels["example.edu/legacy"], undefined);
    for (const o of [config, policy]) {
      assert.equal(o.metadata.annotations?.[LAST_APPLIED], undefined);
      assert.deepEqual(
        o.metadata.managedFields.filter((f: Any) => f.manager === "kubectl-client-side-apply"),
        [],
      );
    }
    // Afterwards hubfleet alone owns the fields: a later apply is a no-op.
    const again = await apply(fleet, { force: true });
    assert.equal(again.failed, 0);
  });

  it("scenario 11: a change to a field that cannot change stops before writing anything, with a migration hint", async () => {
    const fleet = scenarioFleet("safety-s11", ["s11-a"]);
    await apply(fleet);
    const claim = await get("PersistentVolumeClaim", "drive-data", "s11-a");
    const before = await fleetSnapshot(cluster(), fleet.name);
    const edits: Array<[string, (d: Any) => void, RegExp, RegExp]> = [
      [
        "another StorageClass",
        (d) => d.setIn(["hubs", 0, "drive", "storageClass"], "sim-standard"),
        /PersistentVolumeClaim s11-a\/drive-data: spec.storageClassName cannot change \("hubfleet-drive" -> "sim-standard"\)/,
        /hint: a claim's StorageClass cannot change: keep drive.storageClass "hubfleet-drive" for hub s11-a/,
      ],
      [
        "a smaller drive",
        (d) => d.setIn(["hubs", 0, "drive", "size"], "512Mi"),
        /spec.resources.requests.storage cannot change \("1Gi" -> "512Mi"\)/,
        /hint: a claim can grow but never shrink: set drive.size of hub s11-a to "1Gi" or more/,
      ],
      [
        "another drive address",
        (d) => d.setIn(["hubs", 0, "drive", "clusterIP"], "10.100.200.200"),
        /Service s11-a\/drive: spec.clusterIP cannot change/,
        /hint: a Service's ClusterIP cannot change.*set drive.clusterIP: 10\.100\.\d+\.\d+ for hub s11-a/,
      ],
    ];
    for (const [what, edit, message, hint] of edits) {
      const text = scenarioFleetText("safety-s11", ["s11-a"], (d) => {
        edit(d);
        d.setIn(["hubs", 0, "resources"], d.createNode({ memory: { limit: "3Gi" } }));
      });
      const planned = await runCli(["plan", fleetFile(text), ...cliArgs()]);
      assert.match(
        planned.stdout,
        /apply would stop before writing anything: changes that cannot be made in place/,
        what,
      );
      const r = await runCli([
        "apply",
        fleetFile(text),
        "--chart-dir",
        `jupyterhub=${STANDIN}`,
        ...cliArgs(),
      ]);
      assert.equal(r.code, 1, `${what}: ${r.stdout}`);
      assert.match(r.stderr, /^error: apply stopped before writing anything/m, what);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, hint, what);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, what);
      assert.deepEqual(
        await fleetSnapshot(cluster(), fleet.name),
        before,
        `${what}: nothing written`,
      );
    }
    const changed = scenarioFleet("safety-s11", ["s11-a"], (d) =>
      d.setIn(["hubs", 0, "drive", "storageClass"], "sim-standard"),
    );
    const recording = recordingPorts(cluster());
    await assert.rejects(
      apply(changed, { kube: recording.kube, helm: recording.helm }),
      ImmutableFieldError,
    );
    assert.deepEqual(recording.writes, [], "nothing was written");
    const bundle = renderFleet(changed);
    const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, changed, bundle));
    assert.deepEqual(
      plan.immutable.map((v) => `${v.object} ${v.field}`),
      ["PersistentVolumeClaim s11-a/drive-data spec.storageClassName"],
    );
    const after = await get("PersistentVolumeClaim", "drive-data", "s11-a");
    assert.deepEqual(
      [after.metadata.uid, after.spec.storageClassName],
      [claim.metadata.uid, "hubfleet-drive"],
      "the same claim, never recreated",
    );
  });
});

const PLURAL: Record<string, string> = {
  Namespace: "namespaces",
  PersistentVolume: "persistentvolumes",
  PersistentVolumeClaim: "persistentvolumeclaims",
  ConfigMap: "configmaps",
  Service: "services",
  StatefulSet: "statefulsets",
  NetworkPolicy: "networkpolicies",
};

/**
 * What `kubectl apply` (client-side) does for a new object: a create carrying the
 * last-applied annotation, as field manager kubectl-client-side-apply.
 */
async function kubectlApply(object: KubeObject): Promise<void> {
  const body = structuredClone(object) as Any;
  body.metadata.annotations = {
    ...(body.metadata.annotations ?? {}),
    [LAST_APPLIED]: `${JSON.stringify(object)}\n`,
  };
  const group = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : "/api/v1";
  const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : "";
  await cp.client.call("POST", `${group}${ns}/${PLURAL[object.kind]}`, {
    body,
    query: { fieldManager: "kubectl-client-side-apply" },
  });
}
