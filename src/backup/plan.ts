/**
 * What backup-setup must do, computed from what exists: the bucket and its settings, Velero's
 * IAM policy, the user or role that holds it, and the credentials in the cluster. Pure: the
 * observation comes in as data, the plan goes out as data (each step with the exact document
 * to write), and setup.ts carries it out through the ports. The steps themselves are made in
 * bucketPlan.ts (S3) and iamPlan.ts (IAM and the credentials Secret).
 */

import { type BackupTarget, policyArn } from "../fleet/backupSettings.js";
import { bucketSteps } from "./bucketPlan.js";
import { identitySteps, policyStep } from "./iamPlan.js";

/** The bucket as HeadBucket and the Get* calls found it. */
export type ObservedBucket =
  | { readonly state: "missing" }
  /** HeadBucket answered 403: the name is taken by another account (or we may not see it). */
  | { readonly state: "forbidden" }
  | {
      readonly state: "exists";
      readonly region: string;
      /** "Enabled", "Suspended", or undefined (never enabled). */
      readonly versioning: string | undefined;
      /** Default encryption algorithms (AES256, aws:kms, aws:kms:dsse); empty when none. */
      readonly encryption: readonly string[];
      readonly publicAccessBlock: PublicAccessBlock | undefined;
      /** Every lifecycle rule of the bucket, other owners' included (kept as they are). */
      readonly lifecycle: readonly Readonly<Record<string, unknown>>[];
      /** The bucket policy text, if any. */
      readonly policy: string | undefined;
    };

export interface PublicAccessBlock {
  readonly BlockPublicAcls: boolean;
  readonly IgnorePublicAcls: boolean;
  readonly BlockPublicPolicy: boolean;
  readonly RestrictPublicBuckets: boolean;
}

export interface ObservedPolicy {
  readonly defaultVersionId: string;
  /** The default version's document as IAM returned it (URL-encoded or plain). */
  readonly document: string;
  /** Non-default versions, oldest first (IAM keeps at most five in all). */
  readonly otherVersions: readonly string[];
}

export interface ObservedAccessKey {
  readonly id: string;
  readonly status: string;
}

export type ObservedIdentity =
  | {
      readonly kind: "user";
      readonly exists: boolean;
      readonly attachedPolicyArns: readonly string[];
      readonly accessKeys: readonly ObservedAccessKey[];
    }
  | {
      readonly kind: "role";
      readonly exists: boolean;
      readonly attachedPolicyArns: readonly string[];
      /** The role's trust policy (who may assume it), as IAM returned it. */
      readonly trustPolicy: string | undefined;
    };

export interface Observed {
  /** The AWS account the credentials belong to. */
  readonly account: string;
  readonly bucket: ObservedBucket;
  readonly policy: ObservedPolicy | undefined;
  readonly identity: ObservedIdentity;
  /**
   * The access key id in the cluster's credentials Secret (never the secret key): undefined
   * when the Secret is missing, null when it exists without a readable key id.
   */
  readonly secretKeyId: string | undefined | null;
  /** Whether the velero namespace exists (the Secret goes there). */
  readonly namespaceExists: boolean;
}

export type StepAction = "create" | "update" | "unchanged" | "refuse" | "warn";

/** One thing backup-setup checks; `change` says what to write when the action is a change. */
export interface Step {
  readonly resource: string;
  readonly action: StepAction;
  /** One line for people: what is or will be. */
  readonly detail: string;
  readonly hint?: string;
  readonly change?: Change;
}

export type Change =
  | { readonly kind: "createBucket"; readonly bucket: string; readonly region: string }
  | { readonly kind: "versioning"; readonly bucket: string }
  | { readonly kind: "encryption"; readonly bucket: string }
  | { readonly kind: "publicAccessBlock"; readonly bucket: string }
  | {
      readonly kind: "lifecycle";
      readonly bucket: string;
      /** The bucket's whole lifecycle configuration: others' rules as they were, then ours. */
      readonly rules: readonly object[];
    }
  | { readonly kind: "bucketPolicy"; readonly bucket: string; readonly policy: string }
  | { readonly kind: "createPolicy"; readonly name: string; readonly document: string }
  | {
      readonly kind: "updatePolicy";
      readonly arn: string;
      readonly document: string;
      /** A non-default version to delete first, when IAM's five are used up. */
      readonly deleteVersion?: string;
    }
  | { readonly kind: "createUser"; readonly userName: string }
  | { readonly kind: "attachUserPolicy"; readonly userName: string; readonly policyArn: string }
  | { readonly kind: "attachRolePolicy"; readonly roleName: string; readonly policyArn: string }
  | { readonly kind: "createNamespace"; readonly namespace: string }
  | {
      readonly kind: "accessKey";
      readonly userName: string;
      /** The key the Secret held before (now stale), for the message. */
      readonly replaces?: string;
    };

export interface BackupPlan {
  readonly target: BackupTarget;
  readonly policyArn: string;
  readonly steps: readonly Step[];
}

export const planRefuses = (plan: BackupPlan): boolean =>
  plan.steps.some((s) => s.action === "refuse");
export const planChanges = (plan: BackupPlan): boolean =>
  plan.steps.some((s) => s.change !== undefined);

export function planBackupSetup(target: BackupTarget, observed: Observed): BackupPlan {
  const arn = policyArn(target, observed.account);
  return {
    target,
    policyArn: arn,
    steps: [
      ...bucketSteps(target, observed.bucket),
      policyStep(target, observed.policy, arn),
      ...identitySteps(target, observed, arn),
    ],
  };
}
