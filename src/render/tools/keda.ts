/**
 * The KEDA release: the operator and its external metrics server, which raise each scheduled
 * hub's placeholders before its sessions (the hubs' ScaledObjects, render/hub/warmUp.ts). Only
 * rendered when some hub warms up; KEDA's pods run on the tools nodes.
 */
import type { FleetModel } from "../../fleet/model.js";
import { KEDA_CHART } from "../../vocabulary/charts.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import { hubWarmsUp } from "../hub/warmUp.js";
import { clusterToolsNodeSelector, type RenderedTool, toolLabels } from "./tool.js";

export const KEDA_RELEASE = "keda";

export function kedaValues(fleet: FleetModel): Record<string, unknown> {
  return {
    // The chart installs the CRDs (ScaledObject, ScaledJob, TriggerAuthentication) it matches.
    crds: { install: true },
    nodeSelector: clusterToolsNodeSelector(),
    additionalLabels: toolLabels(fleet, KEDA_RELEASE),
    // One operator: the warm-up has no throughput to spread, and two would need leader election
    // to agree anyway.
    operator: { replicaCount: 1 },
    metricsServer: { replicaCount: 1 },
  };
}

export function renderKeda(fleet: FleetModel): RenderedTool[] {
  if (!fleet.tools.keda.enabled || !fleet.hubs.some((hub) => hubWarmsUp(fleet, hub))) return [];
  return [
    {
      name: KEDA_RELEASE,
      namespace: TOOLS_NAMESPACE,
      release: {
        name: KEDA_RELEASE,
        namespace: TOOLS_NAMESPACE,
        chart: KEDA_CHART,
        values: kedaValues(fleet),
        tool: KEDA_RELEASE,
      },
      manifests: [],
      secrets: [],
    },
  ];
}
