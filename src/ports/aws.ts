/**
 * The AWS port: the S3, IAM and STS calls backup-setup makes, through the AWS SDK v3, with
 * failures turned into one typed error that names the service, the call and the resource.
 * Nothing else in hubfleet talks to AWS. An endpoint override points every client at an
 * S3/IAM-compatible server (the tests' local stand-in).
 */
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPolicyVersionsCommand,
} from "@aws-sdk/client-iam";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

/** A failed AWS call: which service and call, on what, and AWS's error code and message. */
export class AwsError extends Error {
  readonly service: string;
  readonly operation: string;
  readonly resource: string;
  /** AWS's error code (AccessDenied, NoSuchEntity, ...), or a network/credentials code. */
  readonly code: string;
  /** HTTP status; 0 when no answer came (network, no credentials). */
  readonly status: number;

  constructor(options: {
    service: string;
    operation: string;
    resource: string;
    code: string;
    status: number;
    message: string;
  }) {
    super(
      `${options.service} ${options.operation} on ${options.resource} failed: ${options.code}${
        options.message && options.message !== options.code ? `: ${options.message}` : ""
      }`,
    );
    this.name = "AwsError";
    this.service = options.service;
    this.operation = options.operation;
    this.resource = options.resource;
    this.code = options.code;
    this.status = options.status;
  }

  /** What to do about it, for people. */
  get hint(): string {
    if (this.status === 0 && /credential/i.test(this.code + this.message)) {
      return "no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for an account that may manage S3 and IAM";
    }
    if (this.status === 0) return "cannot reach AWS: check the network (and --endpoint, if set)";
    if (this.status === 401 || this.status === 403 || /AccessDenied/.test(this.code)) {
      return `the AWS credentials in use may not call ${this.operation}; use an identity with S3 and IAM administration rights`;
    }
    if (/InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/.test(this.code)) {
      return "the AWS credentials are not valid (wrong or expired): refresh them (e.g. aws sso login)";
    }
    return "run backup-setup again: every step is safe to repeat";
  }
}

/** What HeadBucket says about a bucket name. */
export type BucketProbe =
  | { readonly state: "exists"; readonly region: string }
  | { readonly state: "missing" }
  | { readonly state: "forbidden" };

export interface PublicAccessBlockState {
  readonly BlockPublicAcls: boolean;
  readonly IgnorePublicAcls: boolean;
  readonly BlockPublicPolicy: boolean;
  readonly RestrictPublicBuckets: boolean;
}

export interface ManagedPolicy {
  readonly defaultVersionId: string;
  readonly document: string;
  /** Non-default versions, oldest first. */
  readonly otherVersions: readonly string[];
}

export interface AwsAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type Tags = Readonly<Record<string, string>>;

export interface AwsPort {
  callerIdentity(): Promise<{ account: string; arn: string }>;

  probeBucket(bucket: string): Promise<BucketProbe>;
  createBucket(options: { bucket: string; region: string }): Promise<void>;
  getVersioning(bucket: string): Promise<string | undefined>;
  enableVersioning(bucket: string): Promise<void>;
  /** Default encryption algorithms; empty when the bucket has none. */
  getEncryption(bucket: string): Promise<string[]>;
  /** SSE-S3 (AES256) as the bucket's default encryption. */
  putDefaultEncryption(bucket: string): Promise<void>;
  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlockState | undefined>;
  blockPublicAccess(bucket: string): Promise<void>;
  getLifecycleRules(bucket: string): Promise<Record<string, unknown>[]>;
  /** Replaces the bucket's whole lifecycle configuration (rules in S3's own shape). */
  putLifecycleRules(options: { bucket: string; rules: readonly object[] }): Promise<void>;
  getBucketPolicy(bucket: string): Promise<string | undefined>;
  putBucketPolicy(options: { bucket: string; policy: string }): Promise<void>;

