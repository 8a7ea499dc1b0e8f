/**
 * Where alerts go: the Alertmanager of kube-prometheus-stack, configured from
 * tools.monitoring.alerts. Credentials (SMTP password, Slack webhook URL, PagerDuty routing key)
 * stay in a Secret the operator creates; Alertmanager reads them as files, so they never appear
 * in the rendered values. test/integration/alerts-promtool.test.ts runs `amtool check-config`
 * on this configuration.
 */
import type { FleetModel } from "../../fleet/model.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { SecretRequest } from "../bundle.js";
import { clusterToolsNodeSelector } from "./tool.js";

/** Keys of the alerts Secret, one per credential a receiver needs. */
export const ALERT_SECRET_KEYS = {
  smtpPassword: "smtp-password",
  slackWebhookUrl: "slack-webhook-url",
  pagerdutyRoutingKey: "pagerduty-routing-key",
} as const;

/** The Prometheus Operator mounts each of alertmanagerSpec.secrets at this directory. */
export const alertSecretDir = (secretName: string): string =>
  `/etc/alertmanager/secrets/${secretName}`;

/** Receiver names in the Alertmanager configuration. */
export const NOTIFY_RECEIVER = "hubfleet-notify";
export const PAGE_RECEIVER = "hubfleet-page";
export const NULL_RECEIVER = "null";

type Alerts = FleetModel["tools"]["monitoring"]["alerts"];

/** The Secret keys the configured receivers read. */
export function alertSecretKeys(alerts: Alerts): string[] {
  const { email, slack, pagerduty } = alerts.receivers;
  return [
    ...(email?.username !== undefined ? [ALERT_SECRET_KEYS.smtpPassword] : []),
    ...(slack ? [ALERT_SECRET_KEYS.slackWebhookUrl] : []),
    ...(pagerduty ? [ALERT_SECRET_KEYS.pagerdutyRoutingKey] : []),
  ];
}

/** The receivers that get every alert (email, Slack, webhook), or undefined when none is set. */
function notifyReceiver(alerts: Alerts): Record<string, unknown> | undefined {
  const { email, slack, webhook } = alerts.receivers;
  const file = (key: string) => `${alertSecretDir(alerts.secretName)}/${key}`;
  const configs: Record<string, unknown> = {};
  if (email) {
    configs.email_configs = [
      {
        to: email.to.join(", "),
        from: email.from,
        smarthost: email.smarthost,
        require_tls: email.requireTls,
        ...(email.username !== undefined
          ? {
              auth_username: email.username,
              auth_password_file: file(ALERT_SECRET_KEYS.smtpPassword),
            }
          : {}),
        send_resolved: true,
      },
    ];
  }
  if (slack) {
    configs.slack_configs = [
      {
        api_url_file: file(ALERT_SECRET_KEYS.slackWebhookUrl),
        ...(slack.channel !== undefined ? { channel: slack.channel } : {}),
        send_resolved: true,
      },
    ];
  }
  if (webhook) configs.webhook_configs = [{ url: webhook.url, send_resolved: true }];
  return Object.keys(configs).length > 0 ? { name: NOTIFY_RECEIVER, ...configs } : undefined;
}

/**
 * The whole Alertmanager configuration. Every top-level key the chart's default sets is set
 * here, so Helm's merge of these values with the chart's keeps none of the chart's routes
 * (whose receiver "null" would otherwise be needed) — see docs/design.md, "Alerts".
 */
export function alertmanagerConfig(fleet: FleetModel): Record<string, unknown> {
  const alerts = fleet.tools.monitoring.alerts;
  const notify = notifyReceiver(alerts);
  const page = alerts.receivers.pagerduty
    ? {
        name: PAGE_RECEIVER,
        pagerduty_configs: [
          {
            routing_key_file: `${alertSecretDir(alerts.secretName)}/${ALERT_SECRET_KEYS.pagerdutyRoutingKey}`,
            send_resolved: true,
          },
        ],
      }
    : undefined;
  const routes: Record<string, unknown>[] = [
    // The chart's always-firing heartbeat and its inhibitor are not for people.
    { receiver: NULL_RECEIVER, matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
    { receiver: NULL_RECEIVER, matchers: ['severity = "info"'] },
  ];
  // PagerDuty wakes someone up: critical alerts only. They go on to the others too, which need
  // a route of their own: once a child route matched, the parent's receiver is not used.
  if (page) {
    routes.push({ receiver: PAGE_RECEIVER, matchers: ['severity = "critical"'], continue: true });
    if (notify) routes.push({ receiver: NOTIFY_RECEIVER });
  }
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: notify ? NOTIFY_RECEIVER : NULL_RECEIVER,
      group_by: ["alertname", "namespace"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes,
    },
    // A critical alert silences the warning of the same name in the same place (drive 95 % > 80 %).
    inhibit_rules: [
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity = "warning"'],
        equal: ["alertname", "namespace"],
      },
    ],
    receivers: [{ name: NULL_RECEIVER }, ...(notify ? [notify] : []), ...(page ? [page] : [])],
    templates: ["/etc/alertmanager/config/*.tmpl"],
  };
}

/** The chart's `alertmanager` values: off unless alerts are enabled. */
export function alertmanagerValues(fleet: FleetModel): Record<string, unknown> {
  const alerts = fleet.tools.monitoring.alerts;
  if (!alerts.enabled) return { enabled: false };
  const secrets = alertSecretKeys(alerts).length > 0 ? [alerts.secretName] : [];
  return {
    enabled: true,
    config: alertmanagerConfig(fleet),
    alertmanagerSpec: {
      nodeSelector: clusterToolsNodeSelector(),
      resources: { requests: { cpu: "10m", memory: "64Mi" } },
      secrets,
    },
  };
}

/** The operator's Secret with the receivers' credentials, when a receiver needs one. */
export function alertSecretRequest(fleet: FleetModel, tool: string): SecretRequest | undefined {
  const alerts = fleet.tools.monitoring.alerts;
  const keys = alertSecretKeys(alerts);
  if (!alerts.enabled || keys.length === 0) return undefined;
  const literals = keys.map((k) => `--from-literal ${k}=...`).join(" ");
  return {
    namespace: TOOLS_NAMESPACE,
    name: alerts.secretName,
    type: "external",
    keys,
    tool,
    hint: `create it with \`hubfleet secret set ${TOOLS_NAMESPACE} ${alerts.secretName} -f FILE ${literals}\``,
  };
}
