/**
 * The warm-up on the simulated control plane, read by its real reader: KEDA's operator and its
 * external metrics API server (built from the Go module proxy by scripts/keda-build) run as
 * processes against the real kube-apiserver, whose aggregator reaches the metrics server at the
 * machine's non-loopback address; the kube-controller-manager's HPA reads KEDA's cron metric.
 * The ScaledObject is the one hubfleet renders for a hub whose session starts a few minutes from
 * now in Asia/Kolkata (UTC+5:30); the test watches the hub's user-placeholder StatefulSet rise to
 * the model's headroom inside the window and fall back to the idle level after its end. KEDA's
 * clock cannot be injected: DST is covered by test/unit/warmup-render.test.ts.
 *
 * Stand-in: the placeholder StatefulSet is created by the test in the shape of the z2jh chart's
 * (name user-placeholder, pause image), not installed by the chart.
 * Run: node --import tsx --test test/integration/warmup.test.ts (about 7 minutes: real clock).
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DateTime } from "luxon";
import { parse } from "yaml";
import { type ControlPlane, freePorts, startControlPlane } from "../../sim/controlPlane.js";
import { type KubeObject, waitFor } from "../../sim/kube.js";
import { defaultSimNodes } from "../../sim/nodes.js";
import { summarizeStatus, withWarmUp } from "../../src/apply/status.js";
import { planNodes } from "../../src/capacity/model.js";
import { hubWarmUps, warmHeadroom, warmUpManifests } from "../../src/capacity/warmup.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { kedaDir } from "../goTools.js";
import { editedExample, fleetFrom } from "../helpers.js";

const FM = "hubfleet-test";
const KEDA_NS = "cluster-tools";
const HUB = "stat101";
const ZONE = "Asia/Kolkata";

let cp: ControlPlane;
let dir: string;
const procs: ChildProcess[] = [];

/** The machine's first non-loopback IPv4 address: an APIService endpoint may not be loopback. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("no non-loopback IPv4 address on this machine");
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA and one certificate for the operator's gRPC server, the adapter's client and its HTTPS. */
function kedaCerts(certDir: string, ip: string): void {
  const p = (f: string) => join(certDir, f);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2"]
      .concat(["-subj", "/CN=keda-test-ca", "-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]),
  );
  openssl([
    "req",
    "-new",
    ...ec,
    "-keyout",
    p("tls.key"),
    "-out",
    p("tls.csr"),
    "-subj",
    "/CN=keda",
  ]);
  writeFileSync(
    p("tls.ext"),
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      `subjectAltName=IP:127.0.0.1,IP:${ip},DNS:localhost,DNS:keda-operator.${KEDA_NS}.svc,DNS:keda-metrics-apiserver.${KEDA_NS}.svc`,
      "",
    ].join("\n"),
  );
  openssl(
    ["x509", "-req", "-in", p("tls.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key")].concat([
      "-CAcreateserial",
      "-out",
      p("tls.crt"),
      "-days",
      "2",
      "-extfile",
      p("tls.ext"),
    ]),
  );
}

function startProcess(name: string, bin: string, args: string[], env: NodeJS.ProcessEnv): void {
  const log = createWriteStream(join(dir, `${name}.log`));
  const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  procs.push(child);
}

const apply = (path: string, body: unknown) => cp.client.apply(path, body as never, FM);

/** A fleet whose hub stat101 has one session today, starting `startIn` minutes from the next full minute. */
function fleetStartingSoon(): {
  fleet: FleetModel;
  warmFrom: DateTime;
  start: DateTime;
  end: DateTime;
} {
  const next = DateTime.now().setZone(ZONE).startOf("minute").plus({ minutes: 2 });
  const warmFrom = next;
  const start = warmFrom.plus({ minutes: 1 });
  const end = start.plus({ minutes: 2 });
  if (end.day !== warmFrom.day)
    throw new Error("too close to midnight in Asia/Kolkata: run again in 5 minutes");
  const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const fleet = fleetFrom(
    editedExample((d) => {
      d.setIn(["hubDefaults", "timeZone"], ZONE);
      d.setIn(["hubs", 0, "placeholders"], 1);
      d.setIn(["hubs", 0, "warmUp"], { lead: "1m", nodeStartup: "3m", loginWindow: "8m" });
      d.setIn(
        ["hubs", 0, "schedule"],
        [
          {
            days: [days[start.weekday - 1]],
            start: start.toFormat("HH:mm"),
            end: end.toFormat("HH:mm"),
            users: 16,
          },
        ],
      );
    }),
  );
  return { fleet, warmFrom, start, end };
}

async function replicas(): Promise<{ spec: number; ready: number }> {
  const sts = await cp.client.get<KubeObject>(
    `/apis/apps/v1/namespaces/${HUB}/statefulsets/user-placeholder`,
  );
  return { spec: sts.spec?.replicas ?? 0, ready: sts.status?.readyReplicas ?? 0 };
}

