/**
 * Checks on the capacity-planning fields of hubs (schedule, peakUsers) that a schema cannot
 * make. Pure: findings, never exceptions.
 */
import { error, warning } from "./findings.js";
import { type FleetModel, type Hub, hubFieldPath } from "./model.js";
import type { Finding } from "./problems.js";

/** Minutes since midnight of a validated "HH:MM" (24:00 gives 1440). */
export function clockMinutes(time: string): number {
  const [hours, minutes] = time.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export function checkCapacityFields(fleet: FleetModel): Finding[] {
  return fleet.hubs.flatMap((hub) => checkHubCapacity(fleet, hub));
}

function checkHubCapacity(fleet: FleetModel, hub: Hub): Finding[] {
  const findings: Finding[] = [];
  const schedulePath = hubFieldPath(fleet.spec, hub, ["schedule"]);
  for (const [i, session] of hub.schedule.entries()) {
    if (clockMinutes(session.end) <= clockMinutes(session.start)) {
      findings.push(
        error(
          [...schedulePath, i, "end"],
          `the session ends at ${session.end}, not after it starts (${session.start})`,
          'a session lies within one day: split one that runs past midnight into two, ending at "24:00" and starting at "00:00"',
        ),
      );
    }
  }
  // Before time zones were read, a schedule's times were only compared with each other; now
  // they start warm-ups and freezes, so a zone left to the default is worth a word.
  const zoneSet =
    fleet.spec.hubs[hub.index]?.timeZone !== undefined ||
    fleet.spec.hubDefaults.timeZone !== undefined;
  if (hub.schedule.length > 0 && !zoneSet) {
    findings.push(
      warning(
        schedulePath,
        "the schedule's times are read as UTC: no timeZone is set for this hub",
        'set hubDefaults.timeZone (or the hub\'s timeZone) to the zone the classes are held in, e.g. "America/Los_Angeles"',
      ),
    );
  }
  // A peakUsers in hubDefaults is fine: it serves the hubs without a schedule.
  if (hub.schedule.length > 0 && fleet.spec.hubs[hub.index]?.peakUsers !== undefined) {
    findings.push(
      warning(
        ["hubs", hub.index, "peakUsers"],
        "peakUsers is ignored: the hub has a schedule, whose sessions say how many users work at once",
        "remove peakUsers, or the schedule",
      ),
    );
  }
  return findings;
}
