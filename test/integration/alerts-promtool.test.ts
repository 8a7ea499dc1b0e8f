/**
 * The fleet's alerts, read by the programs that read them in production:
 * - every alert rule hubfleet renders, run by Prometheus' own `promtool test rules` over
 *   synthetic series, each with hand-computed expectations of when it fires and when not;
 * - the Alertmanager configuration for each kind of receiver, merged by the real `helm` over
 *   the chart's default configuration (a named stand-in: test/fixtures/alertmanager/) and
 *   checked by Alertmanager's own `amtool check-config` (built by scripts/amtool-build).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { simBinary } from "../../sim/binaries.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { alertmanagerConfig } from "../../src/render/tools/alertmanager.js";
import { type AlertRule, alertRuleGroups } from "../../src/render/tools/alertRules.js";
import { amtoolBinary } from "../goTools.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

const fleet = exampleFleet();
const groups = alertRuleGroups(fleet);
const rules = groups.flatMap((g) => g.rules);

function rule(alert: string, severity?: string): AlertRule {
  const found = rules.find(
    (r) => r.alert === alert && (!severity || r.labels.severity === severity),
  );
  assert.ok(found, `no rule ${alert} ${severity ?? ""}`);
  return found;
}

/** An alert's annotations with its label references filled in (summary given by hand). */
function annotations(
  r: AlertRule,
  labels: Record<string, string>,
  summary: string,
): Record<string, string> {
  let description = r.annotations.description;
  for (const [k, v] of Object.entries(labels)) {
    description = description.replaceAll(`{{ $labels.${k} }}`, v);
  }
  assert.doesNotMatch(description, /\{\{/, "a template the test does not fill in");
  return { summary, description };
}

/** One alert promtool must see firing, with its labels and annotations. */
function firing(alert: string, severity: string, labels: Record<string, string>, summary: string) {
  return {
    exp_labels: { severity, ...labels },
    exp_annotations: annotations(rule(alert, severity), labels, summary),
  };
}

const HUB = "stat101";
const OTHER_HUB = "cs480";
const THIRD_HUB = "genomics-lab";

/** Runs `promtool test rules` on the fleet's rules; returns its output, fails with it. */
function promtoolTest(tests: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-alerts-"));
  writeFileSync(join(dir, "rules.yml"), stringify({ groups }));
  writeFileSync(
    join(dir, "test.yml"),
    stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }),
  );
  const run = spawnSync(simBinary("promtool"), ["test", "rules", join(dir, "test.yml")], {
    encoding: "utf8",
  });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, `promtool test rules failed:\n${output}`);
  return output;
}

