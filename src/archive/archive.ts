/**
 * `archive`: a hub's drive (each user's home, the shared folder) and its database copied to S3
 * as one tar/zstd object each plus a manifest, checked before anything is written (bucket
 * exists and takes a write), resumable (a partial manifest after each object; a re-run skips
 * objects S3 holds with the recorded checksum), and verified by reading the manifest back and
 * each object's size and checksum from S3. Only a verified archive lets `onVerified` (the
 * hub's deletion) run.
 */
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../errors.js";
import type { DrivePort } from "../ports/drive.js";
import type { S3Port } from "../ports/s3.js";
import { zstdCompress } from "../ports/zstd.js";
import { matchingChecksum, ObjectDigest } from "./digest.js";
import {
  type ArchivePart,
  isSafeUserName,
  keyIn,
  MANIFEST_NAME,
  PARTIAL_MANIFEST_NAME,
  partName,
  type S3Location,
  s3Url,
} from "./layout.js";
import {
  type ArchivedObject,
  describePart,
  MANIFEST_FORMAT,
  type Manifest,
  manifestJson,
  parseManifest,
} from "./manifest.js";
import { checkBucketExists, checkBucketWritable } from "./target.js";
import { TarIndex } from "./tarIndex.js";
import { type Verification, verifyArchive } from "./verify.js";

export type ArchiveEvent =
  /** Before the first upload: how many parts and the bytes of their files (the bar's total). */
  | { readonly type: "planned"; readonly parts: number; readonly totalBytes: number }
  | {
      readonly type: "part-start";
      readonly part: ArchivePart;
      readonly key: string;
      /** 1-based position among the planned parts. */
      readonly index: number;
    }
  /** File bytes read from the drive so far, over the whole archive (skipped parts included). */
  | { readonly type: "read"; readonly doneBytes: number; readonly totalBytes: number }
  | { readonly type: "part-done"; readonly object: ArchivedObject }
  | { readonly type: "part-skipped"; readonly object: ArchivedObject }
  | { readonly type: "verified"; readonly verification: Verification };

export interface ArchiveRequest {
  readonly fleet: string;
  readonly hub: string;
  readonly chartVersion: string;
  readonly target: S3Location;
  /** Multipart part size (S3: at least 5 MiB). */
  readonly partSize: number;
  /** When this run started; names the probe object and, for a new archive, createdAt. */
  readonly now: Date;
  readonly dryRun?: boolean;
  /**
   * Runs once the archive is verified (the hub's deletion, for `--then-delete`); never runs
   * otherwise: an unverified archive is an error that names each problem.
   */
  readonly thenDelete?: () => Promise<void>;
  readonly onEvent?: (event: ArchiveEvent) => void;
}

export interface DryRunEntry {
  readonly part: ArchivePart;
  readonly key: string;
  /** Bytes of the folder's tar (before compression). */
  readonly uncompressedBytes: number;
  readonly fileCount: number;
}

export type ArchiveResult =
  | { readonly dryRun: true; readonly target: S3Location; readonly entries: DryRunEntry[] }
  | {
      readonly dryRun: false;
      readonly target: S3Location;
      readonly manifest: Manifest;
      readonly uploaded: number;
      readonly skipped: number;
      readonly verification: Verification;
    };

/** What the drive holds to archive, in a stable order: homes by name, shared, database. */
export async function partsOf(drive: DrivePort): Promise<ArchivePart[]> {
  const users = (await drive.users()).sort();
  const unsafe = users.filter((u) => !isSafeUserName(u));
  if (unsafe.length > 0) {
    throw new UsageError(
      `the drive has home folder(s) whose names cannot be object keys: ${unsafe.join(", ")}; nothing was written`,
      "rename those folders on the drive (or move them out of home/) and run archive again",
    );
  }
  const parts: ArchivePart[] = users.map((user) => ({ kind: "home", user }));
  if (await drive.exists("shared")) parts.push({ kind: "shared" });
  if (await drive.hasDatabase()) parts.push({ kind: "database" });
  return parts;
}

