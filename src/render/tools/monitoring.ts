/**
 * Monitoring: kube-prometheus-stack (Prometheus Operator, Prometheus, kube-state-metrics, node
 * exporter, Grafana) in cluster-tools, scraping every hub's /hub/metrics with a token and every
 * drive's free-space exporter; the fleet's alert rules, and Alertmanager when alerts are on.
 */
import type { FleetModel } from "../../fleet/model.js";
import { KUBE_PROMETHEUS_STACK_CHART } from "../../vocabulary/charts.js";
import { toJson } from "../../vocabulary/json.js";
import {
  FLEET_LABEL,
  GRAFANA_DASHBOARD_LABEL,
  GRAFANA_DASHBOARD_LABEL_VALUE,
  HUB_LABEL,
  INSTANCE_TYPE_LABEL,
  NODE_GROUP_LABEL,
  NODE_PURPOSE_LABEL,
  USERNAME_LABEL,
} from "../../vocabulary/labels.js";
import { GRAFANA_ROUTE_NAME, HUB_SCRAPE_JOB } from "../../vocabulary/names.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { SecretRequest } from "../bundle.js";
import { DRIVE_STORAGE_CLASS } from "../cluster/storage.js";
import { FLEET_DASHBOARD_PATH, renderFleetDashboard } from "../dashboard/index.js";
import { DRIVE } from "../hub/drive.js";
import { FILE_TLS_SECRET, hubIngressValues, hubUrl, routeFor, tlsMode } from "../hub/routing.js";
import { alertmanagerValues, alertSecretRequest } from "./alertmanager.js";
import { alertRulesObject } from "./alertRules.js";
import { costRuleGroups } from "./costRules.js";
import {
  clusterToolsNodeSelector,
  EVERY_NODE_TOLERATIONS,
  prometheusRule,
  type RenderedTool,
  toolLabels,
} from "./tool.js";
export const MONITORING_RELEASE = "kube-prometheus-stack";

/** Prometheus' token for every hub's /hub/metrics: one generated Secret in cluster-tools. */
export const METRICS_TOKEN_SECRET = "hubfleet-metrics-token";
export const METRICS_TOKEN_KEY = "token";
/** Grafana's admin login (user "admin", generated password). */
export const GRAFANA_ADMIN_SECRET = "hubfleet-grafana-admin";
export const GRAFANA_ADMIN_USER = "admin";

/** Scrape job of the drives' exporters (the hubs' is HUB_SCRAPE_JOB). */
export const DRIVE_SCRAPE_JOB = "hubfleet-drive";

/** The operator mounts each of prometheusSpec.secrets at /etc/prometheus/secrets/<name>/. */
export const METRICS_TOKEN_FILE = `/etc/prometheus/secrets/${METRICS_TOKEN_SECRET}/${METRICS_TOKEN_KEY}`;

/**
 * Kubernetes labels kube-state-metrics exports (as `label_<name>` on kube_<resource>_labels):
 * node groups for per-group usage, user pods and their owners for the fleet dashboard, the
 * nodes' instance types for the cost rules (kube-state-metrics exports no labels by default).
 */
export const KSM_LABELS_ALLOWLIST: Readonly<Record<string, readonly string[]>> = {
  namespaces: [FLEET_LABEL, HUB_LABEL],
  nodes: [NODE_GROUP_LABEL, NODE_PURPOSE_LABEL, INSTANCE_TYPE_LABEL],
  // z2jh labels user servers component=singleuser-server; KubeSpawner adds the user name.
  pods: ["component", USERNAME_LABEL],
};

/** How Prometheus and kube-state-metrics turn a Kubernetes label key into a label name. */
export function promLabelName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, "_");
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Targets of the Service `service`'s port `port` in this fleet's hub namespaces (labelled with
 * the fleet and a hub), with `namespace` (= hub) and `pod` kept as labels.
 */
