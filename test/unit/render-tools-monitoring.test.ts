/**
 * Monitoring: where every pod of kube-prometheus-stack runs, what kube-state-metrics exports,
 * how Prometheus scrapes the hubs (with a token nobody can read in the rendered files) and the
 * drives, and how Grafana is reached.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import type { FleetModel } from "../../src/fleet/model.js";
import { placement, type Taint } from "../../src/render/cluster/nodeGroups.js";
import { bundleFiles } from "../../src/render/files.js";
import { PROMETHEUS_POD } from "../../src/render/hub/network.js";
import { hubRoute } from "../../src/render/hub/routing.js";
import {
  HUB_SECRET_VALUES,
  hubSecretValues,
  hubValuesOptions,
  renderHubValues,
} from "../../src/render/hub/values.js";
import { renderFleet } from "../../src/render/index.js";
import {
  DRIVE_SCRAPE_JOB,
  hubScrapeConfigs,
  renderMonitoring,
} from "../../src/render/tools/monitoring.js";
import type { RenderedTool } from "../../src/render/tools/tool.js";
import { KUBE_PROMETHEUS_STACK_CHART } from "../../src/vocabulary/charts.js";
import {
  GRAFANA_DASHBOARD_LABEL,
  GRAFANA_DASHBOARD_LABEL_VALUE,
} from "../../src/vocabulary/labels.js";
import { HUB_SCRAPE_JOB } from "../../src/vocabulary/names.js";
import { findUnknownZ2jhKeys } from "../../src/vocabulary/z2jhKeys.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values
type Any = any;

const fleetWith = (edit: (d: Document) => void): FleetModel => fleetFrom(editedExample(edit));
const monitoringWith = (settings: Record<string, unknown>) =>
  fleetWith((d) => d.setIn(["tools", "monitoring"], d.createNode(settings)));
const subdomain = (f: FleetModel): FleetModel => ({
  ...f,
  domain: { ...f.domain, routing: "subdomain" },
});

function only(fleet: FleetModel): RenderedTool {
  const tools = renderMonitoring(fleet);
  assert.equal(tools.length, 1);
  return tools[0] as RenderedTool;
}
const valuesOf = (fleet: FleetModel) => only(fleet).release.values as Any;

const CLUSTER_TOOLS = { "hubfleet.io/node-group": "clustertools" };

/** Whether `tolerations` let a pod onto a node with `taint` (Kubernetes' matching rules). */
function tolerates(tolerations: readonly Record<string, string>[], taint: Taint): boolean {
  return tolerations.some(
    (t) =>
      (t.key === undefined || t.key === taint.key) &&
      (t.effect === undefined || t.effect === taint.effect) &&
      (t.operator === "Exists" || t.value === taint.value),
  );
}

/** Prometheus' relabelling (keep and replace, anchored regexes) over one discovered target. */
function relabel(
  configs: readonly Any[],
  target: Record<string, string>,
): Record<string, string> | undefined {
  const labels = { ...target };
  for (const c of configs) {
    const value = (c.source_labels ?? []).map((l: string) => labels[l] ?? "").join(";");
    const match = new RegExp(`^(?:${c.regex ?? "(.*)"})$`).exec(value);
    if (c.action === "keep") {
      if (!match) return undefined;
    } else if (match) {
      labels[c.target_label] = (c.replacement ?? "$1").replace(
        /\$(\d+)/g,
        (_: string, n: string) => match[Number(n)] ?? "",
      );
    }
  }
  // Meta labels are gone after relabelling.
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__meta_")));
}

/** A target the endpointslice role discovers in a namespace of the example fleet. */
function discovered(over: Record<string, string>): Record<string, string> {
  return {
    __address__: "10.1.2.3:8081",
    __metrics_path__: "/metrics",
    __meta_kubernetes_namespace: "stat101",
    __meta_kubernetes_namespace_label_hubfleet_io_fleet: exampleFleet().name,
    __meta_kubernetes_namespace_labelpresent_hubfleet_io_hub: "true",
    __meta_kubernetes_service_name: "hub",
    __meta_kubernetes_endpointslice_port_name: "hub",
    __meta_kubernetes_pod_name: "hub-7d9f-abcde",
    ...over,
  };
}

const job = (fleet: FleetModel, name: string): Any => {
  const j = hubScrapeConfigs(fleet).find((c) => c.job_name === name);
  assert.ok(j, `no scrape job ${name}`);
  return j;
};

