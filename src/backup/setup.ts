/**
 * backup-setup's effects: observe what exists in AWS and in the cluster, plan (plan.ts, pure),
 * and carry the plan out step by step. A plan that refuses anything writes nothing; a dry run
 * only observes. The secret access key lives in memory between CreateAccessKey and the Secret
 * write, and is never returned, logged or put in an error.
 */
import { retry } from "../apply/retry.js";
import {
  type BackupTarget,
  backupTarget,
  policyArn,
  VELERO_CREDENTIALS_SECRET,
} from "../fleet/backupSettings.js";
import type { FleetModel } from "../fleet/model.js";
import { AwsError, type AwsPort } from "../ports/aws.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import { fleetLabels } from "../render/labels.js";
import { FLEET_LABEL, MANAGED_BY } from "../vocabulary/labels.js";
import { VELERO_NAMESPACE } from "../vocabulary/namespaces.js";
import { credentialsSecret, secretAccessKeyId } from "./credentials.js";
import {
  type BackupPlan,
  type Change,
  type Observed,
  type ObservedBucket,
  type ObservedIdentity,
  planBackupSetup,
  planRefuses,
  type Step,
} from "./plan.js";

export interface BackupPorts {
  readonly aws: AwsPort;
  /** Needed only when Velero uses an IAM user (its credentials Secret goes to the cluster). */
  readonly kube?: KubePort;
}

/** A plan that cannot be carried out; the steps that refuse say why. */
export class BackupRefusedError extends Error {
  readonly steps: readonly Step[];

  constructor(steps: readonly Step[]) {
    super(`backup-setup refused: ${steps.map((s) => `${s.resource} ${s.detail}`).join("; ")}`);
    this.name = "BackupRefusedError";
    this.steps = steps;
  }
}

export interface BackupSetupResult {
  readonly plan: BackupPlan;
  /** The steps as carried out (a dry run: as planned). */
  readonly steps: readonly Step[];
  readonly dryRun: boolean;
  /** Who the AWS credentials belong to. */
  readonly caller: string;
}

export async function backupSetup(
  ports: BackupPorts,
  fleet: FleetModel,
  options: { dryRun?: boolean; onStep?: (step: Step) => void } = {},
): Promise<BackupSetupResult> {
  const target = backupTarget(fleet);
  const caller = await ports.aws.callerIdentity();
  const observed = await observe(ports, target, caller.account);
  const plan = planBackupSetup(target, observed);
  const refused = plan.steps.filter((s) => s.action === "refuse");
  if (options.dryRun) {
    for (const step of plan.steps) options.onStep?.(step);
    return { plan, steps: plan.steps, dryRun: true, caller: caller.arn };
  }
  if (planRefuses(plan)) throw new BackupRefusedError(refused);
  const done: Step[] = [];
  for (const step of plan.steps) {
    const change = step.change;
    if (change) await retry(() => carryOut(ports, fleet, change), { retryable: notYetVisible });
    done.push(step);
    options.onStep?.(step);
  }
  return { plan, steps: done, dryRun: false, caller: caller.arn };
}

/**
 * IAM and S3 are eventually consistent: a user, policy or bucket created a moment ago may not
 * be found yet by the next call. Such answers are retried (with backoff, about 6 s in all).
 */
const notYetVisible = (err: unknown): boolean =>
  err instanceof AwsError &&
  ["NoSuchEntity", "NoSuchEntityException", "NoSuchBucket", "OperationAborted"].includes(err.code);

export async function observe(
  ports: BackupPorts,
  target: BackupTarget,
  account: string,
): Promise<Observed> {
  const { aws } = ports;
  const arn = policyArn(target, account);
  const [bucket, policy, identity] = await Promise.all([
    observeBucket(aws, target),
    aws.getPolicy(arn),
    observeIdentity(aws, target),
  ]);
  let secretKeyId: Observed["secretKeyId"];
  let namespaceExists = true;
  if (target.identity.kind === "user") {
    const kube = requireKube(ports);
    namespaceExists =
      (await kube.get({ apiVersion: "v1", kind: "Namespace", name: VELERO_NAMESPACE })) !==
      undefined;
    const secret = namespaceExists
      ? await kube.get({
          apiVersion: "v1",
          kind: "Secret",
          namespace: VELERO_NAMESPACE,
          name: VELERO_CREDENTIALS_SECRET,
        })
      : undefined;
    secretKeyId = secret ? secretAccessKeyId(secret) : undefined;
  }
  return { account, bucket, policy, identity, secretKeyId, namespaceExists };
}

