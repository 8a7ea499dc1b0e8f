/**
 * The S3 half of backup-setup's plan: the bucket, where it is, and its versioning, default
 * encryption, public access block, lifecycle rules and TLS-only policy. Pure. The lifecycle
 * configuration and the bucket policy are one document per bucket: what others wrote there is
 * kept, hubfleet's own rules and statement are found by their IDs and replaced.
 */

import type { BackupTarget } from "../fleet/backupSettings.js";
import {
  canonicalJson,
  type LifecycleRule,
  lifecycleIdPrefix,
  lifecycleRules,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
  TLS_ONLY_SID,
  tlsOnlyStatement,
} from "./documents.js";
import type { ObservedBucket, Step } from "./plan.js";

export function bucketSteps(target: BackupTarget, bucket: ObservedBucket): Step[] {
  const name = target.bucket;
  const resource = `s3 bucket ${name}`;
  if (bucket.state === "forbidden") {
    return [
      {
        resource,
        action: "refuse",
        detail: "exists but is not readable with these credentials (HeadBucket: 403 Forbidden)",
        hint: "S3 bucket names are global: another account probably owns it; choose another tools.backups.bucket, or use credentials of the account that owns it",
      },
    ];
  }
  if (bucket.state === "exists" && bucket.region !== target.region) {
    return [
      {
        resource,
        action: "refuse",
        detail: `is in region ${bucket.region}, but the fleet wants it in ${target.region}`,
        hint: `set tools.backups.region: ${bucket.region} to use it where it is, or choose another tools.backups.bucket`,
      },
    ];
  }
  const exists = bucket.state === "exists";
  const current = exists ? bucket : undefined;
  const steps: Step[] = [
    exists
      ? { resource, action: "unchanged", detail: `exists in ${target.region}` }
      : {
          resource,
          action: "create",
          detail: `in ${target.region}`,
          change: { kind: "createBucket", bucket: name, region: target.region },
        },
  ];
  steps.push(
    current?.versioning === "Enabled"
      ? { resource: `${resource} versioning`, action: "unchanged", detail: "Enabled" }
      : {
          resource: `${resource} versioning`,
          action: exists ? "update" : "create",
          detail: `${current?.versioning ?? "off"} -> Enabled`,
          change: { kind: "versioning", bucket: name },
        },
  );
  // Any server-side default encryption is kept: aws:kms is at least as strong as AES256.
  const encryption = current?.encryption ?? [];
  steps.push(
    encryption.length > 0
      ? {
          resource: `${resource} default encryption`,
          action: "unchanged",
          detail: encryption.join(", "),
        }
      : {
          resource: `${resource} default encryption`,
          action: exists ? "update" : "create",
          detail: "SSE-S3 (AES256)",
          change: { kind: "encryption", bucket: name },
        },
  );
  const block = current?.publicAccessBlock;
  const blocked =
    block?.BlockPublicAcls === true &&
    block.IgnorePublicAcls &&
    block.BlockPublicPolicy &&
    block.RestrictPublicBuckets;
  steps.push(
    blocked
      ? { resource: `${resource} public access block`, action: "unchanged", detail: "all four on" }
      : {
          resource: `${resource} public access block`,
          action: exists ? "update" : "create",
          detail: "block public ACLs and policies, ignore public ACLs, restrict public buckets",
          change: { kind: "publicAccessBlock", bucket: name },
        },
  );
  steps.push(lifecycleStep(target, current?.lifecycle ?? [], exists));
  steps.push(bucketPolicyStep(target, current?.policy, exists));
  return steps;
}

