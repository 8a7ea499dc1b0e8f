/**
 * The data set servers: one NFS Ganesha server per data set that lives on a volume (a new one
 * or an existing PersistentVolume), built like a hub's drive — a StatefulSet of one on the core
 * group, a data claim that is never pruned, a Service at a ClusterIP derived from the data set's
 * name — in the one namespace `datasets`. An external NFS export needs no server.
 */

import { datasetClusterIP } from "../../fleet/addresses.js";
import type { Dataset, FleetModel } from "../../fleet/model.js";
import { datasetObjectName } from "../../fleet/names.js";
import { DATASETS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import type { Manifest } from "../bundle.js";
import { NOTEBOOK_GID, NOTEBOOK_UID } from "../hub/values.js";
import { fleetLabels, privilegedNamespaceLabels } from "../labels.js";
import { DRIVE_IMAGE, dataClaim, EXPORT_PATH, nfsServerObjects } from "../nfs.js";
import { datasetLabels, datasetServerSelector } from "./labels.js";
import { renderDatasetPolicy } from "./network.js";

/** Data sets on a volume, which get a server; an external NFS export does not. */
export function servedDatasets(fleet: FleetModel): Dataset[] {
  return fleet.datasets.filter((d) => d.source.kind !== "nfs");
}

export const datasetDataClaim = (dataset: Dataset): string =>
  `${datasetObjectName(dataset.name)}-data`;

function datasetsNamespace(fleet: FleetModel): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: DATASETS_NAMESPACE,
      labels: {
        ...fleetLabels(fleet),
        ...privilegedNamespaceLabels(),
      },
    },
  };
}

/**
 * A new volume's root belongs to root: hand it to the notebook user (setgid, group-writable),
 * so owners, who write as that user, can.
 */
function dataOwnerInitContainer() {
  return {
    name: "data-owner",
    image: DRIVE_IMAGE,
    command: [
      "sh",
      "-c",
      `chown ${NOTEBOOK_UID}:${NOTEBOOK_GID} ${EXPORT_PATH} && chmod 2775 ${EXPORT_PATH}`,
    ],
    securityContext: { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: [{ name: "data", mountPath: EXPORT_PATH }],
  };
}

function renderServer(fleet: FleetModel, dataset: Dataset): Manifest[] {
  const labels = datasetLabels(fleet, dataset);
  const src = dataset.source;
  const claim = dataClaim({
    namespace: DATASETS_NAMESPACE,
    name: datasetDataClaim(dataset),
    labels,
    storageClass: src.kind === "nfs" ? "" : src.storageClass,
    size: dataset.size,
    ...(src.kind === "existingVolume" ? { volumeName: src.volumeName } : {}),
  });
  const server = nfsServerObjects({
    namespace: DATASETS_NAMESPACE,
    name: datasetObjectName(dataset.name),
    labels,
    selector: datasetServerSelector(dataset),
    dataClaim: datasetDataClaim(dataset),
    clusterIP: datasetClusterIP(fleet, dataset),
    // Kubelets mount from the nodes and get read-write access (each user server's mount is then
    // read-only unless its user owns the data set); no other client gets any access. Root is
    // squashed: nobody needs it on a data set.
    exportAccess: {
      access: "None",
      squash: "Root_Squash",
      readWriteClients: fleet.cluster.nodeCIDR,
    },
    metrics: false,
    // An existing volume's files keep the owners they have.
    ...(src.kind === "volume" ? { initContainers: [dataOwnerInitContainer()] } : {}),
  });
  return [
    { phase: "storage", object: claim },
    { phase: "drive", object: server.configMap },
    { phase: "drive", object: server.service },
    { phase: "drive", object: server.statefulSet },
    renderDatasetPolicy(fleet, dataset, labels),
  ];
}

/**
 * Fleet-level objects (no hub): applied with the cluster-wide objects, before any hub, in
 * this order — the namespace, then per data set its claim, server and policy.
 */
export function renderDatasetServers(fleet: FleetModel): Manifest[] {
  const served = servedDatasets(fleet);
  if (served.length === 0) return [];
  return [
    { phase: "namespace", object: datasetsNamespace(fleet) },
    ...served.flatMap((d) => renderServer(fleet, d)),
  ];
}
