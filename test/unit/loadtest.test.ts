/** The login burst's pure parts: the arrival curve, percentiles, the schedule question, Retry-After, the table. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { arrivalHistogram, arrivalTimes } from "../../src/loadtest/arrivals.js";
import { retryAfterMs, testUserName } from "../../src/loadtest/burst.js";
import { burstCapacity } from "../../src/loadtest/burstCapacity.js";
import { parseTokenSource } from "../../src/loadtest/hubLoadTest.js";
import { burstOk, burstTable, percentile, summarize } from "../../src/loadtest/report.js";
import { sessionUnderWay } from "../../src/loadtest/sessionNow.js";
import { editedExample, exampleFleet, REPO, runCli, TEST_TERMS } from "../helpers.js";

describe("arrival curve", () => {
  it("is seeded: the same seed gives the same class, another seed another", () => {
    assert.deepEqual(arrivalTimes(300, 480_000, 7), arrivalTimes(300, 480_000, 7));
    assert.notDeepEqual(arrivalTimes(300, 480_000, 7), arrivalTimes(300, 480_000, 8));
  });
  it("puts every login in the span, ascending, most in its first quarter", () => {
    const times = arrivalTimes(300, 480_000, 1);
    assert.equal(times.length, 300);
    assert.ok(
      times.every((t, i) => t >= 0 && t <= 480_000 && (i === 0 || t >= (times[i - 1] ?? 0))),
    );
    const [first, second, third, fourth] = arrivalHistogram(times, 480_000, 4);
    // Exponential with tau = span/4: 64 %, 23 %, 9 %, 3 % of the class expected per quarter.
    assert.ok((first ?? 0) > 150 && (first ?? 0) < 230, `first quarter ${first}`);
    assert.ok(
      (first ?? 0) > (second ?? 0) && (second ?? 0) > (third ?? 0) && (third ?? 0) >= (fourth ?? 0),
    );
  });
  it("refuses a negative class or an empty span", () => {
    assert.throws(() => arrivalTimes(-1, 1000, 1), RangeError);
    assert.throws(() => arrivalTimes(3, 0, 1), RangeError);
    assert.deepEqual(arrivalTimes(0, 1000, 1), []);
  });
});

describe("percentile (nearest rank)", () => {
  it("takes the value at the rank, max at 100, undefined for none", () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    assert.equal(percentile(v, 50), 5);
    assert.equal(percentile(v, 95), 10);
    assert.equal(percentile(v, 100), 10);
    assert.equal(percentile([42], 50), 42);
    assert.equal(percentile([], 50), undefined);
  });
});

describe("is a session on now (UTC)", () => {
  const base = exampleFleet().hubs[0];
  assert.ok(base);
  const hub = {
    ...base,
    timeZone: "UTC",
    schedule: [
      { days: ["mon", "wed"] as const, start: "09:00", end: "10:30", users: 120 },
      { days: ["sun"] as const, start: "22:00", end: "24:00", users: 10 },
    ],
  } as typeof base;
  it("inside, at the start, not at the end, not on another day", () => {
    // 2026-12-07 is a Monday.
    assert.equal(
      sessionUnderWay(hub, new Date("2026-12-07T09:30:00Z"))?.label,
      "mon 09:00-10:30 UTC",
    );
    assert.equal(sessionUnderWay(hub, new Date("2026-12-07T09:00:00Z"))?.session.users, 120);
    assert.equal(sessionUnderWay(hub, new Date("2026-12-07T10:30:00Z")), undefined);
    assert.equal(sessionUnderWay(hub, new Date("2026-12-08T09:30:00Z")), undefined);
    assert.equal(sessionUnderWay(hub, new Date("2026-12-09T10:29:59Z"))?.day, "wed");
  });
  it("a session ending at 24:00 runs to midnight; Sunday is the week's last day", () => {
    assert.equal(sessionUnderWay(hub, new Date("2026-12-06T23:59:00Z"))?.day, "sun");
    assert.equal(sessionUnderWay(hub, new Date("2026-12-07T00:00:00Z")), undefined);
  });
  it("the warm-up before a session counts, in the hub's own time zone", () => {
    const warming = sessionUnderWay(hub, new Date("2026-12-07T08:45:00Z"));
    assert.equal(warming?.warmingUp, true);
    assert.equal(warming?.label, "the warm-up before mon 09:00-10:30 UTC");
    assert.equal(sessionUnderWay(hub, new Date("2026-12-07T08:29:59Z")), undefined);
    // 09:30 in Los Angeles on that Monday is 17:30 UTC (PST).
    const la = { ...hub, timeZone: "America/Los_Angeles" };
    assert.equal(sessionUnderWay(la, new Date("2026-12-07T09:30:00Z")), undefined);
    assert.equal(
      sessionUnderWay(la, new Date("2026-12-07T17:30:00Z"))?.label,
      "mon 09:00-10:30 America/Los_Angeles",
    );
  });
  it("a hub without a schedule never has one on", () => {
    assert.equal(
      sessionUnderWay({ ...hub, schedule: [] }, new Date("2026-12-07T09:30:00Z")),
      undefined,
    );
  });
});

describe("Retry-After", () => {
  it("seconds, an HTTP date, or JupyterHub's default range's middle", () => {
    assert.equal(retryAfterMs("37", 0), 37_000);
    assert.equal(retryAfterMs("Thu, 01 Jan 1970 00:00:10 GMT", 4000), 6000);
    assert.equal(retryAfterMs(undefined, 0), 45_000);
    assert.equal(retryAfterMs("soon", 0), 45_000);
  });
});

describe("names and flags", () => {
  it("test users are loadtest-<run>-<n>, padded so they sort", () => {
    assert.equal(testUserName("a1b2c3", 7, 3), "loadtest-a1b2c3-007");
  });
  it("--token-from NAME[/KEY]", () => {
    assert.deepEqual(parseTokenSource("ops-token"), { secret: "ops-token", key: "token" });
    assert.deepEqual(parseTokenSource("hub-secrets/load-test"), {
      secret: "hub-secrets",
      key: "load-test",
    });
    assert.equal(parseTokenSource("Bad_Name"), undefined);
    assert.equal(parseTokenSource("a/b/c"), undefined);
  });
});

describe("the report", () => {
  const fleet = exampleFleet();
  const hub = fleet.hubs[0]?.name ?? "";
  const capacity = burstCapacity(fleet, hub, 300);
  it("the capacity model's bound: never above the packing, and the warm-up holds one placeholder a login", () => {
    assert.ok(capacity.lowerBound >= 1);
    assert.ok(capacity.lowerBound <= capacity.packed);
    assert.equal(capacity.warmPlaceholders, 300);
    assert.equal(capacity.instanceType, fleet.nodeGroups.jhusers.instanceType);
  });
  it("figures and table: served, 429s, failures, nodes, what was left behind", () => {
    const summary = summarize(
      {
        hub,
        run: "abc123",
        users: 3,
        overMs: 20_000,
        students: [
          { user: "u1", arrivalMs: 0, readyMs: 1000, throttled: 0 },
          { user: "u2", arrivalMs: 10, readyMs: 3000, throttled: 2 },
          { user: "u3", arrivalMs: 20, throttled: 1, failure: "not ready after 600 s" },
        ],
        nodesUsed: 2,
        removed: 2,
        leftBehind: [{ user: "u3", message: "HTTP 500: boom" }],
      },
      capacity,
    );
    assert.equal(summary.served, 2);
    assert.equal(summary.throttled429, 3);
    assert.equal(summary.studentsThrottled, 2);
    assert.deepEqual(summary.loginToReadyMs, { p50: 1000, p95: 3000, max: 3000 });
    assert.equal(burstOk(summary), false);
    const table = burstTable(summary);
    assert.match(table, /^served\s+2 of 3$/m);
    assert.match(table, /^429s \(spawn limit\)\s+3 \(2 student\(s\) had to retry\)$/m);
    assert.match(table, /failed: u3: not ready after 600 s/);
    assert.match(table, /^test users\s+2 removed, 1 LEFT BEHIND$/m);
    assert.match(
      table,
      new RegExp(
        `^user nodes\\s+2 used; capacity model: lower bound ${capacity.lowerBound}, packed ${capacity.packed}`,
        "m",
      ),
    );
  });
});

describe("load-test refuses a hub asleep between terms", () => {
  it("names the hub, when it wakes, and does nothing (no cluster contacted)", async () => {
    const text = editedExample((doc) => {
      doc.setIn(["terms"], doc.createNode(TEST_TERMS));
      doc.setIn(["hubs", 0, "term"], "spring-2027");
    });
    const r = await runCli(
      ["load-test", "-", "--hub", "stat101", "--kubeconfig", "/nonexistent"],
      REPO,
      { stdin: text, env: { HUBFLEET_NOW: "2026-12-28T12:00:00Z" } },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /hub stat101 is asleep until 2027-01-17 \(term spring-2027 starts 2027-01-19\): its hub and proxy are scaled to zero, nothing would answer; nothing was done/,
    );
    assert.match(r.stderr, /hint: load-test it once apply has woken it/);
  });
});
