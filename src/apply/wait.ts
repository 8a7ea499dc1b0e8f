/**
 * Waits, after its release is installed, until a hub (or tool) is ready: its workloads rolled
 * out, its claims bound, its release deployed. Polls the API with backoff until a deadline; a
 * unit that is not ready by then fails with what keeps it (see readiness.ts).
 */
import type { HelmPort } from "../ports/helm.js";
import type { KubePort, ObjectRef } from "../ports/kube.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { claimProblems, notReadyReason, podProblems, selects } from "./readiness.js";
import { retry } from "./retry.js";

export interface WaitSettings {
  /** How long one unit may take to become ready after its release is installed. */
  readonly timeoutMs: number;
  /** First pause between polls; it grows to maxPollMs. */
  readonly firstPollMs?: number;
  readonly maxPollMs?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;

/** The unit did not become ready in time; the message says why. */
export class NotReadyError extends Error {
  constructor(
    message: string,
    readonly reasons: readonly string[],
  ) {
    super(message);
    this.name = "NotReadyError";
  }
}

/** "90s", "10m", "1h5m": how a timeout reads in a message. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || total === 0 ? `${s}s` : ""].join("");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntilReady(
  ports: { kube: KubePort; helm: HelmPort },
  unit: {
    readonly targets: readonly ObjectRef[];
    readonly release?: { readonly name: string; readonly namespace: string };
  },
  settings: WaitSettings,
  onWaiting: (what: string) => void = () => {},
): Promise<void> {
  const deadline = Date.now() + settings.timeoutMs;
  let pause = settings.firstPollMs ?? 250;
  let last = "";
  for (;;) {
    const live = await Promise.all(
      unit.targets.map(async (ref) => [ref, await retry(() => ports.kube.get(ref))] as const),
    );
    const waiting = live
      .map(([ref, object]) => notReadyReason(ref, object))
      .filter((r): r is string => r !== undefined);
    if (waiting.length === 0 && unit.release) {
      const status = (await ports.helm.status(unit.release.name, unit.release.namespace))?.status;
      if (status !== "deployed")
        waiting.push(`release ${unit.release.name} is ${status ?? "missing"}`);
    }
    if (waiting.length === 0) return;
    const what = waiting[0] ?? "";
    if (what !== last) onWaiting(what);
    last = what;
    const left = deadline - Date.now();
    if (left <= 0) {
      const [pods, claims] = await Promise.all([
        podsOf(ports.kube, live),
        claimsOf(ports.kube, live),
      ]);
      const reasons = [...podProblems(pods), ...claims, ...waiting];
      throw new NotReadyError(
        `not ready within ${formatDuration(settings.timeoutMs)}: ${reasons.join("; ")}`,
        reasons,
      );
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 1.6, settings.maxPollMs ?? 5000);
  }
}

/** The pods of the workloads that are not ready, listed once per namespace. */
async function podsOf(
  kube: KubePort,
  live: ReadonlyArray<readonly [ObjectRef, KubeObject | undefined]>,
): Promise<KubeObject[]> {
  const workloads = live
    .filter(
      ([ref, object]) =>
        object && ref.kind !== "PersistentVolumeClaim" && notReadyReason(ref, object),
    )
    .map(([, object]) => object as KubeObject);
  const namespaces = [...new Set(workloads.map((w) => w.metadata.namespace ?? ""))];
  const pods = (
    await Promise.all(
      namespaces.map((namespace) => retry(() => kube.list("v1", "Pod", { namespace }))),
    )
  ).flat();
  return pods.filter((p) =>
    workloads.some((w) => w.metadata.namespace === p.metadata.namespace && selects(w, p)),
  );
}

/** What the cluster's events say about the claims that are not bound. */
async function claimsOf(
  kube: KubePort,
  live: ReadonlyArray<readonly [ObjectRef, KubeObject | undefined]>,
): Promise<string[]> {
  const pending = live
    .filter(([ref, object]) => ref.kind === "PersistentVolumeClaim" && notReadyReason(ref, object))
    .map(([ref]) => ref);
  const namespaces = [...new Set(pending.map((c) => c.namespace ?? ""))];
  const events = (
    await Promise.all(
      namespaces.map((namespace) => retry(() => kube.list("v1", "Event", { namespace }))),
    )
  ).flat();
  return claimProblems(pending, events);
}
