/**
 * Terms on the test control plane: a hub past its term sleeps on apply — no hub, proxy, drive
 * or placeholder pods, its drive and database claims kept (same uids), its URL routed by its
 * own Ingress to the ExternalName Service of the shared asleep-page server — and apply inside
 * the next term's wake window wakes it (pods back, same claims). The page itself is proved by
 * the program that serves it: real nginx (Debian's nginx-light) runs the rendered config and
 * answers the hub's URL. Stand-in, named: the z2jh chart (test/fixtures/charts/z2jh-standin).
 * Adaptations of the rendered nginx config, and only these: the listen port (a free loopback
 * port instead of 8080) and the pages' directory (a temporary one instead of the ConfigMap's
 * mount); nginx's main config is written here, as the image's own would include conf.d.
 * Run: node --import tsx --test test/integration/terms.test.ts
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePorts } from "../../sim/controlPlane.js";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { type ApplyReport, applyFleet } from "../../src/apply/engine.js";
import { observeForPlan } from "../../src/apply/observePlan.js";
import { fleetStatus, hubHealthy } from "../../src/apply/status.js";
import { renderFleetWithWarmUp } from "../../src/capacity/warmup.js";
import { checkFleet } from "../../src/check/fleetCheck.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { buildPlan } from "../../src/plan/plan.js";
import { termChanges } from "../../src/plan/terms.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { HubHttpPort } from "../../src/ports/hubHttp.js";
import type { KubePort } from "../../src/ports/kube.js";
import { fleetFrom, REPO, runCli, TEST_TERMS } from "../helpers.js";
import { fleetFile, STANDIN, scenarioFleetText } from "../safetyHelpers.js";
import { startFleetCluster } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

const HUB = "lit101";
const HOST = "hubs.example.edu";
/** In the fall term; two days after it (asleep); the day before spring (its wake window). */
const IN_FALL = new Date("2026-12-01T20:00:00Z");
const AFTER_FALL = new Date("2026-12-20T20:00:00Z");
const BEFORE_SPRING = new Date("2027-01-18T18:00:00Z");

const fleetTextIn = (term: string): string =>
  scenarioFleetText("terms", [HUB], (d) => {
    d.deleteIn(["domain", "tls"]);
    d.set("terms", d.createNode(TEST_TERMS));
    d.setIn(["hubs", 0, "term"], term);
    d.setIn(["hubs", 0, "placeholders"], 2);
  });
const fleetIn = (term: string): FleetModel => fleetFrom(fleetTextIn(term));

/** The CLI in-process at the instant `now` (the clock it reads: HUBFLEET_NOW). */
async function cliAt(now: Date, args: string[]) {
  const before = process.env.HUBFLEET_NOW;
  process.env.HUBFLEET_NOW = now.toISOString();
  try {
    return await runCli([
      ...args,
      "--kubeconfig",
      cp.kubeconfigPath,
      "--helm",
      `${cp.binDir}/helm`,
    ]);
  } finally {
    process.env.HUBFLEET_NOW = before;
  }
}

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

const apply = (fleet: FleetModel, now: Date): Promise<ApplyReport> =>
  applyFleet({ kube, helm }, fleet, renderFleetWithWarmUp(fleet, { now }), {
    fleetDir: REPO,
    charts: new Map([["jupyterhub", STANDIN]]),
    concurrency: 2,
    today: "2026-12-20",
    now: () => now,
  });

/** What plan says apply would do to the hubs' sleep at `now`. */
async function planned(fleet: FleetModel, now: Date): Promise<string[][]> {
  const bundle = renderFleetWithWarmUp(fleet, { now });
  const plan = buildPlan(bundle, await observeForPlan({ kube, helm }, fleet, bundle));
  return termChanges(plan, bundle).map((t) => [t.hub, t.change]);
}

const get = (kind: string, name: string, namespace?: string, apiVersion = "v1"): Promise<Any> =>
  kube.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });
const podsOf = async (component: string): Promise<Any[]> =>
  (await kube.list("v1", "Pod", { namespace: HUB })).filter(
    (p: Any) =>
      (p.metadata.labels?.component ?? p.metadata.labels?.["app.kubernetes.io/component"]) ===
      component,
  );
const claimUids = async () =>
  Object.fromEntries(
    await Promise.all(
      ["drive-data", "hub-db-dir"].map(async (name) => [
        name,
        (await get("PersistentVolumeClaim", name, HUB))?.metadata.uid,
      ]),
    ),
  );

before(async () => {
  ({ cp, kube, helm } = await startFleetCluster(fleetIn("fall-2026")));
});
after(async () => {
  await cp?.stop();
});

