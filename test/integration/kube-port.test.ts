/**
 * hubfleet's Kubernetes port against a real kube-apiserver (the simulated control plane): the
 * small HTTPS client's calls and errors, credentials from an exec plugin (as EKS's
 * `aws eks get-token`: a real script run per kubectl's protocol, refreshed after a 401), and
 * the kubeconfigs handed to @kubernetes/client-node (a proxy-url, through a real CONNECT proxy).
 * Run: node --import tsx --test test/integration/kube-port.test.ts
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import { ClusterError } from "../../src/errors.js";
import { helmPort } from "../../src/ports/helm.js";
import { releaseSecretName, releaseValuesFromSecret } from "../../src/ports/helmParse.js";
import { type KubePort, kubePortFromConfig } from "../../src/ports/kube.js";
import { HttpKubePort } from "../../src/ports/kubeHttp.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";

/** A ConfigMap at a given resourceVersion (what lock.ts sends for optimistic concurrency). */
const atVersion = (ns: string, resourceVersion: string | undefined, data: Record<string, string>) =>
  ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", namespace: ns, resourceVersion },
    data,
  }) as KubeObject;

/** The server-set metadata fields the port's KubeObject type leaves out. */
const meta = (o: KubeObject | undefined) =>
  (o?.metadata ?? {}) as {
    managedFields?: { manager: string }[];
    resourceVersion?: string;
    uid?: string;
  };

let cp: ControlPlane;
let kube: KubePort;

before(async () => {
  cp = await startControlPlane({ nodes: [] });
  kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
});

after(async () => {
  await cp?.stop();
});

/** The run's kubeconfig with its user (and cluster) changed. */
function kubeconfigWith(
  name: string,
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
): string {
  const doc = parse(readFileSync(cp.kubeconfigPath, "utf8")) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  for (const c of doc.clusters) Object.assign(c.cluster, cluster);
  for (const u of doc.users) u.user = user;
  const path = join(cp.dir, name);
  writeFileSync(path, stringify(doc));
  return path;
}

