/** A hub's namespace: labelled for the fleet and hub, with Pod Security labels. */
import type { FleetModel, Hub } from "../../fleet/model.js";
import type { Manifest } from "../bundle.js";
import { hubLabels, privilegedNamespaceLabels } from "../labels.js";

export function renderNamespace(fleet: FleetModel, hub: Hub): Manifest {
  return {
    phase: "namespace",
    hub: hub.name,
    object: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: hub.name,
        labels: {
          ...hubLabels(fleet, hub.name),
          ...privilegedNamespaceLabels(),
        },
      },
    },
  };
}
