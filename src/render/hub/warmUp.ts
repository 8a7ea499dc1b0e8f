/**
 * A hub's schedule-driven warm-up as KEDA reads it: a ScaledObject on the hub's user-placeholder
 * StatefulSet with one cron trigger per session (from the warm-up start to the session's end, in
 * the hub's time zone) and the idle level as its floor. The levels come from the capacity model
 * (src/capacity/warmup.ts), passed in: this layer sits below it.
 */
import type { FleetModel, Hub, Session } from "../../fleet/model.js";
import type { Weekday } from "../../fleet/schema.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { hubLabels } from "../labels.js";

/** The z2jh chart's placeholder StatefulSet, in the hub's namespace. */
export const PLACEHOLDER_STATEFULSET = "user-placeholder";

/** The ScaledObject's name; KEDA names the HPA it makes keda-hpa-<name>. */
export const WARM_UP_OBJECT = "user-placeholder-warm-up";

/**
 * How long the HPA waits before lowering the placeholders once a window closes. A cron metric
 * does not flap, so the default 5 minutes would only keep nodes up past the session's end.
 */
export const WARM_UP_SCALE_DOWN_SECONDS = 60;

/** How often KEDA re-reads the cron triggers (its default, 30 s, stated). */
export const WARM_UP_POLLING_SECONDS = 30;

/** Cron's day-of-week numbers (robfig/cron, as KEDA parses them): Sunday 0 … Saturday 6. */
const CRON_DAY: Readonly<Record<Weekday, number>> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

/** Whether a hub gets a warm-up object: a schedule, warmUp.enabled and KEDA installed. */
export function hubWarmsUp(fleet: FleetModel, hub: Hub): boolean {
  return fleet.tools.keda.enabled && hub.warmUp.enabled && hub.schedule.length > 0;
}

const minutesOf = (text: string): number => {
  const [h = 0, m = 0] = text.split(":").map(Number);
  return h * 60 + m;
};

/**
 * A weekly local time as a cron line: `minute` minutes after midnight of each of `days`, which
 * may fall on another day (a 00:15 session warmed from 23:45 the day before; "24:00").
 */
export function weeklyCron(days: readonly Weekday[], minute: number): string {
  const shift = Math.floor(minute / 1440);
  const inDay = minute - shift * 1440;
  const dows = [...new Set(days.map((d) => (((CRON_DAY[d] + shift) % 7) + 7) % 7))].sort(
    (a, b) => a - b,
  );
  return `${inDay % 60} ${Math.floor(inDay / 60)} * * ${dows.join(",")}`;
}

/** One session's KEDA cron trigger: warm from `lead` minutes before its start to its end. */
export function sessionTrigger(
  hub: Hub,
  session: Session,
  index: number,
  placeholders: number,
): Record<string, unknown> {
  return {
    type: "cron",
    name: `session-${index}`,
    metadata: {
      timezone: hub.timeZone,
      start: weeklyCron(session.days, minutesOf(session.start) - hub.warmUp.leadMinutes),
      end: weeklyCron(session.days, minutesOf(session.end)),
      desiredReplicas: String(placeholders),
    },
  };
}

/** Placeholders per session (by schedule index) and the idle level, from the capacity model. */
export interface WarmLevels {
  readonly idle: number;
  readonly sessions: readonly number[];
}

export function renderWarmUp(fleet: FleetModel, hub: Hub, levels: WarmLevels): KubeObject {
  // KEDA refuses a cron trigger of 0 replicas; a session that warms nothing has none.
  const triggers = hub.schedule.flatMap((session, i) => {
    const placeholders = levels.sessions[i] ?? levels.idle;
    return placeholders >= 1 ? [sessionTrigger(hub, session, i, placeholders)] : [];
  });
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: {
      name: WARM_UP_OBJECT,
      namespace: hub.name,
      labels: hubLabels(fleet, hub.name, "user-placeholder"),
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: PLACEHOLDER_STATEFULSET },
      minReplicaCount: levels.idle,
      maxReplicaCount: Math.max(levels.idle, ...levels.sessions, 1),
      pollingInterval: WARM_UP_POLLING_SECONDS,
      // Only used at an idle level of 0: how long after a window closes KEDA scales to zero.
      cooldownPeriod: WARM_UP_SCALE_DOWN_SECONDS,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: { stabilizationWindowSeconds: WARM_UP_SCALE_DOWN_SECONDS },
          },
        },
      },
      triggers,
    },
  };
}