describe("the HTTPS port", () => {
  it("connects with the sim's kubeconfig without @kubernetes/client-node", () => {
    assert.ok(kube instanceof HttpKubePort);
  });

  it("applies, reads, lists, patches, replaces and deletes as the API answers", async () => {
    const ns = `kp-${randomUUID().slice(0, 6)}`;
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const policy = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "p", namespace: ns, labels: { team: "a" } },
      spec: {
        podSelector: {},
        // `from` is what client-node's models rename to `_from`: it must round-trip as is.
        ingress: [{ from: [{ podSelector: { matchLabels: { x: "y" } } }] }],
      },
    };
    const applied = await kube.apply(policy);
    assert.equal(applied.metadata.name, "p");
    const dry = await kube.apply(
      { ...policy, metadata: { ...policy.metadata, name: "dry" } },
      { dryRun: true },
    );
    assert.equal(dry.metadata.name, "dry");
    assert.equal(await kube.get({ ...policy, name: "dry", namespace: ns }), undefined);

    const live = await kube.get({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      name: "p",
      namespace: ns,
    });
    assert.deepEqual((live?.spec as typeof policy.spec | undefined)?.ingress, policy.spec.ingress);
    const managers = (meta(live).managedFields ?? []).map((m) => m.manager);
    assert.ok(managers.includes("hubfleet"));

    const listed = await kube.list("networking.k8s.io/v1", "NetworkPolicy", {
      namespace: ns,
      labelSelector: "team=a",
    });
    assert.deepEqual(
      listed.map((o) => [o.apiVersion, o.kind, o.metadata.name]),
      [["networking.k8s.io/v1", "NetworkPolicy", "p"]],
    );
    assert.deepEqual(
      await kube.list("networking.k8s.io/v1", "NetworkPolicy", {
        namespace: ns,
        labelSelector: "team=b",
      }),
      [],
    );

    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "cm", namespace: ns };
    const created = await kube.create({
      ...ref,
      metadata: { name: "cm", namespace: ns },
      data: { a: "1", b: "2" },
    });
    await assert.rejects(
      kube.create({ ...ref, metadata: { name: "cm", namespace: ns } }),
      (err: unknown) =>
        err instanceof ClusterError && err.conflict && err.reason === "AlreadyExists",
    );
    const patched = await kube.mergePatch(ref, { data: { a: null, c: "3" } });
    assert.deepEqual(patched.data, { b: "2", c: "3" });
    // A replace with the resourceVersion from before the patch: optimistic concurrency says no.
    await assert.rejects(
      kube.replace(atVersion(ns, meta(created).resourceVersion, {})),
      (err: unknown) => err instanceof ClusterError && err.status === 409,
    );
    const replaced = await kube.replace(atVersion(ns, meta(patched).resourceVersion, { d: "4" }));
    assert.deepEqual(replaced.data, { d: "4" });
    await assert.rejects(
      kube.delete(ref, { uid: "00000000-0000-0000-0000-000000000000" }),
      (err: unknown) => err instanceof ClusterError && err.status === 409,
    );
    assert.equal(await kube.delete(ref, { uid: String(meta(replaced).uid) }), true);
    assert.equal(await kube.delete(ref), false);
    assert.equal(await kube.get(ref), undefined);
  });

  it("puts a namespaced object without a namespace in the context's (default), as kubectl", async () => {
    const name = `kp-${randomUUID().slice(0, 6)}`;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name };
    const created = await kube.create({ ...ref, metadata: { name }, data: { a: "1" } });
    assert.equal(created.metadata.namespace, "default");
    assert.equal((await kube.get(ref))?.metadata.namespace, "default");
    assert.equal(await kube.delete(ref), true);
  });

  it("pages through long lists", async () => {
    const ns = `kp-${randomUUID().slice(0, 6)}`;
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await Promise.all(
      Array.from({ length: 520 }, (_, i) =>
        kube.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `cm-${i}`, namespace: ns },
        }),
      ),
    );
    const all = await kube.list("v1", "ConfigMap", { namespace: ns });
    // 520 of ours and the namespace's kube-root-ca.crt, over two pages of 500.
    assert.equal(all.filter((o) => o.metadata.name.startsWith("cm-")).length, 520);
  });

  it("reports a kind the cluster does not serve as not found", async () => {
    await assert.rejects(
      kube.list("velero.io/v1", "PodVolumeBackup", { namespace: "velero" }),
      (err: unknown) => err instanceof ClusterError && err.notFound,
    );
    // get answers "not there" for it, as for a missing object of a served kind.
    assert.equal(
      await kube.get({ apiVersion: "v1", kind: "NoSuchKind", name: "x", namespace: "default" }),
      undefined,
    );
  });

  it("turns a refused connection into status 0 with the API named", async () => {
    const port = kubePortFromConfig({
      kubeconfig: kubeconfigWith(
        "refused.yaml",
        { token: cp.token },
        { server: "https://127.0.0.1:1" },
      ),
    });
    await assert.rejects(
      port.list("v1", "Namespace"),
      (err: unknown) =>
        err instanceof ClusterError &&
        err.status === 0 &&
        /cannot reach the Kubernetes API/.test(err.message),
    );
  });

  it("says 401 when the token is wrong", async () => {
    const port = kubePortFromConfig({
      kubeconfig: kubeconfigWith("wrong.yaml", { token: "wrong" }),
    });
    await assert.rejects(
      port.list("v1", "Namespace"),
      (err: unknown) => err instanceof ClusterError && err.status === 401,
    );
  });
});

describe("helm's release Secret", () => {
  it("holds the values helm get values prints, for plan to read without a helm process", async () => {
    const helm = helmPort({
      binary: join(cp.binDir, "helm"),
      kubeconfig: cp.kubeconfigPath,
      env: cp.env,
    });
    const ns = `hs-${randomUUID().slice(0, 6)}`;
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const chart = {
      kind: "dir" as const,
      path: fileURLToPath(new URL("../fixtures/charts/tool-standin", import.meta.url)),
    };
    const values = (n: number) => ({
      nodeSelector: { "node-purpose": "core" },
      nested: { list: [1, "two", { three: true }], revision: n, empty: {}, nothing: null },
    });
    await helm.upgradeInstall({ release: "r", namespace: ns, chart, values: values(1) });
    const info = await helm.upgradeInstall({
      release: "r",
      namespace: ns,
      chart,
      values: values(2),
    });
    assert.equal(info.revision, 2);
    const secret = await kube.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: ns,
      name: releaseSecretName("r", info.revision),
    });
    assert.ok(secret, "helm keeps the revision in a Secret of that name");
    const fromSecret = releaseValuesFromSecret(secret);
    assert.deepEqual(fromSecret, await helm.getValues("r", ns));
    assert.equal((fromSecret?.nested as { revision: number } | undefined)?.revision, 2);
    // Something else in a Secret is not taken for a release.
    assert.equal(releaseValuesFromSecret({ type: "Opaque", data: { release: "e30=" } }), undefined);
  });
});