function lifecycleStep(
  target: BackupTarget,
  existing: readonly Readonly<Record<string, unknown>>[],
  exists: boolean,
): Step {
  const ours = lifecycleRules(target);
  const idPrefix = lifecycleIdPrefix(target);
  const isOurs = (rule: Readonly<Record<string, unknown>>) =>
    typeof rule.ID === "string" && rule.ID.startsWith(idPrefix);
  const resource = `s3 bucket ${target.bucket} lifecycle`;
  const detail = `under ${target.prefix}/: backups/ and restores/ after ${target.expireAfterDays} days, old versions after ${target.expireAfterDays} days, unfinished uploads after 7 days`;
  const current = existing.filter(isOurs).map(normalizeRule);
  if (canonicalJson(sortById(current)) === canonicalJson(sortById(ours))) {
    return { resource, action: "unchanged", detail };
  }
  // The lifecycle configuration is one document per bucket: other rules (another cluster's
  // prefix, the owner's own) are written back unchanged.
  return {
    resource,
    action: exists && current.length > 0 ? "update" : "create",
    detail,
    change: {
      kind: "lifecycle",
      bucket: target.bucket,
      rules: [...existing.filter((r) => !isOurs(r)), ...ours],
    },
  };
}

/** The fields of an S3 lifecycle rule hubfleet writes, as hubfleet writes them. */
function normalizeRule(rule: Readonly<Record<string, unknown>>): LifecycleRule {
  const get = (key: string) => rule[key] as Record<string, unknown> | undefined;
  const filter = get("Filter");
  const expiration = get("Expiration");
  const noncurrent = get("NoncurrentVersionExpiration");
  const abort = get("AbortIncompleteMultipartUpload");
  const prefix = (filter?.Prefix ?? rule.Prefix ?? "") as string;
  return {
    ID: String(rule.ID),
    Status: rule.Status === "Enabled" ? "Enabled" : "Disabled",
    Filter: { Prefix: prefix },
    ...(expiration && (expiration.Days !== undefined || expiration.ExpiredObjectDeleteMarker)
      ? {
          Expiration: {
            ...(expiration.Days !== undefined ? { Days: Number(expiration.Days) } : {}),
            ...(expiration.ExpiredObjectDeleteMarker ? { ExpiredObjectDeleteMarker: true } : {}),
          },
        }
      : {}),
    ...(noncurrent?.NoncurrentDays !== undefined
      ? { NoncurrentVersionExpiration: { NoncurrentDays: Number(noncurrent.NoncurrentDays) } }
      : {}),
    ...(abort?.DaysAfterInitiation !== undefined
      ? {
          AbortIncompleteMultipartUpload: {
            DaysAfterInitiation: Number(abort.DaysAfterInitiation),
          },
        }
      : {}),
  };
}

const sortById = (rules: readonly LifecycleRule[]) =>
  [...rules].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));

function bucketPolicyStep(target: BackupTarget, text: string | undefined, exists: boolean): Step {
  const resource = `s3 bucket ${target.bucket} policy`;
  const detail = "deny every request not made over TLS";
  const wanted = tlsOnlyStatement(target);
  let current: { Version?: string; Statement?: PolicyStatement[] } = {};
  if (text !== undefined) {
    try {
      current = parsePolicyDocument(text) as typeof current;
    } catch {
      return {
        resource,
        action: "refuse",
        detail: "the bucket's current policy is not valid JSON",
        hint: "fix or delete the bucket policy, then run backup-setup again",
      };
    }
  }
  const statements = Array.isArray(current.Statement) ? current.Statement : [];
  const ours = statements.find((s) => s.Sid === TLS_ONLY_SID);
  if (ours !== undefined && canonicalJson(ours) === canonicalJson(wanted)) {
    return { resource, action: "unchanged", detail };
  }
  // One policy per bucket: statements of others are kept, ours replaced in place or added.
  const others = statements.filter((s) => s.Sid !== TLS_ONLY_SID);
  const policy: PolicyDocument = {
    Version: current.Version ?? "2012-10-17",
    Statement: [...others, wanted],
  };
  return {
    resource,
    action: exists && text !== undefined ? "update" : "create",
    detail,
    change: { kind: "bucketPolicy", bucket: target.bucket, policy: JSON.stringify(policy) },
  };
}
