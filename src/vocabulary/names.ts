/** Names several layers must agree on: the ingress class hubfleet installs, Grafana's route. */

/** The ingress controller hubfleet installs (docs/design.md, "Ingress controller"). */
export const INGRESS_CLASS = "traefik";
/** Name of Grafana's route: its subdomain in subdomain routing (grafana.<host>). */
export const GRAFANA_ROUTE_NAME = "grafana";
/** Prometheus scrape job of every hub's /hub/metrics (the `job` label of its series). */
export const HUB_SCRAPE_JOB = "jupyterhub";
