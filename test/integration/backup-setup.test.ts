/**
 * `hubfleet backup-setup` against the AWS stand-in (moto server: S3, IAM and STS on 127.0.0.1,
 * since AWS itself cannot be reached from here) and the real test control plane (for Velero's
 * credentials Secret). Everything is read back through the AWS SDK and the Kubernetes API.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Document } from "yaml";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import { accessKeyIdOf } from "../../src/backup/credentials.js";
import { lifecycleRules, TLS_ONLY_SID, veleroPolicyDocument } from "../../src/backup/documents.js";
import { backupTarget } from "../../src/fleet/backupSettings.js";
import { type KubePort, kubePortFromConfig } from "../../src/ports/kube.js";
import { type AwsStandIn, STAND_IN_CREDENTIALS, startAwsStandIn } from "../awsStandIn.js";
import { editedExample, fleetFrom, REPO, runCli } from "../helpers.js";

const execFileAsync = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

const REGION = "us-west-2";
const ACCOUNT = "123456789012"; // moto's account

let aws: AwsStandIn;
let cp: ControlPlane;
let kube: KubePort;
let dir: string;
let s3: S3Client;
let iam: IAMClient;

/** A fleet file in the temp dir: the example with its own cluster name and bucket. */
function fleetFile(name: string, edit: (doc: Document) => void = () => {}): string {
  const text = editedExample((doc) => {
    doc.setIn(["cluster", "name"], name);
    doc.setIn(["tools", "backups", "bucket"], `${name}-backups`);
    edit(doc);
  });
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, text);
  return path;
}

const setupArgs = (file: string, extra: string[]) => [
  "backup-setup",
  file,
  "--endpoint",
  aws.endpoint,
  "--kubeconfig",
  cp.kubeconfigPath,
  ...extra,
];
const setup = (file: string, ...extra: string[]) => runCli(setupArgs(file, extra));

/** The CLI as a separate process (exit code and streams as a shell sees them). */
async function setupProcess(file: string, ...extra: string[]) {
  const args = ["--import", "tsx", join(REPO, "src/cli/main.ts"), ...setupArgs(file, extra)];
  const options = { cwd: REPO, env: { ...process.env, ...aws.env } };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, args, options);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const errorName = async (p: Promise<unknown>) => {
  try {
    await p;
    return "none";
  } catch (err) {
    return (err as Error).name;
  }
};
const secretOf = async () =>
  (await kube.get({
    apiVersion: "v1",
    kind: "Secret",
    namespace: "velero",
    name: "hubfleet-velero-credentials",
  })) as Any;
const cloudFile = (secret: Any) => Buffer.from(secret.data.cloud, "base64").toString("utf8");
const noStack = (text: string) =>
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, "printed a stack trace");

