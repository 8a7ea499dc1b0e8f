/**
 * The terms' checks: a term that ends before it starts, a date that is not in the calendar, two
 * terms of one name, a hub naming a term the fleet does not define. Each is reported where the
 * user wrote it (a fleet term, the hub, or hubDefaults).
 */
import { error } from "./findings.js";
import { type FleetModel, hubFieldPath } from "./model.js";
import type { FieldPath, Finding } from "./problems.js";
import { isRealDate } from "./terms.js";

/** Dates that are not in the calendar, then an end before its start. */
function checkDates(
  path: FieldPath,
  what: string,
  dates: { readonly start: string; readonly end: string },
): Finding[] {
  const findings: Finding[] = [];
  for (const field of ["start", "end"] as const) {
    if (!isRealDate(dates[field])) {
      findings.push(
        error(
          [...path, field],
          `${what}'s ${field} ${dates[field]} is not a day of the calendar`,
          "write a real date, YYYY-MM-DD (e.g. 2027-01-19)",
        ),
      );
    }
  }
  if (findings.length === 0 && dates.end < dates.start) {
    findings.push(
      error(
        [...path, "end"],
        `${what} ends (${dates.end}) before it starts (${dates.start})`,
        "swap start and end, or fix the date: both days are inclusive",
      ),
    );
  }
  return findings;
}

export function checkFleetTerms(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  fleet.terms.forEach((term, i) => {
    const first = seen.get(term.name);
    if (first !== undefined) {
      findings.push(
        error(
          ["terms", i, "name"],
          `term "${term.name}" is defined twice (terms[${first}] and terms[${i}])`,
          "give each term its own name, or remove the copy",
        ),
      );
    } else {
      seen.set(term.name, i);
    }
    findings.push(...checkDates(["terms", i], `term "${term.name}"`, term));
  });
  return findings;
}

/** What each hub (or hubDefaults) wrote as its term. */
export function checkHubTerms(fleet: FleetModel): Finding[] {
  const known = fleet.terms.map((t) => t.name);
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const hub of fleet.hubs) {
    const path = hubFieldPath(fleet.spec, hub, ["term"]);
    const written = fleet.spec.hubs[hub.index]?.term ?? fleet.spec.hubDefaults.term;
    const where = path.join(".");
    // hubDefaults' term is reported once, not once per hub that takes it.
    if (written === undefined || reported.has(where)) continue;
    reported.add(where);
    if (typeof written === "string") {
      if (!known.includes(written)) {
        findings.push(
          error(
            path,
            `term "${written}" is not one of the fleet's terms (${known.length ? known.join(", ") : "there are none"})`,
            known.length
              ? `name one of: ${known.join(", ")}; or add "${written}" to terms (name, start, end)`
              : `add it to the fleet's terms: [{name: ${written}, start: YYYY-MM-DD, end: YYYY-MM-DD}], or write the hub's own term as {start, end}`,
          ),
        );
      }
    } else {
      const owner = path[0] === "hubDefaults" ? "hubDefaults' term" : `hub ${hub.name}'s term`;
      findings.push(...checkDates(path, owner, written));
    }
  }
  return findings;
}
