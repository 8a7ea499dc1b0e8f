/**
 * Where a hub is reached: one shared host with a path per hub, or a subdomain per hub.
 */
import type { FleetModel, Hub } from "../../fleet/model.js";

/** The ingress controller hubfleet installs (docs/design.md, "Ingress controller"). */
export const INGRESS_CLASS = "traefik";
/** The TLS Secret apply creates in each hub namespace from domain.tls.certFile/keyFile. */
export const FILE_TLS_SECRET = "hubfleet-tls";

export interface Route {
  readonly host: string;
  /** JupyterHub's base URL: "/<hub>/" on a shared host, "/" on a subdomain. */
  readonly baseUrl: string;
  readonly ingressClassName: string;
  readonly tlsSecretName?: string;
}

export function hubRoute(fleet: FleetModel, hub: Hub): Route {
  const { host, routing, tls } = fleet.domain;
  const secret = tls?.secretName ?? (tls?.certFile ? FILE_TLS_SECRET : undefined);
  const base = {
    ingressClassName: INGRESS_CLASS,
    ...(secret ? { tlsSecretName: secret } : {}),
  };
  return routing === "subdomain"
    ? { ...base, host: `${hub.name}.${host}`, baseUrl: "/" }
    : { ...base, host, baseUrl: `/${hub.name}/` };
}

export function hubUrl(route: Route): string {
  return `${route.tlsSecretName ? "https" : "http"}://${route.host}${route.baseUrl}`;
}
