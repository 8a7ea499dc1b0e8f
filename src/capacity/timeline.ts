/**
 * The fleet's week: each hub's concurrent users at every moment, from the class sessions of
 * scheduled hubs (overlapping sessions add up) and the constant peak of the others.
 */
import { clockMinutes } from "../fleet/capacityChecks.js";
import type { Hub } from "../fleet/model.js";
import { WEEKDAYS, type Weekday } from "../fleet/schema.js";

export const MINUTES_PER_WEEK = 7 * 24 * 60;

/** A stretch of the week during which no hub's number of users changes. */
export interface Stretch {
  /** Minutes since Monday 00:00. */
  readonly start: number;
  readonly end: number;
  /** Concurrent users per hub, in the fleet's hub order. */
  readonly users: readonly number[];
  /** "hub mon 09:00-10:30" of the sessions under way. */
  readonly sessions: readonly string[];
}

const dayIndex = (day: Weekday): number => WEEKDAYS.indexOf(day);

/** "mon 09:00" */
export function formatWeekMinute(minute: number): string {
  const day = WEEKDAYS[Math.floor(minute / 1440) % 7] ?? "mon";
  const m = minute % 1440;
  return `${day} ${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

interface Interval {
  readonly hub: number;
  readonly start: number;
  readonly end: number;
  readonly users: number;
  readonly label: string;
}

function sessionIntervals(hubs: readonly Hub[]): Interval[] {
  return hubs.flatMap((hub, h) =>
    hub.schedule.flatMap((session) =>
      session.days.map((day) => ({
        hub: h,
        start: dayIndex(day) * 1440 + clockMinutes(session.start),
        end: dayIndex(day) * 1440 + clockMinutes(session.end),
        users: session.users,
        label: `${hub.name} ${day} ${session.start}-${session.end}`,
      })),
    ),
  );
}

/**
 * The week cut into stretches of constant load. A hub without a schedule has its peakUsers all
 * week; a scheduled hub has idleUsers plus the users of every session under way.
 */
export function weeklyTimeline(hubs: readonly Hub[]): Stretch[] {
  const intervals = sessionIntervals(hubs).filter((i) => i.end > i.start);
  const cuts = [
    ...new Set([0, MINUTES_PER_WEEK, ...intervals.flatMap((i) => [i.start, i.end])]),
  ].sort((a, b) => a - b);
  const stretches: Stretch[] = [];
  for (let c = 0; c + 1 < cuts.length; c++) {
    const start = cuts[c] as number;
    const end = cuts[c + 1] as number;
    const active = intervals.filter((i) => i.start <= start && i.end >= end);
    const users = hubs.map((hub, h) =>
      hub.schedule.length === 0
        ? hub.peakUsers
        : hub.idleUsers + active.filter((i) => i.hub === h).reduce((n, i) => n + i.users, 0),
    );
    const sessions = active.map((i) => i.label);
    const last = stretches[stretches.length - 1];
    if (last && sameLoad(last, users, sessions)) {
      stretches[stretches.length - 1] = { ...last, end };
    } else {
      stretches.push({ start, end, users, sessions });
    }
  }
  return stretches;
}

function sameLoad(stretch: Stretch, users: readonly number[], sessions: readonly string[]) {
  return (
    stretch.users.every((n, i) => n === users[i]) &&
    stretch.sessions.length === sessions.length &&
    stretch.sessions.every((s, i) => s === sessions[i])
  );
}
