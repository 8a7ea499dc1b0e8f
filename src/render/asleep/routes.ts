/**
 * A sleeping hub's own route to the asleep pages: in the hub's namespace, an Ingress with the
 * hub's host, path and TLS (what the chart's Ingress had) to an ExternalName Service naming the
 * shared page server. Traefik follows ExternalName Services only when allowed
 * (providers.kubernetesIngress.allowExternalNameServices, ../tools/ingress.ts).
 */
import type { FleetModel, Hub } from "../../fleet/model.js";
import { ASLEEP_PAGE_ROLE, SLEEP_LABEL } from "../../vocabulary/labels.js";
import { SHARED_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { hubRoute } from "../hub/routing.js";
import { hubLabels } from "../labels.js";
import { ASLEEP_PAGES, ASLEEP_PAGES_PORT } from "./pages.js";

/** The Ingress and Service in a sleeping hub's namespace. */
export const ASLEEP_ROUTE = "hub-asleep";

export function renderAsleepRoute(fleet: FleetModel, hub: Hub): KubeObject[] {
  const route = hubRoute(fleet, hub);
  const labels = {
    ...hubLabels(fleet, hub.name, ASLEEP_PAGE_ROLE),
    [SLEEP_LABEL]: ASLEEP_PAGE_ROLE,
  };
  const meta = { name: ASLEEP_ROUTE, namespace: hub.name, labels };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta,
    spec: {
      type: "ExternalName",
      externalName: `${ASLEEP_PAGES}.${SHARED_NAMESPACE}.svc.cluster.local`,
      ports: [{ name: "http", port: ASLEEP_PAGES_PORT }],
    },
  };
  const annotations = route.ingressAnnotations;
  const ingress: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      ...meta,
      ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    },
    spec: {
      ingressClassName: route.ingressClassName,
      rules: [
        {
          host: route.host,
          http: {
            paths: [
              {
                path: route.baseUrl,
                pathType: "Prefix",
                backend: { service: { name: ASLEEP_ROUTE, port: { number: ASLEEP_PAGES_PORT } } },
              },
            ],
          },
        },
      ],
      ...(route.https
        ? {
            tls: [
              {
                hosts: [route.host],
                ...(route.tlsSecretName ? { secretName: route.tlsSecretName } : {}),
              },
            ],
          }
        : {}),
    },
  };
  return [service, ingress];
}