describe("backup-setup (AWS stand-in: moto server)", { timeout: 300_000 }, () => {
  before(async () => {
    // The SDK's default credential chain reads these; moto accepts any.
    Object.assign(process.env, STAND_IN_CREDENTIALS, {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
    dir = mkdtempSync(join(tmpdir(), "hubfleet-backup-"));
    [aws, cp] = await Promise.all([startAwsStandIn(), startControlPlane({})]);
    kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
    const client = {
      region: REGION,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    };
    s3 = new S3Client({ ...client, forcePathStyle: true });
    iam = new IAMClient(client);
  });
  after(async () => {
    await Promise.all([aws?.stop(), cp?.stop()]);
  });

  let firstSecretKey = "";

  it("first run creates bucket, policy, user, key and Secret; reading them back shows each setting", async () => {
    const file = fleetFile("alpha");
    const r = await setup(file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created\s+s3 bucket alpha-backups: in us-west-2/);
    assert.match(
      r.stdout,
      /done as arn:aws:sts::123456789012:.*: 11 created, 0 updated, 0 unchanged/,
    );
    const bucket = "alpha-backups";
    const target = backupTarget(
      fleetFrom(
        editedExample((d) => {
          d.setIn(["cluster", "name"], "alpha");
          d.setIn(["tools", "backups", "bucket"], bucket);
        }),
      ),
    );

    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(versioning.Status, "Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    assert.deepEqual(
      encryption.ServerSideEncryptionConfiguration?.Rules?.map(
        (rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ),
      ["AES256"],
    );
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    assert.deepEqual(block.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const byId = new Map((lifecycle.Rules ?? []).map((rule) => [rule.ID, rule]));
    for (const want of lifecycleRules(target)) {
      const got = byId.get(want.ID);
      assert.ok(got, `lifecycle rule ${want.ID}`);
      assert.equal(got.Filter?.Prefix, want.Filter.Prefix);
      assert.equal(got.Expiration?.Days, want.Expiration?.Days);
      assert.equal(
        got.NoncurrentVersionExpiration?.NoncurrentDays,
        want.NoncurrentVersionExpiration?.NoncurrentDays,
      );
      assert.equal(
        got.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
        want.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
      );
    }
    assert.equal(byId.get("hubfleet/alpha/backups")?.Expiration?.Days, 90);
    const policy = JSON.parse(
      (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}",
    );
    const tls = policy.Statement.find((s: Any) => s.Sid === TLS_ONLY_SID);
    assert.deepEqual(tls.Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.equal(tls.Effect, "Deny");

    const user = await iam.send(new GetUserCommand({ UserName: "hubfleet-velero-alpha" }));
    assert.equal(user.User?.Arn, `arn:aws:iam::${ACCOUNT}:user/hubfleet-velero-alpha`);
    const attached = await iam.send(
      new ListAttachedUserPoliciesCommand({ UserName: "hubfleet-velero-alpha" }),
    );
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/hubfleet-velero-alpha`;
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyArn),
      [policyArn],
    );
    const version = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: "v1" }),
    );
    const document = version.PolicyVersion?.Document ?? "";
    assert.deepEqual(
      JSON.parse(document.startsWith("%") ? decodeURIComponent(document) : document),
      veleroPolicyDocument(target),
    );

    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "hubfleet-velero-alpha" }));
    assert.equal(keys.AccessKeyMetadata?.length, 1);
    const secret = await secretOf();
    assert.deepEqual(Object.keys(secret.data), ["cloud"]);
    const file2 = cloudFile(secret);
    const match = /^\[default\]\naws_access_key_id=(\S+)\naws_secret_access_key=(\S+)\n$/.exec(
      file2,
    );
    assert.ok(match, `AWS credentials-file format: ${file2.replace(/secret_access_key=.*/, "…")}`);
    const [, keyId, secretKey] = match as unknown as [string, string, string];
    assert.equal(keyId, keys.AccessKeyMetadata?.[0]?.AccessKeyId);
    firstSecretKey = secretKey;
    // The secret key is in the cluster and nowhere in what the command printed.
    assert.ok(!r.stdout.includes(secretKey) && !r.stderr.includes(secretKey));
    // ...and it works: the stand-in's STS knows the key as the Velero user.
    const whoami = await new STSClient({
      region: REGION,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: keyId, secretAccessKey: secretKey },
    }).send(new GetCallerIdentityCommand({}));
    assert.equal(whoami.Arn, `arn:aws:iam::${ACCOUNT}:user/hubfleet-velero-alpha`);
    // The namespace backup-setup created carries the fleet label.
    const ns = (await kube.get({ apiVersion: "v1", kind: "Namespace", name: "velero" })) as Any;
    assert.equal(ns.metadata.labels["hubfleet.io/fleet"], "alpha");
  });

  it("a second run (a separate process) reports everything unchanged and makes no second key", async () => {
    const r = await setupProcess(join(dir, "alpha.yaml"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: 0 created, 0 updated, 10 unchanged\n$/);
    assert.doesNotMatch(r.stdout, /\bcreated\s+(s3|iam|secret)/);
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "hubfleet-velero-alpha" }));
    assert.equal(keys.AccessKeyMetadata?.length, 1);
    assert.equal(
      accessKeyIdOf(cloudFile(await secretOf())),
      keys.AccessKeyMetadata?.[0]?.AccessKeyId,
    );
    assert.ok(!r.stdout.includes(firstSecretKey) && !r.stderr.includes(firstSecretKey));
    assert.doesNotMatch(r.stderr, /error|REFUSED/);
  });

  it("--dry-run prints the plan and creates nothing: no bucket, no user, no policy, no Secret change", async () => {
    const before = (await secretOf()).metadata.resourceVersion;
    const r = await setup(fleetFile("dry"), "--dry-run");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /dry run: nothing is changed/);
    assert.match(r.stdout, /would create\s+s3 bucket dry-backups: in us-west-2/);
    assert.match(r.stdout, /would create\s+iam user hubfleet-velero-dry/);
    assert.match(r.stdout, /would (create|update)\s+secret velero\/hubfleet-velero-credentials/);
    assert.equal(
      await errorName(s3.send(new HeadBucketCommand({ Bucket: "dry-backups" }))),
      "NotFound",
    );
    assert.equal(
      await errorName(iam.send(new GetUserCommand({ UserName: "hubfleet-velero-dry" }))),
      "NoSuchEntityException",
    );
    assert.equal((await secretOf()).metadata.resourceVersion, before);
  });

  it("refuses a bucket that already exists in another region, and changes nothing", async () => {
    await new S3Client({
      region: "eu-west-1",
      endpoint: aws.endpoint,
      forcePathStyle: true,
    }).send(
      new CreateBucketCommand({
        Bucket: "west-backups",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const r = await setupProcess(fleetFile("west"));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /REFUSED\s+s3 bucket west-backups: is in region eu-west-1, but the fleet wants it in us-west-2\n\s+hint: set tools.backups.region: eu-west-1/,
    );
    assert.match(r.stderr, /changed nothing/);
    noStack(r.stderr);
    assert.equal(
      await errorName(iam.send(new GetUserCommand({ UserName: "hubfleet-velero-west" }))),
      "NoSuchEntityException",
    );
    assert.equal(
      await errorName(
        s3.send(new GetBucketVersioningCommand({ Bucket: "west-backups" })).then((v) => {
          if (v.Status) throw new Error(`versioning ${v.Status}`);
        }),
      ),
      "none",
    );
  });

  it("refuses to make a third access key for a user that has two, naming them", async () => {
    await iam.send(new CreateUserCommand({ UserName: "hubfleet-velero-full" }));
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const key = await iam.send(new CreateAccessKeyCommand({ UserName: "hubfleet-velero-full" }));
      ids.push(key.AccessKey?.AccessKeyId ?? "");
    }
    const r = await setup(fleetFile("full"));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`already has 2 access keys \\(${ids[0]} Active, ${ids[1]} Active\\)`),
    );
    assert.match(r.stderr, /aws iam delete-access-key --user-name hubfleet-velero-full/);
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: "hubfleet-velero-full" }));
    assert.equal(keys.AccessKeyMetadata?.length, 2);
  });

  it("with roleArn (IRSA): attaches the policy to the role; no user, no key, no Secret", async () => {
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: "velero-irsa",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: {
                Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X`,
              },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: {
                StringEquals: {
                  "oidc.eks.us-west-2.amazonaws.com/id/X:sub":
                    "system:serviceaccount:velero:velero-server",
                },
              },
            },
          ],
        }),
      }),
    );
    const secretBefore = (await secretOf()).metadata.resourceVersion;
    const file = fleetFile("irsa", (d) => d.setIn(["tools", "backups", "roleArn"], role.Role?.Arn));
    // No cluster is needed: nothing goes into it.
    const r = await runCli([
      "backup-setup",
      file,
      "--endpoint",
      aws.endpoint,
      "--kubeconfig",
      "/nonexistent",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /updated\s+iam role velero-irsa: attach hubfleet-velero-irsa/);
    assert.doesNotMatch(r.stdout, /secret|iam user/);
    assert.doesNotMatch(r.stderr, /trust policy|error/);
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: "velero-irsa" }),
    );
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyArn),
      [`arn:aws:iam::${ACCOUNT}:policy/hubfleet-velero-irsa`],
    );
    assert.equal(
      await errorName(iam.send(new GetUserCommand({ UserName: "hubfleet-velero-irsa" }))),
      "NoSuchEntityException",
    );
    assert.equal((await secretOf()).metadata.resourceVersion, secretBefore);
    const again = await runCli(["backup-setup", file, "--endpoint", aws.endpoint]);
    assert.match(again.stdout, /: 0 created, 0 updated, 8 unchanged\n$/);
  });

  it("refuses a fleet without backups with the field to change, before any AWS call", async () => {
    const r = await setup(fleetFile("off", (d) => d.setIn(["tools", "backups", "enabled"], false)));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: tools.backups.enabled is false/m);
    assert.match(r.stderr, /hint: set tools.backups.enabled: true/);
    noStack(r.stderr);
  });
});
