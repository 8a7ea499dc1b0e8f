/**
 * The ingress controller every hub's URL goes through: Traefik, from its upstream chart, on the
 * clustertools nodes, behind an AWS Network Load Balancer on EKS (docs/design.md, "Ingress
 * controller").
 */
import type { FleetModel } from "../../fleet/model.js";
import { TRAEFIK_CHART } from "../../vocabulary/charts.js";
import { AWS_LB_INTERNAL, AWS_LB_TYPE, NAME_LABEL } from "../../vocabulary/labels.js";
import { INGRESS_CLASS } from "../../vocabulary/names.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import { HOST_CERT_SECRET, sharesHostCertificate, tlsMode } from "../hub/routing.js";
import { clusterToolsNodeSelector, type RenderedTool } from "./tool.js";
export const TRAEFIK_RELEASE = "traefik";

/**
 * Labels that make kube-prometheus-stack's Prometheus pick up a ServiceMonitor: by default it
 * selects `release: <its release name>`, and the monitoring release is "kube-prometheus-stack".
 */
export const SERVICE_MONITOR_LABELS: Readonly<Record<string, string>> = {
  release: "kube-prometheus-stack",
};

/** The controller Service's annotations: the NLB ones on EKS, then the fleet file's own. */
export function loadBalancerAnnotations(fleet: FleetModel): Record<string, string> {
  const { serviceType, awsLoadBalancer, serviceAnnotations } = fleet.tools.ingress;
  const onAws = fleet.cluster.provider === "eks" && serviceType === "LoadBalancer";
  const nlb: Record<string, string> =
    !onAws || awsLoadBalancer === "none"
      ? {}
      : {
          [AWS_LB_TYPE]: "nlb",
          ...(awsLoadBalancer === "nlb-internal" ? { [AWS_LB_INTERNAL]: "true" } : {}),
        };
  return { ...nlb, ...serviceAnnotations };
}

/** Plain HTTP is redirected to HTTPS whenever the hubs have a certificate. */
function webEntryPoint(fleet: FleetModel): Record<string, unknown> {
  if (tlsMode(fleet) === "none") return {};
  return {
    // cert-manager answers HTTP-01 challenges through its own Ingress; with this, Traefik's
    // redirect leaves /.well-known/acme-challenge/ on plain HTTP for it.
    ...(fleet.tools.certManager.enabled ? { allowACMEByPass: true } : {}),
    http: {
      redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } },
    },
  };
}

function metricsValues(fleet: FleetModel): Record<string, unknown> {
  const monitored = fleet.tools.monitoring.enabled;
  // Without a ServiceMonitor the chart annotates the pods with prometheus.io/scrape instead, so
  // the chart never needs Prometheus Operator's CRDs unless monitoring is installed.
  return {
    prometheus: {
      entryPoint: "metrics",
      service: { enabled: monitored },
      serviceMonitor: monitored
        ? { enabled: true, additionalLabels: { ...SERVICE_MONITOR_LABELS } }
        : { enabled: false },
    },
  };
}

export function traefikValues(fleet: FleetModel): Record<string, unknown> {
  const { replicas, serviceType } = fleet.tools.ingress;
  const spread = replicas > 1;
  return {
    deployment: { replicas },
    podDisruptionBudget: spread ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
    nodeSelector: clusterToolsNodeSelector(),
    ...(spread
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { [NAME_LABEL]: TRAEFIK_CHART.name } },
            },
          ],
        }
      : {}),
    resources: {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "512Mi" },
    },
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    ingressClass: { enabled: true, isDefaultClass: true, name: INGRESS_CLASS },
    providers: {
      // The CRD provider reads the TLSStore below.
      kubernetesCRD: { enabled: true },
      kubernetesIngress: {
        enabled: true,
        // Ingress status shows the load balancer's address.
        publishedService: { enabled: true },
        // Kubernetes' own Prefix semantics: "/stat101/" also serves "/stat101".
        strictPrefixMatching: true,
        // A sleeping hub's Ingress names the shared asleep-page server through an ExternalName
        // Service (render/asleep/). Only fleets with terms allow it: only hubfleet writes Ingresses.
        ...(fleet.hubs.some((hub) => hub.term !== undefined)
          ? { allowExternalNameServices: true }
          : {}),
      },
    },
    ports: { web: webEntryPoint(fleet) },
    ...(sharesHostCertificate(fleet)
      ? { tlsStore: { default: { defaultCertificate: { secretName: HOST_CERT_SECRET } } } }
      : {}),
    service: {
      spec: { type: serviceType },
      annotations: loadBalancerAnnotations(fleet),
    },
    metrics: metricsValues(fleet),
  };
}

export function renderIngressController(fleet: FleetModel): RenderedTool[] {
  const ingress = fleet.tools.ingress;
  if (!ingress.enabled) return [];
  return [
    {
      name: TRAEFIK_RELEASE,
      namespace: TOOLS_NAMESPACE,
      release: {
        name: TRAEFIK_RELEASE,
        namespace: TOOLS_NAMESPACE,
        chart: { ...TRAEFIK_CHART, version: ingress.chartVersion ?? TRAEFIK_CHART.version },
        values: traefikValues(fleet),
        tool: TRAEFIK_RELEASE,
      },
      manifests: [],
      secrets: [],
    },
  ];
}
