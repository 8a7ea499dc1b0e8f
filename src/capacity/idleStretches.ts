/**
 * Idle stretches: each user server's unbroken runs of idle samples (from the report's range
 * query over hubfleet:user_server_idle), and what stopping a server after a given time of
 * idleness would have saved — at the hub's culling timeout and at half of it. Pure arithmetic.
 */

/** One idle server's samples: [Unix seconds, its $/h], only where it was idle, in time order. */
export interface IdleSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface CullingWhatIf {
  readonly timeoutSeconds: number;
  /** Idle server-hours and dollars past `timeoutSeconds` into a stretch. */
  readonly serverHours: number;
  readonly usd: number;
}

export interface HubIdleStretches {
  readonly stretches: number;
  readonly longestHours: number;
  /** At the hub's culling timeout first, then at half of it. */
  readonly culledAfter: readonly CullingWhatIf[];
}

/** Runs of consecutive samples (exactly `step` apart) of one server: each run's $/h values. */
function runs(points: IdleSeries["points"], step: number): number[][] {
  const out: number[][] = [];
  let previous: number | undefined;
  for (const [t, usdPerHour] of points) {
    if (previous === undefined || t - previous !== step) out.push([]);
    out[out.length - 1]?.push(usdPerHour);
    previous = t;
  }
  return out;
}

/**
 * Per hub (namespace): its idle stretches and what a culler that stopped a server after
 * `timeout` seconds of idleness would have saved, for each hub's timeout and half of it.
 * Each sample stands for `step` seconds.
 */
export function idleStretches(
  series: readonly IdleSeries[],
  step: number,
  cullingTimeout: (hub: string) => number | undefined,
): Map<string, HubIdleStretches> {
  const byHub = new Map<string, number[][]>();
  for (const s of series) {
    const hub = s.labels.namespace;
    if (hub === undefined) continue;
    byHub.set(hub, [...(byHub.get(hub) ?? []), ...runs(s.points, step)]);
  }
  const out = new Map<string, HubIdleStretches>();
  for (const [hub, all] of byHub) {
    const timeout = cullingTimeout(hub);
    const whatIf = (seconds: number): CullingWhatIf => {
      // Samples at index k and later in a run are past `seconds` of idleness.
      const k = Math.ceil(seconds / step);
      const past = all.flatMap((run) => run.slice(k));
      return {
        timeoutSeconds: seconds,
        serverHours: (past.length * step) / 3600,
        usd: past.reduce((a, usdPerHour) => a + (usdPerHour * step) / 3600, 0),
      };
    };
    out.set(hub, {
      stretches: all.length,
      longestHours: (Math.max(0, ...all.map((r) => r.length)) * step) / 3600,
      culledAfter: timeout === undefined ? [] : [whatIf(timeout), whatIf(Math.round(timeout / 2))],
    });
  }
  return out;
}