function hubServiceTargets(fleet: FleetModel, service: string, port: string) {
  return {
    // Namespace labels are attached only when asked for (Prometheus >= 3.6).
    kubernetes_sd_configs: [{ role: "endpointslice", attach_metadata: { namespace: true } }],
    relabel_configs: [
      {
        source_labels: [
          `__meta_kubernetes_namespace_label_${promLabelName(FLEET_LABEL)}`,
          `__meta_kubernetes_namespace_labelpresent_${promLabelName(HUB_LABEL)}`,
        ],
        regex: `${escapeRegex(fleet.name)};true`,
        action: "keep",
      },
      {
        source_labels: [
          "__meta_kubernetes_service_name",
          "__meta_kubernetes_endpointslice_port_name",
        ],
        regex: `${service};${port}`,
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
    ],
  };
}

/**
 * The scrape jobs for the hubs (z2jh's `hub` Service, port `hub`) and their drives (`drive`
 * Service, port `metrics`). One static configuration for any number of hubs: adding a hub does
 * not touch the monitoring release.
 */
export function hubScrapeConfigs(fleet: FleetModel): Record<string, unknown>[] {
  const hubs = hubServiceTargets(fleet, "hub", "hub");
  // JupyterHub serves /hub/metrics under its base URL: /<hub>/ (= namespace) on a shared host.
  const metricsPath =
    fleet.domain.routing === "path"
      ? [
          {
            source_labels: ["__meta_kubernetes_namespace"],
            target_label: "__metrics_path__",
            // Go's regexp expansion ends the group name "1" at the "/".
            replacement: "/$1/hub/metrics",
          },
        ]
      : [];
  return [
    {
      job_name: HUB_SCRAPE_JOB,
      metrics_path: "/hub/metrics",
      authorization: { type: "Bearer", credentials_file: METRICS_TOKEN_FILE },
      ...hubs,
      relabel_configs: [...hubs.relabel_configs, ...metricsPath],
    },
    {
      job_name: DRIVE_SCRAPE_JOB,
      metrics_path: "/metrics",
      ...hubServiceTargets(fleet, DRIVE, "metrics"),
    },
  ];
}

/** Prometheus and everything it selects: all namespaces, so other tools' monitors are found. */
function prometheusValues(fleet: FleetModel): Record<string, unknown> {
  const { retention, storageSize } = fleet.tools.monitoring;
  const everywhere = (kind: string) => ({
    [`${kind}SelectorNilUsesHelmValues`]: false,
    [`${kind}Selector`]: {},
    [`${kind}NamespaceSelector`]: {},
  });
  return {
    // attach_metadata.namespace lists and watches Namespaces.
    additionalRulesForClusterRole: [
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    ],
    prometheusSpec: {
      nodeSelector: clusterToolsNodeSelector(),
      retention,
      storageSpec: {
        volumeClaimTemplate: {
          spec: {
            storageClassName: DRIVE_STORAGE_CLASS,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: storageSize } },
          },
        },
      },
      secrets: [METRICS_TOKEN_SECRET],
      additionalScrapeConfigs: hubScrapeConfigs(fleet),
      ...everywhere("serviceMonitor"),
      ...everywhere("podMonitor"),
      ...everywhere("probe"),
      ...everywhere("scrapeConfig"),
      ...everywhere("rule"),
      resources: { requests: { cpu: "200m", memory: "1Gi" } },
    },
  };
}

/** Grafana's Ingress and URL when tools.monitoring.grafanaPath is set. */
function grafanaExposure(fleet: FleetModel): Record<string, unknown> {
  const { grafanaPath } = fleet.tools.monitoring;
  if (!grafanaPath) return { ingress: { enabled: false } };
  const route = routeFor(fleet, GRAFANA_ROUTE_NAME, grafanaPath);
  const subPath = route.baseUrl !== "/";
  return {
    ingress: { ...hubIngressValues(route), path: subPath ? grafanaPath : "/" },
    "grafana.ini": {
      // Grafana serves itself under the sub path (no rewriting at the ingress).
      server: { root_url: hubUrl(route), serve_from_sub_path: subPath },
    },
  };
}

function grafanaValues(fleet: FleetModel): Record<string, unknown> {
  return {
    nodeSelector: clusterToolsNodeSelector(),
    resources: { requests: { cpu: "50m", memory: "256Mi" } },
    admin: {
      existingSecret: GRAFANA_ADMIN_SECRET,
      userKey: "admin-user",
      passwordKey: "admin-password",
    },
    defaultDashboardsEnabled: true,
    // The sidecar reads ConfigMaps of cluster-tools only, with a Role rather than a ClusterRole.
    rbac: { namespaced: true },
    sidecar: {
      dashboards: {
        enabled: true,
        label: GRAFANA_DASHBOARD_LABEL,
        labelValue: GRAFANA_DASHBOARD_LABEL_VALUE,
        searchNamespace: [TOOLS_NAMESPACE],
      },
      datasources: { defaultDatasourceEnabled: true, alertmanager: { enabled: false } },
    },
    ...grafanaExposure(fleet),
  };
}