describe("the release", () => {
  it("is kube-prometheus-stack in cluster-tools, pinned, with a chartVersion override", () => {
    const tool = only(exampleFleet());
    assert.equal(tool.name, "kube-prometheus-stack");
    assert.equal(tool.namespace, "cluster-tools");
    assert.equal(tool.release.name, "kube-prometheus-stack");
    assert.equal(tool.release.tool, "kube-prometheus-stack");
    assert.deepEqual(tool.release.chart, {
      repo: "https://prometheus-community.github.io/helm-charts",
      name: "kube-prometheus-stack",
      version: "88.5.3",
    });
    const pinned = only(monitoringWith({ chartVersion: "88.0.0" })).release.chart;
    assert.equal(pinned.version, "88.0.0");
    assert.equal(KUBE_PROMETHEUS_STACK_CHART.version, "88.5.3");
  });
  it("renders nothing when monitoring is disabled", () => {
    assert.deepEqual(renderMonitoring(monitoringWith({ enabled: false })), []);
  });
  it("keeps Prometheus for tools.monitoring.retention on a claim of storageSize", () => {
    const spec = valuesOf(monitoringWith({ retention: "30d", storageSize: "80Gi" })).prometheus
      .prometheusSpec;
    assert.equal(spec.retention, "30d");
    const claim = spec.storageSpec.volumeClaimTemplate.spec;
    assert.deepEqual(claim.resources.requests, { storage: "80Gi" });
    assert.deepEqual(claim.accessModes, ["ReadWriteOnce"]);
    assert.equal(claim.storageClassName, "hubfleet-drive");
  });
});

describe("placement", () => {
  const v = valuesOf(exampleFleet());
  const pinned: Array<[string, Any]> = [
    ["prometheus", v.prometheus.prometheusSpec.nodeSelector],
    ["prometheus operator", v.prometheusOperator.nodeSelector],
    ["admission webhook patch jobs", v.prometheusOperator.admissionWebhooks.patch.nodeSelector],
    ["admission webhook server", v.prometheusOperator.admissionWebhooks.deployment.nodeSelector],
    ["CRD upgrade job", v.crds.upgradeJob.nodeSelector],
    ["kube-state-metrics", v["kube-state-metrics"].nodeSelector],
    ["grafana", v.grafana.nodeSelector],
  ];
  for (const [component, nodeSelector] of pinned) {
    it(`pins ${component} to clustertools`, () => {
      assert.deepEqual(nodeSelector, CLUSTER_TOOLS);
    });
  }
  it("runs no Alertmanager unless alerts are enabled, and Grafana has no datasource for it", () => {
    assert.equal(v.alertmanager.enabled, false);
    assert.equal(v.grafana.sidecar.datasources.alertmanager.enabled, false);
  });
  it("runs node exporter on every node of every group, tolerating the users' taint", () => {
    const ne = v["prometheus-node-exporter"];
    assert.equal(ne.nodeSelector?.["hubfleet.io/node-group"], undefined);
    for (const group of ["clustertools", "jhcontrolplane", "jhusers"] as const) {
      for (const taint of placement(group).taints) {
        assert.ok(tolerates(ne.tolerations, taint), `${group}: ${taint.key}`);
      }
    }
    assert.ok(placement("jhusers").taints.length > 0, "the user group is tainted");
    assert.ok(tolerates(ne.tolerations, { key: "any", value: "x", effect: "NoExecute" }));
  });
});

describe("kube-state-metrics", () => {
  const allowlist: string[] = valuesOf(exampleFleet())["kube-state-metrics"].metricLabelsAllowlist;
  const exported = (resource: string): string[] => {
    const entry = allowlist.find((e) => e.startsWith(`${resource}=`));
    assert.ok(entry, `no allowlist for ${resource}`);
    const keys = /^[a-z]+=\[(.*)\]$/.exec(entry)?.[1]?.split(",") ?? [];
    // kube-state-metrics prefixes label_ and turns every other character into "_".
    return keys.map((k) => `label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`);
  };
  const cases: Array<[string, string, string]> = [
    ["kube_node_labels", "nodes", "label_hubfleet_io_node_group"],
    ["kube_node_labels", "nodes", "label_hub_jupyter_org_node_purpose"],
    ["kube_pod_labels", "pods", "label_component"],
    ["kube_pod_labels", "pods", "label_hub_jupyter_org_username"],
    ["kube_namespace_labels", "namespaces", "label_hubfleet_io_hub"],
    ["kube_namespace_labels", "namespaces", "label_hubfleet_io_fleet"],
  ];
  for (const [metric, resource, label] of cases) {
    it(`${metric} carries ${label}`, () => {
      assert.ok(exported(resource).includes(label), exported(resource).join(","));
    });
  }
});

