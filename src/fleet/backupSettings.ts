/**
 * The fleet's backup settings after defaults, and the names hubfleet gives what it creates in
 * AWS and in the cluster for Velero. Shared by the Velero renderer and backup-setup. Pure.
 */
import type { FleetModel } from "./model.js";

/** Secret (in the velero namespace) that backup-setup writes when Velero uses an IAM user. */
export const VELERO_CREDENTIALS_SECRET = "hubfleet-velero-credentials";
/** The one key Velero reads from its credentials Secret: an AWS shared-credentials file. */
export const VELERO_CREDENTIALS_KEY = "cloud";
/** Service account of the Velero server and node agents (the chart's <release>-server). */
export const VELERO_SERVER_SERVICE_ACCOUNT = "velero-server";

export interface BackupSettings {
  /** S3 bucket; undefined only in a fleet that validate rejects. */
  readonly bucket: string | undefined;
  readonly region: string;
  /** Folder inside the bucket, without slashes at either end. */
  readonly prefix: string;
  readonly schedule: string;
  readonly ttl: string;
  readonly expireAfterDays: number;
  readonly roleArn: string | undefined;
}

/** Backups as configured, or undefined when they are off (disabled, or a local cluster). */
export function backupSettings(fleet: FleetModel): BackupSettings | undefined {
  const backups = fleet.tools.backups;
  if (!backups.enabled || fleet.cluster.provider !== "eks") return undefined;
  return {
    bucket: backups.bucket,
    region: backups.region ?? fleet.cluster.region,
    prefix: (backups.prefix ?? fleet.name).replace(/\/+$/, ""),
    schedule: backups.schedule,
    ttl: backups.ttl,
    expireAfterDays: backups.expireAfterDays,
    roleArn: backups.roleArn,
  };
}

/** The AWS partition a region belongs to (ARNs differ: arn:aws, arn:aws-cn, arn:aws-us-gov). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Where Velero keeps its data, and who it acts as: everything backup-setup needs to know. */
export interface BackupTarget {
  readonly fleet: string;
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
  readonly partition: string;
  readonly expireAfterDays: number;
  /** Name of the managed IAM policy (and of the IAM user, when there is no role). */
  readonly policyName: string;
  readonly identity:
    | { readonly kind: "role"; readonly roleArn: string; readonly roleName: string }
    | { readonly kind: "user"; readonly userName: string };
}

/** Why backup-setup cannot start for this fleet (what to change in the fleet file). */
export class BackupSettingsError extends Error {
  readonly field: string;
  readonly hint: string;

  constructor(field: string, message: string, hint: string) {
    super(message);
    this.name = "BackupSettingsError";
    this.field = field;
    this.hint = hint;
  }
}

/** IAM names allow 64 (users) and 128 (policies) characters; cluster names up to 100. */
const IAM_USER_NAME_MAX = 64;

export function backupTarget(fleet: FleetModel): BackupTarget {
  const backups = fleet.tools.backups;
  if (fleet.cluster.provider !== "eks") {
    throw new BackupSettingsError(
      "cluster.provider",
      `cluster.provider is "${fleet.cluster.provider}": backups to S3 are for EKS clusters only`,
      "backups run only on provider eks; nothing to set up for a local cluster",
    );
  }
  if (!backups.enabled) {
    throw new BackupSettingsError(
      "tools.backups.enabled",
      "tools.backups.enabled is false: this fleet has no backups to set up",
      "set tools.backups.enabled: true (and tools.backups.bucket) to back the hubs up",
    );
  }
  const settings = backupSettings(fleet);
  if (settings?.bucket === undefined) {
    throw new BackupSettingsError(
      "tools.backups.bucket",
      "tools.backups.bucket is not set: Velero needs an S3 bucket",
      "set tools.backups.bucket to a bucket name of your own; backup-setup creates it",
    );
  }
  const policyName = `hubfleet-velero-${fleet.name}`;
  const roleArn = settings.roleArn;
  if (roleArn === undefined && policyName.length > IAM_USER_NAME_MAX) {
    throw new BackupSettingsError(
      "cluster.name",
      `the IAM user name ${policyName} would be longer than IAM's ${IAM_USER_NAME_MAX} characters`,
      "use a cluster name of at most 48 characters, or set tools.backups.roleArn (IRSA)",
    );
  }
  return {
    fleet: fleet.name,
    bucket: settings.bucket,
    region: settings.region,
    prefix: settings.prefix,
    partition: partitionOf(settings.region),
    expireAfterDays: settings.expireAfterDays,
    policyName,
    identity:
      roleArn === undefined
        ? { kind: "user", userName: policyName }
        : { kind: "role", roleArn, roleName: roleArn.slice(roleArn.lastIndexOf("/") + 1) },
  };
}

export const bucketArn = (t: BackupTarget): string => `arn:${t.partition}:s3:::${t.bucket}`;

export const policyArn = (t: BackupTarget, account: string): string =>
  `arn:${t.partition}:iam::${account}:policy/${t.policyName}`;
