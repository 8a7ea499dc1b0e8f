/**
 * The ingress controller (Traefik) and TLS (files, an existing Secret, cert-manager): where the
 * pods run, how the load balancer is asked for, when HTTP is redirected, and what each routing
 * mode × TLS mode gives the hubs' Ingresses and cert-manager.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildModel, type FleetModel } from "../../src/fleet/model.js";
import { type FleetInput, fleetSchema } from "../../src/fleet/schema.js";
import {
  ACME_SOLVER_POD,
  ACME_SOLVER_PORT,
  INGRESS_CONTROLLER_POD,
  renderNetworkPolicies,
} from "../../src/render/hub/network.js";
import { hubIngressValues, hubRoute, hubUrl, tlsMode } from "../../src/render/hub/routing.js";
import { ACME_SERVERS, renderCertManager } from "../../src/render/tools/certManager.js";
import { renderIngressController } from "../../src/render/tools/ingress.js";
import { toYaml } from "../../src/render/yaml.js";
import { CERT_MANAGER_CHART, TRAEFIK_CHART } from "../../src/vocabulary/charts.js";
import {
  AWS_LB_INTERNAL,
  AWS_LB_TYPE,
  CLUSTER_ISSUER_ANNOTATION,
  NODE_GROUP_LABEL,
  TOOL_LABEL,
} from "../../src/vocabulary/labels.js";
import { INGRESS_CLASS } from "../../src/vocabulary/names.js";
import { TOOLS_NAMESPACE } from "../../src/vocabulary/namespaces.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values
type Any = any;

type Routing = "path" | "subdomain";
type Tls = "none" | "files" | "secret" | "cert-manager";

interface Variant {
  readonly routing?: Routing;
  readonly tls?: Tls;
  readonly provider?: "eks" | "local";
  readonly monitoring?: boolean;
  readonly ingress?: Record<string, unknown>;
  readonly certManager?: Record<string, unknown>;
}

const HOST = "hubs.example.edu";
const HUBS = ["stat101", "cs480"];

/** A fleet through the schema's defaults only: these tests judge rendering, not validation. */
function fleet(v: Variant = {}): FleetModel {
  const tls = v.tls ?? "none";
  const input: FleetInput = {
    apiVersion: "hubfleet/v1alpha1",
    kind: "Fleet",
    cluster: { name: "jhfleet", provider: v.provider ?? "eks" },
    domain: {
      host: HOST,
      routing: v.routing ?? "path",
      ...(tls === "files" ? { tls: { certFile: "tls.crt", keyFile: "tls.key" } } : {}),
      ...(tls === "secret" ? { tls: { secretName: "wildcard-tls" } } : {}),
    },
    tools: {
      ingress: v.ingress ?? {},
      certManager: {
        enabled: tls === "cert-manager",
        email: "admins@example.edu",
        ...v.certManager,
      },
      monitoring: { enabled: v.monitoring ?? false },
    },
    hubs: HUBS.map((name) => ({ name })),
  };
  return buildModel(fleetSchema.parse(input));
}

const traefikValues = (f: FleetModel): Any => {
  const [tool] = renderIngressController(f);
  assert.ok(tool, "no ingress controller rendered");
  return tool.release.values;
};
const certManagerOf = (f: FleetModel) => {
  const [tool] = renderCertManager(f);
  assert.ok(tool, "cert-manager not rendered");
  return tool;
};
const objectOf = (f: FleetModel, kind: string): Any =>
  certManagerOf(f).manifests.find((m) => m.object.kind === kind)?.object;
const routeOf = (f: FleetModel, name: string) => {
  const hub = f.hubs.find((h) => h.name === name);
  assert.ok(hub, `no hub ${name}`);
  return hubRoute(f, hub);
};
const hubIngress = (f: FleetModel, name: string): Any => hubIngressValues(routeOf(f, name));

/** Every value of a key anywhere in a tree. */
function valuesOfKey(tree: unknown, key: string): unknown[] {
  if (Array.isArray(tree)) return tree.flatMap((x) => valuesOfKey(x, key));
  if (tree === null || typeof tree !== "object") return [];
  return Object.entries(tree).flatMap(([k, v]) => [
    ...(k === key ? [v] : []),
    ...valuesOfKey(v, key),
  ]);
}