  getPolicy(arn: string): Promise<ManagedPolicy | undefined>;
  createPolicy(options: { name: string; document: string; tags: Tags }): Promise<string>;
  createPolicyVersion(options: { arn: string; document: string }): Promise<void>;
  deletePolicyVersion(options: { arn: string; versionId: string }): Promise<void>;
  userExists(userName: string): Promise<boolean>;
  createUser(options: { userName: string; tags: Tags }): Promise<void>;
  attachedUserPolicies(userName: string): Promise<string[]>;
  attachUserPolicy(options: { userName: string; policyArn: string }): Promise<void>;
  accessKeys(userName: string): Promise<{ id: string; status: string }[]>;
  createAccessKey(userName: string): Promise<AwsAccessKey>;
  deleteAccessKey(options: { userName: string; accessKeyId: string }): Promise<void>;
  /** The role's trust policy, or undefined when there is no such role. */
  getRole(roleName: string): Promise<{ trustPolicy: string | undefined } | undefined>;
  attachedRolePolicies(roleName: string): Promise<string[]>;
  attachRolePolicy(options: { roleName: string; policyArn: string }): Promise<void>;
}

export interface AwsOptions {
  /** Region of the S3 client (the bucket's); IAM and STS are reached from it too. */
  readonly region: string;
  /** An S3/IAM/STS-compatible endpoint instead of AWS (path-style S3 addressing). */
  readonly endpoint?: string;
}

/** Shape of an AWS SDK v3 service error (what toAwsError reads). */
interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Maps an SDK (or network) failure to AwsError. Pure; exported for tests. */
export function toAwsError(
  err: unknown,
  call: { service: string; operation: string; resource: string },
): AwsError {
  if (err instanceof AwsError) return err;
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode ?? 0;
  const code = e.Code ?? (status ? e.name : (e.code ?? e.name)) ?? "Error";
  const message = (e.message ?? String(err)).split("\n")[0] ?? "";
  return new AwsError({
    ...call,
    code,
    status,
    message: message === "UnknownError" ? "" : message,
  });
}

const statusOf = (err: unknown): number =>
  (err as SdkError | undefined)?.$metadata?.httpStatusCode ?? 0;
const nameOf = (err: unknown): string => (err as SdkError | undefined)?.name ?? "";

/**
 * Reads HeadBucket's outcome: 200 (ours, with its region), 404 (free), 403 (someone else's),
 * or a redirect/400 carrying the bucket's real region in x-amz-bucket-region. Pure.
 */
export function classifyHeadBucket(
  outcome: { ok: true; region: string | undefined } | { ok: false; error: unknown },
): BucketProbe | { state: "unknown-region" } | undefined {
  if (outcome.ok) {
    return outcome.region
      ? { state: "exists", region: outcome.region }
      : { state: "unknown-region" };
  }
  const status = statusOf(outcome.error);
  if (status === 404 || nameOf(outcome.error) === "NotFound") return { state: "missing" };
  if (status === 403) return { state: "forbidden" };
  const region = (outcome.error as SdkError).$response?.headers?.["x-amz-bucket-region"];
  if ((status === 301 || status === 400) && region) return { state: "exists", region };
  return undefined;
}

/** GetBucketLocation's answer as a region ("" and null mean us-east-1, "EU" eu-west-1). */
export function regionFromLocation(location: string | undefined | null): string {
  if (!location) return "us-east-1";
  if (location === "EU") return "eu-west-1";
  return location;
}

/** Every page of a ListAttached*Policies answer, as policy ARNs. */
async function attachedArns(
  page: (marker: string | undefined) => Promise<{
    AttachedPolicies?: { PolicyArn?: string }[];
    IsTruncated?: boolean;
    Marker?: string;
  }>,
): Promise<string[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const out = await page(marker);
    for (const p of out.AttachedPolicies ?? []) if (p.PolicyArn) arns.push(p.PolicyArn);
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  return arns;
}

