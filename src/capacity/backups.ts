/**
 * How many backups of a hub the bucket holds: the schedule's firings per year (cron as Velero
 * reads it) and how long each backup is kept (Velero's ttl, S3's own expiry).
 */
import { durationHours } from "../vocabulary/durations.js";

const HOURS_PER_YEAR = 365 * 24;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const DESCRIPTOR_PER_YEAR: Readonly<Record<string, number>> = {
  "@yearly": 1,
  "@annually": 1,
  "@monthly": 12,
  "@weekly": 52,
  "@daily": 365,
  "@midnight": 365,
  "@hourly": HOURS_PER_YEAR,
};

/** The values one cron field matches (a validated field: lists, ranges, steps, names). */
function expand(
  field: string,
  min: number,
  max: number,
  names: readonly string[] = [],
): Set<number> {
  const value = (text: string) => {
    const named = names.indexOf(text.toLowerCase());
    return named >= 0 ? named + (min === 1 ? 1 : 0) : Number(text);
  };
  const out = new Set<number>();
  for (const item of field.split(",")) {
    const [range = "*", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [low = "*", high] = range.split("-");
    const whole = low === "*" || low === "?";
    const start = whole ? min : value(low);
    // "5/10" runs from 5 to the end of the range, as in robfig/cron.
    const end = whole || (high === undefined && stepText !== undefined) ? max : value(high ?? low);
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return out;
}

/** Backups per year of a schedule Velero accepts, or undefined when it is not one hubfleet reads. */
export function backupsPerYear(schedule: string): number | undefined {
  const text = schedule.trim();
  if (text.startsWith("@")) {
    const every = /^@every (.+)$/.exec(text);
    if (every) {
      const hours = durationHours(every[1] ?? "");
      return hours ? HOURS_PER_YEAR / hours : undefined;
    }
    return DESCRIPTOR_PER_YEAR[text];
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return undefined;
  const [minute = "", hour = "", dom = "", month = "", dow = ""] = fields;
  const perDay = expand(minute, 0, 59).size * expand(hour, 0, 23).size;
  const days = expand(dom, 1, 31);
  const months = expand(month, 1, 12, MONTHS);
  const weekdays = expand(dow, 0, 6, DAYS);
  // robfig/cron: when either day field is "*" both must match, otherwise either may.
  const star = (f: string) => f.startsWith("*") || f.startsWith("?");
  const both = star(dom) || star(dow);
  let matchingDays = 0;
  // A common (non-leap) year starting on a Friday, like 2027.
  let weekday = 5;
  for (const [m, length] of DAYS_IN_MONTH.entries()) {
    for (let d = 1; d <= length; d++) {
      const byDom = days.has(d);
      const byDow = weekdays.has(weekday);
      if (months.has(m + 1) && (both ? byDom && byDow : byDom || byDow)) matchingDays++;
      weekday = (weekday + 1) % 7;
    }
  }
  return matchingDays * perDay;
}

/**
 * Backups of one hub in the bucket at a time: one per firing during the time each is kept
 * (Velero's ttl, or S3's expiry when that is shorter); at least one.
 */
export function retainedBackups(schedule: string, ttl: string, expireAfterDays: number): number {
  const perYear = backupsPerYear(schedule) ?? 0;
  const keptHours = Math.min(durationHours(ttl) ?? 0, expireAfterDays * 24);
  return Math.max(1, Math.floor((perYear * keptHours) / HOURS_PER_YEAR + 1e-9));
}
