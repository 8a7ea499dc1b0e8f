/**
 * Archive and restore of a hub's drive, end to end: two real NFS Ganesha servers serving the
 * rendered drive configuration (hub A with users' homes and the shared folder written over
 * NFSv4 by libnfs, hub B a new hub), and moto in server mode standing in for S3. Archive A →
 * manifest read back from S3 → restore into B (all, `--user`, `--as-readonly`) → every file
 * read back from B over NFS, bytes and sha256 equal. Bad input: a missing bucket, a bucket the
 * credentials may not write (a second moto checking IAM policies), a tampered object under `--then-delete` (nothing deleted), a
 * restore that would overwrite, an interrupted archive continued.
 *
 * Stand-ins, named: moto for S3; the hub database volume is a local folder (test/nfs/nfsDrive.ts).
 * Not run here: the archiver pod's `tar` through the Kubernetes exec API (kwok runs no
 * containers); its pod and commands are unit-tested in test/unit/archive.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type ArchiveEvent, archiveHub } from "../../src/archive/archive.js";
import { unfinishedArchive } from "../../src/archive/defaultTarget.js";
import { keyIn, type S3Location } from "../../src/archive/layout.js";
import type { ArchivedObject } from "../../src/archive/manifest.js";
import { restoreArchive } from "../../src/archive/restore.js";
import { UsageError } from "../../src/errors.js";
import type { DrivePort } from "../../src/ports/drive.js";
import { MIN_PART_SIZE, type S3Port, s3Port } from "../../src/ports/s3.js";
import { type AwsStandIn, STAND_IN_CREDENTIALS, startAwsStandIn } from "../awsStandIn.js";
import { exampleFleet } from "../helpers.js";
import { afterGrace, type NfsAnswer, type NfsSession, requireNfsPrograms } from "../nfs/ganesha.js";
import { NfsDrive } from "../nfs/nfsDrive.js";
import { NOTEBOOK, ROOT, renderedServer, ServerUnderTest } from "../nfs/servers.js";

const REGION = "us-east-1";
const BUCKET = "hubfleet-archives";
const KiB = 1024;
const MiB = 1024 * KiB;

/** Hub A's drive as its users left it: path → size; big enough in places for multipart. */
const FILES: ReadonlyArray<[string, number]> = [
  ["home/alice/notebook.ipynb", 3 * KiB],
  ["home/alice/data/big.bin", 6 * MiB],
  ["home/alice/data/small.csv", 700],
  ["home/bob/empty.txt", 0],
  ["home/bob/project/src/main.py", 12 * KiB],
  ["home/carol/essay.md", 100 * KiB],
  ["home/carol/figures/plot.png", 40 * KiB],
  ["shared/syllabus.pdf", 30 * KiB],
];
const FOLDERS = [
  "home",
  "home/alice",
  "home/alice/data",
  "home/bob",
  "home/bob/project",
  "home/bob/project/src",
  "home/carol",
  "home/carol/figures",
  "shared",
];

interface Written {
  readonly size: number;
  readonly sha256: string;
}

