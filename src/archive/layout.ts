/**
 * Where an archive lives and what its objects are called: the s3:// target (given or the
 * fleet's backup bucket), the prefix `archives/<hub>/<UTC stamp>/`, and the key of each object.
 * Pure.
 */
import { UsageError } from "../errors.js";

export interface S3Location {
  readonly bucket: string;
  /** Folder inside the bucket, without slashes at either end ("" for the bucket's root). */
  readonly prefix: string;
}

/** What an archive holds: a user's home, the shared folder, or the hub's database. */
export type ArchivePart =
  | { readonly kind: "home"; readonly user: string }
  | { readonly kind: "shared" }
  | { readonly kind: "database" };

export const MANIFEST_NAME = "manifest.json";
/** Written after each object, so an interrupted archive can continue where it stopped. */
export const PARTIAL_MANIFEST_NAME = "manifest.partial.json";
/** The folder under the backup bucket's prefix where archives go by default. */
export const ARCHIVES_FOLDER = "archives";

/** S3's bucket naming rules (3–63 characters, lower case, digits, dots and hyphens). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `s3://BUCKET[/PREFIX]` as given on the command line, or says what is wrong with it.
 * `flag` names the option or argument in the message.
 */
export function parseS3Url(flag: string, url: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (!m) {
    throw new UsageError(
      `${flag} ${url}: not an s3:// address`,
      "write it as s3://BUCKET/PREFIX, e.g. s3://my-archives/stat101/2026-fall",
    );
  }
  const bucket = m[1] ?? "";
  if (!BUCKET.test(bucket) || bucket.includes("..")) {
    throw new UsageError(
      `${flag} ${url}: "${bucket}" is not a valid S3 bucket name`,
      "bucket names have 3 to 63 characters: lower-case letters, digits, dots and hyphens",
    );
  }
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (prefix.split("/").some((p) => p === "." || p === "..") || prefix.includes("//")) {
    throw new UsageError(
      `${flag} ${url}: the prefix "${prefix}" has an empty, "." or ".." part`,
      "give a plain folder path after the bucket, e.g. s3://BUCKET/archives/stat101",
    );
  }
  return { bucket, prefix };
}

export const s3Url = (l: S3Location, key = ""): string =>
  `s3://${l.bucket}/${[l.prefix, key].filter((p) => p !== "").join("/")}`;

/** The key of `name` inside the archive at `location`. */
export const keyIn = (location: S3Location, name: string): string =>
  location.prefix === "" ? name : `${location.prefix}/${name}`;

/** `20261205T153700Z`: sortable, and legal in a key without escaping. */
export function utcStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The default folder of a hub's archives: `<backup prefix>/archives/<hub>`. */
export function hubArchivesPrefix(backupPrefix: string, hub: string): string {
  return [backupPrefix, ARCHIVES_FOLDER, hub].filter((p) => p !== "").join("/");
}

/**
 * An object's name inside the archive. User names are the drive's home folder names, which
 * KubeSpawner made safe for a path; anything else would be refused before this point.
 */
export function partName(part: ArchivePart): string {
  switch (part.kind) {
    case "home":
      return `users/${part.user}.tar.zst`;
    case "shared":
      return "shared.tar.zst";
    case "database":
      return "hub-db.tar.zst";
  }
}

/** A home folder's name that is safe as one path part and one key part. */
export function isSafeUserName(name: string): boolean {
  return /^[A-Za-z0-9._@+-]{1,255}$/.test(name) && name !== "." && name !== "..";
}
