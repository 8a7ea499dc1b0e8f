/**
 * kubeconfig handling of the small Kubernetes client as kubectl does it: merged files, the
 * chosen context, relative paths, credential plugins (run for real: a shell script prints the
 * ExecCredential), and the kubeconfigs handed to @kubernetes/client-node.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { ClusterError, UsageError } from "../../src/errors.js";
import {
  credentialIsFresh,
  parseExecCredential,
  runExecPlugin,
} from "../../src/ports/execCredential.js";
import { loadKubeConnection } from "../../src/ports/kubeconfig.js";

const dir = mkdtempSync(join(tmpdir(), "hubfleet-kubeconfig-"));

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, typeof doc === "string" ? doc : stringify(doc));
  return path;
}

const config = (over: Record<string, unknown>) => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [],
  contexts: [],
  users: [],
  ...over,
});

describe("loadKubeConnection", () => {
  const caPath = file("sub/ca.crt", "CA-FROM-FILE");
  const first = file(
    "sub/first.yaml",
    config({
      "current-context": "a",
      clusters: [
        { name: "c1", cluster: { server: "https://one:6443", "certificate-authority": "ca.crt" } },
      ],
      contexts: [{ name: "a", context: { cluster: "c1", user: "u1", namespace: "courses" } }],
      users: [{ name: "u1", user: { token: "t1" } }],
    }),
  );
  const second = file(
    "second.yaml",
    config({
      "current-context": "b",
      clusters: [
        { name: "c1", cluster: { server: "https://shadowed:1" } },
        {
          name: "c2",
          cluster: {
            server: "https://two:443",
            "certificate-authority-data": Buffer.from("CA-INLINE").toString("base64"),
            "tls-server-name": "api.two",
          },
        },
      ],
      contexts: [
        { name: "b", context: { cluster: "c2", user: "u2" } },
        { name: "oidc", context: { cluster: "c2", user: "legacy" } },
      ],
      users: [
        { name: "u2", user: { tokenFile: "token.txt" } },
        { name: "legacy", user: { "auth-provider": { name: "oidc", config: {} } } },
      ],
    }),
  );

  it("merges files as kubectl does: the first to name an entry or the current context wins", () => {
    const c = loadKubeConnection({ files: [first, second] });
    assert.equal(c.context, "a");
    assert.equal(c.namespace, "courses");
    assert.equal(c.server, "https://one:6443");
    assert.deepEqual(c.auth, { kind: "token", token: "t1" });
    // Relative to the file that named it (sub/), not to the working directory.
    assert.equal(c.ca?.toString(), readFileSync(caPath, "utf8"));
  });

  it("takes another context, inline CA data, tls-server-name and a token file", () => {
    const c = loadKubeConnection({ files: [first, second], context: "b" });
    assert.equal(c.server, "https://two:443");
    assert.equal(c.namespace, "default");
    assert.equal(c.ca?.toString(), "CA-INLINE");
    assert.equal(c.tlsServerName, "api.two");
    assert.deepEqual(c.auth, { kind: "tokenFile", path: join(dir, "token.txt") });
    assert.equal(c.needsFullClient, undefined);
  });

  it("merges $KUBECONFIG's files when no file is named", () => {
    const c = loadKubeConnection({ env: { KUBECONFIG: `${second}:${first}` } });
    assert.equal(c.context, "b");
  });

  it("hands a legacy auth-provider to the full client", () => {
    const c = loadKubeConnection({ files: [second], context: "oidc" });
    assert.match(c.needsFullClient ?? "", /auth-provider/);
  });

  it("refuses an unknown context, naming the ones there are", () => {
    assert.throws(
      () => loadKubeConnection({ files: [first, second], context: "nope" }),
      (err: unknown) =>
        err instanceof ClusterError &&
        err.reason === "NoSuchContext" &&
        /"nope" is not in the kubeconfig \(a, b, oidc\)/.test(err.message),
    );
  });

  it("refuses a kubeconfig without a current cluster, and a missing file", () => {
    const empty = file("empty.yaml", config({}));
    assert.throws(
      () => loadKubeConnection({ files: [empty] }),
      (err: unknown) => err instanceof ClusterError && err.reason === "NoCluster",
    );
    assert.throws(
      () => loadKubeConnection({ files: [join(dir, "absent.yaml")] }),
      (err: unknown) => err instanceof UsageError && /no such file/.test(err.message),
    );
  });

  it("reads an exec plugin's command, arguments and environment", () => {
    const eks = file(
      "eks.yaml",
      config({
        "current-context": "eks",
        clusters: [{ name: "eks", cluster: { server: "https://eks.example:443" } }],
        contexts: [{ name: "eks", context: { cluster: "eks", user: "eks" } }],
        users: [
          {
            name: "eks",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", "fleet"],
                env: [{ name: "AWS_PROFILE", value: "courses" }],
              },
            },
          },
        ],
      }),
    );
    const c = loadKubeConnection({ files: [eks] });
    assert.equal(c.auth.kind, "exec");
    if (c.auth.kind !== "exec") return;
    assert.equal(c.auth.exec.command, "aws");
    assert.deepEqual(c.auth.exec.args, ["eks", "get-token", "--cluster-name", "fleet"]);
    assert.deepEqual(c.auth.exec.env, [{ name: "AWS_PROFILE", value: "courses" }]);
  });
});

describe("exec credentials", () => {
  it("parses a token with its expiry, and a client certificate", () => {
    const t = parseExecCredential(
      JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1beta1",
        kind: "ExecCredential",
        status: { token: "k8s-aws-v1.abc", expirationTimestamp: "2026-12-05T10:00:00Z" },
      }),
      "aws",
    );
    assert.equal(t.token, "k8s-aws-v1.abc");
    assert.equal(credentialIsFresh(t, Date.parse("2026-12-05T09:59:00Z")), true);
    assert.equal(credentialIsFresh(t, Date.parse("2026-12-05T09:59:55Z")), false);
    const c = parseExecCredential(
      JSON.stringify({ status: { clientCertificateData: "CERT", clientKeyData: "KEY" } }),
      "plugin",
    );
    assert.deepEqual(c, { clientCertificateData: "CERT", clientKeyData: "KEY" });
    assert.equal(credentialIsFresh(c, Date.now()), true);
  });

  it("says which plugin printed no credential", () => {
    assert.throws(
      () => parseExecCredential("not json", "aws"),
      (err: unknown) => err instanceof ClusterError && /plugin aws printed/.test(err.message),
    );
    assert.throws(
      () => parseExecCredential(JSON.stringify({ status: {} }), "aws"),
      /neither a token nor a client certificate/,
    );
  });

  it("runs the plugin with its env and KUBERNETES_EXEC_INFO, as kubectl does", async () => {
    const script = join(dir, "plugin.sh");
    // Echoes what it was given back inside the token, so the test sees it.
    writeFileSync(
      script,
      `#!/bin/sh
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s|%s|%s"}}' "$1" "$PROFILE_NAME" "$(printf '%s' "$KUBERNETES_EXEC_INFO" | tr -d '"{}:,' )"
`,
    );
    chmodSync(script, 0o755);
    const credential = await runExecPlugin(
      {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "./plugin.sh",
        args: ["first-arg"],
        env: [{ name: "PROFILE_NAME", value: "courses" }],
        provideClusterInfo: true,
        baseDir: dir,
      },
      { server: "https://api:6443", insecureSkipTlsVerify: false },
    );
    const [arg, profile, info] = (credential.token ?? "").split("|");
    assert.equal(arg, "first-arg");
    assert.equal(profile, "courses");
    assert.match(info ?? "", /ExecCredential/);
    assert.match(info ?? "", /interactivefalse/);
    assert.match(info ?? "", /https\/\/api6443/);
  });

  it("names a plugin that is not installed", async () => {
    await assert.rejects(
      runExecPlugin(
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "hubfleet-no-such-plugin",
          args: [],
          env: [],
          provideClusterInfo: false,
          baseDir: dir,
        },
        { server: "https://api:6443", insecureSkipTlsVerify: false },
      ),
      (err: unknown) =>
        err instanceof ClusterError && /hubfleet-no-such-plugin was not found/.test(err.message),
    );
  });
});
