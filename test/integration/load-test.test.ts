/**
 * `hubfleet load-test` against a REAL JupyterHub (test/hub/realHub.ts: JupyterHub, KubeSpawner
 * and configurable-http-proxy from the registries) on the test control plane, for hubs hubfleet
 * applied with the z2jh stand-in chart. Stand-ins, named: the chart and its values-to-config glue,
 * and one listener for the notebook servers (test/hub/README.md).
 *
 * The load test's service: the hub's values do not define it yet (the lead adds it to the
 * rendered values, docs/design.md "load-test's token"); here it is added to the values the hub
 * is started with, its token put where apply would keep it (alpha) or in an operator's Secret
 * (tight, through --token-from). JupyterHub itself checks the token's scopes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Document } from "yaml";
import type { ControlPlane } from "../../sim/index.js";
import { loadTestHub } from "../../src/loadtest/hubLoadTest.js";
import type { HelmPort } from "../../src/ports/helm.js";
import { fetchHubHttp } from "../../src/ports/hubHttp.js";
import type { KubePort } from "../../src/ports/kube.js";
import { HUB_SECRET, LOAD_TEST_TOKEN_KEY } from "../../src/render/hub/values.js";
import { fleetFrom, runCli } from "../helpers.js";
import {
  installedValues,
  LOOPBACK_POD_CIDR,
  type RealHub,
  startRealHub,
  startUserServersStandIn,
  type UserServersStandIn,
} from "../hub/realHub.js";
import { applier, fleetFile, scenarioFleetText } from "../safetyHelpers.js";
import { startFleetCluster } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: reading live objects and JupyterHub's models
type Any = any;

const SERVICE = "hubfleet-load-test";
/** Monday 7 December 2026, outside alpha's Monday 09:00-10:30 session and inside it. */
const OUTSIDE = "2026-12-07T12:00:00Z";
const INSIDE = "2026-12-07T09:30:00Z";

/**
 * alpha: a class on Mondays 09:00-10:30 (UTC). tight: z2jh's concurrentSpawnLimit at 2, and
 * JupyterHub's suggested retry after a 429 shortened to 1-2 s (its default 30-60 s would make the
 * test wait minutes; the driver follows whatever Retry-After the hub sends).
 */
/** Small servers: 12 fit on the three simulated user nodes (the default CPU guarantee fits 9). */
const SMALL = {
  cpu: { guarantee: "100m", limit: "1" },
  memory: { guarantee: "256Mi", limit: "1Gi" },
};
const edit = (d: Document) => {
  d.deleteIn(["domain", "tls"]);
  // The session's times below are UTC (the example's hubs are in Los Angeles).
  d.setIn(["hubDefaults", "timeZone"], "UTC");
  d.setIn(
    ["hubs", 0, "schedule"],
    d.createNode([{ days: ["mon"], start: "09:00", end: "10:30", users: 12 }]),
  );
  d.setIn(["hubs", 0, "resources"], d.createNode(SMALL));
  d.setIn(["hubs", 1, "resources"], d.createNode(SMALL));
  d.setIn(
    ["hubs", 1, "extraValues"],
    d.createNode({
      hub: {
        concurrentSpawnLimit: 2,
        config: { JupyterHub: { spawn_throttle_retry_range: [1, 2] } },
      },
    }),
  );
};
const fleetText = scenarioFleetText("loadtest", ["alpha", "tight"], edit);
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

/**
 * The installed values with the load test's service answering to another token: an operator's
 * own Secret (`--token-from`). The service and its role are the rendered ones.
 */
function withLoadTestToken(values: Any, token: string): Any {
  const service = values.hub.services?.[SERVICE];
  assert.ok(service, "the rendered values define the load test's service");
  assert.deepEqual(values.hub.loadRoles?.[SERVICE]?.scopes, ["admin:users", "servers"]);
  return {
    ...values,
    hub: {
      ...values.hub,
      services: { ...values.hub.services, [SERVICE]: { ...service, apiToken: token } },
    },
  };
}

const cli = (args: string[], now = OUTSIDE) =>
  runCli([...args, "--kubeconfig", cp.kubeconfigPath], undefined, {
    env: { ...process.env, HUBFLEET_NOW: now },
  });

/** Users on the hub whose names the load test uses. */
async function testUsers(h: RealHub): Promise<string[]> {
  const list = await h.api("GET", "users?limit=1000");
  assert.equal(list.status, 200, list.text);
  return (list.body as Any[]).map((u) => u.name).filter((n: string) => n.startsWith("loadtest-"));
}

