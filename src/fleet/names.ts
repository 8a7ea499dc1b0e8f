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

/** Names that are namespaces of the cluster itself or of its tools. */
export const RESERVED_NAMESPACES = ["default", "velero", "cluster-tools"] as const;
export const RESERVED_PREFIXES = ["kube-"] as const;

/** Cluster-scoped PersistentVolume through which user servers mount the hub's drive. */
export function driveClientVolumeName(hub: string): string {
  return `hubfleet-${hub}-drive`;
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
