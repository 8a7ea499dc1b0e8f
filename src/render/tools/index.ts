/**
 * Every enabled cluster tool, in the order apply installs them: monitoring first (its CRDs let
 * the others declare ServiceMonitors), then cert-manager, the ingress controller, the
 * autoscaler (cluster-autoscaler or Karpenter), backups and KEDA (the warm-up). Also the tools'
 * namespaces, applied before any tool.
 */
import type { FleetModel } from "../../fleet/model.js";
import { AUTOSCALER_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { fleetLabels, privilegedNamespaceLabels } from "../labels.js";
import { renderAutoscaler } from "./autoscaler.js";
import { renderCertManager } from "./certManager.js";
import { renderIngressController } from "./ingress.js";
import { renderKarpenter } from "./karpenter.js";
import { renderKeda } from "./keda.js";
import { renderMonitoring } from "./monitoring.js";
import type { RenderedTool } from "./tool.js";
import { renderVelero } from "./velero.js";

type ToolRenderer = (fleet: FleetModel) => RenderedTool[];

/** Install order. Each renderer returns nothing when its tool is disabled. */
const TOOL_RENDERERS: readonly ToolRenderer[] = [
  renderMonitoring,
  renderCertManager,
  renderIngressController,
  renderAutoscaler,
  renderKarpenter,
  renderVelero,
  // Before the hubs: their warm-up ScaledObjects need its CRDs.
  renderKeda,
];

export function renderTools(fleet: FleetModel): RenderedTool[] {
  return TOOL_RENDERERS.flatMap((render) => render(fleet));
}

/**
 * The namespaces the enabled tools live in (kube-system exists already). Node exporter and
 * Velero's node agent read the host's filesystems, so these namespaces allow privileged pods.
 */
export function renderToolNamespaces(
  fleet: FleetModel,
  tools: readonly RenderedTool[],
): Manifest[] {
  const names = [...new Set(tools.map((t) => t.namespace))]
    .filter((ns) => ns !== AUTOSCALER_NAMESPACE)
    .sort();
  return names.map((name): Manifest => {
    const object: KubeObject = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        labels: {
          ...fleetLabels(fleet),
          ...privilegedNamespaceLabels(),
        },
      },
    };
    return { phase: "namespace", object };
  });
}
