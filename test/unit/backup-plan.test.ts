/**
 * backup-setup's pure core: the names and documents it writes to AWS, the plan it makes from
 * what exists, the credentials file, and how the AWS port reads AWS's answers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import {
  accessKeyIdOf,
  credentialsFile,
  credentialsSecret,
  secretAccessKeyId,
} from "../../src/backup/credentials.js";
import {
  canonicalJson,
  lifecycleRules,
  parsePolicyDocument,
  TLS_ONLY_SID,
  tlsOnlyStatement,
  veleroPolicyDocument,
} from "../../src/backup/documents.js";
import {
  type Observed,
  type ObservedBucket,
  planBackupSetup,
  planChanges,
  planRefuses,
  type Step,
} from "../../src/backup/plan.js";
import { BackupRefusedError, backupSetup } from "../../src/backup/setup.js";
import { BackupSettingsError, backupTarget } from "../../src/fleet/backupSettings.js";
import {
  AwsError,
  type AwsPort,
  classifyHeadBucket,
  regionFromLocation,
  toAwsError,
} from "../../src/ports/aws.js";
import { ClusterError, type KubePort } from "../../src/ports/kube.js";
import { backupFleet, TEST_BUCKET } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: reading documents
type Any = any;

const BUCKET = TEST_BUCKET;
const fleetWith = backupFleet;
const target = (edit?: (doc: Document) => void) => backupTarget(fleetWith(edit));
const ROLE = "arn:aws:iam::123456789012:role/team/velero-irsa";
const ACCOUNT = "123456789012";
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/hubfleet-velero-jhfleet`;

describe("backupTarget", () => {
  it("names the policy and user after the cluster; prefix and region default to the cluster's", () => {
    const t = target();
    assert.equal(t.bucket, BUCKET);
    assert.equal(t.prefix, "jhfleet");
    assert.equal(t.region, "us-west-2");
    assert.equal(t.partition, "aws");
    assert.equal(t.policyName, "hubfleet-velero-jhfleet");
    assert.deepEqual(t.identity, { kind: "user", userName: "hubfleet-velero-jhfleet" });
  });
  it("uses the role of roleArn (its last path segment is the role name)", () => {
    const t = target((d) => d.setIn(["tools", "backups", "roleArn"], ROLE));
    assert.deepEqual(t.identity, { kind: "role", roleArn: ROLE, roleName: "velero-irsa" });
  });
  const partitions: Array<[string, string]> = [
    ["us-west-2", "aws"],
    ["cn-north-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
  ];
  for (const [region, partition] of partitions) {
    it(`puts a bucket in ${region} in partition ${partition}`, () => {
      const t = target((d) => d.setIn(["tools", "backups", "region"], region));
      assert.equal(t.partition, partition);
      assert.match(JSON.stringify(veleroPolicyDocument(t)), new RegExp(`"arn:${partition}:s3:::`));
    });
  }
  const refusals: Array<[string, (d: Document) => void, string]> = [
    [
      "backups disabled",
      (d) => d.setIn(["tools", "backups", "enabled"], false),
      "tools.backups.enabled",
    ],
    ["a local cluster", (d) => d.setIn(["cluster", "provider"], "local"), "cluster.provider"],
  ];
  for (const [name, edit, field] of refusals) {
    it(`refuses ${name}, naming ${field}`, () => {
      assert.throws(
        () => target(edit),
        (err: unknown) => err instanceof BackupSettingsError && err.field === field,
      );
    });
  }
  it("refuses a cluster name too long for an IAM user name, unless a role is used", () => {
    const long = `c${"x".repeat(60)}`;
    assert.throws(
      () => target((d) => d.setIn(["cluster", "name"], long)),
      (err: unknown) => err instanceof BackupSettingsError && /64 characters/.test(err.message),
    );
    const t = target((d) => {
      d.setIn(["cluster", "name"], long);
      d.setIn(["tools", "backups", "roleArn"], ROLE);
    });
    assert.equal(t.policyName, `hubfleet-velero-${long}`);
  });
});

describe("Velero's IAM policy", () => {
  const doc = veleroPolicyDocument(
    target((d) => d.setIn(["tools", "backups", "prefix"], "hubs/prod")),
  );
  const statements = doc.Statement.map((s) => ({
    actions: [s.Action].flat() as string[],
    resources: [s.Resource].flat() as string[],
    effect: s.Effect,
  }));
  it("allows only S3 object and list actions, no EC2, no wildcards", () => {
    const actions = statements.flatMap((s) => s.actions).sort();
    assert.deepEqual(actions, [
      "s3:AbortMultipartUpload",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]);
    assert.ok(statements.every((s) => s.effect === "Allow"));
    assert.ok(!JSON.stringify(doc).includes("ec2:"));
    assert.ok(!statements.some((s) => s.actions.some((a) => a.includes("*"))));
  });
  it("scopes object actions to the prefix and listing to the bucket", () => {
    const objects = statements.find((s) => s.actions.includes("s3:GetObject"));
    const list = statements.find((s) => s.actions.includes("s3:ListBucket"));
    assert.deepEqual(objects?.resources, [`arn:aws:s3:::${BUCKET}/hubs/prod/*`]);
    assert.deepEqual(list?.resources, [`arn:aws:s3:::${BUCKET}`]);
    assert.deepEqual(list?.actions, ["s3:ListBucket"]);
  });
});

describe("bucket documents", () => {
  it("the TLS-only statement denies everything without aws:SecureTransport on bucket and objects", () => {
    const s = tlsOnlyStatement(target());
    assert.equal(s.Effect, "Deny");
    assert.equal(s.Principal, "*");
    assert.deepEqual(s.Resource, [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`]);
    assert.deepEqual(s.Condition, { Bool: { "aws:SecureTransport": "false" } });
  });
  const dayCases = [1, 90, 400];
  for (const days of dayCases) {
    it(`lifecycle with expireAfterDays ${days}: metadata and old versions expire, Kopia data never`, () => {
      const rules = lifecycleRules(
        target((d) => d.setIn(["tools", "backups", "expireAfterDays"], days)),
      );
      const expiring = rules.filter((r) => r.Expiration?.Days !== undefined);
      assert.deepEqual(
        expiring.map((r) => [r.Filter.Prefix, r.Expiration?.Days]),
        [
          ["jhfleet/backups/", days],
          ["jhfleet/restores/", days],
        ],
      );
      const old = rules.find((r) => r.NoncurrentVersionExpiration);
      assert.equal(old?.Filter.Prefix, "jhfleet/");
      assert.equal(old?.NoncurrentVersionExpiration?.NoncurrentDays, days);
      assert.equal(old?.AbortIncompleteMultipartUpload?.DaysAfterInitiation, 7);
      assert.ok(rules.every((r) => r.ID.startsWith("hubfleet/jhfleet/") && r.Status === "Enabled"));
      // Current objects under kopia/ (shared by every later backup) are never expired.
      assert.ok(!expiring.some((r) => "jhfleet/kopia/x".startsWith(r.Filter.Prefix)));
    });
  }
  it("reads IAM's URL-encoded documents and plain ones alike", () => {
    const doc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] };
    assert.deepEqual(parsePolicyDocument(encodeURIComponent(JSON.stringify(doc))), doc);
    assert.deepEqual(parsePolicyDocument(JSON.stringify(doc)), doc);
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), '{"a":{"c":3,"d":2},"b":1}');
  });
});

/** Everything in place, as a second run finds it. */
function inPlace(edit?: (d: Document) => void): Observed {
  const t = target(edit);
  return {
    account: ACCOUNT,
    bucket: {
      state: "exists",
      region: t.region,
      versioning: "Enabled",
      encryption: ["AES256"],
      publicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      lifecycle: lifecycleRules(t).map((r) => ({ ...r })),
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [tlsOnlyStatement(t)] }),
    },
    policy: {
      defaultVersionId: "v1",
      document: encodeURIComponent(JSON.stringify(veleroPolicyDocument(t))),
      otherVersions: [],
    },
    identity:
      t.identity.kind === "user"
        ? {
            kind: "user",
            exists: true,
            attachedPolicyArns: [POLICY_ARN],
            accessKeys: [{ id: "AKIAOLD", status: "Active" }],
          }
        : { kind: "role", exists: true, attachedPolicyArns: [POLICY_ARN], trustPolicy: undefined },
    secretKeyId: "AKIAOLD",
    namespaceExists: true,
  };
}

