/**
 * Names derived from a hub's name, with the limit Kubernetes or Helm puts on each. One list,
 * used both by validation (is the hub name short enough?) and by the renderers.
 */

export interface DerivedName {
  readonly what: string;
  readonly name: string;
  readonly max: number;
}

/** Helm refuses release names longer than this. */
export const HELM_RELEASE_MAX = 53;
export const DNS_LABEL_MAX = 63;
export const DNS_SUBDOMAIN_MAX = 253;

import { DATASETS_NAMESPACE, SHARED_NAMESPACE } from "../vocabulary/namespaces.js";

/** Names that are namespaces of the cluster itself, of its tools, data sets or shared parts. */
export const RESERVED_NAMESPACES = [
  "default",
  "velero",
  "cluster-tools",
  DATASETS_NAMESPACE,
  SHARED_NAMESPACE,
] as const;
export const RESERVED_PREFIXES = ["kube-"] as const;

/** Cluster-scoped PersistentVolume through which user servers mount the hub's drive. */
export function driveClientVolumeName(hub: string): string {
  return `hubfleet-${hub}-drive`;
}

/** Cluster-scoped PersistentVolume through which a hub's user servers mount a data set. */
export function datasetClientVolumeName(hub: string, dataset: string): string {
  return `hubfleet-${hub}-dataset-${dataset}`;
}

/** The server, its Service and the claim and volume name in user pods: `dataset-<name>`. */
export function datasetObjectName(dataset: string): string {
  return `dataset-${dataset}`;
}

/**
 * A StatefulSet's pods carry the label `controller-revision-hash: <name>-<hash of up to 10
 * characters>`, a label value of at most 63: so the StatefulSet's name has at most 52.
 */
const STATEFULSET_NAME_MAX = 52;

/** Names derived from a data set's name, with their limits. */
export function datasetDerivedNames(dataset: string): DerivedName[] {
  const name = datasetObjectName(dataset);
  return [
    { what: "data set server StatefulSet", name, max: STATEFULSET_NAME_MAX },
    { what: "data set Service", name, max: DNS_LABEL_MAX },
    { what: "volume name in user pods", name, max: DNS_LABEL_MAX },
    { what: "label value hubfleet.io/dataset", name: dataset, max: DNS_LABEL_MAX },
  ];
}

export function derivedNames(hub: string, subdomainHost?: string): DerivedName[] {
  const names: DerivedName[] = [
    { what: "namespace", name: hub, max: DNS_LABEL_MAX },
    { what: "Helm release", name: hub, max: HELM_RELEASE_MAX },
    { what: "label value hubfleet.io/hub", name: hub, max: DNS_LABEL_MAX },
    { what: "drive PersistentVolume", name: driveClientVolumeName(hub), max: DNS_SUBDOMAIN_MAX },
    // Cluster-scoped objects the z2jh chart (4.3.x, default fullname) names after the release.
    {
      what: "z2jh PriorityClass",
      name: `${hub}-user-placeholder-priority`,
      max: DNS_SUBDOMAIN_MAX,
    },
    { what: "z2jh PriorityClass", name: `${hub}-default-priority`, max: DNS_SUBDOMAIN_MAX },
    { what: "z2jh PriorityClass", name: `${hub}-image-puller-priority`, max: DNS_SUBDOMAIN_MAX },
    { what: "z2jh ClusterRole", name: `${hub}-user-scheduler`, max: DNS_SUBDOMAIN_MAX },
  ];
  if (subdomainHost !== undefined) {
    names.push({ what: "host", name: `${hub}.${subdomainHost}`, max: DNS_SUBDOMAIN_MAX });
  }
  return names;
}

export function isReservedNamespace(name: string): boolean {
  return (
    (RESERVED_NAMESPACES as readonly string[]).includes(name) ||
    RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}
