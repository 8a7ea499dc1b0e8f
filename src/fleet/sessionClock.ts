/**
 * When a hub's weekly sessions happen in real time: each session's occurrences as UTC instants,
 * read in the hub's time zone with daylight saving time followed, and the warm-up window before
 * each. The one answer to "is this hub in class now?", "when is its next class?" for the
 * warm-up, the change freeze and load-test. Pure: the clock is always passed in.
 */
import { DateTime } from "luxon";
import type { Hub, Session } from "./model.js";
import type { Weekday } from "./schema.js";

/** One occurrence of a weekly session. */
export interface SessionWindow {
  readonly hub: string;
  /** Position of the session in the hub's schedule (for messages: hubs[name=x].schedule[i]). */
  readonly index: number;
  readonly session: Session;
  /** When capacity starts warming up: `start` minus the hub's warm-up lead. */
  readonly warmFrom: Date;
  readonly start: Date;
  readonly end: Date;
}

/** Luxon's weekday numbers: Monday 1 … Sunday 7. */
const WEEKDAY_NUMBER: Readonly<Record<Weekday, number>> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
};

function clock(text: string): { hour: number; minute: number } {
  const [hour = 0, minute = 0] = text.split(":").map(Number);
  return { hour, minute };
}

/**
 * A local wall-clock time on a local date, as an instant. A time that does not exist that day
 * (skipped when the clocks go forward) moves forward by the gap, as Luxon does; "24:00" is
 * midnight at the end of the day.
 */
function localInstant(day: DateTime, time: string): DateTime {
  const { hour, minute } = clock(time);
  if (hour === 24) return day.plus({ days: 1 }).startOf("day");
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

/**
 * Every occurrence of the hub's sessions whose warm-up window or session overlaps [from, to),
 * in start order. Sessions are weekly, at the same local time on their days whatever the
 * offset from UTC that day.
 */
export function sessionWindows(hub: Hub, from: Date, to: Date): SessionWindow[] {
  const lead = hub.warmUp.leadMinutes;
  const windows: SessionWindow[] = [];
  // A day before and after: a session late in the evening in one zone is the next day in UTC.
  let day = DateTime.fromJSDate(from, { zone: hub.timeZone }).startOf("day").minus({ days: 1 });
  const last = DateTime.fromJSDate(to, { zone: hub.timeZone }).startOf("day").plus({ days: 1 });
  while (day <= last) {
    for (const [index, session] of hub.schedule.entries()) {
      if (!session.days.some((d) => WEEKDAY_NUMBER[d] === day.weekday)) continue;
      const start = localInstant(day, session.start);
      const end = localInstant(day, session.end);
      const warmFrom = start.minus({ minutes: lead });
      if (end.toMillis() <= from.getTime() || warmFrom.toMillis() >= to.getTime()) continue;
      windows.push({
        hub: hub.name,
        index,
        session,
        warmFrom: warmFrom.toJSDate(),
        start: start.toJSDate(),
        end: end.toJSDate(),
      });
    }
    day = day.plus({ days: 1 });
  }
  return windows.sort((a, b) => a.start.getTime() - b.start.getTime() || a.index - b.index);
}

/**
 * The session the hub is in at `now` (from its start to its end), or with `warmUp` also during
 * the warm-up before it. Undefined outside every session.
 */
export function sessionAt(
  hub: Hub,
  now: Date,
  options: { warmUp?: boolean } = {},
): SessionWindow | undefined {
  const next = new Date(now.getTime() + 1);
  return sessionWindows(hub, now, next).find(
    (w) => (options.warmUp ? w.warmFrom : w.start).getTime() <= now.getTime() && now < w.end,
  );
}

/** The next session whose warm-up starts after `now` (within a week and a day), if any. */
export function nextSession(hub: Hub, now: Date): SessionWindow | undefined {
  const horizon = new Date(now.getTime() + 8 * 24 * 3600 * 1000);
  return sessionWindows(hub, now, horizon).find((w) => w.warmFrom.getTime() > now.getTime());
}

/** "Mon 09:00–10:30 America/Los_Angeles": a session as the fleet file says it, for messages. */
export function describeSession(hub: Hub, window: SessionWindow): string {
  const { session } = window;
  const days = session.days.map((d) => d[0]?.toUpperCase() + d.slice(1)).join("/");
  return `hubs[name=${hub.name}].schedule[${window.index}] (${days} ${session.start}–${session.end} ${hub.timeZone})`;
}
