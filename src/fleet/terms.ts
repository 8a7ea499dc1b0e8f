/**
 * Whether a hub is awake or asleep at an instant: awake from `wakeBeforeTerm` before its term's
 * first day until the end of its last day, asleep otherwise; a hub without a term is always
 * awake. Dates are calendar days in the hub's time zone (day arithmetic by calendar, so a
 * daylight saving change never moves a boundary off midnight). Pure: the clock is passed in.
 */
import { DateTime } from "luxon";
import type { FleetModel, Hub, HubTerm } from "./model.js";
import { WAKE_LEAD_PATTERN } from "./schema.js";

/** The built-in wake lead (hubs[].wakeBeforeTerm). */
export const DEFAULT_WAKE_LEAD = "2d";

export interface TermState {
  readonly state: "awake" | "asleep";
  /** The hub's term; absent for a hub without one (always awake). */
  readonly term?: HubTerm;
  /**
   * Asleep: the local date ("YYYY-MM-DD") the hub wakes, absent when no later term wakes it.
   * Awake in a term: the term's last day.
   */
  readonly until?: string;
  /** Asleep: the instant it wakes (absent: no later term). */
  readonly wakesAt?: Date;
  /** Asleep after its term: the first day it slept (the day after the term's last). */
  readonly since?: string;
}

/** A wake lead as calendar days plus hours; undefined when it is not one. */
export function parseWakeLead(text: string): { days: number; hours: number } | undefined {
  const match = WAKE_LEAD_PATTERN.exec(text);
  if (!match || text === "") return undefined;
  const days = Number(match[1] ?? 0);
  let hours = 0;
  for (const part of (match[2] ?? "").matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    const n = Number(part[1]);
    const unit = part[2];
    hours += unit === "h" ? n : unit === "m" ? n / 60 : unit === "s" ? n / 3600 : n / 3_600_000;
  }
  return { days, hours };
}

/** Local midnight of a date in a zone. */
function midnight(date: string, zone: string): DateTime {
  return DateTime.fromISO(date, { zone }).startOf("day");
}

/** A calendar date that exists ("2026-02-30" does not), in ISO form. */
export function isRealDate(date: string): boolean {
  return DateTime.fromISO(date, { zone: "UTC" }).isValid;
}

/** When the hub's term keeps it awake: [wakesAt, sleepsAt). */
export function termWindow(hub: Hub, term: HubTerm): { wakesAt: Date; sleepsAt: Date } {
  const lead = parseWakeLead(hub.wakeBeforeTerm) ?? { days: 2, hours: 0 };
  const start = midnight(term.start, hub.timeZone);
  return {
    wakesAt: start.minus({ days: lead.days }).minus({ hours: lead.hours }).toJSDate(),
    sleepsAt: midnight(term.end, hub.timeZone).plus({ days: 1 }).toJSDate(),
  };
}

export function hubTermState(hub: Hub, now: Date): TermState {
  const term = hub.term;
  if (!term) return { state: "awake" };
  const { wakesAt, sleepsAt } = termWindow(hub, term);
  if (now < wakesAt) {
    const until = DateTime.fromJSDate(wakesAt, { zone: hub.timeZone }).toISODate() ?? term.start;
    return { state: "asleep", term, until, wakesAt };
  }
  if (now < sleepsAt) return { state: "awake", term, until: term.end };
  const since = DateTime.fromJSDate(sleepsAt, { zone: hub.timeZone }).toISODate() ?? term.end;
  return { state: "asleep", term, since };
}

/** The hubs asleep at `now`, by name, with their state. */
export function asleepHubs(fleet: FleetModel, now: Date): ReadonlyMap<string, TermState> {
  const out = new Map<string, TermState>();
  for (const hub of fleet.hubs) {
    const state = hubTermState(hub, now);
    if (state.state === "asleep") out.set(hub.name, state);
  }
  return out;
}

const termName = (term: HubTerm | undefined): string =>
  term?.name ? `term ${term.name}` : "its term";

/**
 * A sleeping hub's state in a few words, for status, plan, apply and check: "asleep until
 * 2027-01-17 (term spring-2027 starts 2027-01-19)" or "asleep since 2026-12-19 (term fall-2026
 * ended 2026-12-18; no later term)".
 */
export function describeSleep(state: TermState): string {
  const term = state.term;
  if (state.until !== undefined && state.state === "asleep") {
    return `asleep until ${state.until} (${termName(term)} starts ${term?.start ?? "?"})`;
  }
  return `asleep since ${state.since ?? "?"} (${termName(term)} ended ${term?.end ?? "?"}; no later term)`;
}

/** The short form status shows: "asleep until 2027-01-17" or "asleep, no later term". */
export function sleepCell(state: TermState): string {
  return state.until !== undefined ? `asleep until ${state.until}` : "asleep, no later term";
}
