/**
 * sessionClock: a hub's weekly sessions as real instants in its time zone, across daylight
 * saving changes, with the warm-up window before each.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseFleet } from "../../src/fleet/load.js";
import {
  describeSession,
  nextSession,
  sessionAt,
  sessionWindows,
} from "../../src/fleet/sessionClock.js";
import { editedExample, fleetFrom } from "../helpers.js";

function hubWith(zone: string | undefined, schedule: unknown[], lead?: string) {
  const fleet = fleetFrom(
    editedExample((d) => {
      if (zone === undefined) d.deleteIn(["hubDefaults", "timeZone"]);
      else d.setIn(["hubDefaults", "timeZone"], zone);
      d.setIn(["hubs", 0, "schedule"], schedule);
      if (lead) d.setIn(["hubs", 0, "warmUp"], { lead });
    }),
  );
  const hub = fleet.hubs[0];
  assert.ok(hub);
  return hub;
}

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

describe("a schedule without a time zone", () => {
  it("is a warning naming the field to set", () => {
    const result = parseFleet(
      editedExample((d) => d.deleteIn(["hubDefaults", "timeZone"])),
      "fleet.yaml",
    );
    const warnings = result.problems.filter(
      (p) => p.severity === "warning" && /read as UTC/.test(p.message),
    );
    assert.equal(warnings.length, result.fleet?.hubs.filter((h) => h.schedule.length > 0).length);
    assert.match(warnings[0]?.hint ?? "", /hubDefaults\.timeZone/);
    const zoned = parseFleet(
      editedExample(() => {}),
      "fleet.yaml",
    );
    assert.equal(zoned.problems.filter((p) => /read as UTC/.test(p.message)).length, 0);
  });
});

describe("session clock", () => {
  const la = hubWith("America/Los_Angeles", [{ days: ["mon"], start: "09:00", end: "10:30" }]);

  it("keeps a session at the same local time across the autumn change (PDT → PST)", () => {
    const windows = sessionWindows(la, at("2026-10-25T00:00:00Z"), at("2026-11-04T00:00:00Z"));
    assert.deepEqual(
      windows.map((w) => [iso(w.warmFrom), iso(w.start), iso(w.end)]),
      [
        ["2026-10-26T15:30:00.000Z", "2026-10-26T16:00:00.000Z", "2026-10-26T17:30:00.000Z"],
        ["2026-11-02T16:30:00.000Z", "2026-11-02T17:00:00.000Z", "2026-11-02T18:30:00.000Z"],
      ],
    );
  });

  it("and across the spring change (PST → PDT)", () => {
    const windows = sessionWindows(la, at("2027-03-07T00:00:00Z"), at("2027-03-16T00:00:00Z"));
    assert.deepEqual(
      windows.map((w) => iso(w.start)),
      ["2027-03-08T17:00:00.000Z", "2027-03-15T16:00:00.000Z"],
    );
  });

  it("moves a time the clocks skip forward by the gap", () => {
    const hub = hubWith("America/Los_Angeles", [{ days: ["sun"], start: "02:30", end: "04:00" }]);
    const [w] = sessionWindows(hub, at("2027-03-14T00:00:00Z"), at("2027-03-15T00:00:00Z"));
    // 02:30 does not exist on 14 March 2027 in Los Angeles: 03:30 PDT (UTC-7).
    assert.equal(iso(w?.start), "2027-03-14T10:30:00.000Z");
    assert.equal(iso(w?.end), "2027-03-14T11:00:00.000Z");
  });

  it("is in session from start to end, and in warm-up only when asked", () => {
    assert.equal(sessionAt(la, at("2026-11-02T16:45:00Z")), undefined);
    assert.equal(sessionAt(la, at("2026-11-02T16:45:00Z"), { warmUp: true })?.index, 0);
    assert.equal(sessionAt(la, at("2026-11-02T17:00:00Z"))?.index, 0);
    assert.equal(sessionAt(la, at("2026-11-02T18:29:59Z"))?.index, 0);
    assert.equal(sessionAt(la, at("2026-11-02T18:30:00Z")), undefined);
    assert.equal(sessionAt(la, at("2026-11-02T16:29:59Z"), { warmUp: true }), undefined);
  });

  it("finds the next warm-up, a week ahead when this week's has begun", () => {
    assert.equal(
      iso(nextSession(la, at("2026-11-01T12:00:00Z"))?.warmFrom),
      "2026-11-02T16:30:00.000Z",
    );
    assert.equal(
      iso(nextSession(la, at("2026-11-02T16:31:00Z"))?.start),
      "2026-11-09T17:00:00.000Z",
    );
  });

  it("follows the hub's warm-up lead", () => {
    const hub = hubWith("UTC", [{ days: ["mon"], start: "09:00", end: "10:00" }], "1h15m");
    assert.equal(
      iso(nextSession(hub, at("2026-11-01T00:00:00Z"))?.warmFrom),
      "2026-11-02T07:45:00.000Z",
    );
  });

  it("puts an evening session on the next UTC day, and reads 24:00 as midnight", () => {
    const hub = hubWith("America/New_York", [{ days: ["fri"], start: "22:00", end: "24:00" }]);
    const [w] = sessionWindows(hub, at("2026-12-05T00:00:00Z"), at("2026-12-06T12:00:00Z"));
    assert.equal(iso(w?.start), "2026-12-05T03:00:00.000Z");
    assert.equal(iso(w?.end), "2026-12-05T05:00:00.000Z");
  });

  it("reads times as UTC when no zone is set, and names the session in messages", () => {
    const hub = hubWith(undefined, [{ days: ["tue", "thu"], start: "08:00", end: "09:30" }]);
    assert.equal(hub.timeZone, "UTC");
    const w = nextSession(hub, at("2026-12-07T00:00:00Z"));
    assert.equal(iso(w?.start), "2026-12-08T08:00:00.000Z");
    assert.ok(w);
    assert.equal(
      describeSession(hub, w),
      `hubs[name=${hub.name}].schedule[0] (Tue/Thu 08:00–09:30 UTC)`,
    );
  });
});
