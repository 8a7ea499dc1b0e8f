/**
 * The measured cost of each hub over a month: the report's three queries sent to Prometheus,
 * their answers put on the fleet's hubs (capacity/costReport.ts does the arithmetic).
 */
import { type CostWindow, costQueries } from "../capacity/costQueries.js";
import { buildCostReport, type CostReport } from "../capacity/costReport.js";
import type { FleetModel } from "../fleet/model.js";
import { instantQuery, type PrometheusSource, rangeQuery } from "./prometheusQuery.js";

export interface MeasuredCost {
  readonly report: CostReport;
  /** Prometheus had no cost series at all for the window (rules not installed, or too new). */
  readonly empty: boolean;
}

export async function measuredHubCost(
  source: PrometheusSource,
  fleet: FleetModel,
  window: CostWindow,
): Promise<MeasuredCost> {
  const q = costQueries(window);
  const [parts, idleUsd, idleHours, idleServers] = await Promise.all([
    instantQuery(source, q.parts, q.time),
    instantQuery(source, q.idleUsd, q.time),
    instantQuery(source, q.idleHours, q.time),
    rangeQuery(source, q.idleServers),
  ]);
  const hubs = fleet.hubs.map((h) => ({
    name: h.name,
    ...(h.chargeCode !== undefined ? { chargeCode: h.chargeCode } : {}),
    cullingTimeoutSeconds: h.culling.timeout,
  }));
  return {
    report: buildCostReport({ window, hubs, parts, idleUsd, idleHours, idleServers }),
    empty: parts.length === 0,
  };
}
