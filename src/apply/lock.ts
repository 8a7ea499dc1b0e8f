/**
 * The fleet-wide lock: a coordination.k8s.io Lease held while apply writes. A second apply is
 * refused with the holder's name; a holder that stops renewing (killed, paused) loses the lease
 * after its duration, and a holder that lost it stops before its next write (fencing).
 */

import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { ClusterError, LockError } from "../errors.js";
import type { KubePort } from "../ports/kube.js";

export { LockError };

import { MANAGED_BY } from "../vocabulary/labels.js";
import { KUBE_SYSTEM_NAMESPACE } from "../vocabulary/namespaces.js";
import type { KubeObject } from "../vocabulary/objects.js";

export const LOCK_NAMESPACE = KUBE_SYSTEM_NAMESPACE;

export interface LockOptions {
  readonly fleet: string;
  /** Seconds without renewal after which the lease counts as abandoned. */
  readonly durationSeconds?: number;
  /** How often the holder renews. */
  readonly renewSeconds?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export function lockName(fleet: string): string {
  return `hubfleet-${fleet}`.slice(0, 63);
}

export function holderIdentity(): string {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()} pid ${process.pid} ${randomBytes(3).toString("hex")}`;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease's MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Whether a lease is held by someone right now (pure). */
export function leaseIsLive(spec: LeaseSpec | undefined, nowMs: number): boolean {
  if (!spec?.holderIdentity || !spec.renewTime) return false;
  const renewed = Date.parse(spec.renewTime);
  return Number.isFinite(renewed) && renewed + (spec.leaseDurationSeconds ?? 0) * 1000 > nowMs;
}

export class FleetLock {
  private lastRenewMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private lost: string | undefined;
  private released = false;

  private constructor(
    private readonly kube: KubePort,
    readonly name: string,
    readonly holder: string,
    private readonly durationSeconds: number,
    private readonly now: () => number,
  ) {}

  /** Takes the lock, or throws LockError naming who holds it. */
  static async acquire(kube: KubePort, options: LockOptions): Promise<FleetLock> {
    const durationSeconds = options.durationSeconds ?? 30;
    const now = options.now ?? Date.now;
    const lock = new FleetLock(
      kube,
      lockName(options.fleet),
      holderIdentity(),
      durationSeconds,
      now,
    );
    await lock.take();
    const every = (options.renewSeconds ?? Math.max(1, Math.floor(durationSeconds / 3))) * 1000;
    lock.timer = setInterval(() => {
      void lock.renew();
    }, every);
    lock.timer.unref();
    return lock;
  }

  private ref() {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: LOCK_NAMESPACE,
      name: this.name,
    };
  }

  private leaseObject(spec: LeaseSpec, resourceVersion?: string): KubeObject {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: this.name,
        namespace: LOCK_NAMESPACE,
        labels: { [MANAGED_BY]: "hubfleet" },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec,
    } as KubeObject;
  }

  private async take(): Promise<void> {
    const stamp = microTime(this.now());
    const existing = await this.kube.get(this.ref());
    const spec = existing?.spec as LeaseSpec | undefined;
    if (existing && leaseIsLive(spec, this.now()) && spec?.holderIdentity !== this.holder) {
      throw new LockError(
        `another hubfleet apply holds the lock of fleet ${this.name.replace(/^hubfleet-/, "")}: ${spec?.holderIdentity} (renewed ${spec?.renewTime}); wait for it to finish, or for the lock to expire ${spec?.leaseDurationSeconds}s after its last renewal`,
      );
    }
    const next: LeaseSpec = {
      holderIdentity: this.holder,
      leaseDurationSeconds: this.durationSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: (spec?.leaseTransitions ?? 0) + (existing ? 1 : 0),
    };
    try {
      if (existing) {
        const rv = (existing.metadata as { resourceVersion?: string }).resourceVersion;
        await this.kube.replace(this.leaseObject(next, rv));
      } else {
        await this.kube.create(this.leaseObject(next));
      }
    } catch (err) {
      if (err instanceof ClusterError && err.conflict) {
        // Someone else created or renewed it between our read and our write: say who.
        const winner = (await this.kube.get(this.ref()))?.spec as LeaseSpec | undefined;
        throw new LockError(
          `another hubfleet apply holds the lock of fleet ${this.name.replace(/^hubfleet-/, "")}: ${winner?.holderIdentity ?? "unknown"} (it took the lock at the same moment); wait for it to finish`,
        );
      }
      throw err;
    }
    this.lastRenewMs = this.now();
  }

  /** Renews the lease; a renewal that finds another holder marks the lock lost. */
  async renew(): Promise<void> {
    if (this.released || this.lost) return;
    try {
      const existing = await this.kube.get(this.ref());
      const spec = existing?.spec as LeaseSpec | undefined;
      if (!existing || spec?.holderIdentity !== this.holder) {
        this.lost = spec?.holderIdentity
          ? `the lock was taken over by ${spec.holderIdentity}`
          : "the lock expired and was taken and released by another apply";
        return;
      }
      const stamp = microTime(this.now());
      const rv = (existing.metadata as { resourceVersion?: string }).resourceVersion;
      await this.kube.replace(this.leaseObject({ ...spec, renewTime: stamp }, rv));
      this.lastRenewMs = this.now();
    } catch {
      // A failed renewal is retried on the next tick; assertHeld() fences on the clock.
    }
  }

  /**
   * Fencing: call before every write. Throws when the lease may have expired (no renewal for
   * its duration, e.g. the process was paused) or another holder took it.
   */
  async assertHeld(): Promise<void> {
    if (this.lost)
      throw new LockError(`lost the fleet lock: ${this.lost}; stopping before the next write`);
    const silentFor = this.now() - this.lastRenewMs;
    if (silentFor > this.durationSeconds * 1000 * 0.8) {
      // Paused or cut off: check with the cluster before writing anything.
      await this.renew();
      if (this.lost || this.now() - this.lastRenewMs > this.durationSeconds * 1000 * 0.8) {
        throw new LockError(
          `lost the fleet lock ${this.name}: not renewed for ${Math.round(silentFor / 1000)}s (over ${this.durationSeconds}s); ${this.lost ?? "another apply may be running"}; stopping before the next write`,
        );
      }
    }
  }

  /**
   * Gives the lease up by clearing its holder, never by deleting it: a Lease may be created by
   * an update, so a renewal a paused holder sent with a stale resourceVersion would bring a
   * deleted lease back to life for it; against a lease that still exists it fails (409).
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    if (this.lost) return;
    // A renewal already on its way can land first and move the resourceVersion (409): read
    // again and clear the holder once more, so the next apply need not wait for the expiry.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const existing = await this.kube.get(this.ref());
        const spec = existing?.spec as LeaseSpec | undefined;
        if (existing && spec?.holderIdentity === this.holder) {
          const rv = (existing.metadata as { resourceVersion?: string }).resourceVersion;
          const { holderIdentity: _, ...free } = spec;
          await this.kube.replace(this.leaseObject(free, rv));
        }
        return;
      } catch (err) {
        // Leaving a lease behind is harmless otherwise: it expires.
        if (!(err instanceof ClusterError && err.conflict)) return;
      }
    }
  }
}