describe("exec credential plugins", () => {
  it("gets a token from the plugin, and a new one after a 401", async () => {
    const calls = join(cp.dir, "plugin-calls");
    writeFileSync(calls, "");
    const plugin = join(cp.dir, "get-token.sh");
    // The first call hands out a token the API server does not know (as an expired one), the
    // next ones the real one; every call is counted.
    writeFileSync(
      plugin,
      `#!/bin/sh
echo call >> ${JSON.stringify(calls)}
if [ "$(wc -l < ${JSON.stringify(calls)})" -eq 1 ]; then token=stale; else token=${JSON.stringify(cp.token)}; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}' "$token"
`,
    );
    chmodSync(plugin, 0o755);
    const port = kubePortFromConfig({
      kubeconfig: kubeconfigWith("exec.yaml", {
        exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin, args: [] },
      }),
    });
    const namespaces = await port.list("v1", "Namespace");
    assert.ok(namespaces.some((n) => n.metadata.name === "default"));
    await port.get({ apiVersion: "v1", kind: "Namespace", name: "default" });
    // Once for the stale token, once after the 401; then kept (no expiry given).
    assert.equal(readFileSync(calls, "utf8").trim().split("\n").length, 2);
  });
});

describe("kubeconfigs for the full client", () => {
  let proxy: Server;
  let tunnels = 0;
  before(async () => {
    // A real HTTP CONNECT proxy (what proxy-url names), counting the tunnels it opens.
    proxy = createServer();
    proxy.on("connect", (req, client, head) => {
      tunnels += 1;
      const [host, port] = String(req.url).split(":");
      const upstream = netConnect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  });
  after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });

  it("reaches the cluster through proxy-url with @kubernetes/client-node", async () => {
    const address = proxy.address() as { port: number };
    const port = kubePortFromConfig({
      kubeconfig: kubeconfigWith(
        "proxied.yaml",
        { token: cp.token },
        { "proxy-url": `http://127.0.0.1:${address.port}` },
      ),
    });
    assert.ok(!(port instanceof HttpKubePort));
    const namespaces = await port.list("v1", "Namespace");
    assert.ok(namespaces.some((n) => n.metadata.name === "default"));
    assert.ok(tunnels > 0, "the request went through the proxy");
  });
});

describe("scale subresource", () => {
  it("sets a Deployment's and a StatefulSet's replicas, through the small client and client-node", async () => {
    const ns = `scale-${randomUUID().slice(0, 8)}`;
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const { clientNodePort } = await import("../../src/ports/kubeFull.js");
    const full = clientNodePort({ kubeconfig: cp.kubeconfigPath });
    const labels = { app: "scaled" };
    const template = {
      metadata: { labels },
      spec: { containers: [{ name: "c", image: "registry.invalid/none:1" }] },
    };
    for (const kind of ["Deployment", "StatefulSet"]) {
      const ref = { apiVersion: "apps/v1", kind, name: kind.toLowerCase(), namespace: ns };
      await kube.apply({
        apiVersion: "apps/v1",
        kind,
        metadata: { name: ref.name, namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template,
          ...(kind === "StatefulSet" ? { serviceName: "none" } : {}),
        },
      });
      const replicas = async () =>
        ((await kube.get(ref))?.spec as { replicas?: number } | undefined)?.replicas;
      await kube.scale(ref, 0);
      assert.equal(await replicas(), 0, `${kind} scaled to 0 by the small client`);
      await full.scale(ref, 3);
      assert.equal(await replicas(), 3, `${kind} scaled to 3 by client-node`);
    }
    const missing = { apiVersion: "apps/v1", kind: "Deployment", name: "none", namespace: ns };
    for (const port of [kube, full]) {
      await assert.rejects(
        port.scale(missing, 0),
        (err: unknown) => err instanceof ClusterError && err.notFound,
      );
    }
  });
});
