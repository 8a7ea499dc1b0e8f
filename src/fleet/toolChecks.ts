/**
 * Checks on the cluster tools that a schema cannot make: they depend on whether a tool is
 * enabled, on the provider, the domain or the hubs. Pure: findings, never exceptions.
 */

import { durationHours } from "../vocabulary/durations.js";
import { GRAFANA_ROUTE_NAME, INGRESS_CLASS } from "../vocabulary/names.js";
import { bucketNameProblems } from "./bucketName.js";
import { checkCron } from "./cron.js";
import { error, warning } from "./findings.js";
import type { FleetModel } from "./model.js";
import type { Finding } from "./problems.js";

const TOOL_NAMES = ["ingress", "certManager", "autoscaler", "monitoring", "backups"] as const;

export function checkTools(fleet: FleetModel): Finding[] {
  return [
    ...TOOL_NAMES.flatMap((name) => checkChartVersion(name, fleet.tools[name])),
    ...checkIngress(fleet),
    ...checkCertManager(fleet),
    ...checkAutoscaler(fleet),
    ...checkKarpenter(fleet),
    ...checkMonitoring(fleet),
    ...checkAlerts(fleet),
    ...checkBackups(fleet),
  ];
}

/**
 * Exact semantic versions only; a leading "v" is allowed because some charts are versioned
 * that way (cert-manager's are v1.x.y).
 */
const EXACT_VERSION =
  /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

function checkChartVersion(
  tool: (typeof TOOL_NAMES)[number],
  settings: { enabled: boolean; chartVersion?: string | undefined },
): Finding[] {
  const version = settings.chartVersion;
  if (!settings.enabled || version === undefined || EXACT_VERSION.test(version)) return [];
  return [
    error(
      ["tools", tool, "chartVersion"],
      `an enabled tool needs an exact chart version; ${whyNotExact(version)}`,
      "remove the field to use the version hubfleet pins, or give an exact version like 1.2.3",
    ),
  ];
}

function whyNotExact(version: string): string {
  if (version.trim() === "") return "chartVersion is empty";
  const range =
    /[\^~*<>=|, ]/.test(version) ||
    /(^|\.)[xX](\.|$)/.test(version) ||
    /^v?[0-9]+(\.[0-9]+)?$/.test(version);
  return range
    ? `"${version}" is a range, not one version`
    : `"${version}" is not a version (x.y.z)`;
}

function checkIngress(fleet: FleetModel): Finding[] {
  if (fleet.tools.ingress.enabled || fleet.hubs.length === 0) return [];
  return [
    warning(
      ["tools", "ingress", "enabled"],
      `the hubs need an ingress controller serving the IngressClass "${INGRESS_CLASS}", and hubfleet will not install one`,
      `keep tools.ingress.enabled: true, or run a controller of your own for ingressClassName ${INGRESS_CLASS}`,
    ),
  ];
}

function checkCertManager(fleet: FleetModel): Finding[] {
  const certManager = fleet.tools.certManager;
  if (!certManager.enabled) return [];
  const findings: Finding[] = [];
  if (certManager.email === undefined) {
    findings.push(
      error(
        ["tools", "certManager", "email"],
        "cert-manager needs a contact e-mail to register the ACME account",
        "set tools.certManager.email: an address your team reads",
      ),
    );
  }
  if (fleet.domain.tls !== undefined) {
    findings.push(
      error(
        ["tools", "certManager", "enabled"],
        "cert-manager and domain.tls would both provide the hubs' certificate; choose one",
        "remove domain.tls to let cert-manager get certificates, or set tools.certManager.enabled: false to keep your own",
      ),
    );
  }
  return findings;
}

function checkAutoscaler(fleet: FleetModel): Finding[] {
  const { enabled, engine, imageTag } = fleet.tools.autoscaler;
  if (!enabled || engine !== "cluster-autoscaler") return [];
  if (imageTag === undefined || fleet.cluster.provider !== "eks") return [];
  const minor = /^v([0-9]+\.[0-9]+)\./.exec(imageTag)?.[1];
  const cluster = fleet.cluster.kubernetesVersion;
  if (minor === undefined || minor === cluster) return [];
  return [
    warning(
      ["tools", "autoscaler", "imageTag"],
      `the autoscaler ${imageTag} is made for Kubernetes ${minor}, but the cluster runs ${cluster}`,
      `use a v${cluster}.x tag (or remove imageTag): the autoscaler's minor version should match the cluster's`,
    ),
  ];
}

/**
 * engine: karpenter needs EKS (its nodes are EC2 instances); the cluster-autoscaler's own keys do
 * nothing there; and Karpenter keeps no minimum of user nodes (placeholders hold warm ones).
 */
function checkKarpenter(fleet: FleetModel): Finding[] {
  const { enabled, engine, imageTag, roleArn, expander } = fleet.tools.autoscaler;
  if (!enabled || engine !== "karpenter") return [];
  const path = ["tools", "autoscaler", "engine"];
  if (fleet.cluster.provider !== "eks") {
    return [
      error(
        path,
        `engine: karpenter needs cluster.provider: eks, but the cluster is ${fleet.cluster.provider}`,
        "remove tools.autoscaler.engine (a local cluster has no autoscaler) or use provider: eks",
      ),
    ];
  }
  const findings: Finding[] = [];
  const caOnly = { imageTag, roleArn, expander: expander === "least-waste" ? undefined : expander };
  for (const [key, value] of Object.entries(caOnly)) {
    if (value === undefined) continue;
    findings.push(
      warning(
        ["tools", "autoscaler", key],
        `${key} is a cluster-autoscaler setting and does nothing with engine: karpenter`,
        `remove tools.autoscaler.${key}`,
      ),
    );
  }
  const users = fleet.nodeGroups.jhusers;
  if (users.minSize > 0) {
    findings.push(
      warning(
        ["cluster", "nodeGroups", "jhusers", "minSize"],
        `Karpenter keeps no minimum of user nodes: minSize ${users.minSize} is not kept (only maxSize, as the NodePool's cpu and memory limits)`,
        "keep nodes warm with the hubs' placeholders (hubs[].placeholders), or set minSize: 0",
      ),
    );
  }
  return findings;
}