describe("alert rules under promtool test rules", () => {
  it("the example fleet has every rule the issue asks for", () => {
    assert.deepEqual(
      groups.map((g) => [g.name, g.rules.map((r) => `${r.alert}/${r.labels.severity}`)]),
      [
        ["hubfleet.drives", ["HubDriveFull/warning", "HubDriveFull/critical"]],
        [
          "hubfleet.hubs",
          ["HubDown/critical", "HubProxyRestarting/warning", "UserServersFailingToStart/warning"],
        ],
        ["hubfleet.backups", ["BackupFailed/warning", "BackupOverdue/critical"]],
      ],
    );
  });

  it("drive ≥ 80 % full warns after 15 min, ≥ 95 % is critical after 5 min; 79 % and other claims never fire", () => {
    const drive = (ns: string, claim = "drive-data") =>
      `{namespace="${ns}", persistentvolumeclaim="${claim}"}`;
    const volume = (ns: string, used: number, claim?: string) => [
      { series: `kubelet_volume_stats_used_bytes${drive(ns, claim)}`, values: `${used}x40` },
      { series: `kubelet_volume_stats_capacity_bytes${drive(ns, claim)}`, values: "100x40" },
    ];
    const warn = (ns: string, pct: number) =>
      firing(
        "HubDriveFull",
        "warning",
        { namespace: ns },
        `The drive of hub ${ns} is ${pct}% full.`,
      );
    const crit = (ns: string, pct: number) =>
      firing(
        "HubDriveFull",
        "critical",
        { namespace: ns },
        `The drive of hub ${ns} is ${pct}% full.`,
      );
    promtoolTest([
      {
        interval: "1m",
        input_series: [
          // stat101 at 85 % (warning only), cs480 at 96 % (both), genomics-lab at 79 % (none).
          ...volume(HUB, 85),
          ...volume(OTHER_HUB, 96),
          ...volume(THIRD_HUB, 79),
          // Not a drive (the hub's database claim), and not a hub of this fleet.
          ...volume(HUB, 99, "hub-db-dir"),
          ...volume("default", 99),
        ],
        alert_rule_test: [
          // 80 % has held for 4 min and 95 % for 4 min: both still pending.
          { eval_time: "4m", alertname: "HubDriveFull", exp_alerts: [] },
          // 95 % has held for 5 min (for: 5m), 80 % not yet for 15.
          { eval_time: "5m", alertname: "HubDriveFull", exp_alerts: [crit(OTHER_HUB, 96)] },
          { eval_time: "14m", alertname: "HubDriveFull", exp_alerts: [crit(OTHER_HUB, 96)] },
          {
            eval_time: "15m",
            alertname: "HubDriveFull",
            exp_alerts: [crit(OTHER_HUB, 96), warn(OTHER_HUB, 96), warn(HUB, 85)],
          },
        ],
      },
      {
        // Exactly 80 % is "≥ 80 %".
        interval: "1m",
        input_series: volume(HUB, 80),
        alert_rule_test: [
          { eval_time: "15m", alertname: "HubDriveFull", exp_alerts: [warn(HUB, 80)] },
        ],
      },
    ]);
  });

  it("a hub not scraped as up, or with no hub pod available, is down after 5 min", () => {
    const down = (ns: string) =>
      firing("HubDown", "critical", { namespace: ns }, `Hub ${ns} is down.`);
    promtoolTest([
      {
        interval: "1m",
        input_series: [
          // stat101's hub stops answering at minute 6.
          { series: `up{job="jupyterhub", namespace="${HUB}", pod="hub-1"}`, values: "1x5 0x15" },
          {
            series: `kube_deployment_status_replicas_available{namespace="${HUB}", deployment="hub"}`,
            values: "1x20",
          },
          // cs480 has no hub pod available at all (and so nothing is scraped).
          {
            series: `kube_deployment_status_replicas_available{namespace="${OTHER_HUB}", deployment="hub"}`,
            values: "0x20",
          },
          // genomics-lab is fine; another namespace's "hub" Deployment is not the fleet's.
          {
            series: `up{job="jupyterhub", namespace="${THIRD_HUB}", pod="hub-2"}`,
            values: "1x20",
          },
          {
            series: `kube_deployment_status_replicas_available{namespace="${THIRD_HUB}", deployment="hub"}`,
            values: "1x20",
          },
          {
            series: `kube_deployment_status_replicas_available{namespace="default", deployment="hub"}`,
            values: "0x20",
          },
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "HubDown", exp_alerts: [] },
          // cs480: down since 0, for 5 min at 5m. stat101: down since 6, pending until 11.
          { eval_time: "5m", alertname: "HubDown", exp_alerts: [down(OTHER_HUB)] },
          { eval_time: "10m", alertname: "HubDown", exp_alerts: [down(OTHER_HUB)] },
          { eval_time: "11m", alertname: "HubDown", exp_alerts: [down(OTHER_HUB), down(HUB)] },
        ],
      },
    ]);
  });

  it("the proxy restarting twice within 30 min warns; once, or long ago, does not", () => {
    const restarting = (ns: string) =>
      firing(
        "HubProxyRestarting",
        "warning",
        { namespace: ns },
        `The proxy of hub ${ns} keeps restarting.`,
      );
    const restarts = (ns: string, container: string, values: string) => ({
      series: `kube_pod_container_status_restarts_total{namespace="${ns}", pod="proxy-1", container="${container}"}`,
      values,
    });
    promtoolTest([
      {
        interval: "1m",
        input_series: [
          // stat101: 3 restarts at minute 5. Over (t-30m, t] the increase is 3 while minute 5
          // is inside the window (the counter starts at 0: no extrapolation before it), 0 once
          // every sample in the window is 3 (from t = 35m + 1 sample).
          restarts(HUB, "chp", "0x4 3x60"),
          // cs480: 1 restart, never enough. genomics-lab: its hub container, not the proxy.
          restarts(OTHER_HUB, "chp", "0x4 1x60"),
          restarts(THIRD_HUB, "hub", "0x4 5x60"),
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "HubProxyRestarting", exp_alerts: [] },
          { eval_time: "5m", alertname: "HubProxyRestarting", exp_alerts: [restarting(HUB)] },
          { eval_time: "30m", alertname: "HubProxyRestarting", exp_alerts: [restarting(HUB)] },
          { eval_time: "40m", alertname: "HubProxyRestarting", exp_alerts: [] },
        ],
      },
    ]);
  });

  it("three failed server starts within 15 min warn; two, or successes, do not", () => {
    const failing = (ns: string) =>
      firing(
        "UserServersFailingToStart",
        "warning",
        { namespace: ns },
        `User servers of hub ${ns} fail to start.`,
      );
    const spawns = (ns: string, status: string, values: string) => ({
      series: `jupyterhub_server_spawn_duration_seconds_count{job="jupyterhub", namespace="${ns}", pod="hub-1", status="${status}"}`,
      values,
    });
    promtoolTest([
      {
        interval: "1m",
        input_series: [
          // stat101: failures at minutes 11, 12, 13 (counter 0 → 3). Over (t-15m, t]: 2 at 12m;
          // 3 from 13m while the window still holds minute 10's 0 (the counter starts at 0:
          // no extrapolation before it), up to 24m; at 25m the window starts at 11's 1: raw
          // increase 2, extrapolated by 1 of 14 min to 2 × 15/14 ≈ 2.14.
          spawns(HUB, "failure", "0x10 1 2 3x40"),
          spawns(HUB, "success", "0+10x50"),
          // cs480: two failures only; genomics-lab: many successful starts.
          spawns(OTHER_HUB, "failure", "0x10 1 2x40"),
          spawns(THIRD_HUB, "success", "0+5x50"),
        ],
        alert_rule_test: [
          { eval_time: "12m", alertname: "UserServersFailingToStart", exp_alerts: [] },
          {
            eval_time: "13m",
            alertname: "UserServersFailingToStart",
            exp_alerts: [failing(HUB)],
          },
          {
            eval_time: "24m",
            alertname: "UserServersFailingToStart",
            exp_alerts: [failing(HUB)],
          },
          { eval_time: "25m", alertname: "UserServersFailingToStart", exp_alerts: [] },
        ],
      },
    ]);
  });

  it("a failed backup warns until the next success; none successful for two periods is critical", () => {
    // The example's schedule is "0 3 * * *": longest gap 1 day, so overdue after 2 days.
    assert.equal(fleet.tools.backups.schedule, "0 3 * * *");
    const stat101 = "velero-hub-stat101";
    const cs480 = "velero-hub-cs480";
    const failed = (schedule: string) =>
      firing(
        "BackupFailed",
        "warning",
        { schedule },
        `The last backup of schedule ${schedule} failed.`,
      );
    const overdue = (schedule: string) =>
      firing(
        "BackupOverdue",
        "critical",
        { schedule },
        `No successful backup of schedule ${schedule} for two periods.`,
      );
    promtoolTest([
      {
        interval: "1h",
        input_series: [
          // stat101 fails at hour 3 (values at hours 0-2: 1, 3-26: 0), succeeds again at hour
          // 27; ad-hoc backups ("") fail too.
          { series: `velero_backup_last_status{schedule="${stat101}"}`, values: "1x2 0x23 1x10" },
          { series: `velero_backup_last_status{schedule="${cs480}"}`, values: "1x60" },
          { series: `velero_backup_last_status{schedule=""}`, values: "0x60" },
          // stat101's last success was at time 0 (epoch); cs480's is always the hour before.
          {
            series: `velero_backup_last_successful_timestamp{schedule="${stat101}"}`,
            values: "0x60",
          },
          {
            series: `velero_backup_last_successful_timestamp{schedule="${cs480}"}`,
            values: "-3600+3600x60",
          },
        ],
        alert_rule_test: [
          { eval_time: "2h", alertname: "BackupFailed", exp_alerts: [] },
          { eval_time: "3h", alertname: "BackupFailed", exp_alerts: [failed(stat101)] },
          { eval_time: "26h", alertname: "BackupFailed", exp_alerts: [failed(stat101)] },
          { eval_time: "27h", alertname: "BackupFailed", exp_alerts: [] },
          // time() - 0 > 172800 s only after 48 h: not at 48 h, at 49 h.
          { eval_time: "48h", alertname: "BackupOverdue", exp_alerts: [] },
          { eval_time: "49h", alertname: "BackupOverdue", exp_alerts: [overdue(stat101)] },
        ],
      },
    ]);
  });

  it("a schedule that skips weekends is overdue after twice its longest gap (3 days)", () => {
    const weekdays = fleetFrom(
      editedExample((d) => d.setIn(["tools", "backups", "schedule"], "0 3 * * 1-5")),
    );
    const overdue = alertRuleGroups(weekdays)
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "BackupOverdue");
    // Friday 03:00 → Monday 03:00 = 72 h; twice that is 518400 s.
    assert.match(overdue?.expr ?? "", / > 518400$/);
  });
});

