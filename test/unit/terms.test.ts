/**
 * Terms: when a hub is awake or asleep, read in its own time zone — the last day of its term
 * awake, the day after asleep, the wake lead before the first day, no boundary moved by
 * daylight saving time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Hub } from "../../src/fleet/model.js";
import { describeSleep, hubTermState, parseWakeLead } from "../../src/fleet/terms.js";
import { editedExample, fleetFrom, TEST_TERMS } from "../helpers.js";

function hubWith(term: unknown, zone: string, lead?: string): Hub {
  const fleet = fleetFrom(
    editedExample((doc) => {
      doc.setIn(["terms"], doc.createNode(TEST_TERMS));
      doc.setIn(["hubDefaults", "timeZone"], zone);
      doc.setIn(["hubs", 0, "term"], doc.createNode(term));
      if (lead) doc.setIn(["hubs", 0, "wakeBeforeTerm"], lead);
    }),
  );
  const hub = fleet.hubs[0];
  assert.ok(hub);
  return hub;
}

const LA = "America/Los_Angeles";

describe("hubTermState", () => {
  const cases: Array<{
    name: string;
    term: unknown;
    zone: string;
    lead?: string;
    at: string;
    state: "awake" | "asleep";
    until?: string;
    since?: string;
  }> = [
    // 2026-12-18 is the last day of fall-2026; midnight in LA is 08:00Z the next day.
    {
      name: "last minute of the term's last day (LA)",
      term: "fall-2026",
      zone: LA,
      at: "2026-12-19T07:59:00Z",
      state: "awake",
      until: "2026-12-18",
    },
    {
      name: "first minute of the day after (LA)",
      term: "fall-2026",
      zone: LA,
      at: "2026-12-19T08:00:00Z",
      state: "asleep",
      since: "2026-12-19",
    },
    {
      name: "the same instant is still the last day in LA, not in UTC",
      term: "fall-2026",
      zone: "UTC",
      at: "2026-12-19T07:59:00Z",
      state: "asleep",
      since: "2026-12-19",
    },
    // Default lead 2d: spring-2027 starts 2027-01-19, so the hub wakes at 2027-01-17 00:00 local.
    {
      name: "before the wake lead: asleep until the wake day",
      term: "spring-2027",
      zone: LA,
      at: "2027-01-17T07:59:00Z",
      state: "asleep",
      until: "2027-01-17",
    },
    {
      name: "inside the wake lead: awake the day before the term",
      term: "spring-2027",
      zone: LA,
      at: "2027-01-18T18:00:00Z",
      state: "awake",
      until: "2027-05-08",
    },
    {
      name: "a lead of 1d12h: wakes at noon two days before",
      term: "spring-2027",
      zone: LA,
      lead: "1d12h",
      at: "2027-01-17T19:59:00Z",
      state: "asleep",
      until: "2027-01-17",
    },
    {
      name: "a lead of 1d12h: awake from that noon",
      term: "spring-2027",
      zone: LA,
      lead: "1d12h",
      at: "2027-01-17T20:00:00Z",
      state: "awake",
    },
    // DST ends 2026-11-01 in LA: a term starting 2026-11-03 with a 3d lead wakes at local
    // midnight of 2026-10-31 (07:00Z, still PDT), not an hour off.
    {
      name: "a calendar-day lead across the end of DST",
      term: { start: "2026-11-03", end: "2026-11-30" },
      zone: LA,
      lead: "3d",
      at: "2026-10-31T06:59:00Z",
      state: "asleep",
      until: "2026-10-31",
    },
    {
      name: "…and awake at that local midnight",
      term: { start: "2026-11-03", end: "2026-11-30" },
      zone: LA,
      lead: "3d",
      at: "2026-10-31T07:00:00Z",
      state: "awake",
    },
    // The day after the end of a term ending on the day DST starts (2027-03-14): midnight is 07:00Z (PDT).
    {
      name: "a term ending on the day DST starts",
      term: { start: "2027-01-01", end: "2027-03-14" },
      zone: LA,
      at: "2027-03-15T06:59:00Z",
      state: "awake",
    },
    {
      name: "…asleep from the next local midnight",
      term: { start: "2027-01-01", end: "2027-03-14" },
      zone: LA,
      at: "2027-03-15T07:00:00Z",
      state: "asleep",
      since: "2027-03-15",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = hubTermState(hubWith(c.term, c.zone, c.lead), new Date(c.at));
      assert.equal(state.state, c.state);
      if (c.until) assert.equal(state.until, c.until);
      if (c.since) assert.equal(state.since, c.since);
    });
  }

  it("a hub without a term is always awake", () => {
    const fleet = fleetFrom(editedExample(() => {}));
    const hub = fleet.hubs[0];
    assert.ok(hub && hub.term === undefined);
    assert.deepEqual(hubTermState(hub, new Date("2030-01-01T00:00:00Z")), { state: "awake" });
  });

  it("a term in hubDefaults applies to every hub", () => {
    const fleet = fleetFrom(
      editedExample((doc) => {
        doc.setIn(["terms"], doc.createNode(TEST_TERMS));
        doc.setIn(["hubDefaults", "term"], "fall-2026");
      }),
    );
    for (const hub of fleet.hubs) assert.equal(hub.term?.name, "fall-2026");
  });

  it("describes a sleep: until the wake day, or since the term's end with no later term", () => {
    const before = hubTermState(hubWith("spring-2027", LA), new Date("2027-01-01T12:00:00Z"));
    assert.equal(
      describeSleep(before),
      "asleep until 2027-01-17 (term spring-2027 starts 2027-01-19)",
    );
    const after = hubTermState(hubWith("fall-2026", LA), new Date("2026-12-20T12:00:00Z"));
    assert.equal(
      describeSleep(after),
      "asleep since 2026-12-19 (term fall-2026 ended 2026-12-18; no later term)",
    );
  });
});

describe("parseWakeLead", () => {
  for (const [text, want] of [
    ["2d", { days: 2, hours: 0 }],
    ["36h", { days: 0, hours: 36 }],
    ["1d12h", { days: 1, hours: 12 }],
    ["90m", { days: 0, hours: 1.5 }],
    ["two days", undefined],
    ["", undefined],
  ] as const) {
    it(JSON.stringify(text), () => assert.deepEqual(parseWakeLead(text), want));
  }
});
