/**
 * What tools.monitoring.alerts renders: the alert rules (always, with monitoring), Alertmanager
 * and its receivers (only when alerts are on), the operator's Secret apply checks, and Velero's
 * metrics for the backup alerts. Whether Prometheus and Alertmanager accept them is
 * test/integration/alerts-promtool.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FleetModel } from "../../src/fleet/model.js";
import { DRIVE_DATA_CLAIM } from "../../src/render/hub/drive.js";
import { renderFleet } from "../../src/render/index.js";
import { renderMonitoring } from "../../src/render/tools/monitoring.js";
import { renderVelero } from "../../src/render/tools/velero.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values
type Any = any;

const withAlerts = (alerts: Record<string, unknown>, monitoring = true): FleetModel =>
  fleetFrom(
    editedExample((d) => {
      d.setIn(["tools", "monitoring", "alerts"], d.createNode(alerts));
      if (!monitoring) d.setIn(["tools", "monitoring", "enabled"], false);
    }),
  );
const monitoringOf = (fleet: FleetModel) => {
  const [tool] = renderMonitoring(fleet);
  assert.ok(tool, "monitoring renders");
  return tool;
};
const ALL = {
  enabled: true,
  receivers: {
    email: {
      to: ["ops@example.edu"],
      from: "hubs@example.edu",
      smarthost: "smtp.example.edu:587",
      username: "hubs",
    },
    slack: { channel: "#ops" },
    pagerduty: {},
    webhook: { url: "https://relay.example.edu/alerts" },
  },
};

describe("alerts: what is rendered", () => {
  it("the alert rules come with monitoring even without Alertmanager, applied after the chart", () => {
    const tool = monitoringOf(exampleFleet());
    const rules = tool.manifests.find((m) => m.object.kind === "PrometheusRule");
    assert.equal(rules?.phase, "after-release");
    assert.equal(rules?.object.metadata.namespace, "cluster-tools");
    assert.equal((tool.release.values as Any).alertmanager.enabled, false);
    assert.deepEqual(
      tool.secrets.map((s) => s.name),
      ["hubfleet-metrics-token", "hubfleet-grafana-admin"],
    );
  });

  it("the drive rules read the drive's own volume claim in each hub's namespace", () => {
    const rules = monitoringOf(exampleFleet()).manifests.find(
      (m) => m.object.kind === "PrometheusRule",
    );
    const spec = rules?.object.spec as Any;
    const drive = spec.groups[0].rules[0].expr as string;
    const hubs = exampleFleet()
      .hubs.map((h) => h.name)
      .sort();
    assert.ok(drive.includes(`persistentvolumeclaim="${DRIVE_DATA_CLAIM}"`), drive);
    assert.ok(drive.includes(`namespace=~"${hubs.join("|")}"`), drive);
  });

  it("leaves the chart's kubelet job on: it scrapes the volume stats the drive rules read", () => {
    // kube-prometheus-stack 88.5.3 enables kubelet.serviceMonitor by default and drops no
    // kubelet_volume_stats_* series; hubfleet must not turn it off.
    const v = monitoringOf(exampleFleet()).release.values as Any;
    assert.equal(v.kubelet, undefined);
  });

  it("no backup rules where Velero is not installed (a local cluster)", () => {
    const local = fleetFrom(editedExample((d) => d.setIn(["cluster", "provider"], "local")));
    assert.deepEqual(renderVelero(local), []);
    const spec = monitoringOf(local).manifests.find((m) => m.object.kind === "PrometheusRule")
      ?.object.spec as Any;
    assert.deepEqual(
      spec.groups.map((g: Any) => g.name),
      ["hubfleet.drives", "hubfleet.hubs"],
    );
  });

  it("with alerts on, runs Alertmanager on clustertools with the alerts Secret mounted", () => {
    const tool = monitoringOf(withAlerts(ALL));
    const am = (tool.release.values as Any).alertmanager;
    assert.equal(am.enabled, true);
    assert.deepEqual(am.alertmanagerSpec.nodeSelector, {
      "hubfleet.io/node-group": "clustertools",
    });
    assert.deepEqual(am.alertmanagerSpec.secrets, ["hubfleet-alerts"]);
    // Credentials are read from files of that Secret: the values name paths, never secrets.
    const text = JSON.stringify(am.config);
    for (const file of ["smtp-password", "slack-webhook-url", "pagerduty-routing-key"]) {
      assert.ok(text.includes(`/etc/alertmanager/secrets/hubfleet-alerts/${file}`), file);
    }
    const secret = tool.secrets.find((s) => s.name === "hubfleet-alerts");
    assert.deepEqual(
      [secret?.namespace, secret?.type, secret?.keys],
      [
        "cluster-tools",
        "external",
        ["smtp-password", "slack-webhook-url", "pagerduty-routing-key"],
      ],
    );
    assert.match(
      secret?.hint ?? "",
      /hubfleet secret set cluster-tools hubfleet-alerts -f FILE --from-literal smtp-password=\.\.\./,
    );
  });

  it("a receiver without credentials needs no Secret; the Secret's name can be chosen", () => {
    const webhook = monitoringOf(
      withAlerts({ enabled: true, receivers: { webhook: { url: "https://x.example.edu/" } } }),
    );
    assert.deepEqual((webhook.release.values as Any).alertmanager.alertmanagerSpec.secrets, []);
    assert.equal(
      webhook.secrets.find((s) => s.type === "external"),
      undefined,
    );
    const named = monitoringOf(
      withAlerts({ enabled: true, secretName: "ops-alerts", receivers: { slack: {} } }),
    );
    assert.deepEqual(
      named.secrets.filter((s) => s.type === "external").map((s) => [s.name, s.keys]),
      [["ops-alerts", ["slack-webhook-url"]]],
    );
  });

  it("Velero's metrics are scraped (ServiceMonitor) only when monitoring is installed", () => {
    const on = renderVelero(exampleFleet())[0]?.release.values as Any;
    assert.deepEqual(on.metrics, { enabled: true, serviceMonitor: { enabled: true } });
    const off = renderVelero(
      fleetFrom(editedExample((d) => d.setIn(["tools", "monitoring", "enabled"], false))),
    )[0]?.release.values as Any;
    assert.deepEqual(off.metrics, { enabled: true, serviceMonitor: { enabled: false } });
  });

  it("renders deterministically", () => {
    const a = JSON.stringify(renderFleet(withAlerts(ALL)));
    const b = JSON.stringify(renderFleet(withAlerts(ALL)));
    assert.equal(a, b);
  });
});