describe("what Prometheus selects", () => {
  const spec = valuesOf(exampleFleet()).prometheus.prometheusSpec;
  for (const kind of ["serviceMonitor", "podMonitor", "probe", "scrapeConfig", "rule"]) {
    it(`${kind}s of every release, in every namespace`, () => {
      assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false);
      assert.deepEqual(spec[`${kind}Selector`], {});
      assert.deepEqual(spec[`${kind}NamespaceSelector`], {});
    });
  }
  it("may list namespaces (their labels pick the fleet's hubs)", () => {
    const rules: Any[] = valuesOf(exampleFleet()).prometheus.additionalRulesForClusterRole;
    assert.ok(rules.some((r) => r.resources.includes("namespaces") && r.verbs.includes("list")));
  });
  it("the hubs' policies admit the label the operator puts on Prometheus pods", () => {
    assert.deepEqual(PROMETHEUS_POD, { "app.kubernetes.io/name": "prometheus" });
  });
});

describe("scraping the hubs", () => {
  it("reads the token from where prometheusSpec.secrets mounts the generated Secret", () => {
    const tool = only(exampleFleet());
    const spec = (tool.release.values as Any).prometheus.prometheusSpec;
    const file: string = job(exampleFleet(), HUB_SCRAPE_JOB).authorization.credentials_file;
    const [, name, key] = /^\/etc\/prometheus\/secrets\/([^/]+)\/([^/]+)$/.exec(file) ?? [];
    assert.ok(name && key, file);
    assert.ok(spec.secrets.includes(name));
    const secret = tool.secrets.find((s) => s.name === name);
    assert.deepEqual(
      { namespace: secret?.namespace, type: secret?.type, keys: secret?.keys, tool: secret?.tool },
      { namespace: "cluster-tools", type: "generated", keys: [key], tool: "kube-prometheus-stack" },
    );
    assert.equal(job(exampleFleet(), HUB_SCRAPE_JOB).authorization.type, "Bearer");
  });

  const paths: Array<[string, FleetModel, string, string]> = [
    ["path routing", exampleFleet(), "stat101", "/stat101/hub/metrics"],
    ["path routing", exampleFleet(), "genomics-lab", "/genomics-lab/hub/metrics"],
    ["subdomain routing", subdomain(exampleFleet()), "stat101", "/hub/metrics"],
  ];
  for (const [mode, fleet, hub, path] of paths) {
    it(`${mode}: scrapes ${hub} at ${path}, labelled with namespace and pod`, () => {
      const j = job(fleet, HUB_SCRAPE_JOB);
      const target = { ...discovered({ __meta_kubernetes_namespace: hub }) };
      target.__metrics_path__ = j.metrics_path;
      assert.deepEqual(relabel(j.relabel_configs, target), {
        __address__: "10.1.2.3:8081",
        __metrics_path__: path,
        namespace: hub,
        pod: "hub-7d9f-abcde",
      });
    });
  }

  const ignored: Array<[string, Record<string, string>]> = [
    ["another fleet's hub", { __meta_kubernetes_namespace_label_hubfleet_io_fleet: "other" }],
    ["a namespace without a hub", { __meta_kubernetes_namespace_labelpresent_hubfleet_io_hub: "" }],
    ["the proxy", { __meta_kubernetes_service_name: "proxy-public" }],
    ["another port of the hub's pod", { __meta_kubernetes_endpointslice_port_name: "" }],
  ];
  for (const [what, over] of ignored) {
    it(`does not scrape ${what}`, () => {
      assert.equal(
        relabel(job(exampleFleet(), HUB_SCRAPE_JOB).relabel_configs, discovered(over)),
        undefined,
      );
    });
  }

  it("scrapes every drive's metrics port without a token, labelled with namespace and pod", () => {
    const j = job(exampleFleet(), DRIVE_SCRAPE_JOB);
    assert.equal(j.authorization, undefined);
    const target = discovered({
      __address__: "10.1.2.4:9100",
      __meta_kubernetes_namespace: "cs480",
      __meta_kubernetes_service_name: "drive",
      __meta_kubernetes_endpointslice_port_name: "metrics",
      __meta_kubernetes_pod_name: "drive-0",
      __metrics_path__: j.metrics_path,
    });
    assert.deepEqual(relabel(j.relabel_configs, target), {
      __address__: "10.1.2.4:9100",
      __metrics_path__: "/metrics",
      namespace: "cs480",
      pod: "drive-0",
    });
    const nfs = { ...target, __meta_kubernetes_endpointslice_port_name: "nfs" };
    assert.equal(relabel(j.relabel_configs, nfs), undefined);
  });

  it("keeps one configuration for any number of hubs", () => {
    const fewer = fleetWith((d) => d.deleteIn(["hubs", 2]));
    assert.equal(fewer.hubs.length, exampleFleet().hubs.length - 1);
    assert.deepEqual(valuesOf(fewer), valuesOf(exampleFleet()));
  });
});

