/**
 * A real JupyterHub serving hubs that hubfleet applied: JupyterHub, KubeSpawner and the GitHub
 * authenticator from PyPI and configurable-http-proxy from npm (test/hub/realHub.ts), run
 * against the test control plane and configured from each release's installed values. Two
 * stand-ins, named as such: the z2jh chart (test/fixtures/charts/z2jh-standin) with its
 * values-to-config glue (test/hub/z2jh_config.py), and one local listener standing in for the
 * notebook servers (kwok runs no containers). See test/hub/README.md.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Document } from "yaml";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { CHECK_RECORD_CONFIGMAP, parseCheckRecord } from "../../src/apply/checkRecord.js";
import { parseQuantity } from "../../src/fleet/quantity.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { CHECK_USER } from "../../src/render/hub/values.js";
import { DEFAULT_Z2JH_VERSION, requireZ2jhVersion } from "../../src/vocabulary/z2jhVersions.js";
import { fleetFrom, runCli } from "../helpers.js";
import {
  installedValues,
  LOOPBACK_POD_CIDR,
  type RealHub,
  STANDIN_SERVER_VERSION,
  startRealHub,
  startUserServersStandIn,
  type UserServersStandIn,
} from "../hub/realHub.js";
import { applier, fleetFile, scenarioFleetText } from "../safetyHelpers.js";
import { startFleetCluster } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: reading live objects and JupyterHub's models
type Any = any;

const Z2JH_DEFAULT_HUB = requireZ2jhVersion(DEFAULT_Z2JH_VERSION);

/**
 * Two small hubs with GitHub logins (the OAuth Secret created below, as an operator would).
 * alpha is healthy. beta's user servers ask for more memory than any node has: extraValues go
 * around validate's fit check, as an operator's escape hatch can, and a short start timeout
 * makes KubeSpawner give up within the test.
 */
const BETA_GUARANTEE = 64 * 2 ** 30;
const edit = (d: Document) => {
  d.deleteIn(["domain", "tls"]);
  d.setIn(["hubs", 0, "admins"], d.createNode(["prof-lee"]));
  d.setIn(["hubs", 0, "placeholders"], 1);
  d.setIn(["hubs", 0, "resources"], d.createNode({ memory: { guarantee: "512Mi", limit: "1Gi" } }));
  d.setIn(
    ["hubs", 1, "extraValues"],
    d.createNode({
      singleuser: {
        memory: { guarantee: BETA_GUARANTEE, limit: BETA_GUARANTEE },
        startTimeout: 15,
      },
    }),
  );
};
const fleetText = scenarioFleetText("realhub", ["alpha", "beta"], edit);
const fleet = fleetFrom(fleetText);
const file = fleetFile(fleetText);

let cp: ControlPlane;
let kube: KubePort;
let servers: UserServersStandIn;
const hubs = new Map<string, RealHub>();
const hub = (name: string): RealHub => {
  const h = hubs.get(name);
  assert.ok(h, `hub ${name} is not running`);
  return h;
};

const userPods = async (namespace: string): Promise<Any[]> =>
  (await kube.list("v1", "Pod", {
    namespace,
    labelSelector: "component=singleuser-server",
  })) as Any[];
const podOf = async (namespace: string, user: string): Promise<Any | undefined> =>
  (await userPods(namespace)).find(
    (p) => p.metadata.annotations?.["hub.jupyter.org/username"] === user,
  );

/** The scheduler (profile) that bound a pod: the reporting controller of its Scheduled event. */
async function scheduledBy(namespace: string, pod: string): Promise<string | undefined> {
  const events = (await kube.list("events.k8s.io/v1", "Event", { namespace })) as Any[];
  return events.find((e) => e.reason === "Scheduled" && e.regarding?.name === pod)
    ?.reportingController;
}

/** The hub's check record ConfigMap (written by check, read by status). */
async function checkRecordMap(namespace: string): Promise<Any> {
  return kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name: CHECK_RECORD_CONFIGMAP });
}

/** The CLI against this control plane. */
const cli = (...args: string[]) =>
  runCli([...args, "--kubeconfig", cp.kubeconfigPath, "--helm", `${cp.binDir}/helm`]);

