/**
 * When a validated cron schedule fires, as Velero reads it (robfig/cron): the values each field
 * matches, and the longest wait between two firings (what "a backup is overdue" is measured in).
 */
import { durationHours } from "../vocabulary/durations.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** Days of each month of a common (non-leap) year. */
export const COMMON_YEAR_MONTH_DAYS: readonly number[] = [
  31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
];
const DAY_SECONDS = 24 * 3600;

/** The longest wait of each descriptor: months and years at their longest. */
const DESCRIPTOR_GAP_SECONDS: Readonly<Record<string, number>> = {
  "@yearly": 366 * DAY_SECONDS,
  "@annually": 366 * DAY_SECONDS,
  "@monthly": 31 * DAY_SECONDS,
  "@weekly": 7 * DAY_SECONDS,
  "@daily": DAY_SECONDS,
  "@midnight": DAY_SECONDS,
  "@hourly": 3600,
};

/** The values one cron field matches (a validated field: lists, ranges, steps, names). */
function cronFieldValues(
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

/** The five fields' matchers of a schedule; undefined for a descriptor or a malformed text. */
export function cronDays(schedule: string):
  | {
      readonly minutes: Set<number>;
      readonly hours: Set<number>;
      /** Whether the schedule fires on a day (month 1-12, day of month, day of week 0-6). */
      readonly matchesDay: (month: number, day: number, weekday: number) => boolean;
    }
  | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const [minute = "", hour = "", dom = "", month = "", dow = ""] = fields;
  const days = cronFieldValues(dom, 1, 31);
  const months = cronFieldValues(month, 1, 12, MONTHS);
  const weekdays = cronFieldValues(dow, 0, 6, DAYS);
  // robfig/cron: when either day field is "*" both must match, otherwise either may.
  const star = (f: string) => f.startsWith("*") || f.startsWith("?");
  const both = star(dom) || star(dow);
  return {
    minutes: cronFieldValues(minute, 0, 59),
    hours: cronFieldValues(hour, 0, 23),
    matchesDay: (m, d, weekday) => {
      const byDom = days.has(d);
      const byDow = weekdays.has(weekday);
      return months.has(m) && (both ? byDom && byDow : byDom || byDow);
    },
  };
}

/**
 * The longest time between two firings of a schedule Velero accepts, in seconds, or undefined
 * when hubfleet does not read it (or it fires less than once in two common years). Counted
 * over two consecutive common years, so the wait across New Year is included.
 */
export function longestCronGapSeconds(schedule: string): number | undefined {
  const text = schedule.trim();
  if (text.startsWith("@")) {
    const every = /^@every (.+)$/.exec(text);
    if (every) {
      const hours = durationHours(every[1] ?? "");
      return hours ? Math.round(hours * 3600) : undefined;
    }
    return DESCRIPTOR_GAP_SECONDS[text];
  }
  const cron = cronDays(text);
  if (!cron) return undefined;
  const times = [...cron.hours]
    .flatMap((h) => [...cron.minutes].map((m) => h * 3600 + m * 60))
    .sort((a, b) => a - b);
  let previous: number | undefined;
  let longest = 0;
  let dayStart = 0;
  // Two common years starting on a Friday, like 2027 (one day of a leap year changes no gap
  // by more than a day).
  let weekday = 5;
  for (let year = 0; year < 2; year++) {
    for (const [m, length] of COMMON_YEAR_MONTH_DAYS.entries()) {
      for (let d = 1; d <= length; d++) {
        if (cron.matchesDay(m + 1, d, weekday)) {
          for (const t of times) {
            const at = dayStart + t;
            if (previous !== undefined) longest = Math.max(longest, at - previous);
            previous = at;
          }
        }
        weekday = (weekday + 1) % 7;
        dayStart += DAY_SECONDS;
      }
    }
  }
  return longest > 0 ? longest : undefined;
}
