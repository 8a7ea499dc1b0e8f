/**
 * Names of the fleet's shared parts, which every hub's values point at: the one user-scheduler,
 * the priority classes and the image puller (docs/design.md, "Shared parts, once per fleet").
 */

/** The scheduler profile every hub's user pods and placeholders name in `schedulerName`. */
export const SHARED_SCHEDULER_NAME = "hubfleet-user-scheduler";
/** The Lease the scheduler's replicas elect a leader with (one schedules, the other waits). */
export const SHARED_SCHEDULER_LOCK = "hubfleet-user-scheduler-lock";
/** The fleet's one image puller (a DaemonSet on the user nodes). */
export const SHARED_IMAGE_PULLER = "hubfleet-image-puller";

/**
 * The fleet's priority classes, with z2jh's values (scheduling.podPriority): user servers at 0,
 * the image puller at -5 (it may push out a placeholder to pull images on a full node, never a
 * user), placeholders at -10 (every user server pushes them out; -10 is the autoscaler's cutoff,
 * so they still make it add nodes).
 */
export const PRIORITY = {
  userServers: { name: "hubfleet-default-priority", value: 0 },
  imagePuller: { name: "hubfleet-image-puller-priority", value: -5 },
  placeholders: { name: "hubfleet-user-placeholder-priority", value: -10 },
} as const;
