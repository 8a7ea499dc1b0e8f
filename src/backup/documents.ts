/**
 * The documents backup-setup writes to AWS, as data: Velero's IAM policy, the bucket policy
 * statement that refuses plain HTTP, and the bucket's lifecycle rules. Pure.
 */
import { type BackupTarget, bucketArn } from "../fleet/backupSettings.js";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: unknown;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly PolicyStatement[];
}

/**
 * What Velero with the AWS plugin does in S3 when volume snapshots are off (the plugin's
 * README, "Set permissions for Velero"): objects are read, written and deleted under the
 * prefix (backup metadata and the Kopia repositories of the file-system backups), multipart
 * uploads are listed and aborted, and the bucket is listed. Left out: s3:PutObjectTagging
 * (only for the location's `tagging` option, unused) and every ec2 snapshot action (no
 * VolumeSnapshotLocation is configured, so Velero never calls EC2).
 */
export const VELERO_OBJECT_ACTIONS = [
  "s3:AbortMultipartUpload",
  "s3:DeleteObject",
  "s3:GetObject",
  "s3:ListMultipartUploadParts",
  "s3:PutObject",
] as const;
/**
 * Listing is a bucket-level action. It is not narrowed with an s3:prefix condition: HeadBucket
 * (the check of a bucket's existence) needs s3:ListBucket and carries no prefix. It reveals key
 * names, never contents.
 */
export const VELERO_BUCKET_ACTIONS = ["s3:ListBucket"] as const;

export function veleroPolicyDocument(target: BackupTarget): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "VeleroObjectsUnderPrefix",
        Effect: "Allow",
        Action: [...VELERO_OBJECT_ACTIONS],
        Resource: [`${bucketArn(target)}/${target.prefix}/*`],
      },
      {
        Sid: "VeleroListBucket",
        Effect: "Allow",
        Action: [...VELERO_BUCKET_ACTIONS],
        Resource: [bucketArn(target)],
      },
    ],
  };
}

/** The bucket policy statement hubfleet owns (found again by its Sid). */
export const TLS_ONLY_SID = "HubfleetDenyInsecureTransport";

export function tlsOnlyStatement(target: BackupTarget): PolicyStatement {
  const arn = bucketArn(target);
  return {
    Sid: TLS_ONLY_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** A lifecycle rule in S3's own shape (the subset hubfleet writes). */
export interface LifecycleRule {
  readonly ID: string;
  readonly Status: "Enabled" | "Disabled";
  readonly Filter: { readonly Prefix: string };
  readonly Expiration?: { readonly Days?: number; readonly ExpiredObjectDeleteMarker?: boolean };
  readonly NoncurrentVersionExpiration?: { readonly NoncurrentDays: number };
  readonly AbortIncompleteMultipartUpload?: { readonly DaysAfterInitiation: number };
}

/** Incomplete multipart uploads (an interrupted backup) are abandoned after this many days. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 7;

/** Every rule hubfleet writes for a prefix has an ID starting with this. */
export const lifecycleIdPrefix = (target: BackupTarget): string => `hubfleet/${target.prefix}/`;

/**
 * The rules for the target's prefix. Current objects expire only under backups/ and restores/
 * (Velero's per-backup metadata and logs). The Kopia repositories (kopia/) are left to Velero:
 * their data blobs are shared by every later backup of a volume, so expiring an old blob would
 * break every backup after it; Velero's repository maintenance deletes what no kept backup
 * uses. Old versions (noncurrent: overwritten or deleted objects) expire everywhere under the
 * prefix, which is what makes versioning affordable.
 */
export function lifecycleRules(target: BackupTarget): LifecycleRule[] {
  const id = lifecycleIdPrefix(target);
  const days = target.expireAfterDays;
  return [
    {
      ID: `${id}backups`,
      Status: "Enabled",
      Filter: { Prefix: `${target.prefix}/backups/` },
      Expiration: { Days: days },
    },
    {
      ID: `${id}restores`,
      Status: "Enabled",
      Filter: { Prefix: `${target.prefix}/restores/` },
      Expiration: { Days: days },
    },
    {
      ID: `${id}old-versions`,
      Status: "Enabled",
      Filter: { Prefix: `${target.prefix}/` },
      // Removes delete markers left with no versions behind them.
      Expiration: { ExpiredObjectDeleteMarker: true },
      NoncurrentVersionExpiration: { NoncurrentDays: days },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_DAYS },
    },
  ];
}

/** JSON with object keys sorted at every level: two documents compare equal by meaning. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** IAM returns policy documents URL-encoded (RFC 3986); S3 and some stand-ins return them plain. */
export function parsePolicyDocument(text: string): unknown {
  const trimmed = text.trim();
  return JSON.parse(trimmed.startsWith("%") ? decodeURIComponent(trimmed) : trimmed);
}