const TLS_MODES: Tls[] = ["none", "files", "secret", "cert-manager"];
const EVERY_VARIANT: Variant[] = (["path", "subdomain"] as const).flatMap((routing) =>
  TLS_MODES.flatMap((tls) => [
    { routing, tls },
    { routing, tls, monitoring: true, ingress: { replicas: 3 } },
  ]),
);

describe("placement", () => {
  for (const v of EVERY_VARIANT) {
    const name = `${v.routing} routing, TLS ${v.tls}${v.monitoring ? ", monitored, 3 replicas" : ""}`;
    it(`${name}: Traefik's pods run on clustertools and tolerate nothing`, () => {
      const values = traefikValues(fleet(v));
      assert.deepEqual(values.nodeSelector, { [NODE_GROUP_LABEL]: "clustertools" });
      assert.deepEqual(valuesOfKey(values, "tolerations"), []);
    });
    if (v.tls === "cert-manager") {
      it(`${name}: every cert-manager pod, and the ACME solver, run on clustertools`, () => {
        const f = fleet(v);
        const values = certManagerOf(f).release.values as Any;
        for (const pod of [values, values.webhook, values.cainjector, values.startupapicheck]) {
          assert.equal(pod.nodeSelector[NODE_GROUP_LABEL], "clustertools");
        }
        assert.deepEqual(valuesOfKey(values, "tolerations"), []);
        const solver = objectOf(f, "ClusterIssuer").spec.acme.solvers[0].http01.ingress;
        assert.deepEqual(solver.podTemplate.spec.nodeSelector, {
          [NODE_GROUP_LABEL]: "clustertools",
        });
        assert.deepEqual(valuesOfKey(solver, "tolerations"), []);
      });
    }
  }
  it("runs both releases in cluster-tools", () => {
    const f = fleet({ tls: "cert-manager" });
    for (const tool of [...renderIngressController(f), ...renderCertManager(f)]) {
      assert.equal(tool.namespace, TOOLS_NAMESPACE);
      assert.equal(tool.release.namespace, TOOLS_NAMESPACE);
      assert.equal(tool.release.tool, tool.name);
    }
  });
});

describe("the controller's Service", () => {
  const cases: Array<[string, Variant, string, Record<string, string>]> = [
    [
      "eks, internet-facing NLB",
      { ingress: { awsLoadBalancer: "nlb" } },
      "LoadBalancer",
      { [AWS_LB_TYPE]: "nlb" },
    ],
    [
      "eks, internal NLB",
      { ingress: { awsLoadBalancer: "nlb-internal" } },
      "LoadBalancer",
      { [AWS_LB_TYPE]: "nlb", [AWS_LB_INTERNAL]: "true" },
    ],
    [
      "eks, the cloud's default balancer",
      { ingress: { awsLoadBalancer: "none" } },
      "LoadBalancer",
      {},
    ],
    [
      "eks, NodePort: no balancer to annotate",
      { ingress: { serviceType: "NodePort" } },
      "NodePort",
      {},
    ],
    ["local: no AWS annotations", { provider: "local" }, "LoadBalancer", {}],
    [
      "user annotations are merged last and win",
      {
        ingress: {
          awsLoadBalancer: "nlb-internal",
          serviceAnnotations: { [AWS_LB_INTERNAL]: "false", "example.edu/team": "hpc" },
        },
      },
      "LoadBalancer",
      { [AWS_LB_TYPE]: "nlb", [AWS_LB_INTERNAL]: "false", "example.edu/team": "hpc" },
    ],
    [
      "local keeps user annotations",
      { provider: "local", ingress: { serviceAnnotations: { "example.edu/team": "hpc" } } },
      "LoadBalancer",
      { "example.edu/team": "hpc" },
    ],
  ];
  for (const [name, variant, type, annotations] of cases) {
    it(name, () => {
      const service = traefikValues(fleet(variant)).service;
      assert.equal(service.spec.type, type);
      assert.deepEqual(service.annotations, annotations);
    });
  }
});

