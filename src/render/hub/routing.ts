/**
 * Where a hub is reached and how its certificate is found: one shared host with a path per hub,
 * or a subdomain per hub; TLS from files, from an existing Secret, or from cert-manager.
 */

import type { FleetModel, Hub } from "../../fleet/model.js";
import { CLUSTER_ISSUER_ANNOTATION } from "../../vocabulary/labels.js";
import { INGRESS_CLASS } from "../../vocabulary/names.js";

/** The TLS Secret apply creates in each hub namespace from domain.tls.certFile/keyFile. */
export const FILE_TLS_SECRET = "hubfleet-tls";

/**
 * Where the hubs' certificate comes from. cert-manager wins over domain.tls (validate refuses a
 * fleet that sets both).
 */
export type TlsMode = "none" | "files" | "secret" | "cert-manager";

export function tlsMode(fleet: FleetModel): TlsMode {
  if (fleet.tools.certManager.enabled) return "cert-manager";
  const tls = fleet.domain.tls;
  if (tls?.secretName) return "secret";
  if (tls?.certFile) return "files";
  return "none";
}

/**
 * With path routing and cert-manager every hub shares one host, so one Certificate (in the tools
 * namespace) covers them all and the ingress controller serves its Secret as the default certificate.
 */
export function sharesHostCertificate(fleet: FleetModel): boolean {
  return tlsMode(fleet) === "cert-manager" && fleet.domain.routing === "path";
}
/** The Secret of that shared certificate, in cluster-tools. */
export const HOST_CERT_SECRET = "hubfleet-host-tls";

/** The ClusterIssuer of the Let's Encrypt server the fleet uses ("letsencrypt-production"). */
export function clusterIssuerName(fleet: FleetModel): string {
  return `letsencrypt-${fleet.tools.certManager.server}`;
}

export interface Route {
  readonly host: string;
  /** JupyterHub's base URL: "/<hub>/" on a shared host, "/" on a subdomain. */
  readonly baseUrl: string;
  readonly ingressClassName: string;
  /** Served over HTTPS (the controller then redirects plain HTTP). */
  readonly https: boolean;
  /**
   * The Secret (in the route's namespace) holding the host's certificate. Absent with HTTPS
   * when the controller's default certificate covers the host (path routing with cert-manager).
   */
  readonly tlsSecretName?: string;
  /** Annotations of the route's Ingress (cert-manager's issuer for a per-host certificate). */
  readonly ingressAnnotations: Readonly<Record<string, string>>;
}

type RouteTls = Pick<Route, "https" | "tlsSecretName" | "ingressAnnotations">;

function routeTls(fleet: FleetModel, name: string): RouteTls {
  const none = { ingressAnnotations: {} };
  switch (tlsMode(fleet)) {
    case "none":
      return { ...none, https: false };
    case "files":
      return { ...none, https: true, tlsSecretName: FILE_TLS_SECRET };
    case "secret":
      return { ...none, https: true, tlsSecretName: fleet.domain.tls?.secretName };
    case "cert-manager":
      // One shared host gets one certificate, which the controller serves as its default (see
      // ../tools/ingress.ts): a request per hub for the same name would soon hit Let's Encrypt's
      // duplicate-certificate limit. A subdomain per hub gets a certificate per hub.
      return fleet.domain.routing === "subdomain"
        ? {
            https: true,
            tlsSecretName: `${name}-tls`,
            ingressAnnotations: { [CLUSTER_ISSUER_ANNOTATION]: clusterIssuerName(fleet) },
          }
        : { ...none, https: true };
  }
}

/**
 * The route of an application named `name` (a hub, or a tool's web UI): `path` on the shared
 * host, or the root of `<name>.<host>`.
 */
export function routeFor(fleet: FleetModel, name: string, path = `/${name}/`): Route {
  const { host, routing } = fleet.domain;
  const where =
    routing === "subdomain"
      ? { host: `${name}.${host}`, baseUrl: "/" }
      : { host, baseUrl: path.endsWith("/") ? path : `${path}/` };
  return { ...where, ingressClassName: INGRESS_CLASS, ...routeTls(fleet, name) };
}

export function hubRoute(fleet: FleetModel, hub: Hub): Route {
  return routeFor(fleet, hub.name);
}

export function hubUrl(route: Route): string {
  return `${route.https ? "https" : "http"}://${route.host}${route.baseUrl}`;
}

/**
 * The z2jh chart's `ingress` values for a route. z2jh writes one rule per host with the path
 * `<baseUrl>` (pathSuffix empty) to the proxy's Service. Traefik turns each Ingress path into its
 * own router, so the hubs' Ingresses share one host across namespaces without master/minion pairs.
 */
export function hubIngressValues(route: Route): Record<string, unknown> {
  const tls = route.https
    ? [
        {
          hosts: [route.host],
          ...(route.tlsSecretName ? { secretName: route.tlsSecretName } : {}),
        },
      ]
    : undefined;
  const annotations = Object.keys(route.ingressAnnotations).length
    ? { ...route.ingressAnnotations }
    : undefined;
  return {
    enabled: true,
    ingressClassName: route.ingressClassName,
    hosts: [route.host],
    pathType: "Prefix",
    ...(annotations ? { annotations } : {}),
    ...(tls ? { tls } : {}),
  };
}
