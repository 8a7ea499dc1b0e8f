/**
 * Checks on a hub's schedule as the warm-up reads it: sessions of one hub that overlap, a
 * warm-up that starts before the previous session ends, and a warm-up no one carries out
 * (tools.keda off). Warnings only: each still gives a working fleet. Pure.
 */
import { clockMinutes } from "./capacityChecks.js";
import { warning } from "./findings.js";
import { type FleetModel, type Hub, hubFieldPath } from "./model.js";
import type { Finding } from "./problems.js";
import type { Weekday } from "./schema.js";

const WEEK: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEK_MINUTES = 7 * 1440;

interface Occurrence {
  readonly index: number;
  readonly day: Weekday;
  /** Minutes since Monday 00:00, local time. */
  readonly start: number;
  readonly end: number;
}

function occurrences(hub: Hub): Occurrence[] {
  return hub.schedule
    .flatMap((s, index) =>
      s.days.map((day) => {
        const base = WEEK.indexOf(day) * 1440;
        return { index, day, start: base + clockMinutes(s.start), end: base + clockMinutes(s.end) };
      }),
    )
    .filter((o) => o.end > o.start)
    .sort((a, b) => a.start - b.start || a.index - b.index);
}

export function checkWarmUp(fleet: FleetModel): Finding[] {
  return fleet.hubs.flatMap((hub) => checkHubWarmUp(fleet, hub));
}

function checkHubWarmUp(fleet: FleetModel, hub: Hub): Finding[] {
  if (hub.schedule.length === 0) return [];
  const path = hubFieldPath(fleet.spec, hub, ["schedule"]);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const list = occurrences(hub);
  for (const [k, a] of list.entries()) {
    // The next occurrence in the week, wrapping from Sunday to Monday.
    const b = list[(k + 1) % list.length];
    if (!b || b === a) continue;
    const bStart = b.start <= a.start ? b.start + WEEK_MINUTES : b.start;
    const key = `${Math.min(a.index, b.index)}-${Math.max(a.index, b.index)}`;
    if (seen.has(key)) continue;
    if (bStart < a.end) {
      seen.add(key);
      findings.push(
        warning(
          [...path, b.index],
          `overlaps schedule[${a.index}] on ${a.day}: plan-capacity adds both sessions' users, and the warm-up holds the larger headroom of the two`,
          "merge them into one session with the users of both, or fix the times",
        ),
      );
    } else if (hub.warmUp.enabled && bStart - hub.warmUp.leadMinutes < a.end) {
      seen.add(key);
      findings.push(
        warning(
          [...path, b.index],
          `its ${hub.warmUp.leadMinutes}-minute warm-up starts before schedule[${a.index}] ends on ${a.day}: the placeholders stay warm from one session to the next`,
          "nothing to do if that is meant; otherwise shorten warmUp.lead below the gap between them",
        ),
      );
    }
  }
  if (hub.warmUp.enabled && !fleet.tools.keda.enabled) {
    findings.push(
      warning(
        path,
        `no warm-up: tools.keda is off, so the hub's placeholders stay at ${hub.placeholders} before and during sessions`,
        "enable tools.keda, or set warmUp.enabled: false for the hub to say it is meant",
      ),
    );
  }
  return findings;
}