const tarOf = (drive: DrivePort, part: ArchivePart): Readable =>
  part.kind === "home"
    ? drive.readTar(`home/${part.user}`)
    : part.kind === "shared"
      ? drive.readTar("shared")
      : drive.readDatabaseTar();

/** Reads one part's tar through the index only (the dry run's sizes and counts). */
async function measure(drive: DrivePort, part: ArchivePart): Promise<DryRunEntry> {
  const index = new TarIndex();
  await pipeline(tarOf(drive, part), index, new PassThrough().resume());
  return {
    part,
    key: partName(part),
    uncompressedBytes: index.bytes,
    fileCount: index.files.length,
  };
}

/** Bytes of one part's files (the progress bar's share of it). */
const fileBytesOf = (drive: DrivePort, part: ArchivePart): Promise<number> =>
  part.kind === "home"
    ? drive.fileBytes(`home/${part.user}`)
    : part.kind === "shared"
      ? drive.fileBytes("shared")
      : drive.databaseFileBytes();

/** Counts file bytes read over the whole archive and reports them (for the progress bar). */
class ReadProgress {
  private done = 0;
  constructor(
    readonly totalBytes: number,
    private readonly onEvent: ((event: ArchiveEvent) => void) | undefined,
  ) {}
  add(bytes: number): void {
    this.done += bytes;
    this.onEvent?.({ type: "read", doneBytes: this.done, totalBytes: this.totalBytes });
  }
}

async function uploadPart(
  ports: { s3: S3Port; drive: DrivePort },
  request: ArchiveRequest,
  part: ArchivePart,
  position: { index: number; progress: ReadProgress },
): Promise<ArchivedObject> {
  const { s3, drive } = ports;
  const key = partName(part);
  const objectKey = keyIn(request.target, key);
  request.onEvent?.({ type: "part-start", part, key, index: position.index });
  const index = new TarIndex((bytes) => position.progress.add(bytes));
  const digest = new ObjectDigest(request.partSize);
  const body = new PassThrough();
  const streamed = pipeline(tarOf(drive, part), index, zstdCompress(), digest, body);
  const uploaded = s3.upload({
    bucket: request.target.bucket,
    key: objectKey,
    body,
    partSize: request.partSize,
  });
  // Either side may fail first; the other must not be left waiting.
  try {
    await Promise.all([streamed, uploaded]);
  } catch (err) {
    body.destroy();
    throw err;
  }
  const computed = digest.result();
  const head = await s3.head({ bucket: request.target.bucket, key: objectKey });
  const s3Checksum = matchingChecksum(head?.sha256Checksum, computed);
  if (!head || head.bytes !== digest.bytes || s3Checksum === undefined) {
    throw new UsageError(
      `${s3Url(request.target, key)}: S3 holds ${head ? `${head.bytes} bytes, checksum ${head.sha256Checksum ?? "none"}` : "no object"}, but ${digest.bytes} bytes with sha256 ${computed.fullChecksum} (or ${computed.compositeChecksum}) were sent`,
      "run archive again: it continues with this object",
    );
  }
  return {
    key,
    part,
    uncompressedBytes: index.bytes,
    objectBytes: digest.bytes,
    fileCount: index.files.length,
    sha256: computed.sha256,
    s3Checksum,
    files: index.files,
  };
}

/** The archive so far at the target: the final manifest, or the partial one, or nothing. */
async function previousRun(
  s3: S3Port,
  target: S3Location,
): Promise<{ complete: boolean; manifest: Manifest } | undefined> {
  for (const [name, complete] of [
    [MANIFEST_NAME, true],
    [PARTIAL_MANIFEST_NAME, false],
  ] as const) {
    const text = await s3.getText({ bucket: target.bucket, key: keyIn(target, name) });
    if (text !== undefined) {
      return { complete, manifest: parseManifest(s3Url(target, name), text) };
    }
  }
  return undefined;
}

