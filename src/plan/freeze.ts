/**
 * The change freeze: whether apply may touch a hub now. A hub is frozen during each of its
 * scheduled sessions and the warm-up before it (sessionClock), and on the days of a fleet-wide
 * `freeze:` range, read in the hub's own time zone. Pure: the clock is passed in.
 */
import { DateTime } from "luxon";
import type { FleetModel, Hub } from "../fleet/model.js";
import { describeSession, sessionAt } from "../fleet/sessionClock.js";
import { hubTermState } from "../fleet/terms.js";

/** Why the hub may not be changed at `now` ("in class: …", "change freeze: …"), or undefined. */
export function freezeReason(fleet: FleetModel, hub: Hub, now: Date): string | undefined {
  // Outside its term a hub holds no classes: its weekly sessions do not freeze it.
  const inTerm = hubTermState(hub, now).state === "awake";
  const session = inTerm ? sessionAt(hub, now, { warmUp: true }) : undefined;
  if (session) {
    const warm = now < session.start ? ", warming up" : "";
    return `in class: ${describeSession(hub, session)}${warm}`;
  }
  const today = DateTime.fromJSDate(now, { zone: hub.timeZone }).toISODate() ?? "";
  const range = fleet.freeze.find((r) => r.from <= today && today <= r.to);
  if (range) {
    return `change freeze: ${range.reason} (${range.from} to ${range.to}, today is ${today} in ${hub.timeZone})`;
  }
  return undefined;
}
