/**
 * Rows about the hubs themselves, from each hub's /hub/metrics: activity, spawns, and the
 * health of the hub and its proxy. Which questions an operator asks, and the PromQL that
 * answers each; layout and JSON shape live in grafana.ts.
 */
import type { RowSpec } from "./grafana.js";
import { histogramQuantile, IN_SELECTED_HUBS, onUserServers, selector, sumBy } from "./promql.js";
import { HOUR, HUB_LEGEND, RANGE, RATE } from "./windows.js";

const SPAWN = "jupyterhub_server_spawn_duration_seconds";

export function activity(): RowSpec {
  const running = selector("jupyterhub_running_servers", IN_SELECTED_HUBS);
  const active = (period: string) =>
    sumBy([], selector("jupyterhub_active_users", IN_SELECTED_HUBS, `period="${period}"`));
  return {
    title: "Hub activity",
    panels: [
      {
        kind: "stat",
        title: "Hubs reporting",
        description: "Selected hubs whose /hub/metrics Prometheus scrapes.",
        unit: "short",
        width: 4,
        height: 4,
        queries: [{ expr: `count(${running})`, legend: "hubs" }],
      },
      {
        kind: "stat",
        title: "Running servers",
        description: "User servers running now, summed over the selected hubs.",
        unit: "short",
        width: 6,
        height: 4,
        queries: [{ expr: sumBy([], running), legend: "running" }],
      },
      {
        kind: "stat",
        title: "Active users (24h / 7d / 30d)",
        description:
          "Users active in the last day, week and month (JupyterHub updates this hourly).",
        unit: "short",
        width: 14,
        height: 4,
        queries: ["24h", "7d", "30d"].map((period) => ({ expr: active(period), legend: period })),
      },
      {
        kind: "timeseries",
        title: "Running servers per hub",
        description: "User servers running in each hub (jupyterhub_running_servers).",
        unit: "short",
        width: 12,
        queries: [{ expr: sumBy(["namespace"], running), legend: HUB_LEGEND }],
      },
      {
        kind: "bargauge",
        title: "Users per hub",
        description: "Active users per period and registered users, per hub.",
        unit: "short",
        width: 12,
        queries: [
          {
            expr: sumBy(
              ["namespace", "period"],
              selector("jupyterhub_active_users", IN_SELECTED_HUBS),
            ),
            legend: "{{namespace}} active {{period}}",
          },
          {
            expr: sumBy(["namespace"], selector("jupyterhub_total_users", IN_SELECTED_HUBS)),
            legend: "{{namespace}} registered",
          },
        ],
      },
    ],
  };
}

export function spawns(): RowSpec {
  const succeeded = [IN_SELECTED_HUBS, 'status="success"'];
  const failed = (window: string) =>
    `increase(${selector(`${SPAWN}_count`, IN_SELECTED_HUBS, 'status!="success"')}[${window}])`;
  const pending = selector("kube_pod_status_phase", IN_SELECTED_HUBS, 'phase="Pending"');
  return {
    title: "Server spawns",
    panels: [
      {
        kind: "timeseries",
        title: "Server spawn time (successful, last hour)",
        description:
          "Percentiles of how long successful spawns took, over the selected hubs, in a sliding hour.",
        unit: "s",
        width: 12,
        queries: [0.5, 0.9, 0.99].map((q) => ({
          expr: histogramQuantile({ q, metric: SPAWN, matchers: succeeded, by: [], window: HOUR }),
          legend: `p${Math.round(q * 100)}`,
        })),
      },
      {
        kind: "timeseries",
        title: "Server spawn time p90 per hub",
        description: "90th percentile of successful spawn times per hub, in a sliding hour.",
        unit: "s",
        width: 12,
        queries: [
          {
            expr: histogramQuantile({
              q: 0.9,
              metric: SPAWN,
              matchers: succeeded,
              by: ["namespace"],
              window: HOUR,
            }),
            legend: HUB_LEGEND,
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Failed spawns per hour",
        description:
          "Spawns that did not succeed in the last hour, by hub and JupyterHub's status label (failure, throttled, too-many-users, already-pending; error in JupyterHub 6).",
        unit: "short",
        width: 10,
        queries: [
          {
            expr: sumBy(["namespace", "status"], failed(HOUR)),
            legend: "{{namespace}} {{status}}",
          },
        ],
      },
      {
        kind: "stat",
        title: "Failed spawn share",
        description: "Share of spawn attempts in the time range that did not succeed.",
        unit: "percentunit",
        width: 4,
        queries: [
          {
            expr: `${sumBy([], failed(RANGE))} / ${sumBy([], `increase(${selector(`${SPAWN}_count`, IN_SELECTED_HUBS)}[${RANGE}])`)}`,
            legend: "failed",
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Pending user pods",
        description:
          "User server pods waiting for a node (Pending): the user node group is scaling up, or cannot.",
        unit: "short",
        width: 10,
        queries: [{ expr: sumBy(["namespace"], onUserServers(pending)), legend: HUB_LEGEND }],
      },
    ],
  };
}

export function health(): RowSpec {
  const restarts = (fn: "max" | "min") =>
    `${fn}_over_time(${selector("kube_pod_container_status_restarts_total", IN_SELECTED_HUBS, 'container=~"hub|chp"')}[${RANGE}])`;
  const requests = [IN_SELECTED_HUBS, 'handler!~".*(HealthCheckHandler|MetricsHandler)"'];
  const latency = (q: number) =>
    histogramQuantile({
      q,
      metric: "jupyterhub_request_duration_seconds",
      matchers: requests,
      by: ["namespace"],
      window: RATE,
    });
  return {
    title: "Hub and proxy health",
    panels: [
      {
        kind: "bargauge",
        title: "Hub and proxy restarts",
        description:
          "Container restarts in the time range of each hub's hub (container hub) and proxy (container chp) pods.",
        unit: "short",
        width: 6,
        queries: [
          {
            expr: sumBy(["namespace", "container"], `${restarts("max")} - ${restarts("min")}`),
            legend: "{{namespace}} {{container}}",
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Hub response time (p50 / p99)",
        description:
          "Time the hub took to answer HTTP requests, health checks and metric scrapes left out.",
        unit: "s",
        width: 6,
        queries: [
          { expr: latency(0.5), legend: "{{namespace}} p50" },
          { expr: latency(0.99), legend: "{{namespace}} p99" },
        ],
      },
      {
        kind: "timeseries",
        title: "Hub 5xx responses",
        description: "Requests the hub answered with a server error, per second.",
        unit: "reqps",
        width: 6,
        queries: [
          {
            expr: sumBy(
              ["namespace"],
              `rate(${selector("jupyterhub_request_duration_seconds_count", IN_SELECTED_HUBS, 'code=~"5.."')}[${RATE}])`,
            ),
            legend: HUB_LEGEND,
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Proxy route poll time (p90, last hour)",
        description:
          "How long the hub waits for the proxy (configurable-http-proxy) to list its routes: the proxy's API latency.",
        unit: "s",
        width: 6,
        queries: [
          {
            expr: histogramQuantile({
              q: 0.9,
              metric: "jupyterhub_proxy_poll_duration_seconds",
              matchers: [IN_SELECTED_HUBS],
              by: ["namespace"],
              window: HOUR,
            }),
            legend: HUB_LEGEND,
          },
        ],
      },
    ],
  };
}