describe("the hubs' side of the token", () => {
  const hubValues = (fleet: FleetModel, name = "stat101"): Any => {
    const hub = fleet.hubs.find((h) => h.name === name);
    assert.ok(hub);
    return renderHubValues(hub, hubRoute(fleet, hub), hubValuesOptions(fleet));
  };

  it("registers Prometheus as a service with only read:metrics, and JupyterHub asks for it", () => {
    const v = hubValues(exampleFleet());
    assert.equal(v.hub.config.JupyterHub.authenticate_prometheus, true);
    // Beside hubfleet check's own service (test/unit/check.test.ts).
    assert.deepEqual(Object.keys(v.hub.services), [
      "hubfleet-check",
      "hubfleet-load-test",
      "prometheus",
    ]);
    const roles = Object.values(v.hub.loadRoles) as Any[];
    assert.deepEqual(
      roles
        .filter((r) => r.services.includes("prometheus"))
        .map((r) => ({ scopes: r.scopes, services: r.services })),
      [{ scopes: ["read:metrics"], services: ["prometheus"] }],
    );
    assert.deepEqual(findUnknownZ2jhKeys(v), []);
  });

  it("never renders the token; apply fills it from the Secret in cluster-tools", () => {
    const fleet = exampleFleet();
    const v = hubValues(fleet);
    assert.doesNotMatch(JSON.stringify(v), /api_?[tT]oken/);
    const extra = hubSecretValues(fleet).filter((s) => !HUB_SECRET_VALUES.includes(s));
    assert.deepEqual(extra, [
      {
        valuePath: ["hub", "services", "prometheus", "apiToken"],
        secretName: "hubfleet-metrics-token",
        key: "token",
        namespace: "cluster-tools",
      },
    ]);
    // The token goes under the service the values register, into the Secret the tool requests.
    assert.ok(v.hub.services.prometheus);
    const request = only(fleet).secrets.find((s) => s.name === extra[0]?.secretName);
    assert.equal(request?.namespace, extra[0]?.namespace);
    assert.ok(request?.keys.includes(extra[0]?.key ?? ""));
  });

  it("without monitoring: no Prometheus service, role or token to fill, metrics still need a token", () => {
    const fleet = monitoringWith({ enabled: false });
    const v = hubValues(fleet);
    assert.deepEqual(Object.keys(v.hub.services), ["hubfleet-check", "hubfleet-load-test"]);
    assert.deepEqual(Object.keys(v.hub.loadRoles), ["hubfleet-check", "hubfleet-load-test"]);
    assert.deepEqual(hubSecretValues(fleet), HUB_SECRET_VALUES);
    assert.equal(v.hub.config.JupyterHub.authenticate_prometheus, true);
  });
});