function monitoringValues(fleet: FleetModel): Record<string, unknown> {
  const tools = clusterToolsNodeSelector();
  return {
    // Only when tools.monitoring.alerts is on: without a receiver, alerts stay visible in
    // Prometheus and Grafana without an Alertmanager pod.
    alertmanager: alertmanagerValues(fleet),
    // Managed control planes (EKS) do not expose these; their targets would only be down.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    crds: { upgradeJob: { nodeSelector: tools } },
    prometheusOperator: {
      nodeSelector: tools,
      admissionWebhooks: { patch: { nodeSelector: tools }, deployment: { nodeSelector: tools } },
    },
    prometheus: prometheusValues(fleet),
    "kube-state-metrics": {
      nodeSelector: tools,
      metricLabelsAllowlist: Object.entries(KSM_LABELS_ALLOWLIST).map(
        ([resource, labels]) => `${resource}=[${labels.join(",")}]`,
      ),
      resources: { requests: { cpu: "20m", memory: "64Mi" } },
    },
    // A per-node agent: every node of every group, whatever its taints.
    "prometheus-node-exporter": {
      tolerations: EVERY_NODE_TOLERATIONS.map((t) => ({ ...t })),
      resources: { requests: { cpu: "10m", memory: "32Mi" } },
    },
    grafana: grafanaValues(fleet),
  };
}

function monitoringSecrets(fleet: FleetModel): SecretRequest[] {
  const secret = { namespace: TOOLS_NAMESPACE, tool: MONITORING_RELEASE };
  const secrets: SecretRequest[] = [
    { ...secret, name: METRICS_TOKEN_SECRET, type: "generated", keys: [METRICS_TOKEN_KEY] },
    {
      ...secret,
      name: GRAFANA_ADMIN_SECRET,
      type: "generated",
      keys: ["admin-user", "admin-password"],
      literals: { "admin-user": GRAFANA_ADMIN_USER },
    },
  ];
  const alerts = alertSecretRequest(fleet, MONITORING_RELEASE);
  if (alerts) secrets.push(alerts);
  // An Ingress reads its certificate from its own namespace.
  if (fleet.tools.monitoring.grafanaPath && tlsMode(fleet) === "files") {
    secrets.push({
      ...secret,
      name: FILE_TLS_SECRET,
      type: "tls-from-files",
      keys: ["tls.crt", "tls.key"],
    });
  }
  return secrets;
}

export function renderMonitoring(fleet: FleetModel): RenderedTool[] {
  const monitoring = fleet.tools.monitoring;
  if (!monitoring.enabled) return [];
  // The PrometheusRule's CRD comes with the chart: applied after the release.
  const rules = alertRulesObject(fleet, MONITORING_RELEASE);
  const cost = costRulesObject(fleet);
  return [
    {
      name: MONITORING_RELEASE,
      namespace: TOOLS_NAMESPACE,
      release: {
        name: MONITORING_RELEASE,
        namespace: TOOLS_NAMESPACE,
        chart: {
          ...KUBE_PROMETHEUS_STACK_CHART,
          version: monitoring.chartVersion ?? KUBE_PROMETHEUS_STACK_CHART.version,
        },
        values: monitoringValues(fleet),
        tool: MONITORING_RELEASE,
      },
      manifests: [
        { phase: "after-release", tool: MONITORING_RELEASE, object: dashboardConfigMap(fleet) },
        ...(rules
          ? [{ phase: "after-release" as const, tool: MONITORING_RELEASE, object: rules }]
          : []),
        ...(cost
          ? [{ phase: "after-release" as const, tool: MONITORING_RELEASE, object: cost }]
          : []),
      ],
      secrets: monitoringSecrets(fleet),
      documents: [{ path: FLEET_DASHBOARD_PATH, data: renderFleetDashboard(fleet) }],
    },
  ];
}

export const COST_RULES_NAME = "hubfleet-cost";

/** The cost recording rules as a PrometheusRule (docs/cost.md); none without prices. */
function costRulesObject(fleet: FleetModel): KubeObject | undefined {
  const groups = costRuleGroups(fleet);
  if (groups.length === 0) return undefined;
  return prometheusRule(fleet, MONITORING_RELEASE, COST_RULES_NAME, groups);
}

/** The fleet dashboard as a ConfigMap Grafana's sidecar provisions (it watches the label). */
function dashboardConfigMap(fleet: FleetModel): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "hubfleet-dashboard-jupyterhub-fleet",
      namespace: TOOLS_NAMESPACE,
      labels: {
        ...toolLabels(fleet, MONITORING_RELEASE),
        [GRAFANA_DASHBOARD_LABEL]: GRAFANA_DASHBOARD_LABEL_VALUE,
      },
    },
    data: { "jupyterhub-fleet.json": toJson(renderFleetDashboard(fleet)) },
  };
}
