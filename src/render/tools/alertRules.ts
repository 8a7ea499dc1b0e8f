/**
 * The fleet's alert rules, as one PrometheusRule the Prometheus Operator loads: drives filling
 * up, a hub down, a proxy restarting, user servers failing to start, backups failed or overdue.
 * Each expression reads metrics Prometheus already has (kubelet volume stats, kube-state-metrics,
 * JupyterHub's /hub/metrics, Velero's metrics); test/integration/alerts-promtool.test.ts runs
 * every rule through `promtool test rules`.
 */

import { longestCronGapSeconds } from "../../fleet/cronTimes.js";
import type { FleetModel } from "../../fleet/model.js";
import { HUB_SCRAPE_JOB } from "../../vocabulary/names.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { DRIVE_DATA_CLAIM } from "../hub/drive.js";
import { prometheusRule } from "./tool.js";
import { renderVelero } from "./velero.js";

/** Drive fill (used / capacity of the drive's volume) at which each severity fires. */
export const DRIVE_FULL_WARNING = 0.8;
export const DRIVE_FULL_CRITICAL = 0.95;
/** Proxy container restarts within PROXY_RESTART_WINDOW that raise an alert. */
export const PROXY_RESTARTS = 2;
export const PROXY_RESTART_WINDOW = "30m";
/** Failed user server starts of one hub within SPAWN_FAILURE_WINDOW that raise an alert. */
export const SPAWN_FAILURES = 3;
export const SPAWN_FAILURE_WINDOW = "15m";

export const ALERT_RULES_NAME = "hubfleet-alerts";

/** One Prometheus alerting rule, as a rule file writes it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: "warning" | "critical" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface AlertRuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

/** A matcher for the namespaces of the fleet's hubs (hub name = namespace). */
function hubNamespaces(fleet: FleetModel): string {
  return `namespace=~"${fleet.hubs
    .map((h) => h.name)
    .sort()
    .join("|")}"`;
}

function driveRules(fleet: FleetModel): AlertRule[] {
  const selector = `{${hubNamespaces(fleet)}, persistentvolumeclaim="${DRIVE_DATA_CLAIM}"}`;
  // One volume per hub; max by namespace keeps only the labels the alert needs.
  const fill = `max by (namespace) (kubelet_volume_stats_used_bytes${selector}) / max by (namespace) (kubelet_volume_stats_capacity_bytes${selector})`;
  const rule = (threshold: number, severity: "warning" | "critical", wait: string): AlertRule => ({
    alert: "HubDriveFull",
    expr: `${fill} >= ${threshold}`,
    for: wait,
    labels: { severity },
    annotations: {
      summary:
        "The drive of hub {{ $labels.namespace }} is {{ $value | humanizePercentage }} full.",
      description: `Users of hub {{ $labels.namespace }} cannot save their work once the drive is full. Grow hubs[].drive.size and apply, or ask users to clean up. Fires at ${threshold * 100} %.`,
    },
  });
  return [rule(DRIVE_FULL_WARNING, "warning", "15m"), rule(DRIVE_FULL_CRITICAL, "critical", "5m")];
}

function hubRules(fleet: FleetModel): AlertRule[] {
  const hubs = hubNamespaces(fleet);
  return [
    {
      alert: "HubDown",
      // Scraped but not answering, or no hub pod ready at all (then nothing is scraped).
      expr: `(max by (namespace) (up{job="${HUB_SCRAPE_JOB}"}) == 0) or (max by (namespace) (kube_deployment_status_replicas_available{${hubs}, deployment="hub"}) == 0)`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Hub {{ $labels.namespace }} is down.",
        description:
          "No ready hub pod answers /hub/metrics in namespace {{ $labels.namespace }}: nobody can log in or start a server. See `hubfleet status` and `kubectl -n {{ $labels.namespace }} describe deploy/hub`.",
      },
    },
    {
      alert: "HubProxyRestarting",
      expr: `sum by (namespace) (increase(kube_pod_container_status_restarts_total{${hubs}, container="chp"}[${PROXY_RESTART_WINDOW}])) >= ${PROXY_RESTARTS}`,
      labels: { severity: "warning" },
      annotations: {
        summary: "The proxy of hub {{ $labels.namespace }} keeps restarting.",
        description: `The proxy restarted at least ${PROXY_RESTARTS} times in ${PROXY_RESTART_WINDOW}; each restart drops every user's open connections. See \`kubectl -n {{ $labels.namespace }} logs deploy/proxy --previous\`.`,
      },
    },
    {
      alert: "UserServersFailingToStart",
      expr: `sum by (namespace) (increase(jupyterhub_server_spawn_duration_seconds_count{job="${HUB_SCRAPE_JOB}", status="failure"}[${SPAWN_FAILURE_WINDOW}])) >= ${SPAWN_FAILURES}`,
      labels: { severity: "warning" },
      annotations: {
        summary: "User servers of hub {{ $labels.namespace }} fail to start.",
        description: `At least ${SPAWN_FAILURES} server starts failed in ${SPAWN_FAILURE_WINDOW} (JupyterHub's spawn status "failure"): an image that cannot be pulled, no room on the user nodes, or a start timeout. See the hub's log and \`kubectl -n {{ $labels.namespace }} get events\`.`,
      },
    },
  ];
}

/** Velero's schedules are the fleet's (one per hub, one for the data sets); "" is ad-hoc backups. */
function backupRules(fleet: FleetModel): AlertRule[] {
  const schedule = fleet.tools.backups.schedule;
  const gap = longestCronGapSeconds(schedule);
  const rules: AlertRule[] = [
    {
      alert: "BackupFailed",
      // Velero sets 0 on a failed, partially failed or invalid backup, 1 on a completed one.
      expr: `velero_backup_last_status{schedule!=""} == 0`,
      labels: { severity: "warning" },
      annotations: {
        summary: "The last backup of schedule {{ $labels.schedule }} failed.",
        description:
          "Velero's most recent backup of {{ $labels.schedule }} did not complete. See `velero backup describe --details` of its newest backup and `hubfleet status`.",
      },
    },
  ];
  if (gap !== undefined) {
    rules.push({
      alert: "BackupOverdue",
      expr: `time() - velero_backup_last_successful_timestamp{schedule!=""} > ${2 * gap}`,
      labels: { severity: "critical" },
      annotations: {
        summary: "No successful backup of schedule {{ $labels.schedule }} for two periods.",
        description: `The schedule "${schedule}" fires at least every ${gap} s; its last successful backup is older than twice that. Restores would lose more than expected.`,
      },
    });
  }
  return rules;
}

/** The rule groups for this fleet: backups only where Velero is installed. */
export function alertRuleGroups(fleet: FleetModel): AlertRuleGroup[] {
  if (fleet.hubs.length === 0) return [];
  const groups: AlertRuleGroup[] = [
    { name: "hubfleet.drives", rules: driveRules(fleet) },
    { name: "hubfleet.hubs", rules: hubRules(fleet) },
  ];
  if (renderVelero(fleet).length > 0)
    groups.push({ name: "hubfleet.backups", rules: backupRules(fleet) });
  return groups;
}

/** The PrometheusRule the operator loads (Prometheus selects rules in every namespace). */
export function alertRulesObject(fleet: FleetModel, tool: string): KubeObject | undefined {
  const groups = alertRuleGroups(fleet);
  if (groups.length === 0) return undefined;
  return prometheusRule(fleet, tool, ALERT_RULES_NAME, groups);
}
