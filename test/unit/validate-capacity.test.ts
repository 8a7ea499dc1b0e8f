/**
 * validate refuses a fleet that cannot run, with the numbers of plan-capacity's own model: the
 * issue's fleets of 10, 20 and 30 copies of the example's cs480 hub (10 students each, one
 * Monday class, no placeholders), a busiest moment within 10 % of maxSize (a warning), and the
 * example, which stays valid. Numbers are read from the plan, not written here, so the tests
 * hold whatever the per-hub footprint is (they state what must be true of any footprint).
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDocument } from "yaml";
import { checkFleetFits, MAX_SIZE_TOLERANCE } from "../../src/capacity/fit.js";
import { planNodes } from "../../src/capacity/model.js";
import { planCapacity } from "../../src/capacity/plan.js";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { lookupInstanceType } from "../../src/fleet/instanceTypes.js";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample, exampleText, fleetFrom, runCli } from "../helpers.js";

/** The example with its hubs replaced by `n` copies of cs480 as the issue tried them. */
function copies(n: number): string {
  const doc = parseDocument(exampleText);
  const hubs = doc.toJS().hubs as Array<Record<string, unknown>>;
  const cs480 = hubs.find((h) => h.name === "cs480");
  assert.ok(cs480);
  doc.setIn(
    ["hubs"],
    doc.createNode(
      Array.from({ length: n }, (_, i) => ({
        ...cs480,
        name: `cs480-${i}`,
        expectedUsers: 10,
        placeholders: 0,
        schedule: [{ days: ["mon"], start: "10:00", end: "11:30" }],
      })),
    ),
  );
  return doc.toString();
}

const validate = (text: string) => parseFleet(text, "fleet.yaml", checkFleetFits);
const errorsOf = (text: string) => validate(text).problems.filter((p) => p.severity === "error");

describe("validate: the issue's fleets of cs480 copies", () => {
  for (const n of [10, 20, 30]) {
    it(`${n} copies: refused exactly when the plan shows a group that cannot hold its pods`, () => {
      const text = copies(n);
      // Without the capacity checks the fleet is valid, as the issue found.
      assert.ok(parseFleet(text, "fleet.yaml").fleet);
      const nodes = planNodes(fleetFrom(text));
      const expected = nodes.groups.flatMap((g) => {
        if (g.room.pods < 1) return [`cluster.nodeGroups.${g.name}.instanceType`];
        const limit = g.name === "jhusers" ? g.maxSize * (1 + MAX_SIZE_TOLERANCE) : g.maxSize;
        return g.peak.needed > limit ? [`cluster.nodeGroups.${g.name}.maxSize`] : [];
      });
      const errors = errorsOf(text);
      assert.deepEqual(
        errors.map((p) => p.path),
        expected,
      );
      for (const e of errors) {
        const g = nodes.groups.find((x) => e.path.includes(`.${x.name}.`));
        assert.ok(g);
        // The numbers are the plan's: nodes needed and maxSize, or the pod limit and the agents.
        if (e.path.endsWith("maxSize")) {
          assert.match(e.message, new RegExp(`need ${g.peak.needed} ${g.instanceType} nodes`));
          assert.match(e.message, new RegExp(`maxSize is ${g.maxSize}`));
          assert.match(e.hint ?? "", new RegExp(`raise maxSize to ${g.peak.needed}`));
        } else {
          assert.match(e.message, new RegExp(`at most ${g.allocatable.pods} pods`));
          assert.match(e.message, new RegExp(`${g.agents.pods} per-node agents`));
          assert.match(e.hint ?? "", /maxPodsPerNode.*prefix delegation.*more pods per node/);
        }
      }
    });
  }

  it("30 copies with today's per-hub parts, or any footprint: refused, the core group at least", () => {
    // 30 hubs need at least hub, proxy and drive each on the core group: 90 pods. A t3a.medium
    // holds at most 17 pods, so three nodes hold at most 51 whatever else runs there: this
    // stays true when the per-hub footprint shrinks to those three pods.
    const text = copies(30);
    const fleet = fleetFrom(text);
    const core = fleet.nodeGroups.jhcontrolplane;
    const podsPerNode = lookupInstanceType(core.instanceType)?.maxPods ?? 0;
    assert.ok(30 * 3 > core.maxSize * podsPerNode);
    const errors = errorsOf(text);
    assert.ok(
      errors.some((e) => e.path === "cluster.nodeGroups.jhcontrolplane.maxSize"),
      errors.map((e) => `${e.path}: ${e.message}`).join("\n"),
    );
  });

  it("says the same as plan-capacity: one model, one set of findings", () => {
    for (const n of [10, 30]) {
      const text = copies(n);
      const plan = planCapacity(fleetFrom(text), {
        prices: SHIPPED_PRICES,
        priceRegion: "us-east-1",
      });
      assert.deepEqual(
        errorsOf(text).map((e) => `${e.path}: ${e.message} (fix: ${e.hint})`),
        plan.errors,
      );
    }
  });

  it("hubfleet validate, render and apply exit 1; plan-capacity prints the plan and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-validate-capacity-"));
    writeFileSync(join(dir, "fleet.yaml"), copies(30));
    const env = { HOME: dir, PATH: process.env.PATH };
    const v = await runCli(["validate", "fleet.yaml"], dir, { env });
    assert.equal(v.code, 1);
    assert.match(
      v.stderr,
      /^fleet\.yaml:\d+:\d+: error: cluster\.nodeGroups\.jhcontrolplane\.maxSize: the \d+ jhcontrolplane pods need \d+ t3a\.medium nodes, maxSize is 3/m,
    );
    const r = await runCli(["render", "fleet.yaml", "--out-dir", "out"], dir, { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /jhcontrolplane\.maxSize/);
    const a = await runCli(["apply", "fleet.yaml"], dir, { env });
    assert.equal(a.code, 1);
    assert.match(a.stderr, /jhcontrolplane\.maxSize/);
    const c = await runCli(["plan-capacity", "fleet.yaml"], dir, { env });
    assert.equal(c.code, 1);
    assert.match(c.stdout, /^Cannot run:\n {2}- cluster\.nodeGroups\.jhcontrolplane\.maxSize: /m);
    assert.match(c.stderr, /error: the fleet cannot run on its node groups/);
  });
});