const RECEIVERS: Record<string, Record<string, unknown>> = {
  "email with a login": {
    email: {
      to: ["ops@example.edu", "oncall@example.edu"],
      from: "hubs@example.edu",
      smarthost: "smtp.example.edu:587",
      username: "hubs",
    },
  },
  "email without a login": {
    email: {
      to: ["ops@example.edu"],
      from: "hubs@example.edu",
      smarthost: "mail:25",
      requireTls: false,
    },
  },
  slack: { slack: { channel: "#hub-alerts" } },
  pagerduty: { pagerduty: {} },
  webhook: { webhook: { url: "https://relay.example.edu/alerts" } },
  "all of them": {
    email: { to: ["ops@example.edu"], from: "hubs@example.edu", smarthost: "smtp.example.edu:587" },
    slack: {},
    pagerduty: {},
    webhook: { url: "http://relay.cluster-tools.svc:8080/" },
  },
};

function alertFleet(receivers: Record<string, unknown>): FleetModel {
  return fleetFrom(
    editedExample((d) => d.setIn(["tools", "monitoring", "alerts"], { enabled: true, receivers })),
  );
}

/** The configuration helm gives the chart: hubfleet's values merged over the chart's default. */
function helmMerged(config: Record<string, unknown>): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-am-chart-"));
  const defaults = parse(
    readFileSync(
      new URL("../fixtures/alertmanager/chart-default-config.yaml", import.meta.url),
      "utf8",
    ),
  );
  writeFileSync(
    join(dir, "Chart.yaml"),
    stringify({ apiVersion: "v2", name: "alertmanager-config-standin", version: "0.0.0" }),
  );
  writeFileSync(join(dir, "values.yaml"), stringify({ alertmanager: { config: defaults } }));
  mkdirSync(join(dir, "templates"));
  writeFileSync(
    join(dir, "templates", "config.yaml"),
    "# Source: config\n{{ toYaml .Values.alertmanager.config }}\n",
  );
  writeFileSync(join(dir, "ours.yaml"), stringify({ alertmanager: { config } }));
  const out = execFileSync(
    simBinary("helm"),
    ["template", "x", dir, "--values", join(dir, "ours.yaml")],
    { encoding: "utf8" },
  );
  return parse(out.replace(/^---\n# Source: .*\n/m, ""));
}

function amtoolCheck(config: unknown): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-am-"));
  const file = join(dir, "alertmanager.yaml");
  writeFileSync(file, stringify(config));
  const run = spawnSync(amtoolBinary(), ["check-config", file], { encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe("the Alertmanager configuration under amtool check-config", () => {
  for (const [name, receivers] of Object.entries(RECEIVERS)) {
    it(`is accepted as helm merges it into the chart's (${name})`, () => {
      const config = alertmanagerConfig(alertFleet(receivers));
      const merged = helmMerged(config);
      // Every key the chart's default sets is set by hubfleet: nothing of the default is left.
      assert.deepEqual(merged, JSON.parse(JSON.stringify(config)));
      const { ok, output } = amtoolCheck(merged);
      assert.ok(ok, output);
    });
  }

  it("routes critical alerts to PagerDuty and every alert to the other receivers", () => {
    const config = alertmanagerConfig(alertFleet(RECEIVERS["all of them"] ?? {}));
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-am-"));
    const file = join(dir, "alertmanager.yaml");
    writeFileSync(file, stringify(config));
    const route = (...labels: string[]) =>
      execFileSync(amtoolBinary(), ["config", "routes", "test", "--config.file", file, ...labels], {
        encoding: "utf8",
      }).trim();
    assert.equal(
      route("alertname=HubDown", "severity=critical", "namespace=stat101"),
      "hubfleet-page,hubfleet-notify",
    );
    assert.equal(route("alertname=HubDriveFull", "severity=warning"), "hubfleet-notify");
    assert.equal(route("alertname=Watchdog", "severity=none"), "null");
    assert.equal(route("alertname=CPUThrottlingHigh", "severity=info"), "null");
  });

  it("amtool does refuse a broken configuration (a route to a receiver that is not there)", () => {
    const config = alertmanagerConfig(alertFleet(RECEIVERS.slack ?? {}));
    const broken = {
      ...config,
      receivers: (config.receivers as Array<{ name: string }>).filter((r) => r.name !== "null"),
    };
    const { ok, output } = amtoolCheck(broken);
    assert.equal(ok, false, output);
    assert.match(output, /undefined receiver "null"/);
  });
});