describe("a hub between terms", () => {
  let uids: Record<string, string>;

  it("in term: hub, proxy, drive and placeholders run", async () => {
    const report = await apply(fleetIn("fall-2026"), IN_FALL);
    assert.equal(report.failed, 0, JSON.stringify(report.hubs));
    assert.equal(report.hubs[0]?.asleep, undefined);
    for (const component of ["hub", "proxy", "drive", "user-placeholder"]) {
      await waitFor(`${component} pods`, async () => (await podsOf(component)).length > 0);
    }
    uids = await claimUids();
    assert.ok(uids["drive-data"] && uids["hub-db-dir"], JSON.stringify(uids));
  });

  it("past its term: asleep — no pods, claims kept, its URL routed to the asleep page", async () => {
    assert.deepEqual(await planned(fleetIn("fall-2026"), AFTER_FALL), [[HUB, "sleeps"]]);
    const report = await apply(fleetIn("fall-2026"), AFTER_FALL);
    assert.equal(report.failed, 0, JSON.stringify(report.hubs));
    assert.equal(
      report.hubs[0]?.asleep,
      "asleep since 2026-12-19 (term fall-2026 ended 2026-12-18; no later term)",
    );
    for (const name of ["hub", "proxy"]) {
      assert.equal((await get("Deployment", name, HUB, "apps/v1")).spec.replicas, 0, name);
    }
    assert.equal((await get("StatefulSet", "drive", HUB, "apps/v1")).spec.replicas, 0);
    for (const component of ["hub", "proxy", "drive", "user-placeholder"]) {
      await waitFor(`no ${component} pods`, async () => (await podsOf(component)).length === 0);
    }
    assert.deepEqual(await claimUids(), uids);
    // The chart's Ingress is gone; the hub's own asleep route has its host and path.
    const ingresses = await kube.list("networking.k8s.io/v1", "Ingress", { namespace: HUB });
    assert.deepEqual(
      ingresses.map((i) => i.metadata.name),
      ["hub-asleep"],
    );
    const rule = (ingresses[0] as Any).spec.rules[0];
    assert.equal(rule.host, HOST);
    assert.equal(rule.http.paths[0].path, `/${HUB}/`);
    assert.equal(rule.http.paths[0].backend.service.name, "hub-asleep");
    const service = await get("Service", "hub-asleep", HUB);
    assert.equal(service.spec.type, "ExternalName");
    assert.equal(service.spec.externalName, "hub-asleep-pages.hubfleet-shared.svc.cluster.local");
    // The page server runs on a clustertools node (the real scheduler placed it).
    const pagePods = await waitFor("the page server's pod on a node", async () => {
      const pods = await kube.list("v1", "Pod", {
        namespace: "hubfleet-shared",
        labelSelector: "app.kubernetes.io/name=hub-asleep-pages",
      });
      return pods.length > 0 && (pods[0] as Any).spec.nodeName ? pods : undefined;
    });
    const node = await get("Node", (pagePods[0] as Any).spec.nodeName);
    assert.equal(node.metadata.labels["hubfleet.io/node-group"], "clustertools");
  });

  it("status shows it asleep, not unhealthy; check reports it asleep and does not fail", async () => {
    const fleet = fleetIn("fall-2026");
    const asked: string[] = [];
    // A sleeping hub's URL is not asked: any request here is a failure of the test.
    const http: HubHttpPort = {
      request: async (r) => {
        asked.push(r.url);
        throw new Error(`asked ${r.url}`);
      },
      events: async (r) => {
        asked.push(r.url);
        throw new Error(`asked ${r.url}`);
      },
    };
    const status = await fleetStatus({ kube, helm, http }, fleet, { now: AFTER_FALL });
    const row = status.hubs.find((h) => h.hub === HUB);
    assert.equal(row?.asleep, "asleep, no later term");
    assert.ok(row && hubHealthy(row), JSON.stringify(row));
    assert.equal(row?.hubReady, false);
    const early = await fleetStatus({ kube, helm, http }, fleetIn("spring-2027"), {
      now: AFTER_FALL,
    });
    assert.equal(early.hubs[0]?.asleep, "asleep until 2027-01-17");
    const checked = await checkFleet({ kube, http }, fleet, { at: AFTER_FALL });
    assert.deepEqual(
      checked.records.map((r) => [r.hub, r.ok, r.asleep]),
      [[HUB, true, "asleep since 2026-12-19 (term fall-2026 ended 2026-12-18; no later term)"]],
    );
    assert.deepEqual(asked, []);
  });

  it("the CLI: status shows it asleep and exits 0, plan says it stays asleep", async () => {
    const file = fleetFile(fleetTextIn("fall-2026"));
    const status = await cliAt(AFTER_FALL, ["status", file]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, new RegExp(`${HUB} .* asleep, no later term`));
    const plan = await cliAt(AFTER_FALL, ["plan", file]);
    assert.match(plan.stdout, /terms:\n {2}lit101 stays asleep since 2026-12-19/);
  });

  it("the rendered page config, served by real nginx, answers the hub's URL with its page", async () => {
    const config = await get("ConfigMap", "hub-asleep-pages", "hubfleet-shared");
    const nginx = await startNginx(config.data);
    try {
      const page = await httpGet(nginx.port, HOST, `/${HUB}/hub/login`);
      assert.equal(page.status, 503);
      assert.match(page.body, new RegExp(`<code>${HUB}</code>`));
      assert.match(page.body, /term ended on 2026-12-18 \(America\/Los_Angeles\)/);
      assert.equal(page.headers["cache-control"], "no-store");
      // The bare path too (Traefik's Prefix match sends it), and nothing else.
      assert.equal((await httpGet(nginx.port, HOST, `/${HUB}`)).status, 503);
      assert.equal((await httpGet(nginx.port, HOST, "/other/")).status, 404);
      assert.equal((await httpGet(nginx.port, "elsewhere.example.org", `/${HUB}/`)).status, 404);
      assert.equal((await httpGet(nginx.port, "10.0.0.1", "/healthz")).status, 200);
    } finally {
      nginx.stop();
    }
  });

  it("before its next term: apply in the wake window wakes it, same claims", async () => {
    const spring = fleetIn("spring-2027");
    const asleep = await apply(spring, AFTER_FALL);
    assert.match(asleep.hubs[0]?.asleep ?? "", /^asleep until 2027-01-17 \(term spring-2027/);
    assert.deepEqual(await planned(spring, AFTER_FALL), [[HUB, "asleep"]]);
    assert.deepEqual(await planned(spring, BEFORE_SPRING), [[HUB, "wakes"]]);
    const report = await apply(spring, BEFORE_SPRING);
    assert.equal(report.failed, 0, JSON.stringify(report.hubs));
    assert.equal(report.hubs[0]?.asleep, undefined);
    for (const name of ["hub", "proxy"]) {
      assert.equal((await get("Deployment", name, HUB, "apps/v1")).spec.replicas, 1, name);
    }
    for (const component of ["hub", "proxy", "drive", "user-placeholder"]) {
      await waitFor(`${component} pods back`, async () => (await podsOf(component)).length > 0);
    }
    assert.deepEqual(await claimUids(), uids);
    const ingresses = await kube.list("networking.k8s.io/v1", "Ingress", { namespace: HUB });
    assert.ok(!ingresses.some((i) => i.metadata.name === "hub-asleep"), "asleep route pruned");
    assert.ok(ingresses.length === 1, "the chart's Ingress is back");
    assert.equal(await get("Service", "hub-asleep", HUB), undefined);
    assert.equal(
      await get("Deployment", "hub-asleep-pages", "hubfleet-shared", "apps/v1"),
      undefined,
    );
  });
});

/** nginx with the rendered conf.d file and pages; only the port and the pages' path adapted. */
async function startNginx(
  data: Record<string, string>,
): Promise<{ port: number; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-asleep-nginx-"));
  // nginx's workers run as nobody when started by root: they must reach the pages.
  chmodSync(dir, 0o755);
  const pages = join(dir, "pages");
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(pages);
  const [port = 0] = await freePorts(1);
  for (const [key, value] of Object.entries(data)) {
    if (key.endsWith(".html")) writeFileSync(join(pages, key), value);
  }
  const rendered = data["default.conf"] ?? "";
  assert.match(rendered, /listen 8080;/);
  assert.match(rendered, /alias \/usr\/share\/nginx\/asleep\/;/);
  writeFileSync(
    join(dir, "conf.d", "default.conf"),
    rendered
      .replaceAll("listen 8080", `listen 127.0.0.1:${port}`)
      .replaceAll("alias /usr/share/nginx/asleep/;", `alias ${pages}/;`),
  );
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      "worker_processes 1;",
      `error_log ${join(dir, "error.log")};`,
      `pid ${join(dir, "nginx.pid")};`,
      "events {}",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((n) => `  ${temp(n)}`),
      `  include ${join(dir, "conf.d")}/*.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    "nginx",
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  await waitFor(
    "nginx answering",
    async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return (await httpGet(port, "probe", "/healthz").catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 10_000 },
  );
  return { port, stop: () => child.kill("SIGTERM") };
}

function httpGet(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += String(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}
