/**
 * Cluster tools through apply, on the real control plane: installed before any hub, in their
 * namespaces, with the Secrets they need; hubs get the metrics token from cluster-tools; a
 * re-apply skips them. The tools' charts are replaced by a local stand-in
 * (test/fixtures/charts/tool-standin): the public chart repositories are unreachable here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { type ApplyReport, applyFleet } from "../../src/apply/engine.js";
import type { ApplyEvent } from "../../src/apply/hubApply.js";
import { fleetStatus } from "../../src/apply/status.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { renderTools } from "../../src/render/tools/index.js";
import { exampleText, fleetFrom, REPO, runCli } from "../helpers.js";
import { startFleetCluster, writeVeleroCredentialsStandIn } from "../simFleet.js";

const chartDir = (name: string) =>
  fileURLToPath(new URL(`../fixtures/charts/${name}`, import.meta.url));
const TOOL_STANDIN = chartDir("tool-standin");
const example = fleetFrom(exampleText);
const TOOLS = renderTools(example);
const charts = new Map([
  ["jupyterhub", chartDir("z2jh-standin")],
  ...TOOLS.map((t) => [t.release.chart.name, TOOL_STANDIN] as [string, string]),
]);

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

async function apply(fleet: FleetModel, events: Array<ApplyEvent | { type: string }> = []) {
  const report: ApplyReport = await applyFleet({ kube, helm }, fleet, renderFleet(fleet), {
    fleetDir: REPO,
    charts,
    concurrency: 3,
    onEvent: (e) => events.push(e),
  });
  return report;
}

const secretData = async (namespace: string, name: string) => {
  const secret = (await kube.get({ apiVersion: "v1", kind: "Secret", namespace, name })) as Any;
  return Object.fromEntries(
    Object.entries((secret?.data ?? {}) as Record<string, string>).map(([k, v]) => [
      k,
      Buffer.from(v, "base64").toString("utf8"),
    ]),
  );
};

describe("cluster tools through apply, on the real control plane", { timeout: 600_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(example));
  });
  after(async () => {
    await cp?.stop();
  });

  it("the example enables tools in the documented order", () => {
    // Monitoring first: its CRDs (ServiceMonitor) are needed by the other tools' charts.
    assert.deepEqual(
      TOOLS.map((t) => `${t.namespace}/${t.name}`),
      [
        "cluster-tools/kube-prometheus-stack",
        "cluster-tools/traefik",
        "kube-system/cluster-autoscaler",
        ...TOOLS.filter((t) => t.name === "velero").map(() => "velero/velero"),
        // Last: the hubs' warm-up ScaledObjects need its CRDs.
        "cluster-tools/keda",
      ],
    );
  });

  it("stops Velero, and only Velero, until backup-setup has written its credentials", async () => {
    const report = await apply(example);
    const velero = report.tools.find((t) => t.hub === "tools/velero");
    assert.equal(velero?.result, "failed");
    assert.match(
      velero?.error ?? "",
      /velero\/hubfleet-velero-credentials does not exist: run `hubfleet backup-setup FILE` first/,
    );
    assert.equal(await helm.status("velero", "velero"), undefined, "nothing installed");
    assert.deepEqual(
      report.tools.filter((t) => t.hub !== "tools/velero").map((t) => t.result),
      TOOLS.filter((t) => t.name !== "velero").map(() => "applied"),
    );
    assert.deepEqual(
      report.hubs.map((h) => h.result),
      example.hubs.map(() => "applied"),
    );
    // What backup-setup writes (src/backup/credentials.ts), without AWS.
    await writeVeleroCredentialsStandIn(kube, example);
  });

  it("installs every tool before the first hub, each in its namespace, with its Secrets", async () => {
    const events: Array<{ type: string; hub?: string; outcome?: { hub: string } }> = [];
    const report = await apply(example, events);
    assert.deepEqual(
      report.tools.map((t) => [t.hub, t.result, t.error]),
      TOOLS.map((t) => [
        `tools/${t.name}`,
        t.name === "velero" ? "applied" : "unchanged",
        undefined,
      ]),
    );
    assert.deepEqual(
      report.hubs.map((h) => h.result),
      example.hubs.map(() => "unchanged"),
    );
    const lastToolDone = events.findLastIndex(
      (e) => e.type === "hub-done" && e.outcome?.hub.startsWith("tools/"),
    );
    const firstHubStart = events.findIndex(
      (e) => e.type === "hub-start" && !e.hub?.startsWith("tools/"),
    );
    assert.ok(lastToolDone >= 0 && lastToolDone < firstHubStart, "tools finish before hubs start");

    for (const tool of TOOLS) {
      const status = await helm.status(tool.name, tool.namespace);
      assert.equal(status?.status, "deployed", `${tool.namespace}/${tool.name}`);
    }
    const ns = (await kube.get({
      apiVersion: "v1",
      kind: "Namespace",
      name: "cluster-tools",
    })) as Any;
    assert.equal(ns?.metadata.labels["hubfleet.io/fleet"], example.name);

    const grafana = await secretData("cluster-tools", "hubfleet-grafana-admin");
    assert.equal(grafana["admin-user"], "admin");
    assert.match(grafana["admin-password"] ?? "", /^[0-9a-f]{64}$/);
  });

  it("fills each hub's metrics token from the Secret in cluster-tools, never from the render", async () => {
    const { token } = await secretData("cluster-tools", "hubfleet-metrics-token");
    assert.match(token ?? "", /^[0-9a-f]{64}$/);
    const bundle = renderFleet(example);
    assert.ok(!bundleFiles(bundle).some((f) => token && f.content.includes(token)));
    for (const hub of example.hubs) {
      const values = (await helm.getValues(hub.name, hub.name)) as Any;
      assert.equal(values.hub.services.prometheus.apiToken, token, hub.name);
      assert.deepEqual(values.hub.loadRoles["hubfleet-read-metrics"].scopes, ["read:metrics"]);
    }
  });

  it("places the stand-ins' pods by the tools' nodeSelector on clustertools nodes", async () => {
    const pinned = TOOLS.filter((t) => (t.release.values as Any).nodeSelector);
    assert.ok(pinned.length >= 2, "Traefik and the autoscaler pin their pod at the top level");
    for (const tool of pinned) {
      const nodeName = await waitFor(`${tool.name} scheduled`, async () => {
        const pods = (await kube.list("v1", "Pod", { namespace: tool.namespace })) as Any[];
        const pod = pods.find(
          (p) => p.metadata.labels?.["app.kubernetes.io/instance"] === tool.name,
        );
        return pod?.spec?.nodeName as string | undefined;
      });
      const node = (await kube.get({ apiVersion: "v1", kind: "Node", name: nodeName })) as Any;
      assert.equal(node.metadata.labels["hubfleet.io/node-group"], "clustertools", tool.name);
    }
  });

  it("skips unchanged tools on re-apply: no helm upgrade, same revisions", async () => {
    const before = await Promise.all(
      TOOLS.map(async (t) => (await helm.status(t.name, t.namespace))?.revision),
    );
    const report = await apply(example);
    assert.deepEqual(
      report.tools.map((t) => [t.hub, t.result, t.releaseUpgraded]),
      TOOLS.map((t) => [`tools/${t.name}`, "unchanged", false]),
    );
    const afterRevisions = await Promise.all(
      TOOLS.map(async (t) => (await helm.status(t.name, t.namespace))?.revision),
    );
    assert.deepEqual(afterRevisions, before);
  });

  it("upgrades only the tool whose values changed", async () => {
    const edited = fleetFrom(exampleText.replace("retention: 15d", "retention: 30d"));
    const report = await apply(edited);
    assert.deepEqual(
      report.tools.filter((t) => t.result === "applied").map((t) => t.hub),
      ["tools/kube-prometheus-stack"],
    );
    const values = (await helm.getValues("kube-prometheus-stack", "cluster-tools")) as Any;
    assert.equal(values.prometheus.prometheusSpec.retention, "30d");
  });

  it("status lists every tool with its release, and says no hub has a real backup yet", async () => {
    const status = await fleetStatus({ kube, helm }, example);
    assert.deepEqual(
      status.tools.map((t) => [t.tool, t.namespace, t.release]),
      TOOLS.map((t) => [t.name, t.namespace, "deployed"]),
    );
    // Velero cannot run here: no PodVolumeBackup exists, so every hub's drive and database lack one.
    assert.deepEqual(
      status.backups?.map((b) => [b.hub, b.ok, b.volumes.map((v) => v.problem)]),
      example.hubs.map((h) => [
        h.name,
        false,
        ["no completed volume backup of it", "no completed volume backup of it"],
      ]),
    );
  });
  it("alerts on: monitoring waits for the receivers' Secret, which `secret set cluster-tools` makes; the rules are stored", async () => {
    const text = exampleText.replace(
      "retention: 15d",
      "retention: 15d\n    alerts: { enabled: true, receivers: { slack: { channel: '#ops' } } }",
    );
    const alerting = fleetFrom(text);
    assert.equal(alerting.tools.monitoring.alerts.enabled, true);
    const refused = await apply(alerting);
    const monitoring = refused.tools.find((t) => t.hub === "tools/kube-prometheus-stack");
    assert.equal(monitoring?.result, "failed");
    assert.match(
      monitoring?.error ?? "",
      /cluster-tools\/hubfleet-alerts does not exist: create it with `hubfleet secret set cluster-tools hubfleet-alerts -f FILE --from-literal slack-webhook-url=\.\.\.`/,
    );
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-alerts-fleet-"));
    writeFileSync(join(dir, "fleet.yaml"), text);
    const set = await runCli(
      [
        "secret",
        "set",
        "cluster-tools",
        "hubfleet-alerts",
        "-f",
        join(dir, "fleet.yaml"),
        "--from-literal",
        "slack-webhook-url=https://hooks.slack.example/services/T0/B0/x",
      ],
      REPO,
      { env: { ...process.env, ...cp.env } },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /created Secret cluster-tools\/hubfleet-alerts: set slack-webhook-url \(values not shown\)/,
    );
    assert.doesNotMatch(`${set.stdout}${set.stderr}`, /hooks\.slack/);
    const secret = (await kube.get({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "cluster-tools",
      name: "hubfleet-alerts",
    })) as Any;
    assert.equal(secret.metadata.labels["hubfleet.io/tool"], "kube-prometheus-stack");

    const report = await apply(alerting);
    assert.equal(
      report.tools.find((t) => t.hub === "tools/kube-prometheus-stack")?.result,
      "applied",
    );
    const values = (await helm.getValues("kube-prometheus-stack", "cluster-tools")) as Any;
    assert.equal(values.alertmanager.enabled, true);
    assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, ["hubfleet-alerts"]);
    const rules = (await kube.get({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      namespace: "cluster-tools",
      name: "hubfleet-alerts",
    })) as Any;
    assert.deepEqual(
      rules?.spec.groups.map((g: Any) => g.name),
      ["hubfleet.drives", "hubfleet.hubs", "hubfleet.backups"],
    );
  });
});
