/**
 * `archive --then-delete` against the real control plane: a hub applied (z2jh stand-in chart),
 * its drive's content served by a real NFS Ganesha (kwok runs no containers, so the archiver
 * pod cannot read the cluster's drive: the test drive port reads Ganesha instead), S3 by moto.
 * The archiver pod is created, placed and waited for by PodDrive on the real control plane; its
 * commands run on this machine through a stand-in for the exec API (test/archiverExec.ts).
 * Shown: a running user server stops the archive before anything is written; a tampered
 * object stops the deletion (namespace, claims, volumes and release all still there); a
 * verified archive lets delete-hub's purge path remove the hub, its claims and volumes.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { deleteHub } from "../../src/apply/deleteHub.js";
import { applyFleet } from "../../src/apply/engine.js";
import { archiveHub } from "../../src/archive/archive.js";
import { ARCHIVER_POD, DATABASE_MOUNT, DRIVE_MOUNT } from "../../src/archive/archiverPod.js";
import { keyIn, type S3Location } from "../../src/archive/layout.js";
import { PodDrive } from "../../src/archive/podDrive.js";
import { restoreArchive } from "../../src/archive/restore.js";
import { checkNoUserServers } from "../../src/archive/target.js";
import { UsageError } from "../../src/errors.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { MIN_PART_SIZE, type S3Port, s3Port } from "../../src/ports/s3.js";
import { DRIVE } from "../../src/render/hub/drive.js";
import { renderFleet } from "../../src/render/index.js";
import { localExec } from "../archiverExec.js";
import { type AwsStandIn, STAND_IN_CREDENTIALS, startAwsStandIn } from "../awsStandIn.js";
import { editedExample, fleetFrom, REPO } from "../helpers.js";
import { afterGrace, type NfsSession, requireNfsPrograms } from "../nfs/ganesha.js";
import { NfsDrive } from "../nfs/nfsDrive.js";
import { ROOT, renderedServer, ServerUnderTest } from "../nfs/servers.js";
import { standinCharts, startFleetCluster } from "../simFleet.js";

const HUB = "stat101";
const BUCKET = "hubfleet-archives";
const one = fleetFrom(
  editedExample((d) => {
    d.deleteIn(["hubs", 2]);
    d.deleteIn(["hubs", 1]);
  }),
);
/** The fleet file after the hub was taken out of it (what --then-delete asks for). */
const without = fleetFrom(
  editedExample((d) => {
    d.deleteIn(["hubs", 2]);
    d.deleteIn(["hubs", 1]);
    d.deleteIn(["hubs", 0]);
  }),
);

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