const existing = (o: Observed) => o.bucket as Extract<ObservedBucket, { state: "exists" }>;
const stepOf = (steps: readonly Step[], resource: string) => {
  const step = steps.find((s) => s.resource === resource);
  assert.ok(step, `a step for ${resource}: ${steps.map((s) => s.resource).join(", ")}`);
  return step;
};

describe("planBackupSetup", () => {
  it("changes nothing when everything is in place (a second run)", () => {
    const plan = planBackupSetup(target(), inPlace());
    assert.deepEqual(
      plan.steps.filter((s) => s.action !== "unchanged").map((s) => s.resource),
      [],
    );
    assert.equal(planChanges(plan), false);
    assert.equal(plan.policyArn, POLICY_ARN);
  });
  it("creates everything on a first run", () => {
    const plan = planBackupSetup(target(), {
      account: ACCOUNT,
      bucket: { state: "missing" },
      policy: undefined,
      identity: { kind: "user", exists: false, attachedPolicyArns: [], accessKeys: [] },
      secretKeyId: undefined,
      namespaceExists: false,
    });
    assert.deepEqual(
      plan.steps.map((s) => [s.resource, s.action, s.change?.kind]),
      [
        [`s3 bucket ${BUCKET}`, "create", "createBucket"],
        [`s3 bucket ${BUCKET} versioning`, "create", "versioning"],
        [`s3 bucket ${BUCKET} default encryption`, "create", "encryption"],
        [`s3 bucket ${BUCKET} public access block`, "create", "publicAccessBlock"],
        [`s3 bucket ${BUCKET} lifecycle`, "create", "lifecycle"],
        [`s3 bucket ${BUCKET} policy`, "create", "bucketPolicy"],
        ["iam policy hubfleet-velero-jhfleet", "create", "createPolicy"],
        ["iam user hubfleet-velero-jhfleet", "create", "createUser"],
        ["iam user hubfleet-velero-jhfleet policy", "create", "attachUserPolicy"],
        ["namespace velero", "create", "createNamespace"],
        ["secret velero/hubfleet-velero-credentials", "create", "accessKey"],
      ],
    );
    const create = plan.steps[0]?.change;
    assert.deepEqual(create, { kind: "createBucket", bucket: BUCKET, region: "us-west-2" });
  });

  const bucketCases: Array<{
    name: string;
    bucket: (o: Observed) => ObservedBucket;
    resource: string;
    action: Step["action"];
    detail?: RegExp;
  }> = [
    {
      name: "a bucket owned by someone else (HeadBucket 403) is refused",
      bucket: () => ({ state: "forbidden" }),
      resource: `s3 bucket ${BUCKET}`,
      action: "refuse",
      detail: /403/,
    },
    {
      name: "a bucket in another region is refused, naming both regions",
      bucket: (o) => ({ ...existing(o), region: "eu-west-1" }),
      resource: `s3 bucket ${BUCKET}`,
      action: "refuse",
      detail: /eu-west-1.*us-west-2/,
    },
    {
      name: "suspended versioning is enabled again",
      bucket: (o) => ({ ...existing(o), versioning: "Suspended" }),
      resource: `s3 bucket ${BUCKET} versioning`,
      action: "update",
      detail: /Suspended -> Enabled/,
    },
    {
      name: "KMS default encryption is kept",
      bucket: (o) => ({ ...existing(o), encryption: ["aws:kms"] }),
      resource: `s3 bucket ${BUCKET} default encryption`,
      action: "unchanged",
    },
    {
      name: "missing default encryption is set",
      bucket: (o) => ({ ...existing(o), encryption: [] }),
      resource: `s3 bucket ${BUCKET} default encryption`,
      action: "update",
    },
    {
      name: "a partial public access block is completed",
      bucket: (o) => ({
        ...existing(o),
        publicAccessBlock: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      }),
      resource: `s3 bucket ${BUCKET} public access block`,
      action: "update",
    },
    {
      name: "a lifecycle rule of ours with other days is updated",
      bucket: (o) => ({
        ...existing(o),
        lifecycle: existing(o).lifecycle.map((r) =>
          r.Expiration && (r.Expiration as Any).Days ? { ...r, Expiration: { Days: 5 } } : r,
        ),
      }),
      resource: `s3 bucket ${BUCKET} lifecycle`,
      action: "update",
    },
    {
      name: "a bucket policy that is not JSON is refused",
      bucket: (o) => ({ ...existing(o), policy: "{not json" }),
      resource: `s3 bucket ${BUCKET} policy`,
      action: "refuse",
    },
  ];
  for (const c of bucketCases) {
    it(c.name, () => {
      const o = inPlace();
      const plan = planBackupSetup(target(), { ...o, bucket: c.bucket(o) });
      const step = stepOf(plan.steps, c.resource);
      assert.equal(step.action, c.action, step.detail);
      if (c.detail) assert.match(step.detail, c.detail);
      if (c.action === "refuse") {
        assert.ok(planRefuses(plan));
        assert.ok(step.hint, "a refusal says what to do");
      }
    });
  }

  it("keeps other owners' lifecycle rules and bucket policy statements", () => {
    const o = inPlace();
    const foreignRule = { ID: "other-team", Status: "Enabled", Filter: { Prefix: "logs/" } };
    const foreignStatement = {
      Sid: "OtherTeam",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/logs/*`,
    };
    const plan = planBackupSetup(target(), {
      ...o,
      bucket: {
        ...existing(o),
        lifecycle: [foreignRule],
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [foreignStatement] }),
      },
    });
    const lifecycle = stepOf(plan.steps, `s3 bucket ${BUCKET} lifecycle`).change as Any;
    assert.deepEqual(lifecycle.rules[0], foreignRule);
    assert.equal(lifecycle.rules.length, 4);
    const policy = JSON.parse(
      (stepOf(plan.steps, `s3 bucket ${BUCKET} policy`).change as Any).policy,
    );
    assert.deepEqual(
      policy.Statement.map((s: Any) => s.Sid),
      ["OtherTeam", TLS_ONLY_SID],
    );
  });

  it("updates a drifted IAM policy with a new version, deleting the oldest when five exist", () => {
    const o = inPlace();
    const drifted = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    };
    const few = planBackupSetup(target(), {
      ...o,
      policy: { defaultVersionId: "v2", document: JSON.stringify(drifted), otherVersions: ["v1"] },
    });
    const change = stepOf(few.steps, "iam policy hubfleet-velero-jhfleet").change as Any;
    assert.equal(change.kind, "updatePolicy");
    assert.equal(change.deleteVersion, undefined);
    assert.deepEqual(JSON.parse(change.document), veleroPolicyDocument(target()));
    const full = planBackupSetup(target(), {
      ...o,
      policy: {
        defaultVersionId: "v5",
        document: JSON.stringify(drifted),
        otherVersions: ["v1", "v2", "v3", "v4"],
      },
    });
    assert.equal(
      (stepOf(full.steps, "iam policy hubfleet-velero-jhfleet").change as Any).deleteVersion,
      "v1",
    );
  });

  const SECRET = "secret velero/hubfleet-velero-credentials";
  const keyCases: Array<{
    name: string;
    keys: Array<{ id: string; status: string }>;
    secretKeyId: string | undefined | null;
    action: Step["action"];
    detail: RegExp;
  }> = [
    {
      name: "the Secret holds the user's active key: no new key",
      keys: [{ id: "AKIAOLD", status: "Active" }],
      secretKeyId: "AKIAOLD",
      action: "unchanged",
      detail: /AKIAOLD/,
    },
    {
      name: "no Secret yet: a new key",
      keys: [{ id: "AKIAOTHER", status: "Active" }],
      secretKeyId: undefined,
      action: "create",
      detail: /new access key/,
    },
    {
      name: "the Secret's key is inactive: a new key",
      keys: [{ id: "AKIAOLD", status: "Inactive" }],
      secretKeyId: "AKIAOLD",
      action: "update",
      detail: /Inactive/,
    },
    {
      name: "the Secret's key is not the user's: a new key",
      keys: [],
      secretKeyId: "AKIAGONE",
      action: "update",
      detail: /not one of/,
    },
    {
      name: "two keys already, neither in the Secret: refused, naming both",
      keys: [
        { id: "AKIAONE", status: "Active" },
        { id: "AKIATWO", status: "Inactive" },
      ],
      secretKeyId: "AKIAGONE",
      action: "refuse",
      detail: /already has 2 access keys \(AKIAONE Active, AKIATWO Inactive\)/,
    },
    {
      name: "a Secret without a readable key and room for one: a new key",
      keys: [],
      secretKeyId: null,
      action: "update",
      detail: /no readable access key/,
    },
  ];
  for (const c of keyCases) {
    it(c.name, () => {
      const o = inPlace();
      const plan = planBackupSetup(target(), {
        ...o,
        identity: {
          kind: "user",
          exists: true,
          attachedPolicyArns: [POLICY_ARN],
          accessKeys: c.keys,
        },
        secretKeyId: c.secretKeyId,
      });
      const step = stepOf(plan.steps, SECRET);
      assert.equal(step.action, c.action);
      assert.match(step.detail, c.detail);
      if (c.action === "refuse") assert.match(step.hint ?? "", /delete-access-key/);
    });
  }

  const withRole = (d: Document) => d.setIn(["tools", "backups", "roleArn"], ROLE);
  const roleCases: Array<{
    name: string;
    identity: Observed["identity"];
    want: Array<[string, Step["action"]]>;
  }> = [
    {
      name: "a missing role is refused",
      identity: { kind: "role", exists: false, attachedPolicyArns: [], trustPolicy: undefined },
      want: [["iam role velero-irsa", "refuse"]],
    },
    {
      name: "the policy is attached to the role, no user and no Secret",
      identity: { kind: "role", exists: true, attachedPolicyArns: [], trustPolicy: undefined },
      want: [["iam role velero-irsa", "update"]],
    },
    {
      name: "a trust policy that does not name Velero's service account is warned about",
      identity: {
        kind: "role",
        exists: true,
        attachedPolicyArns: [POLICY_ARN],
        trustPolicy: encodeURIComponent(
          JSON.stringify({
            Statement: [
              {
                Condition: { StringEquals: { "x:sub": "system:serviceaccount:kube-system:other" } },
              },
            ],
          }),
        ),
      },
      want: [
        ["iam role velero-irsa", "unchanged"],
        ["iam role velero-irsa trust policy", "warn"],
      ],
    },
    {
      name: "a trust policy that names it is fine",
      identity: {
        kind: "role",
        exists: true,
        attachedPolicyArns: [POLICY_ARN],
        trustPolicy: JSON.stringify({
          Statement: [
            {
              Condition: {
                StringEquals: { "x:sub": "system:serviceaccount:velero:velero-server" },
              },
            },
          ],
        }),
      },
      want: [["iam role velero-irsa", "unchanged"]],
    },
  ];
  for (const c of roleCases) {
    it(`IRSA: ${c.name}`, () => {
      const plan = planBackupSetup(target(withRole), {
        ...inPlace(withRole),
        identity: c.identity,
      });
      const identitySteps = plan.steps.filter((s) => s.resource.startsWith("iam role"));
      assert.deepEqual(
        identitySteps.map((s) => [s.resource, s.action]),
        c.want,
      );
      assert.ok(
        !plan.steps.some(
          (s) => s.resource.startsWith("iam user") || s.resource.startsWith("secret"),
        ),
      );
    });
  }
});

describe("the credentials Secret", () => {
  const key = { accessKeyId: "AKIAEXAMPLEKEY123456", secretAccessKey: "abc/DEF+ghi=" };
  it("holds an AWS shared-credentials file under `cloud`, read back to its key id only", () => {
    const file = credentialsFile(key);
    assert.equal(
      file,
      "[default]\naws_access_key_id=AKIAEXAMPLEKEY123456\naws_secret_access_key=abc/DEF+ghi=\n",
    );
    const secret = credentialsSecret(fleetWith(), key) as Any;
    assert.deepEqual(
      [secret.metadata.namespace, secret.metadata.name, Object.keys(secret.data)],
      ["velero", "hubfleet-velero-credentials", ["cloud"]],
    );
    assert.equal(Buffer.from(secret.data.cloud, "base64").toString(), file);
    assert.equal(secret.metadata.labels["app.kubernetes.io/managed-by"], "hubfleet");
    assert.equal(secretAccessKeyId(secret), "AKIAEXAMPLEKEY123456");
  });
  const files: Array<[string, string | undefined]> = [
    ["[default]\naws_access_key_id = AKIAX\n", "AKIAX"],
    ["[other]\naws_access_key_id=AKIAY\n[default]\naws_access_key_id=AKIAZ\n", "AKIAZ"],
    ["[other]\naws_access_key_id=AKIAY\n", undefined],
    ["", undefined],
  ];
  for (const [file, id] of files) {
    it(`finds the default profile's key id in ${JSON.stringify(file)}`, () => {
      assert.equal(accessKeyIdOf(file), id);
    });
  }
});

describe("AWS port: reading AWS's answers", () => {
  const sdkError = (name: string, status: number, headers: Record<string, string> = {}) =>
    Object.assign(new Error(name), {
      name,
      $metadata: { httpStatusCode: status },
      $response: { headers },
    });
  const probes: Array<[string, Parameters<typeof classifyHeadBucket>[0], unknown]> = [
    [
      "200 with a region",
      { ok: true, region: "us-west-2" },
      { state: "exists", region: "us-west-2" },
    ],
    ["200 without a region", { ok: true, region: undefined }, { state: "unknown-region" }],
    ["404", { ok: false, error: sdkError("NotFound", 404) }, { state: "missing" }],
    ["403", { ok: false, error: sdkError("Forbidden", 403) }, { state: "forbidden" }],
    [
      "301 with x-amz-bucket-region",
      {
        ok: false,
        error: sdkError("PermanentRedirect", 301, { "x-amz-bucket-region": "eu-west-1" }),
      },
      { state: "exists", region: "eu-west-1" },
    ],
    ["500", { ok: false, error: sdkError("InternalError", 500) }, undefined],
  ];
  for (const [name, outcome, want] of probes) {
    it(`HeadBucket ${name}`, () => assert.deepEqual(classifyHeadBucket(outcome), want));
  }
  const locations: Array<[string | undefined, string]> = [
    [undefined, "us-east-1"],
    ["", "us-east-1"],
    ["EU", "eu-west-1"],
    ["ap-south-1", "ap-south-1"],
  ];
  for (const [location, region] of locations) {
    it(`GetBucketLocation ${JSON.stringify(location)} is ${region}`, () =>
      assert.equal(regionFromLocation(location), region));
  }
  const errors: Array<[string, unknown, RegExp, RegExp]> = [
    [
      "access denied",
      sdkError("AccessDenied", 403),
      /^IAM CreateUser on user u failed: AccessDenied/,
      /may not call CreateUser/,
    ],
    [
      "no credentials",
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      /CredentialsProviderError: Could not load credentials/,
      /AWS_PROFILE/,
    ],
    [
      "no network",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      /ECONNREFUSED/,
      /cannot reach AWS/,
    ],
  ];
  for (const [name, err, message, hint] of errors) {
    it(`turns ${name} into a message naming the call, and a hint`, () => {
      const e = toAwsError(err, { service: "IAM", operation: "CreateUser", resource: "user u" });
      assert.ok(e instanceof AwsError);
      assert.match(e.message, message);
      assert.match(e.hint, hint);
    });
  }
});

describe("backupSetup with recorded ports", () => {
  const WRITES = new Set([
    "createBucket",
    "enableVersioning",
    "putDefaultEncryption",
    "blockPublicAccess",
    "putLifecycleRules",
    "putBucketPolicy",
    "createPolicy",
    "createPolicyVersion",
    "deletePolicyVersion",
    "createUser",
    "attachUserPolicy",
    "createAccessKey",
    "deleteAccessKey",
    "attachRolePolicy",
  ]);
  const NEW_KEY = { accessKeyId: "AKIANEWKEY", secretAccessKey: "s3cr3t/never-printed" };
  /** A fresh account: nothing exists; every call is recorded by name. */
  function recordingAws(overrides: Partial<Record<keyof AwsPort, unknown>> = {}) {
    const calls: Array<[string, unknown]> = [];
    const answers: Partial<Record<keyof AwsPort, unknown>> = {
      callerIdentity: { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/admin` },
      probeBucket: { state: "missing" },
      getPolicy: undefined,
      userExists: false,
      accessKeys: [],
      attachedUserPolicies: [],
      createAccessKey: NEW_KEY,
      ...overrides,
    };
    const aws = new Proxy({} as AwsPort, {
      get: (_t, name: string) => async (arg: unknown) => {
        calls.push([name, arg]);
        return answers[name as keyof AwsPort];
      },
    });
    return { aws, writes: () => calls.filter(([n]) => WRITES.has(n)).map(([n, a]) => [n, a]) };
  }
  /** The two calls backup-setup makes of the cluster: get (nothing exists) and apply. */
  function recordingKube(failWrite: boolean): KubePort & { applied: unknown[] } {
    const applied: unknown[] = [];
    const port: Pick<KubePort, "get" | "apply"> & { applied: unknown[] } = {
      applied,
      get: async () => undefined,
      apply: async (object, options) => {
        if (options?.dryRun) return object;
        if (failWrite && object.kind === "Secret") {
          throw new ClusterError({
            status: 403,
            reason: "Forbidden",
            message: "secrets is forbidden",
            object: "Secret velero/hubfleet-velero-credentials",
          });
        }
        applied.push(object);
        return object;
      },
    };
    return port as KubePort & { applied: unknown[] };
  }

  it("a dry run only reads", async () => {
    const { aws, writes } = recordingAws();
    const kube = recordingKube(false);
    const result = await backupSetup({ aws, kube }, fleetWith(), { dryRun: true });
    assert.deepEqual(writes(), []);
    assert.deepEqual(kube.applied, []);
    assert.equal(result.steps.filter((s) => s.change).length, 11);
  });
  it("a refused plan writes nothing at all", async () => {
    const { aws, writes } = recordingAws({ probeBucket: { state: "forbidden" } });
    const kube = recordingKube(false);
    await assert.rejects(backupSetup({ aws, kube }, fleetWith()), BackupRefusedError);
    assert.deepEqual(writes(), []);
    assert.deepEqual(kube.applied, []);
  });
  it("a Secret the cluster refuses deletes the new key again, and the error holds no secret", async () => {
    const { aws, writes } = recordingAws();
    const kube = recordingKube(true);
    const err = await backupSetup({ aws, kube }, fleetWith()).then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e as Error,
    );
    assert.ok(err instanceof ClusterError);
    assert.match(err.message, /the new access key AKIANEWKEY was deleted again/);
    assert.ok(!err.message.includes(NEW_KEY.secretAccessKey));
    assert.deepEqual(writes().slice(-2), [
      ["createAccessKey", "hubfleet-velero-jhfleet"],
      ["deleteAccessKey", { userName: "hubfleet-velero-jhfleet", accessKeyId: "AKIANEWKEY" }],
    ]);
  });
  it("writes the key it created into the Secret, in credentials-file format", async () => {
    const { aws } = recordingAws();
    const kube = recordingKube(false);
    await backupSetup({ aws, kube }, fleetWith());
    const secret = kube.applied.find((o) => (o as Any).kind === "Secret") as Any;
    assert.equal(Buffer.from(secret.data.cloud, "base64").toString(), credentialsFile(NEW_KEY));
    assert.deepEqual(
      kube.applied.map((o) => (o as Any).kind),
      ["Namespace", "Secret"],
    );
  });
});
