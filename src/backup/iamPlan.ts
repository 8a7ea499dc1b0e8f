/**
 * The IAM half of backup-setup's plan: Velero's managed policy, and the role it is attached to
 * (IRSA) or the user that holds it with an access key in the cluster's credentials Secret.
 * Pure.
 */

import {
  type BackupTarget,
  VELERO_CREDENTIALS_SECRET,
  VELERO_SERVER_SERVICE_ACCOUNT,
} from "../fleet/backupSettings.js";
import { VELERO_NAMESPACE } from "../vocabulary/namespaces.js";
import { canonicalJson, parsePolicyDocument, veleroPolicyDocument } from "./documents.js";
import type { Observed, ObservedAccessKey, ObservedPolicy, Step } from "./plan.js";

/** IAM keeps at most five versions of a managed policy. */
const POLICY_VERSION_LIMIT = 5;
/** IAM allows at most two access keys per user. */
const ACCESS_KEYS_PER_USER = 2;

export function policyStep(
  target: BackupTarget,
  policy: ObservedPolicy | undefined,
  arn: string,
): Step {
  const resource = `iam policy ${target.policyName}`;
  const wanted = veleroPolicyDocument(target);
  const document = JSON.stringify(wanted);
  const detail = `S3 objects under ${target.bucket}/${target.prefix}/ and listing ${target.bucket}; no EC2`;
  if (policy === undefined) {
    return {
      resource,
      action: "create",
      detail,
      change: { kind: "createPolicy", name: target.policyName, document },
    };
  }
  let current: unknown;
  try {
    current = parsePolicyDocument(policy.document);
  } catch {
    current = undefined;
  }
  if (canonicalJson(current) === canonicalJson(wanted)) {
    return { resource, action: "unchanged", detail };
  }
  const full = policy.otherVersions.length + 1 >= POLICY_VERSION_LIMIT;
  return {
    resource,
    action: "update",
    detail: `${detail} (new default version)`,
    change: {
      kind: "updatePolicy",
      arn,
      document,
      ...(full && policy.otherVersions[0] ? { deleteVersion: policy.otherVersions[0] } : {}),
    },
  };
}

export function identitySteps(target: BackupTarget, observed: Observed, arn: string): Step[] {
  const identity = target.identity;
  const seen = observed.identity;
  if (identity.kind === "role") {
    const resource = `iam role ${identity.roleName}`;
    if (seen.kind !== "role" || !seen.exists) {
      return [
        {
          resource,
          action: "refuse",
          detail: `does not exist (tools.backups.roleArn: ${identity.roleArn})`,
          hint: "create the role with a trust policy for the cluster's OIDC provider first (e.g. eksctl create iamserviceaccount), or remove tools.backups.roleArn to use an IAM user",
        },
      ];
    }
    const steps: Step[] = [
      seen.attachedPolicyArns.includes(arn)
        ? { resource, action: "unchanged", detail: `has ${target.policyName} attached` }
        : {
            resource,
            action: "update",
            detail: `attach ${target.policyName}`,
            change: { kind: "attachRolePolicy", roleName: identity.roleName, policyArn: arn },
          },
    ];
    const subject = `system:serviceaccount:${VELERO_NAMESPACE}:${VELERO_SERVER_SERVICE_ACCOUNT}`;
    if (seen.trustPolicy !== undefined && !trustMentions(seen.trustPolicy, subject)) {
      steps.push({
        resource: `${resource} trust policy`,
        action: "warn",
        detail: `does not name ${subject}: Velero's pods may not be able to assume the role`,
        hint: `add a condition on <oidc-provider>:sub = ${subject} to the role's trust policy`,
      });
    }
    return steps;
  }
  const resource = `iam user ${identity.userName}`;
  const none: readonly ObservedAccessKey[] = [];
  const user =
    seen.kind === "user"
      ? seen
      : { exists: false, attachedPolicyArns: [] as string[], accessKeys: none };
  const steps: Step[] = [
    user.exists
      ? { resource, action: "unchanged", detail: "exists" }
      : {
          resource,
          action: "create",
          detail: "for Velero, no console access",
          change: { kind: "createUser", userName: identity.userName },
        },
    user.attachedPolicyArns.includes(arn)
      ? { resource: `${resource} policy`, action: "unchanged", detail: target.policyName }
      : {
          resource: `${resource} policy`,
          action: "create",
          detail: `attach ${target.policyName}`,
          change: { kind: "attachUserPolicy", userName: identity.userName, policyArn: arn },
        },
  ];
  if (!observed.namespaceExists) {
    steps.push({
      resource: `namespace ${VELERO_NAMESPACE}`,
      action: "create",
      detail: "to hold the credentials Secret",
      change: { kind: "createNamespace", namespace: VELERO_NAMESPACE },
    });
  }
  steps.push(accessKeyStep(identity.userName, user.accessKeys, observed.secretKeyId));
  return steps;
}

function accessKeyStep(
  userName: string,
  keys: readonly ObservedAccessKey[],
  secretKeyId: string | undefined | null,
): Step {
  const resource = `secret ${VELERO_NAMESPACE}/${VELERO_CREDENTIALS_SECRET}`;
  const held = secretKeyId ? keys.find((k) => k.id === secretKeyId) : undefined;
  if (held?.status === "Active") {
    return { resource, action: "unchanged", detail: `holds active access key ${held.id}` };
  }
  const why =
    secretKeyId === undefined
      ? "new access key"
      : secretKeyId === null
        ? "the Secret holds no readable access key; new access key"
        : held
          ? `key ${secretKeyId} is ${held.status}; new access key`
          : `key ${secretKeyId} is not one of ${userName}'s keys; new access key`;
  if (keys.length >= ACCESS_KEYS_PER_USER) {
    return {
      resource,
      action: "refuse",
      detail: `cannot create a key: IAM user ${userName} already has ${keys.length} access keys (${keys.map((k) => `${k.id} ${k.status}`).join(", ")}), the most IAM allows, and the Secret holds neither`,
      hint: `delete the key that is not in use (aws iam delete-access-key --user-name ${userName} --access-key-id <id>), then run backup-setup again`,
    };
  }
  return {
    resource,
    action: secretKeyId === undefined ? "create" : "update",
    detail: why,
    change: {
      kind: "accessKey",
      userName,
      ...(secretKeyId ? { replaces: secretKeyId } : {}),
    },
  };
}

/** Whether a trust policy names the service account (as text: conditions vary in shape). */
function trustMentions(trustPolicy: string, subject: string): boolean {
  try {
    return canonicalJson(parsePolicyDocument(trustPolicy)).includes(subject);
  } catch {
    return trustPolicy.includes(subject);
  }
}