describe("archive --then-delete on the control plane", { timeout: 600_000 }, () => {
  let cp: ControlPlane;
  let kube: KubePort;
  let helm: HelmPort;
  let aws: AwsStandIn;
  let s3: S3Port;
  let rawS3: S3Client;
  let drive: ServerUnderTest;
  let session: NfsSession;
  let volumes: string[] = [];
  let dbDir: string;
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  const request = (target: S3Location, deleted: { done: boolean }) => ({
    fleet: one.name,
    hub: HUB,
    chartVersion: one.hubs[0]?.chart.version ?? "",
    target,
    partSize: MIN_PART_SIZE,
    now: new Date("2026-12-20T18:00:00Z"),
    thenDelete: async () => {
      await deleteHub({ kube, helm }, without, HUB, { purge: true, today: "2026-12-20" });
      deleted.done = true;
    },
  });
  const namespace = () => kube.get({ apiVersion: "v1", kind: "Namespace", name: HUB });
  const claims = async () =>
    (await kube.list("v1", "PersistentVolumeClaim", { namespace: HUB }))
      .map((c) => c.metadata.name)
      .sort();

  /** The archiver pod through PodDrive, its commands run by the exec stand-in on the served folder. */
  const openArchiver = async () => {
    const exec = localExec({ [DRIVE_MOUNT]: drive.exportDir, [DATABASE_MOUNT]: dbDir });
    const pod = await PodDrive.open(
      { kube, exec },
      {
        fleet: one.name,
        hub: HUB,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))),
      },
    );
    return { exec, pod };
  };
  const archiverGone = () =>
    waitFor(
      "the archiver pod gone",
      async () =>
        (await kube.get({ apiVersion: "v1", kind: "Pod", namespace: HUB, name: ARCHIVER_POD })) ===
        undefined
          ? true
          : undefined,
      { timeoutMs: 60_000 },
    );

  before(async () => {
    requireNfsPrograms();
    dbDir = mkdtempSync(join(tmpdir(), "hubfleet-hubdb-"));
    writeFileSync(join(dbDir, "jupyterhub.sqlite"), Buffer.alloc(8192, 5));
    Object.assign(process.env, STAND_IN_CREDENTIALS, {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    drive = new ServerUnderTest("archive-del", renderedServer(one, HUB, "drive").config, 61);
    [{ cp, kube, helm }, aws] = await Promise.all([
      startFleetCluster(one),
      startAwsStandIn(),
      drive.server.start(),
    ]);
    const report = await applyFleet({ kube, helm }, one, renderFleet(one), {
      fleetDir: REPO,
      charts: standinCharts(one),
      concurrency: 1,
    });
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      [[HUB, "applied", undefined]],
    );
    s3 = s3Port({ region: "us-east-1", endpoint: aws.endpoint });
    rawS3 = new S3Client({ region: "us-east-1", endpoint: aws.endpoint, forcePathStyle: true });
    await rawS3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const address = drive.addressWith("RW");
    assert.ok(address);
    session = (await drive.session(address, ROOT)).session;
    assert.ok((await afterGrace(() => session.mkdir("/home"))).answer.ok);
    for (const user of ["ann", "ben"]) {
      assert.ok((await session.mkdir(`/home/${user}`)).ok);
      assert.ok((await session.write(`/home/${user}/work.ipynb`, 20_000, user.length)).ok);
    }
    volumes = ((await kube.list("v1", "PersistentVolumeClaim", { namespace: HUB })) as Any[])
      .map((c) => c.spec?.volumeName as string)
      .filter(Boolean);
  });

  after(async () => {
    await Promise.all([cp?.stop(), aws?.stop(), drive?.stop()]);
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it("a running user server stops the archive before anything is written", async () => {
    await kube.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "jupyter-ann",
        namespace: HUB,
        labels: { component: "singleuser-server", app: "jupyterhub" },
      },
      spec: { containers: [{ name: "notebook", image: "jupyter/minimal" }] },
    });
    await assert.rejects(
      checkNoUserServers(kube, HUB),
      (err: Error) =>
        err instanceof UsageError &&
        /hub stat101 has 1 user server\(s\) running \(jupyter-ann\).*nothing was written/.test(
          err.message,
        ),
    );
    await kube.delete({ apiVersion: "v1", kind: "Pod", namespace: HUB, name: "jupyter-ann" });
    await waitFor(
      "the user server gone",
      async () => {
        try {
          await checkNoUserServers(kube, HUB);
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(await s3.list({ bucket: BUCKET, prefix: "" }), []);
  });

  it("through the archiver pod: the API server takes it, the scheduler puts it on jhcontrolplane, archive and restore run through it", async () => {
    const { exec, pod } = await openArchiver();
    try {
      const live = (await kube.get({
        apiVersion: "v1",
        kind: "Pod",
        namespace: HUB,
        name: ARCHIVER_POD,
      })) as Any;
      const node = (await kube.get({
        apiVersion: "v1",
        kind: "Node",
        name: live.spec.nodeName,
      })) as Any;
      assert.equal(node.metadata.labels["hubfleet.io/node-group"], "jhcontrolplane");
      assert.equal(live.status.phase, "Running");
      assert.deepEqual(
        live.spec.volumes.map((v: Any) => v.persistentVolumeClaim?.claimName),
        ["drive", "hub-db-dir"],
        "the hub's database claim exists, so it is mounted",
      );
      const target = { bucket: BUCKET, prefix: `archives/${HUB}/through-pod` };
      const result = await archiveHub(
        { s3, drive: pod },
        { ...request(target, { done: false }), thenDelete: undefined },
      );
      assert.ok(!result.dryRun && result.verification.ok);
      assert.deepEqual(
        result.manifest.objects.map((o) => [o.key, o.fileCount]),
        [
          ["users/ann.tar.zst", 1],
          ["users/ben.tar.zst", 1],
          ["hub-db.tar.zst", 1],
        ],
      );
      assert.ok(
        exec.commands.some(
          (c) => c[0] === "tar" && c.includes(`--directory=${DRIVE_MOUNT}/home/ann`),
        ),
      );
      const restored = await restoreArchive(
        { s3, drive: pod },
        { source: target, user: "ann", asReadonly: true },
      );
      assert.deepEqual(
        restored.restored.map((r) => r.into),
        ["home/ann/previous-term"],
      );
      const copy = join(drive.exportDir, "home/ann/previous-term/work.ipynb");
      assert.equal(sha(readFileSync(copy)), result.manifest.objects[0]?.files[0]?.sha256);
      const archived = statSync(join(drive.exportDir, "home/ann/work.ipynb")).mode & 0o777;
      assert.equal(statSync(copy).mode & 0o777, archived & ~0o222, "read-only: no write bits");
    } finally {
      await pod.close();
    }
    await archiverGone();
  });

  it("a hub asleep between terms: its drive server is started for the archiver pod and put back to zero after", async () => {
    const driveSet = { apiVersion: "apps/v1", kind: "StatefulSet", namespace: HUB, name: DRIVE };
    const replicas = async () => ((await kube.get(driveSet)) as Any)?.spec?.replicas;
    await kube.scale(driveSet, 0); // what apply does to a hub outside its term
    await waitFor("the drive server at zero", async () =>
      ((await kube.get(driveSet)) as Any)?.status?.readyReplicas ? undefined : true,
    );
    const { pod } = await openArchiver();
    try {
      assert.equal(await replicas(), 1, "woken for the archive");
      assert.ok(((await kube.get(driveSet)) as Any).status.readyReplicas >= 1, "and ready");
      assert.deepEqual((await pod.users()).sort(), ["ann", "ben"]);
    } finally {
      await pod.close();
    }
    assert.equal(await replicas(), 0, "asleep again, as the archive found it");
    await archiverGone();
    await kube.scale(driveSet, 1);
  });

  it("a tampered object: the hub, its claims, volumes and release are all kept", async () => {
    const target = { bucket: BUCKET, prefix: `archives/${HUB}/first` };
    const first = await archiveHub(
      { s3, drive: new NfsDrive(session) },
      { ...request(target, { done: false }), thenDelete: undefined },
    );
    assert.ok(!first.dryRun && first.verification.ok);
    const key = keyIn(target, "users/ann.tar.zst");
    const head = await s3.head({ bucket: BUCKET, key });
    await rawS3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: Buffer.alloc(head?.bytes ?? 1, 3),
        ChecksumAlgorithm: "SHA256",
      }),
    );
    const claimsBefore = await claims();
    const deleted = { done: false };
    await assert.rejects(
      archiveHub({ s3, drive: new NfsDrive(session) }, request(target, deleted)),
      /did not verify, so hub stat101 was NOT deleted[\s\S]*users\/ann\.tar\.zst/,
    );
    assert.equal(deleted.done, false);
    assert.ok(await namespace(), "the namespace is still there");
    assert.deepEqual(await claims(), claimsBefore);
    assert.ok(claimsBefore.includes("drive-data") && claimsBefore.includes("hub-db-dir"));
    assert.equal((await helm.status(HUB, HUB))?.status, "deployed");
  });

  it("a verified archive, then the hub with its claims and volumes is deleted", async () => {
    const target = { bucket: BUCKET, prefix: `archives/${HUB}/second` };
    const deleted = { done: false };
    const result = await archiveHub({ s3, drive: new NfsDrive(session) }, request(target, deleted));
    assert.ok(!result.dryRun && result.verification.ok);
    assert.equal(deleted.done, true);
    assert.ok(volumes.length >= 2, JSON.stringify(volumes));
    await waitFor(
      "namespace and data volumes gone",
      async () => {
        const left = await Promise.all(
          volumes.map((v) => kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: v })),
        );
        return (await namespace()) === undefined && left.every((v) => v === undefined)
          ? true
          : undefined;
      },
      { timeoutMs: 90_000 },
    );
    assert.equal(await helm.status(HUB, HUB), undefined);
  });
});
