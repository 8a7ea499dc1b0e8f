/**
 * The cost row: what each hub costs, read from the cost recording rules (render/tools/
 * costRules.ts, docs/cost.md) — per hour now, over the dashboard's time range, and what its idle
 * user servers cost.
 */
import {
  COST_METRICS,
  COST_SAMPLE_SECONDS,
  IDLE_CPU_CORES,
  IDLE_CPU_WINDOW,
} from "../tools/costRules.js";
import type { RowSpec } from "./grafana.js";
import { IN_SELECTED_HUBS, selector, sumBy } from "./promql.js";
import { HUB_LEGEND, RANGE } from "./windows.js";

export function cost(): RowSpec {
  const perHub = (metric: string) => sumBy(["namespace"], selector(metric, IN_SELECTED_HUBS));
  return {
    title: "Cost",
    panels: [
      {
        kind: "timeseries",
        title: "Cost per hub ($/h)",
        description:
          "What each hub costs per hour at on-demand prices: its user servers' and core pods' share of their nodes, its claims at the gp3 price, and its share of the rest of the cluster (tools, idle capacity, the EKS fee) in proportion to its direct cost. The rules are in docs/cost.md; `hubfleet cost` gives the month by charge code.",
        unit: "currencyUSD",
        width: 12,
        queries: [{ expr: perHub(COST_METRICS.hubCost), legend: HUB_LEGEND }],
      },
      {
        kind: "bargauge",
        title: "Cost per hub over the time range ($)",
        description: `Dollars each hub cost over the dashboard's time range: the $/h series sampled every ${COST_SAMPLE_SECONDS / 60} minutes, each sample counted for ${COST_SAMPLE_SECONDS / 60} minutes (as \`hubfleet cost\` sums a month).`,
        unit: "currencyUSD",
        width: 6,
        queries: [
          {
            expr: `${sumBy(["namespace"], `sum_over_time(${selector(COST_METRICS.hubCost, IN_SELECTED_HUBS)}[${RANGE}:${COST_SAMPLE_SECONDS}s])`)} * ${COST_SAMPLE_SECONDS} / 3600`,
            legend: HUB_LEGEND,
          },
        ],
      },
      {
        kind: "timeseries",
        title: "Idle user servers' cost ($/h)",
        description: `Per hour, what each hub's user servers cost while their CPU use stays under ${IDLE_CPU_CORES} cores (over ${IDLE_CPU_WINDOW}): running but doing nothing. A shorter hubs[].culling.timeout stops them sooner.`,
        unit: "currencyUSD",
        width: 6,
        queries: [{ expr: perHub(COST_METRICS.hubIdleCost), legend: HUB_LEGEND }],
      },
    ],
  };
}
