/**
 * Checksums computed while bytes stream past: the sha256 of a whole object, and the checksum S3
 * keeps for it (the sha256 for a single upload; for a multipart upload of N parts the sha256 of
 * the parts' sha256s, written `…-N`), so an archive can be checked against what S3 says it
 * received. Pure apart from the stream plumbing.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** Passes bytes on unchanged, counting them and hashing them whole and per part. */
export class ObjectDigest extends Transform {
  bytes = 0;
  private readonly whole = createHash("sha256");
  private readonly partDigests: Buffer[] = [];
  private part: Hash = createHash("sha256");
  private inPart = 0;

  constructor(private readonly partSize: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.partSize - this.inPart, chunk.length - offset);
      this.part.update(chunk.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.closePart();
    }
    done(null, chunk);
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash("sha256");
    this.inPart = 0;
  }

  /** After the end: the hex sha256 and the checksums S3 may report for the object. */
  result(): { sha256: string; fullChecksum: string; compositeChecksum: string } {
    const whole = this.whole.digest();
    if (this.inPart > 0 || this.partDigests.length === 0) this.closePart();
    const composite = createHash("sha256");
    for (const d of this.partDigests) composite.update(d);
    return {
      sha256: whole.toString("hex"),
      fullChecksum: whole.toString("base64"),
      compositeChecksum: `${composite.digest("base64")}-${this.partDigests.length}`,
    };
  }
}

/**
 * The checksum to record for an object, given what S3 reported: S3 reports the full-object form
 * for a single upload and the composite form (`…-N`) for a multipart one. Some S3-compatible
 * servers (moto, the tests' stand-in) leave out the `-N`; the composite value alone cannot be
 * mistaken for a full-object sha256, so it is accepted too. Undefined when S3's answer matches
 * none: the object is not what was sent.
 */
export function matchingChecksum(
  reported: string | undefined,
  computed: { fullChecksum: string; compositeChecksum: string },
): string | undefined {
  if (reported === undefined) return undefined;
  const bareComposite = computed.compositeChecksum.replace(/-\d+$/, "");
  return [computed.fullChecksum, computed.compositeChecksum, bareComposite].includes(reported)
    ? reported
    : undefined;
}
