/**
 * Warm headroom: placeholders per session from the capacity model (the rate rule, whole nodes,
 * capped by the session's users and the user group's size, never below the idle level), what
 * plan-capacity shows, and the level the schedule wants at a moment.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarizeStatus, warmUpStatus, withWarmUp } from "../../src/apply/status.js";
import { planNodes } from "../../src/capacity/model.js";
import { planCapacity } from "../../src/capacity/plan.js";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { hubWarmUps, wantedPlaceholders, warmHeadroom } from "../../src/capacity/warmup.js";
import { formatPlan } from "../../src/cli/capacity.js";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

const base = {
  users: 300,
  usersPerNode: 7,
  nodeStartupMinutes: 3,
  loginWindowMinutes: 8,
  maxNodes: 60,
  idle: 4,
};

describe("warmHeadroom", () => {
  it("holds the logins of one node start-up, rounded up to whole nodes", () => {
    // 300 users over 8 min, front-loaded: 79.1 % log in within the first 3 min (one node
    // start-up) → 238 logins; 34 nodes of 7 hold 238.
    const h = warmHeadroom(base);
    assert.equal(h.loginsPerStartup, 238);
    assert.equal(h.placeholders, 238);
    assert.equal(h.nodes, 34);
    assert.equal(h.limit, "rate");
  });

  it("absorbs the rate, not the total: a slower arrival needs fewer", () => {
    const slow = warmHeadroom({ ...base, loginWindowMinutes: 30 });
    // Over 30 min, 33.6 % in the first 3: 101 logins, 15 nodes of 7.
    assert.equal(slow.loginsPerStartup, 101);
    assert.equal(slow.placeholders, 105);
  });

  it("never holds more than the session's users", () => {
    const h = warmHeadroom({ ...base, users: 20, nodeStartupMinutes: 10 });
    assert.equal(h.placeholders, 20);
    assert.equal(h.limit, "users");
  });

  it("never asks for more than the group's maxSize nodes hold", () => {
    const h = warmHeadroom({ ...base, maxNodes: 5 });
    assert.equal(h.placeholders, 35);
    assert.equal(h.nodes, 5);
    assert.equal(h.limit, "maxSize");
  });

  it("never drops below the hub's idle placeholders", () => {
    const h = warmHeadroom({ ...base, users: 2, idle: 10 });
    assert.equal(h.placeholders, 10);
    assert.equal(h.limit, "idle");
  });

  it("follows the instance type: one user per node takes as many placeholders as logins", () => {
    const h = warmHeadroom({ ...base, usersPerNode: 1, users: 40 });
    assert.equal(h.placeholders, 32);
    assert.equal(h.nodes, 32);
  });
});

describe("the example fleet's warm-up", () => {
  const fleet = exampleFleet();
  const nodes = planNodes(fleet);
  const plans = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  );

  it("matches the model: usersPerNode from plan-capacity's packing of the hub's request", () => {
    const stat = plans.find((p) => p.hub === "stat101");
    assert.ok(stat?.enabled);
    // stat101: 250m per user on a t3a.large with 1794m left: 7 per node (plan-capacity says so).
    const lecture = stat.sessions[0];
    assert.equal(lecture?.session.users, 120);
    assert.equal(lecture?.loginsPerStartup, 95); // 120 × 79.1 %
    assert.equal(lecture?.placeholders, 98); // 14 nodes of 7
    const cs = plans.find((p) => p.hub === "cs480");
    assert.equal(cs?.sessions[0]?.placeholders, 32); // one 1-CPU user per node
  });

  it("a hub without a schedule stays at its idle level", () => {
    const genomics = plans.find((p) => p.hub === "genomics-lab");
    assert.equal(genomics?.enabled, false);
    assert.deepEqual(genomics?.sessions, []);
  });

  it("plan-capacity shows each hub's warm headroom per session", () => {
    const text = formatPlan(planCapacity(fleet, { prices: SHIPPED_PRICES }));
    assert.match(text, /Warm-up/);
    assert.match(text, /stat101\s+mon\/wed 09:00-10:30\s+120\s+30m\s+4 -> 98\s+14/);
    assert.match(text, /cs480\s+mon\/thu 10:00-11:30\s+40\s+30m\s+2 -> 32\s+32/);
  });

  it("warmUp.enabled: false keeps the hub at its placeholders", () => {
    const off = fleetFrom(editedExample((d) => d.setIn(["hubs", 0, "warmUp"], { enabled: false })));
    const n = planNodes(off);
    const p = hubWarmUps(
      off,
      n.users,
      n.workloads.users.map((u) => u.request),
    );
    assert.equal(p[0]?.enabled, false);
    assert.equal(p[0]?.leadMinutes, 30);
  });

  it("a hub's warmUp keeps hubDefaults' lead when it sets only another key", () => {
    const f = fleetFrom(
      editedExample((d) => {
        d.setIn(["hubDefaults", "warmUp"], { lead: "45m" });
        d.setIn(["hubs", 0, "warmUp"], { nodeStartup: "5m" });
      }),
    );
    assert.equal(f.hubs[0]?.warmUp.leadMinutes, 45);
    assert.equal(f.hubs[0]?.warmUp.nodeStartupMinutes, 5);
    assert.equal(f.hubs[0]?.warmUp.loginWindowMinutes, 8);
  });

  it("a bad nodeStartup is a validate error naming the field", () => {
    const r = parseFleet(
      editedExample((d) => d.setIn(["hubs", 0, "warmUp"], { nodeStartup: "soon" })),
      "fleet.yaml",
    );
    assert.ok(r.problems.some((p) => p.severity === "error" && /nodeStartup/.test(p.message)));
  });
});

describe("wantedPlaceholders", () => {
  const fleet = exampleFleet();
  const nodes = planNodes(fleet);
  const plans = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  );
  const stat = fleet.hubs[0];
  const plan = plans[0];
  assert.ok(stat && plan);
  // Monday 2026-12-07, Los Angeles (PST, UTC-8): lecture 09:00-10:30, warm from 08:30.
  const at = (utc: string) => wantedPlaceholders(stat, plan, new Date(utc)).placeholders;

  it("is the idle level before the warm-up", () => {
    assert.equal(at("2026-12-07T16:29:00Z"), 4);
  });
  it("is the warm level from the warm-up start", () => {
    assert.equal(at("2026-12-07T16:30:00Z"), 98);
  });
  it("stays warm until the session's end, not before", () => {
    assert.equal(at("2026-12-07T18:29:59Z"), 98);
    assert.equal(at("2026-12-07T18:30:00Z"), 4);
  });
});

describe("status: each hub's warm-up", () => {
  const fleet = exampleFleet();
  const nodes = planNodes(fleet);
  const plans = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  );
  const stat = fleet.hubs[0];
  const plan = plans[0];
  assert.ok(stat && plan);

  it("inside a window: the warm level wanted, the session, the next warm-up in local time", () => {
    const w = warmUpStatus(stat, plan, 3, new Date("2026-12-07T16:45:00Z")); // Mon 08:45 PST
    assert.equal(w.wanted, 98);
    assert.equal(w.running, 3);
    assert.match(w.current ?? "", /hubs\[name=stat101\]\.schedule\[0\]/);
    assert.equal(w.next?.local, "Wed 2026-12-09 08:30 America/Los_Angeles");
    assert.equal(w.next?.at, "2026-12-09T16:30:00.000Z");
    assert.equal(w.next?.placeholders, 98);
  });

  it("outside: the idle level, no window, the next warm-up (Friday's lab, 35)", () => {
    const w = warmUpStatus(stat, plan, 4, new Date("2026-12-10T12:00:00Z")); // Thu 04:00 PST
    assert.equal(w.wanted, 4);
    assert.equal(w.current, undefined);
    assert.equal(w.next?.local, "Fri 2026-12-11 12:30 America/Los_Angeles");
    assert.equal(w.next?.placeholders, 35);
  });

  it("status rows get it for warming hubs only, and -o json carries it", () => {
    const status = withWarmUp(
      summarizeStatus(fleet, [], [], [], []),
      fleet,
      new Date("2026-12-07T16:45:00Z"),
    );
    assert.equal(status.hubs.find((h) => h.hub === "stat101")?.warmUp?.wanted, 98);
    assert.equal(status.hubs.find((h) => h.hub === "cs480")?.warmUp?.wanted, 2); // from 09:30
    assert.equal(status.hubs.find((h) => h.hub === "genomics-lab")?.warmUp, undefined);
    const json = JSON.parse(JSON.stringify(status)) as typeof status;
    assert.equal(json.hubs[0]?.warmUp?.next?.local, "Wed 2026-12-09 08:30 America/Los_Angeles");
  });
});

describe("validate: the schedule as the warm-up reads it", () => {
  const warnings = (edit: Parameters<typeof editedExample>[0]) =>
    parseFleet(editedExample(edit), "fleet.yaml")
      .problems.filter((p) => p.severity === "warning")
      .map((p) => `${String(p.path)}: ${p.message} (${p.hint ?? ""})`);

  it("the example has no warm-up warning", () => {
    assert.deepEqual(
      warnings(() => {}).filter((w) => /warm-up|overlaps|tools\.keda/.test(w)),
      [],
    );
  });

  it("sessions of one hub that overlap: merge them, say so", () => {
    const w = warnings((d) =>
      d.setIn(
        ["hubs", 0, "schedule"],
        [
          { days: ["mon"], start: "09:00", end: "10:30" },
          { days: ["mon", "tue"], start: "10:00", end: "11:00" },
        ],
      ),
    );
    const hit = w.filter((x) => /overlaps schedule\[0\] on mon/.test(x));
    assert.equal(hit.length, 1, w.join("\n"));
    assert.match(hit[0] ?? "", /schedule\[1\]: .*merge them/);
  });

  it("a lead longer than the gap between two sessions", () => {
    const w = warnings((d) =>
      d.setIn(
        ["hubs", 0, "schedule"],
        [
          { days: ["mon"], start: "09:00", end: "10:00" },
          { days: ["mon"], start: "10:15", end: "11:00" },
        ],
      ),
    );
    assert.ok(
      w.some((x) => /30-minute warm-up starts before schedule\[0\] ends on mon/.test(x)),
      w.join("\n"),
    );
  });

  it("a schedule with tools.keda off: no warm-up, said", () => {
    const w = warnings((d) => d.setIn(["tools", "keda"], { enabled: false }));
    assert.equal(w.filter((x) => /tools\.keda is off/.test(x)).length, 2); // stat101, cs480
  });
});