describe("validate: the user group's maxSize", () => {
  const neededByExample = () => planNodes(fleetFrom(exampleText)).users.peak.needed;

  it("warns while the busiest moment is within 10 % above maxSize", () => {
    const needed = neededByExample();
    const maxSize = Math.ceil(needed / (1 + MAX_SIZE_TOLERANCE));
    assert.ok(maxSize < needed, "the example's peak must be large enough to test this");
    const r = validate(
      editedExample((doc) => doc.setIn(["cluster", "nodeGroups", "jhusers", "maxSize"], maxSize)),
    );
    assert.ok(r.fleet, r.problems.map((p) => p.message).join("\n"));
    const w = r.problems.find((p) => p.path === "cluster.nodeGroups.jhusers.maxSize");
    assert.equal(w?.severity, "warning");
    assert.match(w?.message ?? "", new RegExp(`need ${needed} t3a\\.large nodes`));
    assert.match(w?.message ?? "", /within 10 % of maxSize/);
  });

  it("refuses it beyond 10 %", () => {
    const needed = neededByExample();
    const maxSize = Math.ceil(needed / (1 + MAX_SIZE_TOLERANCE)) - 1;
    const errors = errorsOf(
      editedExample((doc) => doc.setIn(["cluster", "nodeGroups", "jhusers", "maxSize"], maxSize)),
    );
    assert.deepEqual(
      errors.map((e) => e.path),
      ["cluster.nodeGroups.jhusers.maxSize"],
    );
  });

  it("keeps the bundled example valid, with no capacity finding", () => {
    const r = validate(exampleText);
    assert.ok(r.fleet);
    assert.deepEqual(
      r.problems.filter((p) => p.path.startsWith("cluster.nodeGroups")),
      [],
    );
  });

  it("judges no local cluster (one worker per group, as large as the machine)", () => {
    const text = editedExample((doc) => {
      doc.setIn(["cluster", "provider"], "local");
      doc.setIn(["cluster", "nodeGroups", "jhusers", "maxSize"], 1);
    });
    const fleet = parseFleet(text, "fleet.yaml").fleet;
    assert.ok(fleet);
    assert.ok(planNodes(fleet).users.peak.needed > 1, "an EKS cluster of this shape would fail");
    assert.deepEqual(checkFleetFits(fleet), []);
  });
});

describe("plan-capacity and the GPU group", () => {
  it("says the GPU group is not planned or priced rather than leaving it out silently", () => {
    const fleet = fleetFrom(
      editedExample((d) => {
        d.setIn(["cluster", "nodeGroups", "jhgpu"], d.createNode({ instanceType: "g5.xlarge" }));
        d.setIn(["hubs", 1, "gpu"], d.createNode({ gpus: 1 }));
      }),
    );
    const plan = planCapacity(fleet, { prices: SHIPPED_PRICES });
    assert.ok(
      plan.warnings.some((w) =>
        /^cluster\.nodeGroups\.jhgpu \(g5\.xlarge, 0\.\.2 nodes\) is not in this plan or its cost/.test(
          w,
        ),
      ),
      plan.warnings.join("\n"),
    );
    assert.equal(
      plan.cost?.lines.some((l) => l.item.includes("jhgpu")),
      false,
    );
  });
});