describe("the controller", () => {
  it("creates the default IngressClass the hubs name, and publishes the Service address", () => {
    const values = traefikValues(fleet());
    assert.deepEqual(values.ingressClass, {
      enabled: true,
      isDefaultClass: true,
      name: INGRESS_CLASS,
    });
    assert.equal(values.providers.kubernetesIngress.enabled, true);
    assert.equal(values.providers.kubernetesIngress.publishedService.enabled, true);
  });
  it("labels its pods as the hubs' NetworkPolicies expect (no nameOverride)", () => {
    const values = traefikValues(fleet());
    assert.deepEqual(INGRESS_CONTROLLER_POD, { "app.kubernetes.io/name": TRAEFIK_CHART.name });
    assert.equal(values.nameOverride, undefined);
    assert.equal(values.fullnameOverride, undefined);
  });
  const replicaCases: Array<[number, boolean]> = [
    [1, false],
    [2, true],
    [4, true],
  ];
  for (const [replicas, pdb] of replicaCases) {
    it(`${replicas} replica(s): ${pdb ? "a" : "no"} PodDisruptionBudget`, () => {
      const values = traefikValues(fleet({ ingress: { replicas } }));
      assert.equal(values.deployment.replicas, replicas);
      assert.equal(values.podDisruptionBudget.enabled, pdb);
      if (pdb) assert.equal(values.podDisruptionBudget.maxUnavailable, 1);
    });
  }
  it("requests CPU and memory", () => {
    const { requests } = traefikValues(fleet()).resources;
    assert.ok(requests.cpu && requests.memory);
  });
  for (const monitoring of [false, true]) {
    it(`metrics on; a ServiceMonitor for kube-prometheus-stack only ${monitoring ? "with" : "without"} monitoring`, () => {
      const f = fleet({ tls: "cert-manager", monitoring });
      const prometheus = traefikValues(f).metrics.prometheus;
      assert.equal(prometheus.entryPoint, "metrics");
      assert.equal(prometheus.serviceMonitor.enabled, monitoring);
      assert.deepEqual(
        prometheus.serviceMonitor.additionalLabels,
        monitoring ? { release: "kube-prometheus-stack" } : undefined,
      );
      const cm = certManagerOf(f).release.values as Any;
      assert.equal(cm.prometheus.servicemonitor.enabled, monitoring);
    });
  }
  it("pins the chart; chartVersion overrides the pin", () => {
    assert.match(TRAEFIK_CHART.version, /^\d+\.\d+\.\d+$/);
    assert.equal(TRAEFIK_CHART.repo, "https://traefik.github.io/charts");
    const [pinned] = renderIngressController(fleet());
    assert.deepEqual(pinned?.release.chart, TRAEFIK_CHART);
    const [chosen] = renderIngressController(fleet({ ingress: { chartVersion: "40.0.0" } }));
    assert.equal(chosen?.release.chart.version, "40.0.0");
  });
});

describe("HTTP → HTTPS", () => {
  const cases: Array<[Tls, boolean]> = [
    ["none", false],
    ["files", true],
    ["secret", true],
    ["cert-manager", true],
  ];
  for (const [tls, redirect] of cases) {
    it(`TLS ${tls}: ${redirect ? "redirects" : "no redirect"}`, () => {
      const f = fleet({ tls });
      const web = traefikValues(f).ports.web;
      assert.deepEqual(
        web.http?.redirections?.entryPoint,
        redirect ? { to: "websecure", scheme: "https", permanent: true } : undefined,
      );
      // The ACME challenge path stays on HTTP only where cert-manager needs it.
      assert.equal(web.allowACMEByPass, tls === "cert-manager" ? true : undefined);
      assert.equal(hubUrl(routeOf(f, "cs480")), `${redirect ? "https" : "http"}://${HOST}/cs480/`);
    });
  }
});