describe("archive and restore: real NFS Ganesha drives, moto for S3", { timeout: 600_000 }, () => {
  const fleet = exampleFleet();
  const hub = fleet.hubs[0];
  assert.ok(hub);
  let aws: AwsStandIn;
  let s3: S3Port;
  let rawS3: S3Client;
  let driveA: ServerUnderTest;
  let driveB: ServerUnderTest;
  let a: NfsSession;
  let b: NfsSession;
  let dbDir: string;
  const written = new Map<string, Written>();
  const target: S3Location = { bucket: BUCKET, prefix: `archives/${hub.name}/20261205T120000Z` };

  let setupError: unknown;
  const ready = () => {
    if (setupError) throw setupError;
  };

  const request = (over: Partial<Parameters<typeof archiveHub>[1]> = {}) => ({
    fleet: fleet.name,
    hub: hub.name,
    chartVersion: "4.4.0",
    target,
    partSize: MIN_PART_SIZE,
    now: new Date("2026-12-05T12:00:00Z"),
    ...over,
  });
  const keys = async (prefix: string) => s3.list({ bucket: BUCKET, prefix });

  before(async () => {
    try {
      requireNfsPrograms();
      Object.assign(process.env, STAND_IN_CREDENTIALS, {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      });
      const rendered = renderedServer(fleet, hub.name, "drive");
      driveA = new ServerUnderTest("archive-a", rendered.config, 11);
      driveB = new ServerUnderTest("archive-b", rendered.config, 41);
      [aws] = await Promise.all([startAwsStandIn(), driveA.server.start(), driveB.server.start()]);
      s3 = s3Port({ region: REGION, endpoint: aws.endpoint });
      rawS3 = new S3Client({ region: REGION, endpoint: aws.endpoint, forcePathStyle: true });
      await rawS3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const node = (s: ServerUnderTest) => {
        const address = s.addressWith("RW");
        assert.ok(address, "a node address may write the drive");
        return address;
      };
      a = (await driveA.session(node(driveA), ROOT)).session;
      b = (await driveB.session(node(driveB), ROOT)).session;
      ok((await afterGrace(() => a.mkdir(`/${FOLDERS[0]}`))).answer);
      ok((await afterGrace(() => b.mkdir("/home"))).answer);
      for (const f of FOLDERS.slice(1)) ok(await a.mkdir(`/${f}`));
      let seed = 1;
      for (const [path, size] of FILES) {
        const answer = ok(await a.write(`/${path}`, size, seed++));
        written.set(path, { size, sha256: answer.sha256 ?? "" });
      }
      dbDir = mkdtempSync(join(tmpdir(), "hubfleet-hubdb-"));
      writeFileSync(join(dbDir, "jupyterhub.sqlite"), Buffer.alloc(64 * KiB, 7));
    } catch (err) {
      setupError = err;
    }
  });

  after(async () => {
    await Promise.all([driveA?.stop(), driveB?.stop(), aws?.stop()]);
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it("--dry-run lists each user's home, the shared folder and the database, and writes nothing", async () => {
    ready();
    const result = await archiveHub(
      { s3, drive: new NfsDrive(a, dbDir) },
      request({ dryRun: true }),
    );
    assert.equal(result.dryRun, true);
    assert.ok(result.dryRun);
    assert.deepEqual(
      result.entries.map((e) => [e.key, e.fileCount]),
      [
        ["users/alice.tar.zst", 3],
        ["users/bob.tar.zst", 2],
        ["users/carol.tar.zst", 2],
        ["shared.tar.zst", 1],
        ["hub-db.tar.zst", 1],
      ],
    );
    const alice = result.entries[0];
    assert.ok(alice && alice.uncompressedBytes > 6 * MiB);
    assert.deepEqual(await keys(""), [], "the dry run wrote nothing");
  });

  it("archives hub A: one object per home, shared and database, multipart above the part size, manifest verified from S3", async () => {
    ready();
    const events: ArchiveEvent[] = [];
    const result = await archiveHub(
      { s3, drive: new NfsDrive(a, dbDir) },
      { ...request(), onEvent: (e) => events.push(e) },
    );
    assert.equal(result.dryRun, false);
    assert.ok(!result.dryRun);
    // The progress bar: its total (the drive's file sizes, summed before any upload) is what
    // the tars then carried, and the bar ends at it.
    const files = result.manifest.objects.flatMap((o) => o.files);
    const carried = files.reduce((sum, f) => sum + f.bytes, 0);
    assert.deepEqual(events[0], { type: "planned", parts: 5, totalBytes: carried });
    const reads = events.filter((e) => e.type === "read");
    const done = reads.map((e) => (e.type === "read" ? e.doneBytes : 0));
    assert.ok(
      done.every((d, i) => i === 0 || d >= (done[i - 1] ?? 0)),
      "the bar only grows",
    );
    assert.deepEqual(reads.at(-1), { type: "read", doneBytes: carried, totalBytes: carried });
    assert.deepEqual(
      events.filter((e) => e.type === "part-start").map((e) => e.index),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(result.verification, { ok: true, problems: [], objects: 5 });
    assert.equal(result.uploaded, 5);
    const stored = await keys(target.prefix);
    assert.deepEqual(
      stored.sort(),
      [
        "hub-db.tar.zst",
        "manifest.json",
        "shared.tar.zst",
        "users/alice.tar.zst",
        "users/bob.tar.zst",
        "users/carol.tar.zst",
      ].map((k) => keyIn(target, k)),
      "no partial manifest or write probe is left behind",
    );
    const alice = result.manifest.objects.find((o) => o.key === "users/alice.tar.zst");
    assert.ok(alice);
    // S3 keeps a multipart object's checksum as the checksum of its parts' checksums, a single
    // upload's as the object's sha256 (base64).
    const fullChecksum = (hex: string) => Buffer.from(hex, "hex").toString("base64");
    assert.ok(alice.objectBytes > MIN_PART_SIZE);
    assert.notEqual(alice.s3Checksum, fullChecksum(alice.sha256), "a 6 MiB home goes up in parts");
    const bob = result.manifest.objects.find((o) => o.key === "users/bob.tar.zst");
    assert.ok(bob);
    assert.equal(bob.s3Checksum, fullChecksum(bob.sha256), "a small home goes up in one request");
    // Every file the users wrote is in the manifest with the sha256 NFS read back when written.
    for (const [path, w] of written) {
      const [folder, user, ...rest] = path.split("/");
      const object: ArchivedObject | undefined = result.manifest.objects.find((o) =>
        folder === "shared"
          ? o.part.kind === "shared"
          : o.part.kind === "home" && o.part.user === user,
      );
      const inTar = folder === "shared" ? [user, ...rest].join("/") : rest.join("/");
      assert.deepEqual(
        object?.files.find((f) => f.path === inTar),
        { path: inTar, bytes: w.size, sha256: w.sha256 },
        path,
      );
    }
  });

  it("restores every home and the shared folder into hub B: every file's bytes and sha256 equal, read over NFS", async () => {
    ready();
    const result = await restoreArchive(
      { s3, drive: new NfsDrive(b) },
      { source: target, asReadonly: false },
    );
    assert.deepEqual(
      result.restored.map((r) => r.into),
      ["home/alice", "home/bob", "home/carol", "shared"],
    );
    for (const [path, w] of written) {
      const got = await b.read(`/${path}`);
      assert.deepEqual([got.size, got.sha256], [w.size, w.sha256], path);
    }
  });

  it("a restore that would overwrite names the files and writes nothing", async () => {
    ready();
    const before = await b.request({ op: "readdir", path: "/home/bob" });
    await assert.rejects(
      restoreArchive({ s3, drive: new NfsDrive(b) }, { source: target, asReadonly: false }),
      (err: Error) =>
        err instanceof UsageError &&
        /overwrite 8 existing path\(s\).*home\/alice\/notebook\.ipynb.*nothing was written/.test(
          err.message,
        ),
    );
    assert.deepEqual(await b.request({ op: "readdir", path: "/home/bob" }), before);
  });

  it("--user carol --as-readonly: only carol's files, under ~/previous-term/, without write bits", async () => {
    ready();
    const result = await restoreArchive(
      { s3, drive: new NfsDrive(b) },
      { source: target, user: "carol", asReadonly: true },
    );
    assert.deepEqual(
      result.restored.map((r) => r.into),
      ["home/carol/previous-term"],
    );
    for (const [path, w] of written.entries()) {
      if (!path.startsWith("home/carol/")) continue;
      const copy = path.replace("home/carol/", "home/carol/previous-term/");
      const got = await b.read(`/${copy}`);
      assert.deepEqual([got.size, got.sha256], [w.size, w.sha256], copy);
      const archived = ((await a.stat(`/${path}`)).mode ?? 0) & 0o777;
      assert.equal(
        ((await b.stat(`/${copy}`)).mode ?? 0) & 0o777,
        archived & ~0o222,
        `${copy}: the archived mode ${archived.toString(8)} without write bits`,
      );
    }
    for (const dir of ["home/carol/previous-term", "home/carol/previous-term/figures"]) {
      assert.equal(((await b.stat(`/${dir}`)).mode ?? 0) & 0o777, 0o555, `${dir} read-only`);
    }
    assert.equal((await b.stat("/home/alice/previous-term")).ok, false, "only carol's");
    // The notebook user cannot change the previous term's files (the server enforces the modes).
    const { session: user } = await driveB.session(driveB.addressWith("RW") ?? "", NOTEBOOK);
    const refused = await user.write("/home/carol/previous-term/new.txt", 10);
    assert.equal(refused.ok, false, "a file added under previous-term");
    assert.match(refused.error ?? "", /ACCESS|PERM/);
  });

  it("--user of someone not in the archive is refused with the archive's users", async () => {
    ready();
    await assert.rejects(
      restoreArchive(
        { s3, drive: new NfsDrive(b) },
        { source: target, user: "mallory", asReadonly: true },
      ),
      /no home of mallory[\s\S]*/,
    );
  });

  it("an interrupted archive continues: a re-run keeps the objects S3 holds with their checksum", async () => {
    ready();
    const folder: S3Location = { bucket: BUCKET, prefix: "resume/stat101" };
    const resumed: S3Location = { bucket: BUCKET, prefix: "resume/stat101/20261205T130000Z" };
    const failing: DrivePort = Object.assign(Object.create(new NfsDrive(a, dbDir)) as DrivePort, {
      readTar(path: string): Readable {
        if (path === "home/carol") {
          return new Readable({
            read() {
              this.destroy(new Error("connection to the drive lost"));
            },
          });
        }
        return NfsDrive.prototype.readTar.call(this, path);
      },
    });
    await assert.rejects(
      archiveHub({ s3, drive: failing }, request({ target: resumed })),
      /connection to the drive lost/,
    );
    const partial = await s3.getText({
      bucket: BUCKET,
      key: keyIn(resumed, "manifest.partial.json"),
    });
    assert.ok(partial, "a partial manifest is left");
    assert.equal(JSON.parse(partial).objects.length, 2, "alice and bob were archived");
    // Without --to, archive looks for this unfinished folder of the hub's archives and continues it.
    assert.deepEqual(await unfinishedArchive(s3, folder), resumed);
    const skipped: string[] = [];
    const again = await archiveHub(
      { s3, drive: new NfsDrive(a, dbDir) },
      request({
        target: resumed,
        onEvent: (e) => {
          if (e.type === "part-skipped") skipped.push(e.object.key);
        },
      }),
    );
    assert.ok(!again.dryRun);
    assert.deepEqual(skipped, ["users/alice.tar.zst", "users/bob.tar.zst"]);
    assert.equal(again.uploaded, 3);
    assert.equal(again.verification.ok, true);
    assert.equal(
      await unfinishedArchive(s3, folder),
      undefined,
      "finished: a next run starts anew",
    );
  });

  it("a bucket that does not exist is refused before anything is written", async () => {
    ready();
    await assert.rejects(
      archiveHub(
        { s3, drive: new NfsDrive(a, dbDir) },
        request({ target: { bucket: "no-such-bucket", prefix: "x" } }),
      ),
      (err: Error) =>
        err instanceof UsageError &&
        /bucket no-such-bucket .* does not exist; nothing was written/.test(err.message),
    );
  });

  it("a bucket the credentials may not write is refused before anything is written (moto checking IAM)", async () => {
    ready();
    // A second stand-in that checks IAM policies after its first four requests (the set-up below).
    const strict = await startAwsStandIn({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "4" } });
    try {
      const at = { region: REGION, endpoint: strict.endpoint };
      await new S3Client({ ...at, forcePathStyle: true }).send(
        new CreateBucketCommand({ Bucket: "read-only-archives" }),
      );
      const iam = new IAMClient(at);
      await iam.send(new CreateUserCommand({ UserName: "reader" }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: "reader",
          PolicyName: "read-only",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["s3:List*", "s3:Get*", "s3:Head*"],
                Resource: ["arn:aws:s3:::read-only-archives", "arn:aws:s3:::read-only-archives/*"],
              },
            ],
          }),
        }),
      );
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "reader" }))).AccessKey;
      assert.ok(key?.AccessKeyId && key.SecretAccessKey);
      const reader = s3Port({
        ...at,
        credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
      });
      const where = { bucket: "read-only-archives", prefix: "archives/stat101/x" };
      await assert.rejects(
        archiveHub({ s3: reader, drive: new NfsDrive(a, dbDir) }, request({ target: where })),
        (err: Error) =>
          err instanceof UsageError &&
          /cannot write to s3:\/\/read-only-archives\/archives\/stat101\/x: AccessDenied; nothing was archived/.test(
            err.message,
          ) &&
          /s3:PutObject/.test(err.hint ?? ""),
      );
      assert.deepEqual(await reader.list({ bucket: "read-only-archives", prefix: "" }), []);
    } finally {
      await strict.stop();
    }
  });

  it("--then-delete with a tampered object: the verification names it and nothing is deleted", async () => {
    ready();
    const key = keyIn(target, "users/bob.tar.zst");
    // Same size, other bytes, stored with its own (correct) checksum: only the manifest can tell.
    const head = await s3.head({ bucket: BUCKET, key });
    assert.ok(head);
    await rawS3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: Buffer.alloc(head.bytes, 1),
        ChecksumAlgorithm: "SHA256",
      }),
    );
    let deleted = false;
    await assert.rejects(
      archiveHub(
        { s3, drive: new NfsDrive(a, dbDir) },
        request({
          thenDelete: async () => {
            deleted = true;
          },
        }),
      ),
      (err: Error) =>
        err instanceof UsageError &&
        /did not verify, so hub .* was NOT deleted[\s\S]*users\/bob\.tar\.zst has checksum/.test(
          err.message,
        ),
    );
    assert.equal(deleted, false);
    // A restore from it refuses the object before writing a byte of it.
    const fresh = await b.stat("/home/bob/restored-again");
    assert.equal(fresh.ok, false);
    await assert.rejects(
      restoreArchive(
        { s3, drive: new NfsDrive(b) },
        { source: target, user: "bob", asReadonly: true },
      ),
      /is not what was archived.*nothing of it was written/,
    );
  });
});

function ok(answer: NfsAnswer): NfsAnswer {
  assert.ok(answer.ok, answer.error);
  return answer;
}