before(async () => {
  const keda = kedaDir();
  cp = await startControlPlane({ nodes: defaultSimNodes() });
  dir = mkdtempSync(join(tmpdir(), "hubfleet-keda-"));
  const ip = hostAddress();
  kedaCerts(dir, ip);
  // The CRDs of the built version, as the chart installs them.
  for (const f of readdirSync(join(keda, "crds")).sort()) {
    const crd = parse(readFileSync(join(keda, "crds", f), "utf8")) as KubeObject;
    await apply(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      crd,
    );
  }
  for (const ns of [KEDA_NS, HUB]) {
    await apply(`/api/v1/namespaces/${ns}`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
  }
  const [grpcPort, adapterPort, p3, p4, p5] = await freePorts(5);
  // The metrics server's Service has no selector: its endpoint is this machine, where it runs.
  const svc = "keda-metrics-apiserver";
  await apply(`/api/v1/namespaces/${KEDA_NS}/services/${svc}`, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: svc, namespace: KEDA_NS },
    spec: { ports: [{ name: "https", port: 443, targetPort: adapterPort }] },
  });
  await apply(`/apis/discovery.k8s.io/v1/namespaces/${KEDA_NS}/endpointslices/${svc}`, {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: svc, namespace: KEDA_NS, labels: { "kubernetes.io/service-name": svc } },
    addressType: "IPv4",
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: "https", port: adapterPort, protocol: "TCP" }],
  });
  await apply(`/api/v1/namespaces/${KEDA_NS}/endpoints/${svc}`, {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: svc, namespace: KEDA_NS },
    subsets: [{ addresses: [{ ip }], ports: [{ name: "https", port: adapterPort }] }],
  });
  await apply("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io", {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: "v1beta1.external.metrics.k8s.io" },
    spec: {
      group: "external.metrics.k8s.io",
      version: "v1beta1",
      service: { namespace: KEDA_NS, name: svc, port: 443 },
      caBundle: Buffer.from(readFileSync(join(dir, "ca.crt"))).toString("base64"),
      groupPriorityMinimum: 100,
      versionPriority: 100,
    },
  });
  const env = {
    ...process.env,
    KUBECONFIG: cp.kubeconfigPath,
    KEDA_CLUSTER_OBJECT_NAMESPACE: KEDA_NS,
    POD_NAMESPACE: KEDA_NS,
    WATCH_NAMESPACE: "",
  };
  startProcess(
    "keda-operator",
    join(keda, "keda"),
    [
      `--cert-dir=${dir}`,
      `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
      `--metrics-bind-address=127.0.0.1:${p3}`,
      `--health-probe-bind-address=127.0.0.1:${p4}`,
      "--leader-elect=false",
      "--enable-cert-rotation=false",
      "--enable-webhook-patching=false",
      "--enable-apiservice-patching=false",
      "--zap-log-level=info",
    ],
    env,
  );
  startProcess(
    "keda-adapter",
    join(keda, "keda-adapter"),
    [
      `--secure-port=${adapterPort}`,
      `--bind-address=${ip}`,
      `--cert-dir=${dir}`,
      `--tls-cert-file=${join(dir, "tls.crt")}`,
      `--tls-private-key-file=${join(dir, "tls.key")}`,
      `--metrics-service-address=127.0.0.1:${grpcPort}`,
      `--port=${p5}`,
      `--lister-kubeconfig=${cp.kubeconfigPath}`,
      `--authentication-kubeconfig=${cp.kubeconfigPath}`,
      `--authorization-kubeconfig=${cp.kubeconfigPath}`,
    ],
    env,
  );
  // The aggregator serves KEDA's API once it reaches the metrics server.
  await waitFor(
    "APIService v1beta1.external.metrics.k8s.io Available",
    async () => {
      const a = await cp.client.get<KubeObject>(
        "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.external.metrics.k8s.io",
      );
      return (a.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => c.type === "Available" && c.status === "True",
      );
    },
    {
      timeoutMs: 120_000,
      intervalMs: 1000,
      describe: async () => readFileSync(join(dir, "keda-adapter.log"), "utf8").slice(-3000),
    },
  );
});

after(async () => {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((done) => {
          if (p.exitCode !== null || p.signalCode !== null) return done();
          p.once("exit", () => done());
          p.kill("SIGTERM");
        }),
    ),
  );
  await cp?.stop();
  if (dir && !process.env.HUBFLEET_SIM_KEEP) rmSync(dir, { recursive: true, force: true });
});

describe("warm-up: KEDA raises the placeholders for a session and lowers them after it", () => {
  it("the rendered ScaledObject passes the CRD's validation; a broken one does not", async () => {
    const { fleet } = fleetStartingSoon();
    const so = warmUpManifests(fleet)[0]?.object as KubeObject;
    const path = `/apis/keda.sh/v1alpha1/namespaces/${HUB}/scaledobjects`;
    const bad = await cp.client.request("POST", `${path}`, {
      body: {
        ...so,
        metadata: { ...so.metadata, name: "broken" },
        spec: { ...so.spec, minReplicaCount: "four" },
      },
      query: { fieldManager: FM },
    });
    assert.equal(bad.status, 422, "the CRD refuses a non-integer minReplicaCount");
    const dryRun = await cp.client.request("POST", path, {
      body: so,
      query: { dryRun: "All", fieldManager: FM },
    });
    assert.equal(dryRun.status, 201, JSON.stringify(dryRun.body).slice(0, 500));
  });

  it("scales up to the model's headroom inside the window and back to the idle level after it", async () => {
    const { fleet, warmFrom, end } = fleetStartingSoon();
    const nodes = planNodes(fleet);
    const plan = hubWarmUps(
      fleet,
      nodes.users,
      nodes.workloads.users.map((u) => u.request),
    )[0];
    assert.ok(plan);
    // stat101: 250m users, 7 per t3a.large; 16 users over 8 min, 79 % of them within a 3-min node
    // start-up on the front-loaded curve: 13 → two nodes, 14.
    const expected = warmHeadroom({
      users: 16,
      usersPerNode: 7,
      nodeStartupMinutes: 3,
      loginWindowMinutes: 8,
      maxNodes: fleet.nodeGroups.jhusers.maxSize,
      idle: 1,
    }).placeholders;
    assert.equal(expected, 14);
    assert.equal(plan.sessions[0]?.placeholders, expected, "headroom matches the model");

    // The placeholders as the z2jh chart makes them, at the idle level.
    await apply(`/apis/apps/v1/namespaces/${HUB}/statefulsets/user-placeholder`, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "user-placeholder", namespace: HUB },
      spec: {
        replicas: 1,
        serviceName: "user-placeholder",
        podManagementPolicy: "Parallel",
        selector: { matchLabels: { component: "user-placeholder" } },
        template: {
          metadata: { labels: { component: "user-placeholder" } },
          spec: {
            terminationGracePeriodSeconds: 0,
            tolerations: [
              {
                key: "hub.jupyter.org/dedicated",
                operator: "Equal",
                value: "user",
                effect: "NoSchedule",
              },
            ],
            containers: [
              {
                name: "pause",
                image: "registry.k8s.io/pause:3.10",
                resources: { requests: { cpu: "250m", memory: "512Mi" } },
              },
            ],
          },
        },
      },
    });
    const so = warmUpManifests(fleet)[0]?.object as KubeObject;
    await apply(`/apis/keda.sh/v1alpha1/namespaces/${HUB}/scaledobjects/${so.metadata.name}`, so);

    // The operator accepts it: Ready, with the HPA it made.
    const hpaName = await waitFor(
      "ScaledObject Ready with its HPA",
      async () => {
        const s = await cp.client.get<KubeObject>(
          `/apis/keda.sh/v1alpha1/namespaces/${HUB}/scaledobjects/${so.metadata.name}`,
        );
        const ready = (s.status?.conditions ?? []).some(
          (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
        );
        return ready && (s.status?.hpaName as string | undefined);
      },
      {
        timeoutMs: 90_000,
        intervalMs: 1000,
        describe: async () => readFileSync(join(dir, "keda-operator.log"), "utf8").slice(-3000),
      },
    );
    assert.equal(hpaName, `keda-hpa-${so.metadata.name}`);

    // Before the warm-up: the idle level.
    const before = await replicas();
    assert.ok(Date.now() < warmFrom.toMillis(), "the window is still ahead (setup took too long)");
    assert.equal(before.spec, 1);

    // Inside the window: the headroom, and not before the warm-up starts.
    await waitFor(
      `user-placeholder at ${expected} replicas`,
      async () => (await replicas()).spec === expected,
      {
        timeoutMs: warmFrom.toMillis() - Date.now() + 150_000,
        intervalMs: 2000,
        describe: async () => JSON.stringify(await replicas()),
      },
    );
    assert.ok(Date.now() >= warmFrom.toMillis(), "scaled up inside the window, not before it");
    await waitFor(
      "the placeholders running on user nodes",
      async () => (await replicas()).ready === expected,
      { timeoutMs: 60_000, intervalMs: 2000 },
    );

    // status reads the same: what the schedule wants now against the placeholders running.
    const pods = await cp.client.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${HUB}/pods`);
    const row = withWarmUp(
      summarizeStatus(fleet, [], pods.items as never, [], []),
      fleet,
      new Date(),
    ).hubs.find((h) => h.hub === HUB);
    assert.equal(row?.warmUp?.wanted, expected);
    assert.equal(row?.warmUp?.running, expected);
    assert.match(row?.warmUp?.current ?? "", /schedule\[0\]/);

    // Until the session's end: still warm.
    while (Date.now() < end.toMillis() - 5000) {
      assert.equal((await replicas()).spec, expected, `still warm at ${new Date().toISOString()}`);
      await new Promise((r) => setTimeout(r, 5000));
    }

    // After it: back to the idle level.
    await waitFor("user-placeholder back at 1 replica", async () => (await replicas()).spec === 1, {
      timeoutMs: end.toMillis() - Date.now() + 240_000,
      intervalMs: 2000,
      describe: async () => JSON.stringify(await replicas()),
    });
    assert.ok(Date.now() >= end.toMillis(), "scaled down after the session's end");
  });
});
