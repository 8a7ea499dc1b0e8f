/** Backup schedules: what Velero's cron parser accepts, which field is wrong when not, and how long between firings. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkCron } from "../../src/fleet/cron.js";
import { longestCronGapSeconds } from "../../src/fleet/cronTimes.js";

const ACCEPTED = [
  "0 3 * * *",
  "*/15 * * * *",
  "0 0-23/6 * * *",
  "5/10 * * * *",
  "0 3 1,15 * *",
  "0 3 ? * MON-FRI",
  "0 3 * JAN,jul sun",
  "30 2 * * 0",
  "59 23 31 12 6",
  "  0   3 *  *  *  ",
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
  "@every 6h",
  "@every 1h30m",
  "@every 1.5h",
];

const REJECTED: Array<[string, string, RegExp]> = [
  ["", "expression", /empty/],
  ["   ", "expression", /empty/],
  ["0 3 * *", "expression", /expected 5 fields .*found 4/],
  ["0 0 3 * * *", "expression", /found 6/],
  ["60 3 * * *", "minute", /minute field "60" is out of range 0-59/],
  ["0 24 * * *", "hour", /hour field "24" is out of range 0-23/],
  ["0 3 0 * *", "day-of-month", /out of range 1-31/],
  ["0 3 32 * *", "day-of-month", /out of range 1-31/],
  ["0 3 * 13 *", "month", /month field "13" is out of range 1-12/],
  ["0 3 * 0 *", "month", /out of range 1-12/],
  ["0 3 * * 7", "day-of-week", /out of range 0-6 \(Sunday is 0 or SUN\)/],
  ["0 3 * * FUNDAY", "day-of-week", /"FUNDAY", which is not a number or a name such as MON/],
  ["0 3 * JAN-FOO *", "month", /"FOO", which is not a number or a name such as FEB/],
  ["MON 3 * * *", "minute", /"MON", which is not a number$/],
  ["*/0 * * * *", "minute", /step of 0/],
  ["*/x * * * *", "minute", /step "x" that is not a number/],
  ["1/2/3 * * * *", "minute", /more than one "\/"/],
  ["0 1-2-3 * * *", "hour", /more than one "-"/],
  ["0 5-1 * * *", "hour", /range "5-1" that runs backwards/],
  ["0 3 1,,2 * *", "day-of-month", /empty list item/],
  ["-1 3 * * *", "minute", /"", which is not a number/],
  ["0 3 L * *", "day-of-month", /"L", which is not a number/],
  ["@sometimes", "expression", /"@sometimes" is not a descriptor/],
  ["@daily ", "expression", /is not a descriptor/],
  ["@every", "expression", /is not a descriptor/],
  ["@every 1d", "expression", /"1d" is not a duration/],
  ["@every 0s", "expression", /longer than zero/],
];

describe("backup schedules Velero accepts", () => {
  for (const expression of ACCEPTED) {
    it(`accepts "${expression}"`, () => {
      assert.equal(checkCron(expression), undefined);
    });
  }
});

describe("backup schedules Velero rejects, naming the wrong field", () => {
  for (const [expression, field, message] of REJECTED) {
    it(`rejects "${expression}"`, () => {
      const problem = checkCron(expression);
      assert.ok(problem, "expected a problem");
      assert.equal(problem.field, field);
      assert.match(problem.message, message);
    });
  }
});

describe("longestCronGapSeconds: the longest wait between two firings", () => {
  const DAY = 86_400;
  const cases: Array<[string, number]> = [
    ["0 3 * * *", DAY],
    // Friday 03:00 to Monday 03:00.
    ["0 3 * * 1-5", 3 * DAY],
    ["0 0,12 * * *", DAY / 2],
    // 23:45 to 00:00 is the same as the others.
    ["*/15 * * * *", 900],
    // 06:30 to the next day's 02:30.
    ["30 2,6 * * *", 20 * 3600],
    // The first of each month: 31 days at the longest (e.g. 1 Jan to 1 Feb).
    ["0 3 1 * *", 31 * DAY],
    ["@every 6h", 6 * 3600],
    ["@weekly", 7 * DAY],
    ["@daily", DAY],
  ];
  for (const [schedule, seconds] of cases) {
    it(`${schedule} → ${seconds} s`, () => {
      assert.equal(longestCronGapSeconds(schedule), seconds);
    });
  }
  it("undefined for what hubfleet does not read", () => {
    assert.equal(longestCronGapSeconds("@reboot"), undefined);
    assert.equal(longestCronGapSeconds("0 3 * *"), undefined);
  });
});