export function awsPort(options: AwsOptions): AwsPort {
  const endpoint = options.endpoint ? { endpoint: options.endpoint } : {};
  const s3 = new S3Client({
    region: options.region,
    ...endpoint,
    ...(options.endpoint ? { forcePathStyle: true } : {}),
  });
  const iam = new IAMClient({ region: options.region, ...endpoint });
  const sts = new STSClient({ region: options.region, ...endpoint });

  const call = async <T>(
    service: string,
    operation: string,
    resource: string,
    fn: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toAwsError(err, { service, operation, resource });
    }
  };
  /** The call's result, or `fallback` when AWS answers with one of the `absent` error codes. */
  const read = async <T>(
    service: string,
    operation: string,
    resource: string,
    absent: readonly string[],
    fallback: T,
    fn: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      const e = err as SdkError;
      if (absent.includes(e.name ?? "") || absent.includes(e.Code ?? "")) return fallback;
      throw toAwsError(err, { service, operation, resource });
    }
  };
  const bucketName = (bucket: string) => `bucket ${bucket}`;
  const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

  const port: AwsPort = {
    callerIdentity: () =>
      call("STS", "GetCallerIdentity", "the current credentials", async () => {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? "", arn: out.Arn ?? "" };
      }),

    async probeBucket(bucket) {
      let outcome: Parameters<typeof classifyHeadBucket>[0];
      try {
        const out = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        outcome = { ok: true, region: out.BucketRegion };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const probe = classifyHeadBucket(outcome);
      if (probe === undefined && !outcome.ok) {
        throw toAwsError(outcome.error, {
          service: "S3",
          operation: "HeadBucket",
          resource: bucketName(bucket),
        });
      }
      if (probe === undefined || probe.state === "unknown-region") {
        const location = await call("S3", "GetBucketLocation", bucketName(bucket), () =>
          s3.send(new GetBucketLocationCommand({ Bucket: bucket })),
        );
        return { state: "exists", region: regionFromLocation(location.LocationConstraint) };
      }
      return probe;
    },
    createBucket: ({ bucket, region }) =>
      call("S3", "CreateBucket", bucketName(bucket), async () => {
        await s3.send(
          new CreateBucketCommand({
            Bucket: bucket,
            // us-east-1 is S3's default location and refuses to be named.
            ...(region === "us-east-1"
              ? {}
              : {
                  CreateBucketConfiguration: {
                    LocationConstraint: region as BucketLocationConstraint,
                  },
                }),
          }),
        );
      }),
    getVersioning: (bucket) =>
      call("S3", "GetBucketVersioning", bucketName(bucket), async () => {
        const out = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
        return out.Status;
      }),
    enableVersioning: (bucket) =>
      call("S3", "PutBucketVersioning", bucketName(bucket), async () => {
        await s3.send(
          new PutBucketVersioningCommand({
            Bucket: bucket,
            VersioningConfiguration: { Status: "Enabled" },
          }),
        );
      }),
    getEncryption: (bucket) =>
      read(
        "S3",
        "GetBucketEncryption",
        bucketName(bucket),
        ["ServerSideEncryptionConfigurationNotFoundError"],
        [],
        async () => {
          const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
          return (out.ServerSideEncryptionConfiguration?.Rules ?? [])
            .map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)
            .filter((a): a is NonNullable<typeof a> => a !== undefined)
            .map(String);
        },
      ),
    putDefaultEncryption: (bucket) =>
      call("S3", "PutBucketEncryption", bucketName(bucket), async () => {
        await s3.send(
          new PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
            },
          }),
        );
      }),
    getPublicAccessBlock: (bucket) =>
      read(
        "S3",
        "GetPublicAccessBlock",
        bucketName(bucket),
        ["NoSuchPublicAccessBlockConfiguration"],
        undefined,
        async () => {
          const c = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))
            .PublicAccessBlockConfiguration;
          return {
            BlockPublicAcls: c?.BlockPublicAcls === true,
            IgnorePublicAcls: c?.IgnorePublicAcls === true,
            BlockPublicPolicy: c?.BlockPublicPolicy === true,
            RestrictPublicBuckets: c?.RestrictPublicBuckets === true,
          };
        },
      ),
    blockPublicAccess: (bucket) =>
      call("S3", "PutPublicAccessBlock", bucketName(bucket), async () => {
        await s3.send(
          new PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        );
      }),
    getLifecycleRules: (bucket) =>
      read(
        "S3",
        "GetBucketLifecycleConfiguration",
        bucketName(bucket),
        ["NoSuchLifecycleConfiguration"],
        [],
        async () => {
          const out = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
          return (out.Rules ?? []).map((r) => ({ ...r }) as Record<string, unknown>);
        },
      ),
    putLifecycleRules: ({ bucket, rules }) =>
      call("S3", "PutBucketLifecycleConfiguration", bucketName(bucket), async () => {
        await s3.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: bucket,
            LifecycleConfiguration: { Rules: [...rules] as LifecycleRule[] },
          }),
        );
      }),
    getBucketPolicy: (bucket) =>
      read(
        "S3",
        "GetBucketPolicy",
        bucketName(bucket),
        ["NoSuchBucketPolicy"],
        undefined,
        async () => (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy,
      ),
    putBucketPolicy: ({ bucket, policy }) =>
      call("S3", "PutBucketPolicy", bucketName(bucket), async () => {
        await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
      }),

    getPolicy: (arn) =>
      read(
        "IAM",
        "GetPolicy",
        `policy ${arn}`,
        ["NoSuchEntityException", "NoSuchEntity"],
        undefined,
        async () => {
          const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
          const defaultVersionId = policy?.DefaultVersionId ?? "v1";
          const version = await iam.send(
            new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersionId }),
          );
          const versions =
            (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
          const otherVersions = versions
            .filter((v) => !v.IsDefaultVersion && v.VersionId)
            .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))
            .map((v) => v.VersionId as string);
          return {
            defaultVersionId,
            document: version.PolicyVersion?.Document ?? "",
            otherVersions,
          };
        },
      ),
    createPolicy: ({ name, document, tags }) =>
      call("IAM", "CreatePolicy", `policy ${name}`, async () => {
        const out = await iam.send(
          new CreatePolicyCommand({
            PolicyName: name,
            PolicyDocument: document,
            Description: "Velero (file-system backups to S3), managed by hubfleet backup-setup",
            Tags: tagList(tags),
          }),
        );
        return out.Policy?.Arn ?? "";
      }),
    createPolicyVersion: ({ arn, document }) =>
      call("IAM", "CreatePolicyVersion", `policy ${arn}`, async () => {
        await iam.send(
          new CreatePolicyVersionCommand({
            PolicyArn: arn,
            PolicyDocument: document,
            SetAsDefault: true,
          }),
        );
      }),
    deletePolicyVersion: ({ arn, versionId }) =>
      call("IAM", "DeletePolicyVersion", `policy ${arn} version ${versionId}`, async () => {
        await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
      }),
    userExists: (userName) =>
      read(
        "IAM",
        "GetUser",
        `user ${userName}`,
        ["NoSuchEntityException", "NoSuchEntity"],
        false,
        async () => {
          await iam.send(new GetUserCommand({ UserName: userName }));
          return true;
        },
      ),
    createUser: ({ userName, tags }) =>
      call("IAM", "CreateUser", `user ${userName}`, async () => {
        await iam.send(new CreateUserCommand({ UserName: userName, Tags: tagList(tags) }));
      }),
    attachedUserPolicies: (userName) =>
      call("IAM", "ListAttachedUserPolicies", `user ${userName}`, () =>
        attachedArns((Marker) =>
          iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName, Marker })),
        ),
      ),
    attachUserPolicy: ({ userName, policyArn }) =>
      call("IAM", "AttachUserPolicy", `user ${userName}`, async () => {
        await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: policyArn }));
      }),
    accessKeys: (userName) =>
      call("IAM", "ListAccessKeys", `user ${userName}`, async () => {
        const out = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
        return (out.AccessKeyMetadata ?? []).map((k) => ({
          id: k.AccessKeyId ?? "",
          status: k.Status ?? "Unknown",
        }));
      }),
    createAccessKey: (userName) =>
      call("IAM", "CreateAccessKey", `user ${userName}`, async () => {
        const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
        if (!key?.AccessKeyId || !key.SecretAccessKey) {
          throw new Error("the answer held no access key");
        }
        return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
      }),
    deleteAccessKey: ({ userName, accessKeyId }) =>
      call("IAM", "DeleteAccessKey", `access key ${accessKeyId} of user ${userName}`, async () => {
        await iam.send(
          new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }),
        );
      }),
    getRole: (roleName) =>
      read(
        "IAM",
        "GetRole",
        `role ${roleName}`,
        ["NoSuchEntityException", "NoSuchEntity"],
        undefined,
        async () => {
          const role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
          return { trustPolicy: role?.AssumeRolePolicyDocument };
        },
      ),
    attachedRolePolicies: (roleName) =>
      call("IAM", "ListAttachedRolePolicies", `role ${roleName}`, () =>
        attachedArns((Marker) =>
          iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker })),
        ),
      ),
    attachRolePolicy: ({ roleName, policyArn }) =>
      call("IAM", "AttachRolePolicy", `role ${roleName}`, async () => {
        await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
      }),
  };
  return port;
}