describe("routing × TLS: the hubs' Ingress values", () => {
  interface Expect {
    readonly host: (hub: string) => string;
    readonly secretName: (hub: string) => string | undefined;
    readonly issuerAnnotation: boolean;
  }
  const shared = () => HOST;
  const sub = (hub: string) => `${hub}.${HOST}`;
  const cases: Array<[Routing, Tls, Expect | null]> = [
    ["path", "none", null],
    ["path", "files", { host: shared, secretName: () => "hubfleet-tls", issuerAnnotation: false }],
    ["path", "secret", { host: shared, secretName: () => "wildcard-tls", issuerAnnotation: false }],
    // One certificate for the shared host, served by Traefik: the hubs request none.
    [
      "path",
      "cert-manager",
      { host: shared, secretName: () => undefined, issuerAnnotation: false },
    ],
    ["subdomain", "none", null],
    [
      "subdomain",
      "files",
      { host: sub, secretName: () => "hubfleet-tls", issuerAnnotation: false },
    ],
    [
      "subdomain",
      "secret",
      { host: sub, secretName: () => "wildcard-tls", issuerAnnotation: false },
    ],
    [
      "subdomain",
      "cert-manager",
      { host: sub, secretName: (h) => `${h}-tls`, issuerAnnotation: true },
    ],
  ];
  for (const [routing, tls, expect] of cases) {
    it(`${routing} routing, TLS ${tls}`, () => {
      const f = fleet({ routing, tls });
      assert.equal(tlsMode(f), tls);
      for (const hub of HUBS) {
        const ingress = hubIngress(f, hub);
        const host = routing === "path" ? HOST : `${hub}.${HOST}`;
        assert.equal(ingress.enabled, true);
        assert.equal(ingress.ingressClassName, INGRESS_CLASS);
        assert.equal(ingress.pathType, "Prefix");
        assert.deepEqual(ingress.hosts, [host]);
        assert.equal(routeOf(f, hub).baseUrl, routing === "path" ? `/${hub}/` : "/");
        if (!expect) {
          assert.equal(ingress.tls, undefined);
          assert.equal(ingress.annotations, undefined);
          continue;
        }
        const secretName = expect.secretName(hub);
        assert.deepEqual(ingress.tls, [
          { hosts: [expect.host(hub)], ...(secretName ? { secretName } : {}) },
        ]);
        assert.deepEqual(
          ingress.annotations,
          expect.issuerAnnotation
            ? { [CLUSTER_ISSUER_ANNOTATION]: objectOf(f, "ClusterIssuer").metadata.name }
            : undefined,
        );
      }
    });
  }
});

describe("cert-manager", () => {
  const serverCases: Array<["production" | "staging", string]> = [
    ["production", ACME_SERVERS.production],
    ["staging", ACME_SERVERS.staging],
  ];
  for (const [server, url] of serverCases) {
    it(`a ClusterIssuer for Let's Encrypt ${server}, HTTP-01 through Traefik`, () => {
      const f = fleet({ tls: "cert-manager", certManager: { server } });
      const issuer = objectOf(f, "ClusterIssuer");
      assert.equal(issuer.apiVersion, "cert-manager.io/v1");
      assert.equal(issuer.metadata.namespace, undefined, "cluster-scoped");
      assert.equal(issuer.spec.acme.server, url);
      assert.match(url, server === "staging" ? /acme-staging-v02/ : /\/\/acme-v02\./);
      assert.equal(issuer.spec.acme.email, "admins@example.edu");
      assert.ok(issuer.spec.acme.privateKeySecretRef.name, "an account key Secret");
      assert.equal(issuer.spec.acme.solvers[0].http01.ingress.ingressClassName, INGRESS_CLASS);
    });
  }
  it("path routing: ONE Certificate for the host in cluster-tools, Traefik's default certificate", () => {
    const f = fleet({ routing: "path", tls: "cert-manager" });
    const certificates = certManagerOf(f).manifests.filter((m) => m.object.kind === "Certificate");
    assert.equal(certificates.length, 1);
    const cert = certificates[0]?.object as Any;
    assert.equal(cert.metadata.namespace, TOOLS_NAMESPACE);
    assert.deepEqual(cert.spec.dnsNames, [HOST]);
    assert.deepEqual(cert.spec.issuerRef, {
      group: "cert-manager.io",
      kind: "ClusterIssuer",
      name: objectOf(f, "ClusterIssuer").metadata.name,
    });
    assert.deepEqual(traefikValues(f).tlsStore, {
      default: { defaultCertificate: { secretName: cert.spec.secretName } },
    });
  });
  it("subdomain routing: no shared Certificate and no default certificate; one Secret per hub", () => {
    const f = fleet({ routing: "subdomain", tls: "cert-manager" });
    assert.equal(objectOf(f, "Certificate"), undefined);
    assert.equal(traefikValues(f).tlsStore, undefined);
    const secrets = HUBS.map((hub) => hubIngress(f, hub).tls[0].secretName);
    assert.equal(new Set(secrets).size, HUBS.length);
  });
  it("other TLS modes: no default certificate", () => {
    for (const tls of ["none", "files", "secret"] as const) {
      assert.equal(traefikValues(fleet({ tls })).tlsStore, undefined, tls);
    }
  });
  it("installs its CRDs with the chart, pinned; its objects wait for the release", () => {
    const tool = certManagerOf(fleet({ tls: "cert-manager" }));
    assert.deepEqual(tool.release.chart, CERT_MANAGER_CHART);
    assert.match(CERT_MANAGER_CHART.version, /^v\d+\.\d+\.\d+$/);
    assert.deepEqual((tool.release.values as Any).crds, { enabled: true, keep: true });
    for (const m of tool.manifests) {
      assert.equal(m.phase, "after-release");
      assert.equal(m.tool, "cert-manager");
      assert.equal(m.object.metadata.labels?.[TOOL_LABEL], "cert-manager");
    }
  });
});

