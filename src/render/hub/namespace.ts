/** A hub's namespace: labelled for the fleet and hub, with Pod Security labels. */
import type { FleetModel, Hub } from "../../fleet/model.js";
import type { Manifest } from "../bundle.js";
import { hubLabels } from "../labels.js";

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
          // The drive's NFS server must run privileged (docs/design.md, "Pod Security");
          // everything else is held to "baseline": violations are warned about and audited.
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "baseline",
          "pod-security.kubernetes.io/audit": "baseline",
        },
      },
    },
  };
}
