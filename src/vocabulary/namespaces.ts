/** The namespaces hubfleet installs into or writes its own records to. */

/** Namespace of the cluster tools, as in the original setup. */
export const TOOLS_NAMESPACE = "cluster-tools";
export const KUBE_SYSTEM_NAMESPACE = "kube-system";
export const AUTOSCALER_NAMESPACE = KUBE_SYSTEM_NAMESPACE;
/** Karpenter's namespace: the one eksctl creates its service account in and installs it to. */
export const KARPENTER_NAMESPACE = "karpenter";
export const VELERO_NAMESPACE = "velero";
/** The namespace of the fleet's data set servers (one for all data sets). */
export const DATASETS_NAMESPACE = "datasets";
/**
 * The namespace of the fleet's shared parts: the one user-scheduler and the one image puller
 * that serve every hub (docs/design.md, "Shared parts, once per fleet").
 */
export const SHARED_NAMESPACE = "hubfleet-shared";
