/**
 * apply waits until each hub is ready, and checks the Secrets a hub references before its
 * release; status reports whether each hub's API answers and its last check: on the real
 * control plane (real scheduler, controllers, helm) with the z2jh stand-in chart
 * (test/fixtures/charts/z2jh-standin) in place of the public chart. No JupyterHub process runs
 * here, so no hub API answers.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { checkRecordObject } from "../../src/apply/checkRecord.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { readHubHashes } from "../../src/apply/state.js";
import { buildPlan } from "../../src/plan/plan.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { runCli } from "../helpers.js";
import {
  fleetFile,
  STANDIN,
  safetyCluster,
  scenarioFleet,
  scenarioFleetText,
  startApplyCli,
} from "../safetyHelpers.js";

const HUBS = ["wait-a", "wait-b", "secret-a", "secret-b", "claim-a"];
const safety = safetyCluster(HUBS);
const { apply, cluster, get, cliArgs } = safety;
let kube: KubePort;
let helm: HelmPort;

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

/**
 * wait-a's hub pod selects a node label no node has (a typo in extraValues). Asking for more CPU
 * than a node has would not do: validate (and apply) refuse that before anything is applied.
 */
const unschedulable = scenarioFleetText("waiting", ["wait-a", "wait-b"], (d) =>
  d.setIn(
    ["hubs", 0, "extraValues"],
    d.createNode({ hub: { nodeSelector: { "hubfleet.test/no-such-label": "true" } } }),
  ),
);

const runApply = async (file: string, ...args: string[]) =>
  startApplyCli(cluster().cp, file, [...cliArgs(), "--chart-dir", `jupyterhub=${STANDIN}`, ...args])
    .done;

before(async () => {
  ({ kube, helm } = await safety.start());
});
after(safety.stop);

describe("apply waits for each hub to be ready", { timeout: 300_000 }, () => {
  it("a normal apply returns once the hubs are rolled out and their claims bound", async () => {
    const fleet = scenarioFleet("waiting", ["wait-a", "wait-b"]);
    const report = await apply(fleet);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      [
        ["wait-a", "applied", undefined],
        ["wait-b", "applied", undefined],
      ],
    );
    // Read right after apply returned, with no polling of our own: apply already waited.
    for (const hub of ["wait-a", "wait-b"]) {
      for (const name of ["hub", "proxy"]) {
        const d = await get("Deployment", name, hub, "apps/v1");
        assert.equal(d.status?.availableReplicas, 1, `${hub}/${name} available`);
      }
      const drive = await get("StatefulSet", "drive", hub, "apps/v1");
      assert.equal(drive.status?.readyReplicas, 1, `${hub} drive ready`);
      const claim = await get("PersistentVolumeClaim", "hub-db-dir", hub);
      assert.equal(claim.status?.phase, "Bound", `${hub} hub-db-dir bound`);
    }
  });

  it("a hub that cannot be scheduled fails with the scheduler's message; the other is applied; exit 1", async () => {
    const run = await runApply(fleetFile(unschedulable), "--timeout", "15s");
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /\[wait-a\] waiting to be ready \(at most 15s\)/);
    assert.match(
      run.output,
      /\[wait-a\] failed: not ready within 15s: pod hub-[a-z0-9-]+ cannot be scheduled: 0\/\d+ nodes are available: .*didn't match Pod's node affinity\/selector/,
    );
    assert.match(run.output, /\[wait-b\] (applied|unchanged)/);
    assert.doesNotMatch(run.output, /\[wait-b\] failed/);
    // Not recorded as applied: the next apply tries the hub again.
    const hashes = await readHubHashes(kube, "waiting");
    assert.equal(hashes.get("wait-a"), "", "wait-a's recorded hash was blanked");
    assert.ok(hashes.get("wait-b"), "wait-b's hash is recorded");
  });

  it("a hub whose drive claim cannot bind fails, naming the claim and what the cluster said", async () => {
    const fleet = scenarioFleet("claims", ["claim-a"], (d) =>
      d.setIn(["hubs", 0, "drive", "storageClass"], "no-such-class"),
    );
    const report = await apply(fleet, { wait: { timeoutMs: 10_000 } });
    const error = report.hubs[0]?.error ?? "";
    assert.equal(report.hubs[0]?.result, "failed", error);
    assert.match(error, /PersistentVolumeClaim claim-a\/drive-data is Pending, not Bound/);
    assert.match(error, /PersistentVolumeClaim claim-a\/drive-data: \w+: .*no-such-class/);
    assert.match(error, /pod drive-0 cannot be scheduled: .*unbound/);
  });

  it("--no-wait returns once the releases are installed, as before", async () => {
    const run = await runApply(fleetFile(unschedulable), "--no-wait");
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /\[wait-a\] applied/);
    assert.doesNotMatch(run.output, /waiting to be ready/);
    const hubPods = (await kube.list("v1", "Pod", {
      namespace: "wait-a",
      labelSelector: "component=hub",
    })) as Any[];
    assert.ok(
      hubPods.some((p) => p.status?.phase === "Pending"),
      "wait-a's new hub pod is still Pending: apply did not wait for it",
    );
  });
});