describe("Grafana", () => {
  it("logs in with the generated admin Secret and provisions labelled dashboards of cluster-tools", () => {
    const tool = only(exampleFleet());
    const g = (tool.release.values as Any).grafana;
    const secret = tool.secrets.find((s) => s.name === g.admin.existingSecret);
    assert.ok(secret, "the admin Secret is requested");
    assert.equal(secret.namespace, "cluster-tools");
    assert.deepEqual([...secret.keys].sort(), [g.admin.passwordKey, g.admin.userKey].sort());
    assert.deepEqual(secret.literals, { [g.admin.userKey]: "admin" });
    assert.deepEqual(
      {
        label: g.sidecar.dashboards.label,
        labelValue: g.sidecar.dashboards.labelValue,
        searchNamespace: g.sidecar.dashboards.searchNamespace,
      },
      { label: "grafana_dashboard", labelValue: "1", searchNamespace: ["cluster-tools"] },
    );
    assert.equal(GRAFANA_DASHBOARD_LABEL, "grafana_dashboard");
    assert.equal(GRAFANA_DASHBOARD_LABEL_VALUE, "1");
    assert.equal(g.defaultDashboardsEnabled, true);
  });

  it("is not exposed without grafanaPath", () => {
    const g = valuesOf(monitoringWith({})).grafana;
    assert.equal(g.ingress.enabled, false);
    assert.equal(g["grafana.ini"], undefined);
  });

  const exposed: Array<[string, FleetModel, Any]> = [
    [
      "path routing: a sub path of the shared host",
      monitoringWith({ grafanaPath: "/grafana" }),
      {
        host: "hubs.example.edu",
        path: "/grafana",
        rootUrl: "https://hubs.example.edu/grafana/",
        subPath: true,
      },
    ],
    [
      "subdomain routing: grafana.<host>",
      subdomain(monitoringWith({ grafanaPath: "/grafana" })),
      {
        host: "grafana.hubs.example.edu",
        path: "/",
        rootUrl: "https://grafana.hubs.example.edu/",
        subPath: false,
      },
    ],
  ];
  for (const [mode, fleet, want] of exposed) {
    it(`${mode}, through Traefik with the hubs' TLS`, () => {
      const g = valuesOf(fleet).grafana;
      assert.deepEqual(
        {
          enabled: g.ingress.enabled,
          ingressClassName: g.ingress.ingressClassName,
          hosts: g.ingress.hosts,
          path: g.ingress.path,
          pathType: g.ingress.pathType,
          tls: g.ingress.tls,
        },
        {
          enabled: true,
          ingressClassName: "traefik",
          hosts: [want.host],
          path: want.path,
          pathType: "Prefix",
          tls: [{ hosts: [want.host], secretName: "hubs-example-edu-tls" }],
        },
      );
      assert.deepEqual(g["grafana.ini"].server, {
        root_url: want.rootUrl,
        serve_from_sub_path: want.subPath,
      });
    });
  }

  it("with certificate files, asks apply for the TLS Secret in cluster-tools too", () => {
    const fleet = fleetWith((d) => {
      d.setIn(["domain", "tls"], d.createNode({ certFile: "tls.crt", keyFile: "tls.key" }));
      d.setIn(["tools", "monitoring"], d.createNode({ grafanaPath: "/grafana" }));
    });
    const tool = only(fleet);
    const tls = tool.secrets.find((s) => s.type === "tls-from-files");
    assert.equal(tls?.namespace, "cluster-tools");
    assert.equal((tool.release.values as Any).grafana.ingress.tls[0].secretName, tls?.name);
  });
});

describe("determinism", () => {
  it("renders the same tool from two loads of one fleet file, byte for byte", () => {
    const loads = [exampleFleet, () => subdomain(monitoringWith({ grafanaPath: "/g" }))];
    for (const load of loads) {
      assert.equal(
        JSON.stringify(renderMonitoring(load())),
        JSON.stringify(renderMonitoring(load())),
      );
    }
  });
});

describe("the fleet dashboard", () => {
  it("is written to dashboards/jupyterhub-fleet.json and provisioned to Grafana, identical", () => {
    const bundle = renderFleet(exampleFleet());
    const file = bundleFiles(bundle).find((f) => f.path === "dashboards/jupyterhub-fleet.json");
    assert.ok(file, "dashboard file rendered");
    const configMap = bundle.manifests.find(
      (m) => m.object.kind === "ConfigMap" && m.tool === "kube-prometheus-stack",
    );
    assert.equal(configMap?.phase, "after-release");
    assert.equal(configMap?.object.metadata.namespace, "cluster-tools");
    const sidecar = (valuesOf(exampleFleet()).grafana as Any).sidecar.dashboards;
    assert.equal(configMap?.object.metadata.labels?.[sidecar.label], sidecar.labelValue);
    assert.equal((configMap?.object.data as Any)?.["jupyterhub-fleet.json"], file.content);
    assert.equal(JSON.parse(file.content).uid, "hubfleet-jhfleet");
  });
  it("is not rendered without monitoring", () => {
    const bundle = renderFleet(monitoringWith({ enabled: false }));
    assert.ok(!bundleFiles(bundle).some((f) => f.path.startsWith("dashboards/")));
    assert.ok(!bundle.manifests.some((m) => m.tool === "kube-prometheus-stack"));
  });
});