describe("the ACME solver's NetworkPolicy", () => {
  const cases: Array<[Routing, Tls, boolean]> = [
    ["subdomain", "cert-manager", true],
    ["path", "cert-manager", false],
    ["subdomain", "files", false],
    ["subdomain", "none", false],
  ];
  for (const [routing, tls, expected] of cases) {
    it(`${routing} routing, TLS ${tls}: ${expected ? "admits Traefik to the solver" : "none"}`, () => {
      const f = fleet({ routing, tls });
      for (const hub of f.hubs) {
        const policy = renderNetworkPolicies(f, hub).find(
          (m) => m.object.metadata.name === "hubfleet-acme-solver",
        )?.object as Any;
        assert.equal(policy !== undefined, expected, hub.name);
        if (!policy) continue;
        assert.equal(policy.metadata.namespace, hub.name);
        assert.deepEqual(policy.spec.podSelector, { matchLabels: ACME_SOLVER_POD });
        const [rule] = policy.spec.ingress;
        assert.deepEqual(rule.ports, [{ protocol: "TCP", port: ACME_SOLVER_PORT }]);
        assert.deepEqual(rule.from[0].podSelector.matchLabels, INGRESS_CONTROLLER_POD);
        assert.deepEqual(rule.from[0].namespaceSelector.matchLabels, {
          "kubernetes.io/metadata.name": TOOLS_NAMESPACE,
        });
      }
    });
  }
});

describe("determinism and switches", () => {
  for (const v of EVERY_VARIANT) {
    it(`${v.routing}/${v.tls}${v.monitoring ? "/monitored" : ""}: the same fleet renders the same values and YAML`, () => {
      const render = () => {
        const f = fleet(v);
        return [...renderIngressController(f), ...renderCertManager(f)];
      };
      const a = render();
      const b = render();
      assert.deepEqual(a, b);
      const yaml = (tools: typeof a) =>
        tools.map(
          (t) =>
            toYaml(t.release.values) +
            t.manifests.map((m) => toYaml(m.object as KubeObject)).join(""),
        );
      assert.deepEqual(yaml(a), yaml(b));
    });
  }
  it("renders nothing for a disabled tool", () => {
    assert.deepEqual(renderIngressController(fleet({ ingress: { enabled: false } })), []);
    assert.deepEqual(renderCertManager(fleet({ tls: "none" })), []);
    assert.equal(renderCertManager(fleet({ tls: "cert-manager" })).length, 1);
    assert.equal(renderIngressController(fleet()).length, 1);
  });
});
