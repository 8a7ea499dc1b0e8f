/**
 * Whether an archive in S3 is whole: its manifest read back from S3 (not the copy in memory)
 * equals what was written, and S3 holds every object at the recorded size and checksum
 * (HeadObject in checksum mode). What `--then-delete` waits for.
 */
import type { S3Port } from "../ports/s3.js";
import { keyIn, MANIFEST_NAME, type S3Location, s3Url } from "./layout.js";
import { type Manifest, manifestJson, parseManifest } from "./manifest.js";

export interface Verification {
  readonly ok: boolean;
  /** One line per object or manifest that is not as recorded. */
  readonly problems: readonly string[];
  readonly objects: number;
}

export async function verifyArchive(
  s3: S3Port,
  target: S3Location,
  written: Manifest,
): Promise<Verification> {
  const problems: string[] = [];
  const where = s3Url(target, MANIFEST_NAME);
  const text = await s3.getText({ bucket: target.bucket, key: keyIn(target, MANIFEST_NAME) });
  if (text === undefined) {
    return { ok: false, problems: [`${where} is missing`], objects: 0 };
  }
  const readBack = parseManifest(where, text);
  if (manifestJson(readBack) !== manifestJson(written)) {
    problems.push(`${where} read back differs from the manifest written`);
  }
  for (const o of readBack.objects) {
    const head = await s3.head({ bucket: target.bucket, key: keyIn(target, o.key) });
    const url = s3Url(target, o.key);
    if (!head) problems.push(`${url} is missing`);
    else if (head.bytes !== o.objectBytes)
      problems.push(`${url} has ${head.bytes} bytes, the manifest says ${o.objectBytes}`);
    else if (head.sha256Checksum !== o.s3Checksum)
      problems.push(
        `${url} has checksum ${head.sha256Checksum ?? "(none)"}, the manifest says ${o.s3Checksum}`,
      );
  }
  return { ok: problems.length === 0, problems, objects: readBack.objects.length };
}
