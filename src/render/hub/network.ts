/**
 * hubfleet's own NetworkPolicies for a hub, one per component, each admitting exactly the
 * peers that component needs. They stand on their own (they do not rely on the chart's
 * policies) and, since policies add up, they never open more than the chart's do:
 * - hub: from its proxy and user servers, and from Prometheus in cluster-tools (metrics);
 * - proxy: HTTP from the ingress controller in cluster-tools and from the hub; API from the hub;
 * - user servers: from their hub and proxy only;
 * - scheduler, placeholders, image pullers: nothing;
 * - drive: NFS from the nodes' kubelets only, metrics from Prometheus;
 * - cert-manager's HTTP-01 solver (subdomain routing with cert-manager, where each hub's
 *   certificate is requested in its namespace): from the ingress controller only.
 * (User servers' egress — no private IPs, no cloud metadata — is set in the z2jh values.)
 */
import type { FleetModel, Hub } from "../../fleet/model.js";
import {
  COMPONENT_LABEL,
  HUB_LABEL,
  NAME_LABEL,
  NAMESPACE_NAME_LABEL,
} from "../../vocabulary/labels.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { hubLabels } from "../labels.js";
import { kubeletNfsIngress } from "../nfs.js";
import { DRIVE, DRIVE_METRICS_PORT } from "./drive.js";

/** Ports of the z2jh pods (chart 4.x). */
export const HUB_PORT = 8081;
export const PROXY_HTTP_PORT = 8000;
export const PROXY_API_PORT = 8001;
export const SINGLEUSER_PORT = 8888;
/** cert-manager's HTTP-01 solver pods: their label and port (cert-manager 1.x). */
export const ACME_SOLVER_POD = { "acme.cert-manager.io/http01-solver": "true" };
export const ACME_SOLVER_PORT = 8089;

/**
 * Pod labels of the cluster tools that must reach hubs. The Traefik chart labels its pods
 * `app.kubernetes.io/name: <chart name>` ("traefik"; ../tools/ingress.ts sets no nameOverride).
 */
export const INGRESS_CONTROLLER_POD = { [NAME_LABEL]: "traefik" };
export const PROMETHEUS_POD = { [NAME_LABEL]: "prometheus" };

const toolsPod = (labels: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: TOOLS_NAMESPACE } },
  podSelector: { matchLabels: labels },
});
export const fromPrometheus = toolsPod(PROMETHEUS_POD);
export const fromIngressController = toolsPod(INGRESS_CONTROLLER_POD);

/** z2jh labels its pods with `component`. */
export const component = (name: string) => ({
  podSelector: { matchLabels: { component: name } },
});
export const tcp = (port: number) => ({ protocol: "TCP", port });

function policy(
  fleet: FleetModel,
  hub: Hub,
  name: string,
  spec: Record<string, unknown>,
): Manifest {
  const object: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: hub.name, labels: hubLabels(fleet, hub.name) },
    spec: { policyTypes: ["Ingress"], ...spec },
  };
  return { phase: "network", hub: hub.name, object };
}

/**
 * cert-manager's ingress-shim requests each hub's certificate in the hub's namespace, so the
 * HTTP-01 solver pod runs there while a challenge is open. No other policy selects it, which
 * would leave it open to every pod of the cluster: admit exactly the controller that forwards
 * Let's Encrypt's request.
 */
function acmeSolverPolicies(fleet: FleetModel, hub: Hub): Manifest[] {
  if (!fleet.tools.certManager.enabled || fleet.domain.routing !== "subdomain") return [];
  return [
    policy(fleet, hub, "hubfleet-acme-solver", {
      podSelector: { matchLabels: ACME_SOLVER_POD },
      ingress: [{ from: [fromIngressController], ports: [tcp(ACME_SOLVER_PORT)] }],
    }),
  ];
}

export function renderNetworkPolicies(fleet: FleetModel, hub: Hub): Manifest[] {
  return [
    policy(fleet, hub, "hubfleet-hub", {
      podSelector: component("hub").podSelector,
      ingress: [
        { from: [component("proxy"), component("singleuser-server")], ports: [tcp(HUB_PORT)] },
        { from: [fromPrometheus], ports: [tcp(HUB_PORT)] },
      ],
    }),
    policy(fleet, hub, "hubfleet-proxy", {
      podSelector: component("proxy").podSelector,
      ingress: [
        { from: [fromIngressController, component("hub")], ports: [tcp(PROXY_HTTP_PORT)] },
        { from: [component("hub")], ports: [tcp(PROXY_API_PORT)] },
      ],
    }),
    policy(fleet, hub, "hubfleet-user-servers", {
      podSelector: component("singleuser-server").podSelector,
      ingress: [{ from: [component("hub"), component("proxy")], ports: [tcp(SINGLEUSER_PORT)] }],
    }),
    policy(fleet, hub, "hubfleet-no-ingress", {
      podSelector: {
        matchExpressions: [
          {
            key: "component",
            operator: "In",
            values: [
              "user-scheduler",
              "user-placeholder",
              "continuous-image-puller",
              "hook-image-puller",
            ],
          },
        ],
      },
      ingress: [],
    }),
    policy(fleet, hub, DRIVE, {
      podSelector: {
        matchLabels: { [HUB_LABEL]: hub.name, [COMPONENT_LABEL]: DRIVE },
      },
      ingress: [
        // Kubelets mount the drive from the nodes' own addresses (docs/design.md, "Network isolation").
        kubeletNfsIngress(fleet.cluster.nodeCIDR),
        { from: [fromPrometheus], ports: [tcp(DRIVE_METRICS_PORT)] },
      ],
    }),
    ...acmeSolverPolicies(fleet, hub),
  ];
}
