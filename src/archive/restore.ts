/**
 * `restore`: an archive's homes (and shared folder) laid into a hub's drive. Every object is
 * downloaded to a temporary file and its sha256 checked against the manifest before a byte of
 * it reaches the drive; every file laid down is checked against its own sha256 as it passes.
 * Nothing is overwritten: the files that already exist are named before anything is written.
 * With `asReadonly`, each home's archive goes under `~/previous-term/`, read-only.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../errors.js";
import type { DrivePort } from "../ports/drive.js";
import type { S3Port } from "../ports/s3.js";
import { zstdDecompress } from "../ports/zstd.js";
import { ObjectDigest } from "./digest.js";
import { keyIn, MANIFEST_NAME, PARTIAL_MANIFEST_NAME, type S3Location, s3Url } from "./layout.js";
import { type ArchivedObject, describePart, type Manifest, parseManifest } from "./manifest.js";
import { TarIndex } from "./tarIndex.js";

/** The folder under each home that `--as-readonly` restores into. */
export const PREVIOUS_TERM = "previous-term";

export interface RestoreRequest {
  readonly source: S3Location;
  /** Only this user's home (no shared folder). */
  readonly user?: string;
  readonly asReadonly: boolean;
  readonly onEvent?: (event: RestoreEvent) => void;
}

export type RestoreEvent =
  | { readonly type: "object-start"; readonly object: ArchivedObject; readonly into: string }
  | { readonly type: "object-done"; readonly object: ArchivedObject; readonly into: string };

export interface RestoredObject {
  readonly object: ArchivedObject;
  /** The drive folder it was laid into. */
  readonly into: string;
}

export interface RestoreResult {
  readonly manifest: Manifest;
  readonly restored: readonly RestoredObject[];
}

export async function readManifest(s3: S3Port, source: S3Location): Promise<Manifest> {
  const where = s3Url(source, MANIFEST_NAME);
  const text = await s3.getText({ bucket: source.bucket, key: keyIn(source, MANIFEST_NAME) });
  if (text !== undefined) return parseManifest(where, text);
  const partial = await s3.getText({
    bucket: source.bucket,
    key: keyIn(source, PARTIAL_MANIFEST_NAME),
  });
  throw new UsageError(
    partial === undefined
      ? `no archive at ${s3Url(source)}: ${where} does not exist`
      : `the archive at ${s3Url(source)} is unfinished (only ${PARTIAL_MANIFEST_NAME})`,
    partial === undefined
      ? "give the folder that holds manifest.json, e.g. s3://BUCKET/PREFIX/archives/HUB/20261205T153700Z"
      : "run the same hubfleet archive command again to finish it, then restore",
  );
}

/** The drive folder an object goes into. */
function destination(object: ArchivedObject, asReadonly: boolean): string | undefined {
  const base =
    object.part.kind === "home"
      ? `home/${object.part.user}`
      : object.part.kind === "shared"
        ? "shared"
        : undefined;
  if (base === undefined) return undefined;
  return asReadonly ? `${base}/${PREVIOUS_TERM}` : base;
}

function chosen(manifest: Manifest, user: string | undefined): ArchivedObject[] {
  if (user === undefined) return manifest.objects.filter((o) => o.part.kind !== "database");
  const home = manifest.objects.filter((o) => o.part.kind === "home" && o.part.user === user);
  if (home.length === 0) {
    const users = manifest.objects.flatMap((o) => (o.part.kind === "home" ? [o.part.user] : []));
    throw new UsageError(
      `--user ${user}: the archive of hub ${manifest.hub} has no home of ${user}`,
      `its users: ${users.join(", ") || "(none)"}`,
    );
  }
  return home;
}

async function verifiedCopy(
  s3: S3Port,
  source: S3Location,
  object: ArchivedObject,
  file: string,
): Promise<void> {
  const digest = new ObjectDigest(1024 * 1024);
  const body = await s3.download({ bucket: source.bucket, key: keyIn(source, object.key) });
  await pipeline(body, digest, createWriteStream(file));
  const { sha256 } = digest.result();
  if (digest.bytes !== object.objectBytes || sha256 !== object.sha256) {
    throw new UsageError(
      `${s3Url(source, object.key)} is not what was archived: ${digest.bytes} bytes with sha256 ${sha256}, the manifest says ${object.objectBytes} bytes with ${object.sha256}; nothing of it was written`,
      "the object was changed or damaged in S3: restore it from the bucket's versioning, or use another archive",
    );
  }
}

export async function restoreArchive(
  ports: { s3: S3Port; drive: DrivePort },
  request: RestoreRequest,
): Promise<RestoreResult> {
  const { s3, drive } = ports;
  const manifest = await readManifest(s3, request.source);
  const objects = chosen(manifest, request.user);
  // Every collision is found before anything is written.
  const collisions: string[] = [];
  for (const object of objects) {
    const into = destination(object, request.asReadonly);
    if (into === undefined) continue;
    const paths = request.asReadonly ? [""] : object.files.map((f) => f.path);
    const existing = request.asReadonly
      ? (await drive.exists(into))
        ? [into]
        : []
      : (await drive.existing(into, paths)).map((p) => `${into}/${p}`);
    collisions.push(...existing);
  }
  if (collisions.length > 0) {
    throw new UsageError(
      `restore would overwrite ${collisions.length} existing path(s) on hub's drive: ${collisions.slice(0, 10).join(", ")}${collisions.length > 10 ? ", …" : ""}; nothing was written`,
      request.asReadonly
        ? `rename or remove the existing ${PREVIOUS_TERM} folder(s) first`
        : `move those files away first, or restore with --as-readonly (under ~/${PREVIOUS_TERM}/)`,
    );
  }
  const restored: RestoredObject[] = [];
  const dir = await mkdtemp(join(tmpdir(), "hubfleet-restore-"));
  try {
    for (const object of objects) {
      const into = destination(object, request.asReadonly);
      if (into === undefined) continue;
      request.onEvent?.({ type: "object-start", object, into });
      const file = join(dir, "object.tar.zst");
      await verifiedCopy(s3, request.source, object, file);
      const index = new TarIndex();
      const tar = createReadStream(file).pipe(zstdDecompress()).pipe(index);
      await drive.writeTar(into, tar, { readOnly: request.asReadonly });
      const expected = new Map(object.files.map((f) => [f.path, f.sha256]));
      const wrong = index.files.filter((f) => expected.get(f.path) !== f.sha256);
      if (wrong.length > 0 || index.files.length !== object.files.length) {
        throw new UsageError(
          `${describePart(object.part)}: ${wrong.length} file(s) laid into ${into} differ from the manifest (${wrong
            .slice(0, 5)
            .map((f) => f.path)
            .join(", ")})`,
          "the archive is damaged; the files named are in the drive as read, check them by hand",
        );
      }
      await rm(file, { force: true });
      restored.push({ object, into });
      request.onEvent?.({ type: "object-done", object, into });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { manifest, restored };
}
