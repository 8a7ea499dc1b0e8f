/**
 * Whether one of a hub's scheduled class sessions is under way at a moment: the one question
 * `load-test` asks of the schedule before it runs. Sessions are compared in UTC for now; when
 * the fleet file gains a time zone (schedule.timeZone), only this module changes.
 */
import { clockMinutes } from "../fleet/capacityChecks.js";
import type { Hub, Session } from "../fleet/model.js";
import { WEEKDAYS, type Weekday } from "../fleet/schema.js";

/** The session under way and the day it is on, or undefined when none is. */
export interface SessionOn {
  readonly session: Session;
  readonly day: Weekday;
  /** "mon 09:00-10:30 UTC" */
  readonly label: string;
}

/** JavaScript's getUTCDay() counts from Sunday; the fleet's weekdays start on Monday. */
function utcWeekday(at: Date): Weekday {
  return WEEKDAYS[(at.getUTCDay() + 6) % 7] as Weekday;
}

export function sessionUnderWay(hub: Hub, at: Date): SessionOn | undefined {
  const day = utcWeekday(at);
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes();
  for (const session of hub.schedule) {
    if (!session.days.includes(day)) continue;
    if (minute >= clockMinutes(session.start) && minute < clockMinutes(session.end)) {
      return { session, day, label: `${day} ${session.start}-${session.end} UTC` };
    }
  }
  return undefined;
}