async function testUserPods(namespace: string): Promise<string[]> {
  const pods = (await kube.list("v1", "Pod", {
    namespace,
    labelSelector: "component=singleuser-server",
  })) as Any[];
  return pods
    .map((p) => p.metadata.annotations?.["hub.jupyter.org/username"] as string)
    .filter((n) => n?.startsWith("loadtest-"));
}

describe("hubfleet load-test against a real JupyterHub", { timeout: 900_000 }, () => {
  before(async () => {
    let helm: HelmPort;
    ({ cp, kube, helm } = await startFleetCluster(fleet, { podCidr: LOOPBACK_POD_CIDR }));
    // The operator's Secrets (the OAuth client secret) come from startFleetCluster.
    const report = await applier(() => ({ cp, kube, helm }))(fleet);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      [
        ["alpha", "applied", undefined],
        ["tight", "applied", undefined],
      ],
    );
    // alpha: the token where load-test looks by default, which apply made (the hub's Secret).
    const secret = await kube.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "alpha",
      name: HUB_SECRET,
    });
    assert.ok((secret?.data as Record<string, string> | undefined)?.[LOAD_TEST_TOKEN_KEY]);
    // tight: an operator's own Secret.
    const tightToken = `lt-tight-${Math.random().toString(36).slice(2)}`;
    await kube.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "ops-load-test", namespace: "tight" },
        type: "Opaque",
        stringData: { token: tightToken },
      },
      { fieldManager: "operator" },
    );
    servers = await startUserServersStandIn();
    for (const [name, token] of [
      ["alpha", undefined],
      ["tight", tightToken],
    ] as const) {
      const installed = await installedValues(cp, name);
      const values = token === undefined ? installed : withLoadTestToken(installed, token);
      hubs.set(
        name,
        await startRealHub({ controlPlane: cp, release: name, values, userServers: servers }),
      );
    }
  });
  after(async () => {
    for (const h of hubs.values()) await h.stop();
    await servers?.stop();
    await cp?.stop();
  });

  it("12 students over 20 s: every server ready, the table printed, every test user gone", async () => {
    const h = hub("alpha");
    const before = servers.requests.length;
    const r = await cli([
      "load-test",
      file,
      "--hub",
      "alpha",
      "--users",
      "12",
      "--over",
      "20s",
      "--url",
      h.url,
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${h.logTail(40)}`);
    assert.match(r.stdout, /^served\s+12 of 12$/m);
    assert.match(r.stdout, /^login → ready\s+p50 [\d.]+ s\s+p95 [\d.]+ s\s+max [\d.]+ s$/m);
    assert.match(r.stdout, /^failures\s+0$/m);
    assert.match(r.stdout, /^429s \(spawn limit\)\s+0 /m);
    const nodes = /^user nodes\s+(\d+) used; capacity model: lower bound (\d+), packed (\d+)/m.exec(
      r.stdout,
    );
    assert.ok(nodes, r.stdout);
    assert.ok(
      Number(nodes[1]) >= 1 && Number(nodes[1]) <= 3,
      `used ${nodes[1]} of the 3 user nodes`,
    );
    assert.ok(Number(nodes[2]) >= 1);
    assert.match(r.stdout, /^test users\s+12 removed$/m);
    assert.match(r.stderr, /\[alpha\] 12 test users loadtest-[0-9a-f]{6}-\* log in over 20s/);
    // JupyterHub's readiness checks reached the test users' pods.
    assert.ok(
      servers.requests.slice(before).filter((q) => q.path.includes("/user/loadtest-")).length >= 12,
    );
    // Nothing left: no test user in JupyterHub, no test user's pod in the cluster.
    assert.deepEqual(await testUsers(h), []);
    assert.deepEqual(await testUserPods("alpha"), []);
    // The token never reaches the output.
    const secret = (await kube.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "alpha",
      name: HUB_SECRET,
    })) as Any;
    const token = Buffer.from(secret.data[LOAD_TEST_TOKEN_KEY], "base64").toString();
    assert.equal(r.stdout.includes(token) || r.stderr.includes(token), false);
  });

  it("concurrentSpawnLimit 2: the 429s are counted and every student is still served", async () => {
    const h = hub("tight");
    const r = await cli([
      "load-test",
      file,
      "--hub",
      "tight",
      "--users",
      "8",
      "--over",
      "1s",
      "--url",
      h.url,
      "--token-from",
      "ops-load-test",
      "-o",
      "json",
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${h.logTail(40)}`);
    const out = JSON.parse(r.stdout) as Any;
    assert.equal(out.ok, true);
    assert.equal(out.served, 8);
    assert.deepEqual(out.failures, []);
    assert.ok(out.throttled429 > 0, `no 429 with 8 logins in 1 s and a limit of 2: ${r.stdout}`);
    assert.ok(out.studentsThrottled > 0 && out.studentsThrottled <= 8);
    assert.equal(out.removed, 8);
    assert.ok(out.loginToReadyMs.p50 <= out.loginToReadyMs.p95);
    assert.ok(out.loginToReadyMs.p95 <= out.loginToReadyMs.max);
    assert.equal(out.nodes.instanceType, fleet.nodeGroups.jhusers.instanceType);
    // JupyterHub's own log says it refused spawns above the limit.
    assert.match(h.logTail(400), /concurrent spawns|Too many users/i);
    assert.deepEqual(await testUsers(h), []);
    assert.deepEqual(await testUserPods("tight"), []);
  });

  it("refuses during the hub's class session, nothing created; --force runs it", async () => {
    const h = hub("alpha");
    const refused = await cli(
      ["load-test", file, "--hub", "alpha", "--users", "2", "--over", "2s", "--url", h.url],
      INSIDE,
    );
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /error: hub alpha has a class session under way \(mon 09:00-10:30 UTC, 12 users in the schedule\); nothing was done/,
    );
    assert.match(refused.stderr, /hint: .*--force/);
    assert.doesNotMatch(refused.stderr, /bug in hubfleet/);
    assert.deepEqual(await testUsers(h), []);
    // One minute after the session ends it runs.
    const afterClass = await cli(
      ["load-test", file, "--hub", "alpha", "--users", "2", "--over", "2s", "--url", h.url],
      "2026-12-07T10:30:00Z",
    );
    assert.equal(afterClass.code, 0, afterClass.stderr);
    const forced = await cli(
      [
        "load-test",
        file,
        "--hub",
        "alpha",
        "--users",
        "2",
        "--over",
        "2s",
        "--url",
        h.url,
        "--force",
      ],
      INSIDE,
    );
    assert.equal(forced.code, 0, `${forced.stdout}\n${forced.stderr}`);
    assert.match(
      forced.stderr,
      /warning: running during alpha's session mon 09:00-10:30 UTC \(--force\)/,
    );
    assert.match(forced.stdout, /^served\s+2 of 2$/m);
    assert.deepEqual(await testUsers(h), []);
  });

  it("interrupted (Ctrl-C) after the first server is ready: no more logins, every test user made so far removed", async () => {
    const h = hub("alpha");
    const alpha = fleet.hubs.find((x) => x.name === "alpha");
    assert.ok(alpha);
    const controller = new AbortController();
    const summary = await loadTestHub({ kube, http: fetchHubHttp() }, fleet, alpha, {
      users: 10,
      overMs: 30_000,
      seed: 3,
      run: "intr01",
      token: h.harnessToken,
      url: h.url,
      readyTimeoutMs: 120_000,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.ready >= 1) controller.abort();
      },
    });
    assert.equal(summary.interrupted, true);
    assert.ok(summary.loggedIn >= 1 && summary.loggedIn < 10, `logged in: ${summary.loggedIn}`);
    assert.ok(summary.served >= 1);
    assert.equal(summary.removed, summary.loggedIn);
    assert.deepEqual(summary.leftBehind, []);
    assert.deepEqual(await testUsers(h), []);
    assert.deepEqual(await testUserPods("alpha"), []);
  });

  it("a token without the scopes is refused before any test user is made", async () => {
    const h = hub("alpha");
    // hubfleet check's token: its scopes name only the check's own user.
    const r = await cli([
      "load-test",
      file,
      "--hub",
      "alpha",
      "--users",
      "3",
      "--over",
      "2s",
      "--url",
      h.url,
      "--token-from",
      `${HUB_SECRET}/check-token`,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error: alpha: the token lacks the scope\(s\) admin:users, servers .*; nothing was created/,
    );
    assert.doesNotMatch(r.stderr, /bug in hubfleet/);
    assert.deepEqual(await testUsers(h), []);
    // tight's hub answers to the operator's token, not to the one apply made: refused by the hub.
    const other = await cli(["load-test", file, "--hub", "tight", "--url", hub("tight").url]);
    assert.equal(other.code, 1);
    assert.match(
      other.stderr,
      new RegExp(
        `the hub refused the token: HTTP 403.*; nothing was created\n.*${LOAD_TEST_TOKEN_KEY}`,
      ),
    );
    const missing = await cli([
      "load-test",
      file,
      "--hub",
      "tight",
      "--url",
      hub("tight").url,
      "--token-from",
      `${HUB_SECRET}/no-such-key`,
    ]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      new RegExp(
        `no API token for the load test: Secret tight/${HUB_SECRET} has no key no-such-key`,
      ),
    );
  });
});