function checkMonitoring(fleet: FleetModel): Finding[] {
  const { enabled, grafanaPath } = fleet.tools.monitoring;
  if (!enabled || grafanaPath === undefined) return [];
  const path = ["tools", "monitoring", "grafanaPath"];
  const { host, routing } = fleet.domain;
  // Path routing: Grafana's first path segment must not be a hub's; subdomain routing puts
  // Grafana on grafana.<host>, the host a hub named "grafana" would have.
  const taken = routing === "path" ? grafanaPath.split("/")[1] : GRAFANA_ROUTE_NAME;
  const hub = fleet.hubs.find((h) => h.name === taken);
  if (hub === undefined) return [];
  const url =
    routing === "path" ? `https://${host}${grafanaPath}` : `https://${GRAFANA_ROUTE_NAME}.${host}/`;
  return [
    error(
      path,
      `Grafana at ${url} would take the URL of hub "${hub.name}"`,
      routing === "path"
        ? "choose a grafanaPath that does not start with a hub's name, or rename the hub"
        : `rename the hub: with subdomain routing Grafana is served at ${GRAFANA_ROUTE_NAME}.<host>`,
    ),
  ];
}

/** Alerts need Prometheus to raise them and a receiver to reach someone. */
function checkAlerts(fleet: FleetModel): Finding[] {
  const { enabled, alerts } = fleet.tools.monitoring;
  if (!alerts.enabled) return [];
  const at = (field: string) => ["tools", "monitoring", "alerts", field];
  if (!enabled) {
    return [
      error(
        at("enabled"),
        "alerts are enabled but monitoring is not: Prometheus raises the alerts",
        "set tools.monitoring.enabled: true, or alerts.enabled: false",
      ),
    ];
  }
  const { email, slack, pagerduty, webhook } = alerts.receivers;
  if (pagerduty && !email && !slack && !webhook) {
    return [
      warning(
        [...at("receivers"), "pagerduty"],
        "PagerDuty gets critical alerts only: warnings (a drive 80 % full, a proxy restarting, failed server starts) would reach nobody",
        "add receivers.email, receivers.slack or receivers.webhook for the warnings",
      ),
    ];
  }
  if (email || slack || webhook) return [];
  return [
    error(
      at("receivers"),
      "alerts are enabled but no receiver is set: nobody would get them",
      "add one of receivers.email (to, from, smarthost), receivers.slack, receivers.pagerduty or receivers.webhook (url)",
    ),
  ];
}

function checkBackups(fleet: FleetModel): Finding[] {
  const backups = fleet.tools.backups;
  if (!backups.enabled) return [];
  const findings: Finding[] = [];
  const at = (field: string) => ["tools", "backups", field];
  if (backups.bucket === undefined) {
    if (fleet.cluster.provider === "eks") {
      findings.push(
        error(
          at("bucket"),
          "Velero needs an S3 bucket to keep the backups in",
          `set tools.backups.bucket to a name no other AWS account uses, e.g. ${fleet.name.toLowerCase()}-hub-backups (backup-setup creates it), or set tools.backups.enabled: false`,
        ),
      );
    }
  } else {
    const broken = bucketNameProblems(backups.bucket);
    if (broken.length > 0) {
      findings.push(
        error(
          at("bucket"),
          `"${backups.bucket}" is not a valid S3 bucket name: it ${broken.join("; it ")}`,
          "S3 bucket names are 3-63 lowercase letters, digits and hyphens, e.g. my-hubs-backups",
        ),
      );
    } else if (backups.bucket.includes(".")) {
      findings.push(
        warning(
          at("bucket"),
          `the bucket name "${backups.bucket}" has dots: S3's HTTPS certificate does not match virtual-hosted addresses (<bucket>.s3.<region>.amazonaws.com) of such buckets`,
          "use hyphens instead of dots",
        ),
      );
    }
  }
  const ttlHours = durationHours(backups.ttl);
  if (ttlHours !== undefined && backups.expireAfterDays * 24 < ttlHours) {
    findings.push(
      warning(
        at("expireAfterDays"),
        `S3 would delete backups after ${backups.expireAfterDays} days, before Velero's ttl of ${backups.ttl} ends: restores of older backups would fail`,
        `set expireAfterDays to at least ${Math.ceil(ttlHours / 24)}, or shorten ttl`,
      ),
    );
  }
  const cron = checkCron(backups.schedule);
  if (cron !== undefined) {
    findings.push(
      error(
        at("schedule"),
        `"${backups.schedule}" is not a schedule Velero accepts: ${cron.message}`,
        'give five fields "minute hour day-of-month month day-of-week" (e.g. "0 3 * * *", daily at 03:00 UTC) or @daily, @weekly, @every 12h',
      ),
    );
  }
  return findings;
}