/** Whether S3 still holds `object` as recorded (an earlier run's upload can be kept). */
async function stillThere(s3: S3Port, target: S3Location, object: ArchivedObject) {
  const head = await s3.head({ bucket: target.bucket, key: keyIn(target, object.key) });
  return head?.bytes === object.objectBytes && head.sha256Checksum === object.s3Checksum;
}

export async function archiveHub(
  ports: { s3: S3Port; drive: DrivePort },
  request: ArchiveRequest,
): Promise<ArchiveResult> {
  const { s3, drive } = ports;
  const { target } = request;
  await checkBucketExists(s3, target);
  const parts = await partsOf(drive);
  if (request.dryRun) {
    const entries: DryRunEntry[] = [];
    for (const part of parts) entries.push(await measure(drive, part));
    return { dryRun: true, target, entries };
  }
  const previous = await previousRun(s3, target);
  if (previous && previous.manifest.hub !== request.hub) {
    throw new UsageError(
      `${s3Url(target)} holds an archive of hub ${previous.manifest.hub}, not ${request.hub}; nothing was written`,
      "give --to a folder of its own for each hub's archive",
    );
  }
  let manifest: Manifest;
  let uploaded = 0;
  let skipped = 0;
  if (previous?.complete) {
    manifest = previous.manifest;
    skipped = manifest.objects.length;
  } else {
    await checkBucketWritable(s3, target, String(request.now.getTime()));
    const earlier = new Map(previous?.manifest.objects.map((o) => [o.key, o]));
    const sizes: number[] = [];
    for (const part of parts) sizes.push(await fileBytesOf(drive, part));
    const totalBytes = sizes.reduce((a, b) => a + b, 0);
    request.onEvent?.({ type: "planned", parts: parts.length, totalBytes });
    const progress = new ReadProgress(totalBytes, request.onEvent);
    manifest = {
      format: MANIFEST_FORMAT,
      hub: request.hub,
      fleet: request.fleet,
      createdAt: previous?.manifest.createdAt ?? request.now.toISOString(),
      chartVersion: request.chartVersion,
      compression: "zstd",
      partSizeBytes: request.partSize,
      objects: [],
    };
    const writeManifest = (name: string) =>
      s3.putText({
        bucket: target.bucket,
        key: keyIn(target, name),
        text: manifestJson(manifest),
      });
    for (const [i, part] of parts.entries()) {
      const before = earlier.get(partName(part));
      if (before?.s3Checksum && (await stillThere(s3, target, before))) {
        manifest.objects.push(before);
        skipped++;
        progress.add(sizes[i] ?? 0);
        request.onEvent?.({ type: "part-skipped", object: before });
        continue;
      }
      const object = await uploadPart(ports, request, part, { index: i + 1, progress });
      manifest.objects.push(object);
      uploaded++;
      await writeManifest(PARTIAL_MANIFEST_NAME);
      request.onEvent?.({ type: "part-done", object });
    }
    await writeManifest(MANIFEST_NAME);
    await s3.deleteObject({ bucket: target.bucket, key: keyIn(target, PARTIAL_MANIFEST_NAME) });
  }
  const verification = await verifyArchive(s3, target, manifest);
  request.onEvent?.({ type: "verified", verification });
  if (request.thenDelete) {
    if (!verification.ok) {
      throw new UsageError(
        `the archive at ${s3Url(target)} did not verify, so hub ${request.hub} was NOT deleted:\n  ${verification.problems.join("\n  ")}`,
        "archive to a new --to folder and run with --then-delete again; the hub and its data are untouched",
      );
    }
    await request.thenDelete();
  }
  return { dryRun: false, target, manifest, uploaded, skipped, verification };
}

export { describePart };