/** Starts a user's server through the REST API and waits until JupyterHub says it is ready. */
async function spawn(h: RealHub, user: string): Promise<Any> {
  const created = await h.api("POST", `users/${user}`);
  assert.ok([201, 409].includes(created.status), `create ${user}: ${created.text}`);
  const started = await h.api("POST", `users/${user}/server`);
  assert.ok([201, 202].includes(started.status), `start ${user}: ${started.text}`);
  return waitFor(
    `${user}'s server on ${h.release} ready`,
    async () => {
      const model = (await h.api("GET", `users/${user}`)).body as Any;
      return model?.servers?.[""]?.ready === true ? model : undefined;
    },
    { timeoutMs: 60_000, describe: async () => h.logTail(40) },
  );
}

async function stopAndRemove(h: RealHub, user: string): Promise<void> {
  await h.api("DELETE", `users/${user}/server`);
  await waitFor(`${user}'s server on ${h.release} stopped`, async () => {
    const model = (await h.api("GET", `users/${user}`)).body as Any;
    return !model?.servers?.[""];
  });
  const deleted = await h.api("DELETE", `users/${user}`);
  assert.ok([204, 404].includes(deleted.status), deleted.text);
}

describe("a real JupyterHub on hubs hubfleet applied", { timeout: 900_000 }, () => {
  before(async () => {
    let helm: HelmPort;
    ({ cp, kube, helm } = await startFleetCluster(fleet, { podCidr: LOOPBACK_POD_CIDR }));
    // What an operator creates before apply: the GitHub OAuth app's client secret.
    for (const name of ["alpha", "beta"]) {
      await kube.apply(
        { apiVersion: "v1", kind: "Namespace", metadata: { name } },
        { fieldManager: "operator" },
      );
      await kube.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "github-oauth", namespace: name },
          type: "Opaque",
          stringData: { "client-secret": "standin-client-secret" },
        },
        { fieldManager: "operator" },
      );
    }
    const report = await applier(() => ({ cp, kube, helm }))(fleet);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      [
        ["alpha", "applied", undefined],
        ["beta", "applied", undefined],
      ],
    );
    servers = await startUserServersStandIn();
    for (const name of ["alpha", "beta"]) {
      hubs.set(name, await startRealHub({ controlPlane: cp, release: name, userServers: servers }));
    }
  });
  after(async () => {
    for (const h of hubs.values()) await h.stop();
    await servers?.stop();
    await cp?.stop();
  });

  it("JupyterHub reads the values apply installed (secrets filled in) and answers through the real proxy", async () => {
    const values = (await installedValues(cp, "alpha")) as Any;
    assert.equal(typeof values.hub.config.JupyterHub.cookie_secret, "string");
    assert.equal(typeof values.hub.services["hubfleet-check"].apiToken, "string");
    const info = await fetch(`${hub("alpha").url}hub/api/`);
    assert.equal(info.status, 200);
    // The JupyterHub of the default chart version's hub image (scripts/hub-build's pin).
    assert.equal(((await info.json()) as Any).version, Z2JH_DEFAULT_HUB.hubPrograms.jupyterhub);
    assert.equal(hub("alpha").url.endsWith("/alpha/"), true, hub("alpha").url);
  });

  it("an admin's server starts: ready, on a jhusers node, memory in bytes, app: jupyterhub, drive mounts, shared folder writable", async () => {
    const h = hub("alpha");
    const model = await spawn(h, "prof-lee");
    assert.equal(model.admin, true);
    const pod = await podOf("alpha", "prof-lee");
    assert.ok(pod, "KubeSpawner created the pod");
    // Placement: KubeSpawner named the fleet's shared user-scheduler and priority class (from
    // the rendered hub.config), and that scheduler — the real kube-scheduler run from the
    // rendered ConfigMap, as the rendered ServiceAccount — bound it to a user node.
    assert.equal(pod.spec.schedulerName, "hubfleet-user-scheduler");
    assert.equal(pod.spec.priorityClassName, "hubfleet-default-priority");
    assert.equal(pod.spec.priority, 0);
    assert.equal(await scheduledBy("alpha", pod.metadata.name), "hubfleet-user-scheduler");
    const node = (await kube.get({
      apiVersion: "v1",
      kind: "Node",
      name: pod.spec.nodeName,
    })) as Any;
    assert.equal(node.metadata.labels["hubfleet.io/node-group"], "jhusers");
    assert.equal(node.metadata.labels["hub.jupyter.org/node-purpose"], "user");
    // JupyterHub's readiness check really went to the pod's (loopback) address.
    assert.match(pod.status.podIP, /^127\.64\./);
    assert.ok(
      servers.requests.some(
        (r) => r.podIP === pod.status.podIP && r.path.includes("/user/prof-lee/"),
      ),
      `no request reached ${pod.status.podIP}`,
    );
    // The rendered guarantee and limit, as bytes (defect: "512Mi" failed every spawn).
    const container = pod.spec.containers.find((c: Any) => c.name === "notebook");
    assert.equal(parseQuantity(container.resources.requests.memory), 512 * 2 ** 20);
    assert.equal(parseQuantity(container.resources.limits.memory), 2 ** 30);
    // The placeholder (the chart's template, which Kubernetes reads) asks for the same bytes.
    const placeholder = (await kube.get({
      apiVersion: "v1",
      kind: "Pod",
      namespace: "alpha",
      name: "user-placeholder-0",
    })) as Any;
    assert.equal(
      parseQuantity(placeholder.spec.containers[0].resources.requests.memory),
      512 * 2 ** 20,
    );
    // The chart's placeholder, pointed at the fleet's scheduler and lowest class through
    // scheduling.userPlaceholder.extraPodSpec, placed by that scheduler on a user node.
    assert.equal(placeholder.spec.schedulerName, "hubfleet-user-scheduler");
    assert.equal(placeholder.spec.priorityClassName, "hubfleet-user-placeholder-priority");
    assert.equal(placeholder.spec.priority, -10);
    assert.equal(await scheduledBy("alpha", "user-placeholder-0"), "hubfleet-user-scheduler");
    const placeholderNode = (await kube.get({
      apiVersion: "v1",
      kind: "Node",
      name: placeholder.spec.nodeName,
    })) as Any;
    assert.equal(placeholderNode.metadata.labels["hubfleet.io/node-group"], "jhusers");
    // One of the scheduler's replicas leads, on the Lease its rendered configuration names.
    const lease = (await kube.get({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: "hubfleet-shared",
      name: "hubfleet-user-scheduler-lock",
    })) as Any;
    assert.ok(lease.spec.holderIdentity, "the user-scheduler's Lease has a holder");
    // Labels the chart's singleuser NetworkPolicy selects (defect: nameOverride "" gave app: "").
    assert.equal(pod.metadata.labels.app, "jupyterhub");
    assert.equal(pod.metadata.labels.component, "singleuser-server");
    // The drive: the user's home as a subPath; the shared folder writable for an admin
    // (defect: the pre_spawn_hook failed on the chart's dict of mounts).
    const mounts = Object.fromEntries(
      container.volumeMounts.map((m: Any) => [m.mountPath, m]),
    ) as Record<string, Any>;
    assert.equal(mounts["/home/jovyan"]?.name, "drive");
    assert.equal(mounts["/home/jovyan"]?.subPath, "home/prof-lee");
    assert.equal(mounts["/home/jovyan/shared"]?.subPath, "shared");
    assert.notEqual(mounts["/home/jovyan/shared"]?.readOnly, true, "admin may write shared/");
  });

  it("a student's server: the shared folder stays read-only; the server's API answers through the proxy", async () => {
    const h = hub("alpha");
    await spawn(h, "student1");
    const pod = await podOf("alpha", "student1");
    const container = pod.spec.containers.find((c: Any) => c.name === "notebook");
    const shared = container.volumeMounts.find((m: Any) => m.mountPath === "/home/jovyan/shared");
    assert.equal(shared.readOnly, true);
    const answer = await fetch(`${h.url}user/student1/api`, {
      headers: { Authorization: `token ${h.harnessToken}` },
    });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as Any).version, STANDIN_SERVER_VERSION);
    const last = servers.requests[servers.requests.length - 1];
    assert.equal(last?.podIP, pod.status.podIP);
    assert.ok(last?.forwardedFor, "came through configurable-http-proxy");
    await stopAndRemove(h, "student1");
    await stopAndRemove(h, "prof-lee");
    await waitFor("user pods gone", async () => (await userPods("alpha")).length === 0);
  });

  it("hubfleet check: a healthy hub passes every step, leaves no user and no pod, and records the result", async () => {
    const h = hub("alpha");
    const { code, stdout, stderr } = await cli(
      "check",
      file,
      "--hub",
      "alpha",
      "--url",
      `alpha=${h.url}`,
      "-o",
      "json",
    );
    assert.equal(code, 0, `${stdout}\n${stderr}\n${h.logTail(40)}`);
    const out = JSON.parse(stdout) as Any;
    assert.equal(out.ok, true);
    assert.equal(out.hubs.length, 1);
    const record = out.hubs[0];
    assert.equal(record.hub, "alpha");
    assert.deepEqual(
      record.steps.map((s: Any) => [s.name, s.ok]),
      [
        ["hub answers", true],
        ["create test user", true],
        ["start server", true],
        ["server ready", true],
        ["server API via proxy", true],
        ["stop server", true],
        ["delete test user", true],
      ],
    );
    for (const s of record.steps) assert.equal(typeof s.durationMs, "number");
    assert.match(record.time, /^\d{4}-\d\d-\d\dT/);
    // Nothing left behind.
    assert.equal((await h.api("GET", `users/${CHECK_USER}`)).status, 404);
    assert.equal(await podOf("alpha", CHECK_USER), undefined);
    // The token never reaches the output.
    const token = ((await installedValues(cp, "alpha")) as Any).hub.services["hubfleet-check"]
      .apiToken as string;
    assert.equal(stdout.includes(token) || stderr.includes(token), false);
    // The record status reads later.
    const cm = await checkRecordMap("alpha");
    const saved = parseCheckRecord(cm?.data);
    assert.equal(saved?.ok, true);
    assert.equal(saved?.time, record.time);
    assert.equal(cm.metadata.labels["hubfleet.io/hub"], "alpha");
  });

  it("hubfleet check: a hub whose spawns fail fails with JupyterHub's own message and leaves nothing behind", async () => {
    const h = hub("beta");
    const { code, stdout, stderr } = await cli(
      "check",
      file,
      "--url",
      `alpha=${hub("alpha").url}`,
      "--url",
      `beta=${h.url}`,
    );
    assert.equal(code, 1, `${stdout}\n${stderr}`);
    // The table: alpha passed; beta's readiness step failed with JupyterHub's message.
    assert.match(stdout, /^alpha\s+\(check\)\s+[\d.]+ s\s+ok$/m);
    assert.match(
      stdout,
      // JupyterHub gives up after the start timeout; the scheduler's event says why.
      /^beta\s+server ready\s+[\d.]+ s\s+FAILED: Spawn failed.*last event: .*Insufficient memory/m,
    );
    assert.match(stdout, /^beta\s+delete test user\s+[\d.]+ s\s+ok$/m);
    assert.match(stdout, /1 of 2 hub\(s\) passed/);
    assert.equal((await h.api("GET", `users/${CHECK_USER}`)).status, 404);
    assert.equal(await podOf("beta", CHECK_USER), undefined);
    const cm = await checkRecordMap("beta");
    const saved = parseCheckRecord(cm?.data);
    assert.equal(saved?.ok, false);
    assert.match(saved?.message ?? "", /^server ready: Spawn failed.*Insufficient memory/);
  });

  it("hubfleet status --url: the hub's API answering and its last check", async () => {
    const h = hub("alpha");
    const { code, stdout, stderr } = await cli(
      "status",
      file,
      "--hub",
      "alpha",
      "--url",
      `alpha=${h.url}`,
      "-o",
      "json",
    );
    const status = JSON.parse(stdout) as Any;
    const alpha = status.hubs.find((x: Any) => x.hub === "alpha");
    assert.deepEqual(alpha.api, { url: `${h.url}hub/health`, answering: true }, stderr);
    const cm = await checkRecordMap("alpha");
    const record = parseCheckRecord(cm?.data);
    assert.equal(alpha.lastCheck.ok, true);
    assert.equal(alpha.lastCheck.time, record?.time);
    assert.equal(code, 0, stderr);
  });

  it("hubfleet check --hub with no such hub is a usage error, nothing checked", async () => {
    const { code, stderr } = await cli("check", file, "--hub", "gamma");
    assert.equal(code, 1);
    assert.match(stderr, /--hub gamma: no hub of that name in the fleet file/);
    assert.doesNotMatch(stderr, /bug in hubfleet/);
  });
});
