/**
 * Hub isolation that hubfleet adds to z2jh's own NetworkPolicies: nothing from another hub's
 * namespace reaches any pod of this hub, and the drive answers NFS only to the nodes' kubelets.
 * (User servers' egress — no private IPs, no cloud metadata — is set in the z2jh values.)
 */
import type { FleetModel, Hub } from "../../fleet/model.js";
import type { KubeObject, Manifest } from "../bundle.js";
import { hubLabels } from "../labels.js";
import { DRIVE, DRIVE_METRICS_PORT, NFS_PORT } from "./drive.js";

export const TOOLS_NAMESPACE = "cluster-tools";
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const fromToolsNamespace = {
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: TOOLS_NAMESPACE } },
};

export function renderNetworkPolicies(fleet: FleetModel, hub: Hub): Manifest[] {
  const ns = hub.name;
  const isolation: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "hubfleet-namespace-isolation",
      namespace: ns,
      labels: hubLabels(fleet, hub.name),
    },
    spec: {
      // Every pod of the hub except the drive (it has its own, stricter policy below).
      podSelector: {
        matchExpressions: [
          { key: "app.kubernetes.io/component", operator: "NotIn", values: [DRIVE] },
        ],
      },
      policyTypes: ["Ingress"],
      ingress: [
        // Pods of this hub, and the ingress controller and Prometheus in cluster-tools.
        { from: [{ podSelector: {} }, fromToolsNamespace] },
      ],
    },
  };
  const drive: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: DRIVE, namespace: ns, labels: hubLabels(fleet, hub.name, DRIVE) },
    spec: {
      podSelector: {
        matchLabels: { "hubfleet.io/hub": hub.name, "app.kubernetes.io/component": DRIVE },
      },
      policyTypes: ["Ingress"],
      ingress: [
        // Kubelets mount the drive from the nodes' own addresses, never from a pod.
        {
          from: [{ ipBlock: { cidr: fleet.cluster.nodeCIDR } }],
          ports: [{ protocol: "TCP", port: NFS_PORT }],
        },
        { from: [fromToolsNamespace], ports: [{ protocol: "TCP", port: DRIVE_METRICS_PORT }] },
      ],
    },
  };
  return [
    { phase: "network", hub: hub.name, object: isolation },
    { phase: "network", hub: hub.name, object: drive },
  ];
}
