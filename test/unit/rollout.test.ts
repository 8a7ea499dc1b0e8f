/** The rollout order (canaries, waves of a size or a percentage) and the change freeze's reasons. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApplyReport } from "../../src/apply/engine.js";
import { freezeClock } from "../../src/apply/rollout.js";
import { bufferIo } from "../../src/cli/io.js";
import { progressPrinter } from "../../src/cli/progress.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { freezeReason } from "../../src/plan/freeze.js";
import { describeWaves, rolloutSettings, rolloutWaves } from "../../src/plan/rollout.js";
import { EXAMPLE, runCli } from "../helpers.js";
import { scenarioFleet } from "../safetyHelpers.js";

const HUBS = ["a", "b", "c", "d", "e", "f", "g"];
const fleetWith = (rollout: unknown, hubs = HUBS): FleetModel =>
  scenarioFleet("rollout-unit", hubs, (d) => d.set("rollout", d.createNode(rollout)));
const all = () => true;
const order = (fleet: FleetModel, changes: (h: string) => boolean = all) => {
  const settings = rolloutSettings(fleet);
  assert.ok(settings);
  return rolloutWaves(fleet, settings, changes).map((w) => [
    w.canary ? "canary" : w.number,
    w.hubs,
  ]);
};

describe("rollout order", () => {
  it("canaries first, then waves of a fixed size in file order, the last one smaller", () => {
    assert.deepEqual(order(fleetWith({ canary: ["d"], waves: 4 })), [
      ["canary", ["d"]],
      [2, ["a", "b", "c", "e"]],
      [3, ["f", "g"]],
    ]);
  });
  it("a percentage is of the hubs besides the canaries, rounded up", () => {
    // 6 hubs besides the canary: 34 % is 2.04, so 3 hubs a wave.
    assert.deepEqual(order(fleetWith({ canary: ["a"], waves: "34%" })), [
      ["canary", ["a"]],
      [2, ["b", "c", "d"]],
      [3, ["e", "f", "g"]],
    ]);
  });
  it("a list of sizes wave by wave; the hubs left over make a last wave", () => {
    assert.deepEqual(order(fleetWith({ waves: [1, "50%"] })), [
      [1, ["a"]],
      [2, ["b", "c", "d", "e"]],
      [3, ["f", "g"]],
    ]);
  });
  it("only the hubs that change are in a wave; empty waves are dropped and the rest renumbered", () => {
    const changed = new Set(["b", "f", "g"]);
    assert.deepEqual(
      order(fleetWith({ canary: ["a"], waves: 2 }), (h) => changed.has(h)),
      [
        [1, ["b"]],
        [2, ["f", "g"]],
      ],
    );
  });
  it("--canary replaces the file's canaries and keeps its waves; with no rollout: one wave after them", () => {
    const fleet = fleetWith({ canary: ["a"], waves: 3 });
    const settings = rolloutSettings(fleet, ["g", "f"]);
    assert.deepEqual(settings?.canary, ["g", "f"]);
    assert.equal(
      describeWaves(rolloutWaves(fleet, settings ?? { canary: [], pauseMs: 0 }, all)),
      "canary: g, f; wave 2: a, b, c; wave 3: d, e",
    );
    const plain = scenarioFleet("rollout-unit", ["a", "b", "c"]);
    assert.equal(rolloutSettings(plain), undefined);
    const flagOnly = rolloutSettings(plain, ["b"]);
    assert.equal(
      describeWaves(rolloutWaves(plain, flagOnly ?? { canary: [], pauseMs: 0 }, all)),
      "canary: b; wave 2: a, c",
    );
  });
  it("--canary naming no hub is a usage error naming the hubs", () => {
    assert.throws(
      () => rolloutSettings(scenarioFleet("rollout-unit", ["a", "b"]), ["a", "zz"]),
      (err: Error & { hint?: string }) =>
        /--canary zz: names no hub/.test(err.message) && /a, b/.test(err.hint ?? ""),
    );
  });
});

describe("apply's rollout flags", () => {
  it("apply --canary naming no hub stops before reaching any cluster, naming the hubs", async () => {
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--canary",
      "stat101,nosuch",
      "--kubeconfig",
      "/nonexistent",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--canary nosuch: names no hub in the fleet file; nothing was applied/);
    assert.match(r.stderr, /stat101, cs480, genomics-lab/);
  });
  it("apply --no-wait with a rollout is refused before reaching any cluster", async () => {
    const r = await runCli([
      "apply",
      EXAMPLE,
      "--canary",
      "cs480",
      "--no-wait",
      "--kubeconfig",
      "/nonexistent",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--no-wait cannot go with a rollout/);
  });
  it("apply --help lists the rollout flags", async () => {
    const r = await runCli(["apply", "--help"]);
    for (const flag of ["--canary", "--rollback-on-failure", "--during-class", "--check-timeout"]) {
      assert.match(r.stdout, new RegExp(flag));
    }
  });
});

describe("change freeze", () => {
  it("the clock: HUBFLEET_NOW pins it (an ISO instant, else a usage error); unset, the real time", () => {
    assert.equal(
      freezeClock({ HUBFLEET_NOW: "2026-12-07T17:10:00Z" })().toISOString(),
      "2026-12-07T17:10:00.000Z",
    );
    assert.throws(
      () => freezeClock({ HUBFLEET_NOW: "monday" }),
      /HUBFLEET_NOW="monday" is not an instant/,
    );
    const real = freezeClock({})().getTime();
    assert.ok(Math.abs(real - Date.now()) < 60_000);
  });
  const fleet = scenarioFleet("freeze-unit", ["a"], (d) => {
    d.setIn(["hubs", 0, "timeZone"], "America/Los_Angeles");
    d.setIn(
      ["hubs", 0, "schedule"],
      d.createNode([{ days: ["mon", "wed"], start: "09:00", end: "10:30", users: 5 }]),
    );
    d.set(
      "freeze",
      d.createNode([{ from: "2026-12-14", to: "2026-12-18", reason: "final exams" }]),
    );
  });
  const hub = fleet.hubs[0];
  assert.ok(hub);
  it("during a session and its warm-up, naming the session; not before the warm-up or after the end", () => {
    // Monday 2026-12-07 in Los Angeles (UTC-8): 09:00 local is 17:00 UTC.
    assert.match(
      freezeReason(fleet, hub, new Date("2026-12-07T17:30:00Z")) ?? "",
      /^in class: hubs\[name=a\]\.schedule\[0\] \(Mon\/Wed 09:00–10:30 America\/Los_Angeles\)$/,
    );
    assert.match(freezeReason(fleet, hub, new Date("2026-12-07T16:40:00Z")) ?? "", /warming up/);
    assert.equal(freezeReason(fleet, hub, new Date("2026-12-07T16:20:00Z")), undefined);
    assert.equal(freezeReason(fleet, hub, new Date("2026-12-07T18:30:00Z")), undefined);
  });
  it("a freeze range holds on its days, inclusive, in the hub's zone", () => {
    // 2026-12-19 04:00 UTC is still the 18th in Los Angeles.
    assert.match(
      freezeReason(fleet, hub, new Date("2026-12-19T04:00:00Z")) ?? "",
      /^change freeze: final exams \(2026-12-14 to 2026-12-18, today is 2026-12-18 in America\/Los_Angeles\)$/,
    );
    assert.equal(freezeReason(fleet, hub, new Date("2026-12-19T09:00:00Z")), undefined);
    assert.match(freezeReason(fleet, hub, new Date("2026-12-14T08:00:00Z")) ?? "", /final exams/);
    assert.equal(freezeReason(fleet, hub, new Date("2026-12-14T07:59:00Z")), undefined);
  });
});

describe("apply's summary of a rollout", () => {
  it("names skipped hubs with the reason, the halt, the hubs not reached, the rollback and each hub's chart", () => {
    const io = bufferIo();
    const report: ApplyReport = {
      tools: [],
      hubs: [
        { hub: "a", result: "applied", durationMs: 1000, releaseUpgraded: true },
        { hub: "b", result: "applied", durationMs: 1000, releaseUpgraded: true },
      ],
      prune: {
        delete: [],
        retain: [],
        leave: [],
        uninstall: [],
        forget: [],
        forgetReleases: [],
        removedUnits: [],
        inventorySize: 0,
      },
      pruned: { deleted: [], uninstalled: [], left: [], failed: [] },
      failed: 1,
      skipped: [{ hub: "e", reason: "in class: hubs[name=e].schedule[0] (Mon 09:00–10:30 UTC)" }],
      warnings: [],
      rollout: {
        waves: [
          { number: 1, canary: true, hubs: ["a"] },
          { number: 2, canary: false, hubs: ["b"] },
          { number: 3, canary: false, hubs: ["c", "d"] },
        ],
        checks: [],
        halted: { wave: 2, hubs: ["b"], message: "b: check failed: server ready: Spawn failed" },
        notReached: ["c", "d"],
        rolledBack: [{ hub: "b", revision: 4, ok: true }],
      },
      versions: [
        { hub: "a", chart: "jupyterhub-4.4.0" },
        { hub: "b", chart: "jupyterhub-4.3.3" },
        { hub: "c", chart: "jupyterhub-4.3.3" },
        { hub: "d" },
      ],
    };
    progressPrinter(io).summary(report);
    const out = io.stdout();
    assert.match(
      out,
      /^e: skipped \(in class: hubs\[name=e\]\.schedule\[0\] \(Mon 09:00–10:30 UTC\)\); apply --during-class to change it anyway$/m,
    );
    assert.match(
      out,
      /^rollout HALTED at wave 2 \(b\): b: check failed: server ready: Spawn failed$/m,
    );
    assert.match(out, /^not reached \(left as they were\): c, d$/m);
    assert.match(out, /^b: rolled back to revision 4, check ok$/m);
    assert.match(
      out,
      /^chart versions:\n {2}a: jupyterhub-4\.4\.0\n {2}b: jupyterhub-4\.3\.3\n {2}c: jupyterhub-4\.3\.3\n {2}d: \(no release\)$/m,
    );
  });
});
