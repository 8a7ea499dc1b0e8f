/**
 * The label and annotation keys hubfleet writes or reads: the one place each key is spelt.
 * Functions that build label sets from a fleet stay in render/ and import these keys.
 */

export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const NAME_LABEL = "app.kubernetes.io/name";
export const INSTANCE_LABEL = "app.kubernetes.io/instance";
/** The label Kubernetes puts on every namespace: its name (for namespace selectors). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
export const FLEET_LABEL = "hubfleet.io/fleet";
export const HUB_LABEL = "hubfleet.io/hub";
/** Marks objects that hold user data: never pruned, never deleted without --purge. */
export const DATA_LABEL = "hubfleet.io/data";
/** Marks objects apply writes for itself (state, inventory, hub secrets): never prune candidates. */
export const ROLE_LABEL = "hubfleet.io/role";
/**
 * Marks the objects that route a sleeping hub's URL to its asleep page (value "asleep-page"):
 * they go when hubs wake, a routine deletion the prune guard does not count.
 */
export const SLEEP_LABEL = "hubfleet.io/sleep";
export const ASLEEP_PAGE_ROLE = "asleep-page";

/** The well-known node label with the node's instance type (set by the cloud provider). */
export const INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type";
/** Label on every object hubfleet renders for a tool (its release name). */
export const TOOL_LABEL = "hubfleet.io/tool";
export const DATASET_LABEL = "hubfleet.io/dataset";
export const NODE_GROUP_LABEL = "hubfleet.io/node-group";
export const NODE_PURPOSE_LABEL = "hub.jupyter.org/node-purpose";
/** Taint key of the user node group. */
export const DEDICATED_TAINT = "hub.jupyter.org/dedicated";
/** The user name label KubeSpawner puts on user pods. */
export const USERNAME_LABEL = "hub.jupyter.org/username";
/** Marks the retained objects of a deleted hub with the day it was deleted. */
export const DELETED_AT_LABEL = "hubfleet.io/deleted-at";
/** Annotation naming the unit an inventory entry belongs to. */
export const UNIT_ANNOTATION = "hubfleet.io/unit";
/** Pod template annotation that restarts the pods when their configuration changes. */
export const CONFIG_HASH_ANNOTATION = "hubfleet.io/config-hash";
/** Pod annotation the cluster-autoscaler honours: "false" means never evict this pod. */
export const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/**
 * Pod annotation Karpenter honours: "true" means never disrupt (consolidate, drift, expire) the
 * node while this pod runs on it. User servers carry it; placeholders must not.
 */
export const DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
/** Pod annotation naming the volumes Velero's file-system backup copies (opt-in mode). */
export const VELERO_BACKUP_VOLUMES = "backup.velero.io/backup-volumes";
/** The IRSA annotation that names the IAM role a service account's pods act as. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/** Annotations read by the AWS cloud provider built into EKS (no AWS Load Balancer Controller). */
export const AWS_LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type";
export const AWS_LB_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";
/** ConfigMaps in cluster-tools with this label are dashboards Grafana's sidecar provisions. */
export const GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";
export const GRAFANA_DASHBOARD_LABEL_VALUE = "1";
/** The annotation cert-manager's ingress-shim reads to request a certificate for an Ingress. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";
/** The annotation client-side `kubectl apply` keeps the last applied object in. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
/** Pod Security admission's three modes, set per namespace. */
export const POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce";
export const POD_SECURITY_WARN = "pod-security.kubernetes.io/warn";
export const POD_SECURITY_AUDIT = "pod-security.kubernetes.io/audit";
/** Helm keeps an object with this annotation ("keep") when its release is uninstalled. */
export const HELM_RESOURCE_POLICY = "helm.sh/resource-policy";
/** The label Velero puts on the objects of a backup: the backup's name. */
export const VELERO_BACKUP_NAME_LABEL = "velero.io/backup-name";

/**
 * The extended resource the NVIDIA device plugin advertises on GPU nodes, which a GPU server's
 * limit asks for; also the key of the taint that keeps other pods off GPU nodes.
 */
export const NVIDIA_GPU = "nvidia.com/gpu";
