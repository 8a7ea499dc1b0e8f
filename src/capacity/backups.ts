/**
 * How many backups of a hub the bucket holds: the schedule's firings per year (cron as Velero
 * reads it) and how long each backup is kept (Velero's ttl, S3's own expiry).
 */
import { cronDays, COMMON_YEAR_MONTH_DAYS as DAYS_IN_MONTH } from "../fleet/cronTimes.js";
import { durationHours } from "../vocabulary/durations.js";

const HOURS_PER_YEAR = 365 * 24;

const DESCRIPTOR_PER_YEAR: Readonly<Record<string, number>> = {
  "@yearly": 1,
  "@annually": 1,
  "@monthly": 12,
  "@weekly": 52,
  "@daily": 365,
  "@midnight": 365,
  "@hourly": HOURS_PER_YEAR,
};

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
  const cron = cronDays(text);
  if (!cron) return undefined;
  const perDay = cron.minutes.size * cron.hours.size;
  let matchingDays = 0;
  // A common (non-leap) year starting on a Friday, like 2027.
  let weekday = 5;
  for (const [m, length] of DAYS_IN_MONTH.entries()) {
    for (let d = 1; d <= length; d++) {
      if (cron.matchesDay(m + 1, d, weekday)) matchingDays++;
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
