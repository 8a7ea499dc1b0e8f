/**
 * A data set server's NetworkPolicy. It admits NFS from the nodes' kubelets only (they make
 * every mount; no pod, user servers included, needs a path to the server); it may itself reach
 * nothing but cluster DNS.
 */
import type { Dataset, FleetModel } from "../../fleet/model.js";
import { datasetObjectName } from "../../fleet/names.js";
import { NAMESPACE_NAME_LABEL } from "../../vocabulary/labels.js";
import { DATASETS_NAMESPACE, KUBE_SYSTEM_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { Manifest } from "../bundle.js";
import { kubeletNfsIngress } from "../nfs.js";
import { datasetServerSelector } from "./labels.js";

const DNS_PORT = 53;

export function renderDatasetPolicy(
  fleet: FleetModel,
  dataset: Dataset,
  labels: Readonly<Record<string, string>>,
): Manifest {
  return {
    phase: "network",
    object: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: datasetObjectName(dataset.name), namespace: DATASETS_NAMESPACE, labels },
      spec: {
        podSelector: { matchLabels: datasetServerSelector(dataset) },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          // Kubelets mount from the nodes' own addresses (docs/design.md, "Network isolation").
          kubeletNfsIngress(fleet.cluster.nodeCIDR),
        ],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { [NAMESPACE_NAME_LABEL]: KUBE_SYSTEM_NAMESPACE },
                },
              },
            ],
            ports: [
              { protocol: "UDP", port: DNS_PORT },
              { protocol: "TCP", port: DNS_PORT },
            ],
          },
        ],
      },
    },
  };
}
