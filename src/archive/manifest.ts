/**
 * The archive's manifest: what hub and fleet it came from, and for each object its key, its
 * sizes, its checksums and every file in it with its own sha256, so that a restore can be
 * verified file by file. Parsing is strict: a manifest that does not read as one is refused
 * with the field that is wrong. Pure.
 */
import { z } from "zod";
import { UsageError } from "../errors.js";
import { type ArchivePart, isSafeUserName, partName } from "./layout.js";

export const MANIFEST_FORMAT = "hubfleet-archive/1";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 as 64 hex digits");
const count = z.number().int().nonnegative();

const fileSchema = z.strictObject({
  /** Path inside the tar (and inside the home or folder it came from). */
  path: z.string().min(1),
  bytes: count,
  sha256: sha256Hex,
});

const partSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("home"),
    user: z.string().refine(isSafeUserName, "a home folder's name"),
  }),
  z.strictObject({ kind: z.literal("shared") }),
  z.strictObject({ kind: z.literal("database") }),
]);

const objectSchema = z.strictObject({
  /** Relative to the archive's folder. */
  key: z.string().min(1),
  part: partSchema,
  /** Bytes of the tar stream before compression. */
  uncompressedBytes: count,
  /** Bytes of the object in S3 (the zstd stream). */
  objectBytes: count,
  fileCount: count,
  /** sha256 of the whole object, hex: what restore checks the download against. */
  sha256: sha256Hex,
  /**
   * S3's own SHA256 checksum as HeadObject reports it (base64; `…-N` for a multipart upload of
   * N parts: a checksum of the parts' checksums). What `--then-delete` checks before deleting.
   */
  s3Checksum: z.string().min(1),
  files: z.array(fileSchema),
});

const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  hub: z.string().min(1),
  fleet: z.string().min(1),
  /** When the archive was started (UTC, ISO 8601). */
  createdAt: z.string().min(1),
  /** The hub's z2jh chart version at archive time (what its database schema belongs to). */
  chartVersion: z.string(),
  compression: z.literal("zstd"),
  /** The multipart part size used, which S3's composite checksum depends on. */
  partSizeBytes: z.number().int().positive(),
  objects: z.array(objectSchema),
});

export type ArchivedFile = z.infer<typeof fileSchema>;
export type ArchivedObject = z.infer<typeof objectSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** Reads a manifest's JSON text; `where` (its s3:// address) goes into the error. */
export function parseManifest(where: string, text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${where} is not JSON: ${(err as Error).message}`,
      "give the folder of an archive hubfleet archive wrote (it holds manifest.json)",
    );
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join(".") || "(top)";
    throw new UsageError(
      `${where} is not a hubfleet archive manifest: ${path}: ${issue?.message ?? "invalid"}`,
      `it must be format ${MANIFEST_FORMAT}, as hubfleet archive writes it; was it edited?`,
    );
  }
  const manifest = result.data;
  for (const o of manifest.objects) {
    if (o.key !== partName(o.part as ArchivePart)) {
      throw new UsageError(
        `${where}: object ${o.key} does not match its part (expected ${partName(o.part as ArchivePart)})`,
        "the manifest was edited; use the one hubfleet archive wrote",
      );
    }
  }
  return manifest;
}

/** Stable JSON (keys in the schema's order, two-space indent, one trailing newline). */
export function manifestJson(manifest: Manifest): string {
  return `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
}

export const describePart = (part: ArchivePart): string =>
  part.kind === "home"
    ? `home of ${part.user}`
    : part.kind === "shared"
      ? "shared folder"
      : "hub database";
