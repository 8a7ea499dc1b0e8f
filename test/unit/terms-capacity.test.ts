/**
 * plan-capacity through the terms: the calendar cut at each hub's wake and sleep, only awake
 * hubs counted in each period, and nothing added for a fleet without terms.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planCapacity } from "../../src/capacity/plan.js";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { termPeriods } from "../../src/capacity/terms.js";
import { exampleFleet, termFleet } from "../helpers.js";

const fleet = termFleet([
  [["hubDefaults", "term"], "fall-2026"],
  [["hubs", 1, "term"], "spring-2027"],
]);

describe("termPeriods", () => {
  const periods = termPeriods(fleet);

  it("cuts the calendar at every wake (2 days early) and sleep, in the fleet's zone", () => {
    assert.deepEqual(
      periods.map((p) => [p.from ?? "", p.until ?? ""]),
      [
        ["", "2026-08-22"],
        ["2026-08-22", "2026-12-19"],
        ["2026-12-19", "2027-01-17"],
        ["2027-01-17", "2027-05-09"],
        ["2027-05-09", ""],
      ],
    );
  });

  it("counts only the awake hubs: fewer nodes while hubs sleep, the minimum when all do", () => {
    assert.deepEqual(
      periods.map((p) => p.awake),
      [[], ["stat101", "genomics-lab"], [], ["cs480"], []],
    );
    const [before, fall, between, spring] = periods;
    assert.equal(before?.nodes.jhusers, 0);
    assert.equal(before?.nodes.jhcontrolplane, fleet.nodeGroups.jhcontrolplane.minSize);
    assert.deepEqual(between?.nodes, before?.nodes);
    assert.ok((fall?.nodes.jhusers ?? 0) > 0 && (spring?.nodes.jhusers ?? 0) > 0);
    assert.ok((fall?.nodes.jhcontrolplane ?? 0) >= (before?.nodes.jhcontrolplane ?? 0));
  });

  it("prices a month at each period's rate: the awake hubs' nodes, every hub's storage", () => {
    const plan = planCapacity(fleet, { prices: SHIPPED_PRICES });
    const [before, fall, between, spring] = plan.terms ?? [];
    const usd = (p: typeof before) => p?.monthlyUsd ?? Number.NaN;
    assert.ok(usd(before) < usd(fall) && usd(before) < usd(spring), "sleeping hubs free nodes");
    assert.equal(usd(between), usd(before));
    const drives = plan.cost?.lines.find((l) => l.item.startsWith("EBS gp3: hub drives"));
    assert.ok(drives && drives.monthlyUsd > 0);
    const nodes = (plan.cost?.lines ?? []).filter((l) => l.item.startsWith("EC2 "));
    const storage = (plan.cost?.totalUsd ?? 0) - nodes.reduce((sum, l) => sum + l.monthlyUsd, 0);
    assert.ok(usd(before) >= storage - 0.01, "drives, databases and backups are paid asleep too");
    // Every hub in one term: that term's rate is the plan's own total.
    const one = termFleet([[["hubDefaults", "term"], "fall-2026"]]);
    const onePlan = planCapacity(one, { prices: SHIPPED_PRICES });
    assert.equal(onePlan.terms?.[1]?.monthlyUsd, onePlan.cost?.totalUsd);
  });

  it("is part of plan-capacity's JSON only for a fleet with terms", () => {
    const prices = SHIPPED_PRICES;
    assert.equal(planCapacity(fleet, { prices }).terms?.length, 5);
    assert.equal("terms" in planCapacity(exampleFleet(), { prices }), false);
  });
});
