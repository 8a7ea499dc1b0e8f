/**
 * Whether a hub's (or tool's) workloads are ready, and when they are not, why — in the words of
 * the scheduler and the kubelet. Pure: it reads live objects that wait.ts fetched.
 */

import type { ReleaseObject } from "../ports/helmParse.js";
import type { ObjectRef } from "../ports/kube.js";
import type { KubeObject } from "../vocabulary/objects.js";

/** What apply waits for: workloads to roll out, claims to bind. */
export const WAITED_KINDS = ["Deployment", "StatefulSet", "PersistentVolumeClaim"] as const;

/**
 * The placeholders' StatefulSet holds spare capacity on user nodes that the autoscaler may
 * still be adding (or may never add, at its maximum): the hub works without it.
 */
const CAPACITY_COMPONENTS = new Set(["user-placeholder"]);

/** The objects to wait for: hubfleet's own (the drive) and the release's, in a stable order. */
export function waitTargets(
  own: readonly KubeObject[],
  released: readonly ReleaseObject[],
  releaseNamespace: string,
): ObjectRef[] {
  const waited = (kind: string) => (WAITED_KINDS as readonly string[]).includes(kind);
  const refs = [
    ...own
      .filter((o) => waited(o.kind))
      .map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        ns: o.metadata.namespace,
        labels: o.metadata.labels ?? {},
      })),
    ...released
      .filter((o) => waited(o.kind))
      .map((o) => ({ ...o, ns: o.namespace ?? releaseNamespace })),
  ]
    .filter((o) => !CAPACITY_COMPONENTS.has(o.labels.component ?? ""))
    .map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.name,
      ...(o.ns ? { namespace: o.ns } : {}),
    }));
  const seen = new Set<string>();
  return refs.filter((r) => {
    const id = `${r.kind}/${r.namespace ?? ""}/${r.name}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

interface WorkloadStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  phase?: string;
}

const label = (ref: ObjectRef) =>
  `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;

/**
 * Why the object is not ready yet, or undefined when it is: a Deployment or StatefulSet whose
 * current spec is rolled out with every replica updated and ready, a claim that is Bound.
 */
export function notReadyReason(ref: ObjectRef, live: KubeObject | undefined): string | undefined {
  if (!live) return `${label(ref)} does not exist`;
  const status = (live.status ?? {}) as WorkloadStatus;
  if (ref.kind === "PersistentVolumeClaim") {
    return status.phase === "Bound"
      ? undefined
      : `${label(ref)} is ${status.phase ?? "Pending"}, not Bound`;
  }
  const generation = (live.metadata as { generation?: number }).generation ?? 0;
  const spec = (live.spec ?? {}) as { replicas?: number };
  const want = spec.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < generation) {
    return `${label(ref)}: its controller has not seen the new spec yet`;
  }
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  if (updated < want) return `${label(ref)}: ${updated} of ${want} replicas updated`;
  if (ref.kind === "Deployment") {
    if ((status.replicas ?? 0) > updated) {
      return `${label(ref)}: ${(status.replicas ?? 0) - updated} old replica(s) still running`;
    }
    if ((status.availableReplicas ?? 0) < want) {
      return `${label(ref)}: ${status.availableReplicas ?? 0} of ${want} replicas available`;
    }
    return undefined;
  }
  if (ready < want) return `${label(ref)}: ${ready} of ${want} replicas ready`;
  if (status.updateRevision && status.currentRevision !== status.updateRevision) {
    return `${label(ref)}: rolling out revision ${status.updateRevision}`;
  }
  return undefined;
}

interface PodView {
  metadata: { name: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: ContainerView[];
    initContainerStatuses?: ContainerView[];
  };
}

interface ContainerView {
  name: string;
  ready?: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
}

/**
 * What keeps pods from running, one line per problem: a pod the scheduler cannot place (with
 * its own message, "0/6 nodes are available: …"), a container waiting (CrashLoopBackOff,
 * ImagePullBackOff, …) or ended with an error.
 */
export function podProblems(pods: readonly KubeObject[]): string[] {
  const out: string[] = [];
  for (const pod of pods as unknown as PodView[]) {
    const name = `pod ${pod.metadata.name}`;
    const status = pod.status ?? {};
    const scheduled = (status.conditions ?? []).find((c) => c.type === "PodScheduled");
    if (status.phase === "Pending" && scheduled?.status === "False") {
      out.push(
        `${name} cannot be scheduled: ${scheduled.message ?? scheduled.reason ?? "no reason given"}`,
      );
      continue;
    }
    for (const c of [
      ...(status.initContainerStatuses ?? []),
      ...(status.containerStatuses ?? []),
    ]) {
      const waiting = c.state?.waiting;
      const ended = c.state?.terminated;
      if (
        waiting?.reason &&
        waiting.reason !== "PodInitializing" &&
        waiting.reason !== "ContainerCreating"
      ) {
        out.push(
          `${name}: container ${c.name} is waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`,
        );
      } else if (ended && (ended.exitCode ?? 0) !== 0) {
        out.push(
          `${name}: container ${c.name} exited with code ${ended.exitCode}${ended.reason ? ` (${ended.reason})` : ""}${ended.message ? `: ${ended.message}` : ""}`,
        );
      }
    }
  }
  return out;
}

/** Whether a pod belongs to a workload: its labels include the workload's matchLabels. */
export function selects(workload: KubeObject, pod: KubeObject): boolean {
  const match = (
    workload.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined
  )?.selector?.matchLabels;
  if (!match || Object.keys(match).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

interface EventView {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  metadata: { creationTimestamp?: string };
}

/**
 * For each claim not bound, the latest event about it (the provisioner's or the binder's
 * words: "waiting for first consumer", "ProvisioningFailed: …"), when there is one.
 */
export function claimProblems(
  claims: readonly ObjectRef[],
  events: readonly KubeObject[],
): string[] {
  const when = (e: EventView) =>
    e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? "";
  return claims.flatMap((claim) => {
    const about = (events as unknown as EventView[])
      .filter(
        (e) =>
          e.involvedObject?.kind === "PersistentVolumeClaim" &&
          e.involvedObject.name === claim.name &&
          e.involvedObject.namespace === claim.namespace,
      )
      .sort((a, b) => when(a).localeCompare(when(b)));
    const latest = about[about.length - 1];
    return latest?.message
      ? [`${label(claim)}: ${latest.reason ? `${latest.reason}: ` : ""}${latest.message.trim()}`]
      : [];
  });
}
