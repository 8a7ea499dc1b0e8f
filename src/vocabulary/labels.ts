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
/** Pod annotation naming the volumes Velero's file-system backup copies (opt-in mode). */
export const VELERO_BACKUP_VOLUMES = "backup.velero.io/backup-volumes";