async function observeBucket(aws: AwsPort, target: BackupTarget): Promise<ObservedBucket> {
  const probe = await aws.probeBucket(target.bucket);
  // A bucket elsewhere is refused as it is; its settings are not ours to read.
  if (probe.state !== "exists" || probe.region !== target.region) {
    return probe.state === "exists" ? { ...emptyBucket(), region: probe.region } : probe;
  }
  const b = target.bucket;
  const [versioning, encryption, publicAccessBlock, lifecycle, policy] = await Promise.all([
    aws.getVersioning(b),
    aws.getEncryption(b),
    aws.getPublicAccessBlock(b),
    aws.getLifecycleRules(b),
    aws.getBucketPolicy(b),
  ]);
  return {
    state: "exists",
    region: probe.region,
    versioning,
    encryption,
    publicAccessBlock,
    lifecycle,
    policy,
  };
}

const emptyBucket = () =>
  ({
    state: "exists",
    versioning: undefined,
    encryption: [],
    publicAccessBlock: undefined,
    lifecycle: [],
    policy: undefined,
  }) as const;

async function observeIdentity(aws: AwsPort, target: BackupTarget): Promise<ObservedIdentity> {
  const identity = target.identity;
  if (identity.kind === "role") {
    const role = await aws.getRole(identity.roleName);
    return role === undefined
      ? { kind: "role", exists: false, attachedPolicyArns: [], trustPolicy: undefined }
      : {
          kind: "role",
          exists: true,
          attachedPolicyArns: await aws.attachedRolePolicies(identity.roleName),
          trustPolicy: role.trustPolicy,
        };
  }
  if (!(await aws.userExists(identity.userName))) {
    return { kind: "user", exists: false, attachedPolicyArns: [], accessKeys: [] };
  }
  const [attachedPolicyArns, accessKeys] = await Promise.all([
    aws.attachedUserPolicies(identity.userName),
    aws.accessKeys(identity.userName),
  ]);
  return { kind: "user", exists: true, attachedPolicyArns, accessKeys };
}

function requireKube(ports: BackupPorts): KubePort {
  if (!ports.kube) {
    throw new ClusterError({
      status: 0,
      reason: "NoCluster",
      message: "Velero's credentials Secret goes into the cluster, but no cluster is connected",
      object: `Secret ${VELERO_NAMESPACE}/${VELERO_CREDENTIALS_SECRET}`,
    });
  }
  return ports.kube;
}

async function carryOut(ports: BackupPorts, fleet: FleetModel, change: Change): Promise<void> {
  const { aws } = ports;
  const tags = { [FLEET_LABEL]: fleet.name, [MANAGED_BY]: "hubfleet" };
  switch (change.kind) {
    case "createBucket":
      return aws.createBucket({ bucket: change.bucket, region: change.region });
    case "versioning":
      return aws.enableVersioning(change.bucket);
    case "encryption":
      return aws.putDefaultEncryption(change.bucket);
    case "publicAccessBlock":
      return aws.blockPublicAccess(change.bucket);
    case "lifecycle":
      return aws.putLifecycleRules({ bucket: change.bucket, rules: change.rules });
    case "bucketPolicy":
      return aws.putBucketPolicy({ bucket: change.bucket, policy: change.policy });
    case "createPolicy":
      await aws.createPolicy({ name: change.name, document: change.document, tags });
      return;
    case "updatePolicy":
      if (change.deleteVersion) {
        await aws.deletePolicyVersion({ arn: change.arn, versionId: change.deleteVersion });
      }
      return aws.createPolicyVersion({ arn: change.arn, document: change.document });
    case "createUser":
      return aws.createUser({ userName: change.userName, tags });
    case "attachUserPolicy":
      return aws.attachUserPolicy({ userName: change.userName, policyArn: change.policyArn });
    case "attachRolePolicy":
      return aws.attachRolePolicy({ roleName: change.roleName, policyArn: change.policyArn });
    case "createNamespace":
      await requireKube(ports).apply({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: change.namespace, labels: fleetLabels(fleet) },
      });
      return;
    case "accessKey":
      return rotateIntoSecret(requireKube(ports), aws, fleet, change.userName);
  }
}

/**
 * A new access key, straight into the Secret. The Secret is first written as a server-side
 * dry run, so a cluster that would refuse it (RBAC, admission) does so before a key exists;
 * if the real write still fails, the new key is deleted again rather than left unrecorded.
 */
async function rotateIntoSecret(
  kube: KubePort,
  aws: AwsPort,
  fleet: FleetModel,
  userName: string,
): Promise<void> {
  const placeholder = credentialsSecret(fleet, {
    accessKeyId: "AKIAPLACEHOLDER",
    secretAccessKey: "placeholder",
  });
  await kube.apply(placeholder, { dryRun: true });
  const key = await aws.createAccessKey(userName);
  try {
    await kube.apply(credentialsSecret(fleet, key));
  } catch (err) {
    await aws.deleteAccessKey({ userName, accessKeyId: key.accessKeyId }).catch(() => undefined);
    if (err instanceof ClusterError) {
      throw new ClusterError({
        status: err.status,
        reason: err.reason,
        message: `${err.message} (the new access key ${key.accessKeyId} was deleted again)`,
        object: err.object,
      });
    }
    throw err;
  }
}
