/**
 * Reads a tar stream as it passes and lists its files with their sizes and sha256s: what the
 * manifest records when archiving, and what a restore checks each file against. The bytes pass
 * on unchanged, so the tar that is stored (or laid into a drive) is the one that was indexed.
 */
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { extract } from "tar-stream";
import type { ArchivedFile } from "./manifest.js";

/** `./a/b` and `a/b` name the same entry; directories end in `/` in a tar, not here. */
export const entryPath = (name: string): string => name.replace(/^(\.\/)+/, "").replace(/\/+$/, "");

export class TarIndex extends Transform {
  readonly files: ArchivedFile[] = [];
  /** Bytes of the tar stream itself. */
  bytes = 0;
  private readonly parser = extract();
  private readonly parsed: Promise<void>;

  /** `onFileBytes`: called with each piece of a file's contents as it passes (progress). */
  constructor(onFileBytes?: (bytes: number) => void) {
    super();
    this.parser.on("entry", (header, stream, next) => {
      const hash = createHash("sha256");
      let bytes = 0;
      stream.on("data", (d: unknown) => {
        const data = d as Buffer;
        hash.update(data);
        bytes += data.length;
        if (header.type === "file") onFileBytes?.(data.length);
      });
      stream.on("end", () => {
        const path = entryPath(header.name);
        if (header.type === "file" && path !== "") {
          this.files.push({ path, bytes, sha256: hash.digest("hex") });
        }
        next();
      });
      stream.on("error", next);
    });
    this.parsed = new Promise((resolve, reject) => {
      this.parser.on("finish", () => resolve());
      this.parser.on("error", reject);
    });
    // Parsed before the end is known: a rejection here is reported by _flush.
    this.parsed.catch(() => {});
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.parser.write(chunk)) done(null, chunk);
    else this.parser.once("drain", () => done(null, chunk));
  }

  override _flush(done: TransformCallback): void {
    this.parser.end(undefined);
    this.parsed.then(
      () => done(),
      (err: Error) => done(new Error(`the tar stream is damaged: ${err.message}`)),
    );
  }
}