describe("apply checks the Secrets a hub references before installing its release", {
  timeout: 300_000,
}, () => {
  it("a missing OAuth client Secret stops that hub with the command to create it; the other hub is applied", async () => {
    const fleet = scenarioFleet("secrets", ["secret-a", "secret-b"]);
    await kube.delete({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "secret-a",
      name: "github-oauth",
    });
    // plan says so first.
    const bundle = renderFleet(fleet);
    const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, fleet, bundle));
    assert.deepEqual(
      plan.missingSecrets.map((m) => [m.unit, m.message.split(":")[0]]),
      [["secret-a", "Secret secret-a/github-oauth does not exist"]],
    );
    const report = await apply(fleet);
    const a = report.hubs.find((h) => h.hub === "secret-a");
    assert.equal(a?.result, "failed");
    assert.match(
      a?.error ?? "",
      /Secret secret-a\/github-oauth does not exist: create it with: kubectl -n secret-a create secret generic github-oauth --from-literal=client-secret=/,
    );
    assert.match(a?.error ?? "", /nothing of the release was installed/);
    assert.equal(await helm.status("secret-a", "secret-a"), undefined, "no release for secret-a");
    assert.equal(report.hubs.find((h) => h.hub === "secret-b")?.result, "applied");
    assert.equal((await helm.status("secret-b", "secret-b"))?.status, "deployed");

    // The operator runs `hubfleet secret set`; the next apply installs the hub.
    const set = await runCli([
      "secret",
      "set",
      "secret-a",
      "github-oauth",
      "-f",
      fleetFile(scenarioFleetText("secrets", ["secret-a", "secret-b"])),
      "--from-literal",
      "client-secret=s3cr3t-value",
      "--kubeconfig",
      cluster().cp.kubeconfigPath,
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /created Secret secret-a\/github-oauth: set client-secret \(values not shown\)/,
    );
    assert.doesNotMatch(set.stdout + set.stderr, /s3cr3t-value/);
    const made = (await get("Secret", "github-oauth", "secret-a")) as Any;
    assert.equal(Buffer.from(made.data["client-secret"], "base64").toString(), "s3cr3t-value");
    assert.equal(made.metadata.labels["hubfleet.io/hub"], "secret-a");
    const again = await apply(fleet);
    assert.deepEqual(
      again.hubs.map((h) => [h.hub, h.result]),
      [
        ["secret-a", "applied"],
        ["secret-b", "unchanged"],
      ],
    );
  });

  it("a TLS Secret without its key stops the hub, naming the key", async () => {
    const fleet = scenarioFleet("secrets", ["secret-a", "secret-b"]);
    const tls = (await get("Secret", "hubs-example-edu-tls", "secret-b")) as Any;
    // A kubernetes.io/tls Secret must hold both keys: an Opaque one made by mistake need not.
    await kube.delete({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "secret-b",
      name: tls.metadata.name,
    });
    await kube.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: tls.metadata.name, namespace: "secret-b" },
      type: "Opaque",
      data: { "tls.crt": tls.data["tls.crt"] },
    });
    const report = await apply(fleet, { force: true });
    const b = report.hubs.find((h) => h.hub === "secret-b");
    assert.equal(b?.result, "failed");
    assert.match(
      b?.error ?? "",
      /Secret secret-b\/hubs-example-edu-tls has no key tls\.key: .*kubectl -n secret-b create secret tls hubs-example-edu-tls --cert=/,
    );
    assert.equal(report.hubs.find((h) => h.hub === "secret-a")?.result, "applied");
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("status shows whether each hub's API answers and its last check", {
  timeout: 120_000,
}, () => {
  it("no hub process runs: API not answering, exit 1; a check record written on the cluster is shown", async () => {
    await kube.apply(
      checkRecordObject("secrets", {
        hub: "secret-a",
        time: "2026-12-05T06:30:12.000Z",
        ok: false,
        durationMs: 61_000,
        steps: [
          {
            name: "server starts",
            ok: false,
            durationMs: 60_000,
            message: "server never showed up",
          },
        ],
        message: "server never showed up",
      }) as KubeObject,
    );
    const port = await closedPort();
    const file = fleetFile(scenarioFleetText("secrets", ["secret-a", "secret-b"]));
    const args = [file, ...cliArgs(), "--url", `secret-b=http://127.0.0.1:${port}/secret-b/`];
    const json = await runCli(["status", ...args, "-o", "json"]);
    assert.equal(json.code, 1, json.stderr);
    const hubs = (JSON.parse(json.stdout) as Any).hubs as Any[];
    const [a, b] = ["secret-a", "secret-b"].map((n) => hubs.find((h) => h.hub === n));
    assert.equal(a.api.url, "https://hubs.example.edu/secret-a/hub/health");
    assert.equal(a.api.answering, false);
    assert.ok(a.api.problem, "says why the public URL did not answer");
    assert.deepEqual(a.lastCheck, {
      time: "2026-12-05T06:30:12.000Z",
      ok: false,
      durationMs: 61_000,
      message: "server never showed up",
    });
    assert.equal(b.api.url, `http://127.0.0.1:${port}/secret-b/hub/health`);
    assert.match(b.api.problem, /ECONNREFUSED/);
    assert.equal(b.lastCheck, null);

    const text = await runCli(["status", ...args, "--hub", "secret-a"]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /API\s+LAST CHECK\s+URL/);
    assert.match(
      text.stdout,
      /secret-a .*NOT ANSWERING: .*2026-12-05 06:30Z FAILED: server never showed up/,
    );
    assert.doesNotMatch(text.stdout, /secret-b/, "--hub shows only that hub");
  });
});
