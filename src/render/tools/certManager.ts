/**
 * cert-manager and the Let's Encrypt ClusterIssuer the hubs' certificates come from (HTTP-01
 * through the ingress controller). With a subdomain per hub, cert-manager's ingress-shim requests
 * each hub's certificate from its Ingress annotation (../hub/routing.ts); with one shared host,
 * one Certificate here covers every hub and Traefik serves it as its default certificate.
 */
import type { FleetModel } from "../../fleet/model.js";
import { CERT_MANAGER_CHART } from "../../vocabulary/charts.js";
import { INGRESS_CLASS } from "../../vocabulary/names.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { clusterIssuerName, HOST_CERT_SECRET, sharesHostCertificate } from "../hub/routing.js";
import { SERVICE_MONITOR_LABELS } from "./ingress.js";
import { clusterToolsNodeSelector, type RenderedTool, toolLabels } from "./tool.js";
export const CERT_MANAGER_RELEASE = "cert-manager";
/** The Certificate for the shared host (path routing), in cluster-tools. */
export const HOST_CERTIFICATE = "hubfleet-host";

export const ACME_SERVERS = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

const CERT_MANAGER_API = "cert-manager.io/v1";

/** Every cert-manager pod: its own nodeSelector (the chart's default keeps Linux nodes). */
function placement(requests: { cpu: string; memory: string }) {
  return {
    nodeSelector: { "kubernetes.io/os": "linux", ...clusterToolsNodeSelector() },
    resources: { requests },
  };
}

export function certManagerValues(fleet: FleetModel): Record<string, unknown> {
  const monitored = fleet.tools.monitoring.enabled;
  return {
    // The chart installs and upgrades the CRDs; "keep" leaves them (and so every Certificate)
    // in place if the release is ever uninstalled.
    crds: { enabled: true, keep: true },
    // The leader-election Lease stays in cluster-tools rather than kube-system.
    global: { leaderElection: { namespace: TOOLS_NAMESPACE } },
    ...placement({ cpu: "10m", memory: "64Mi" }),
    webhook: placement({ cpu: "10m", memory: "32Mi" }),
    cainjector: placement({ cpu: "10m", memory: "64Mi" }),
    startupapicheck: placement({ cpu: "10m", memory: "32Mi" }),
    prometheus: {
      enabled: true,
      servicemonitor: monitored
        ? { enabled: true, labels: { ...SERVICE_MONITOR_LABELS } }
        : { enabled: false },
    },
  };
}

function clusterIssuer(fleet: FleetModel): KubeObject {
  const { email, server } = fleet.tools.certManager;
  const name = clusterIssuerName(fleet);
  return {
    apiVersion: CERT_MANAGER_API,
    kind: "ClusterIssuer",
    metadata: { name, labels: toolLabels(fleet, CERT_MANAGER_RELEASE) },
    spec: {
      acme: {
        server: ACME_SERVERS[server],
        ...(email ? { email } : {}),
        // The ACME account key; cert-manager keeps it in its own namespace (cluster-tools).
        privateKeySecretRef: { name: `${name}-account-key` },
        solvers: [
          {
            http01: {
              ingress: {
                ingressClassName: INGRESS_CLASS,
                // Solver pods run in the namespace of the certificate (a hub's, or cluster-tools);
                // wherever that is, they belong on the tools nodes, never on user nodes.
                podTemplate: { spec: { nodeSelector: clusterToolsNodeSelector() } },
              },
            },
          },
        ],
      },
    },
  };
}

function hostCertificate(fleet: FleetModel): KubeObject {
  return {
    apiVersion: CERT_MANAGER_API,
    kind: "Certificate",
    metadata: {
      name: HOST_CERTIFICATE,
      namespace: TOOLS_NAMESPACE,
      labels: toolLabels(fleet, CERT_MANAGER_RELEASE),
    },
    spec: {
      secretName: HOST_CERT_SECRET,
      dnsNames: [fleet.domain.host],
      issuerRef: {
        group: "cert-manager.io",
        kind: "ClusterIssuer",
        name: clusterIssuerName(fleet),
      },
    },
  };
}

export function renderCertManager(fleet: FleetModel): RenderedTool[] {
  const certManager = fleet.tools.certManager;
  if (!certManager.enabled) return [];
  const objects = [
    clusterIssuer(fleet),
    ...(sharesHostCertificate(fleet) ? [hostCertificate(fleet)] : []),
  ];
  const manifests: Manifest[] = objects.map((object) => ({
    phase: "after-release",
    tool: CERT_MANAGER_RELEASE,
    object,
  }));
  return [
    {
      name: CERT_MANAGER_RELEASE,
      namespace: TOOLS_NAMESPACE,
      release: {
        name: CERT_MANAGER_RELEASE,
        namespace: TOOLS_NAMESPACE,
        chart: {
          ...CERT_MANAGER_CHART,
          version: certManager.chartVersion ?? CERT_MANAGER_CHART.version,
        },
        values: certManagerValues(fleet),
        tool: CERT_MANAGER_RELEASE,
      },
      manifests,
      secrets: [],
    },
  ];
}
