/**
 * Whether one of a hub's scheduled class sessions, or the warm-up before it, is under way at a
 * moment: the one question `load-test` asks of the schedule before it runs. Read in the hub's
 * time zone by the fleet's session clock (src/fleet/sessionClock.ts).
 */
import { DateTime } from "luxon";
import type { Hub, Session } from "../fleet/model.js";
import { WEEKDAYS, type Weekday } from "../fleet/schema.js";
import { sessionAt } from "../fleet/sessionClock.js";

/** The session under way (or warming up) and the local day it is on, or undefined. */
export interface SessionOn {
  readonly session: Session;
  readonly day: Weekday;
  /** True in the warm-up before the session: its headroom is the students', not the test's. */
  readonly warmingUp: boolean;
  /** "mon 09:00-10:30 UTC", or "the warm-up before mon 09:00-10:30 America/Los_Angeles" */
  readonly label: string;
}

export function sessionUnderWay(hub: Hub, at: Date): SessionOn | undefined {
  const window = sessionAt(hub, at, { warmUp: true });
  if (!window) return undefined;
  const { session } = window;
  const local = DateTime.fromJSDate(window.start, { zone: hub.timeZone });
  const day = WEEKDAYS[local.weekday - 1] as Weekday;
  const warmingUp = at < window.start;
  const when = `${day} ${session.start}-${session.end} ${hub.timeZone}`;
  return { session, day, warmingUp, label: warmingUp ? `the warm-up before ${when}` : when };
}
