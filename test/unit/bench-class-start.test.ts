/**
 * The class-start bench's pure parts: the --class-autoscaler choice, the NodePool Karpenter gets
 * (the rendered one, only its node class swapped), the compressed Karpenter timings, and the
 * what-if warm level for the front-loaded arrival curve. No timing is asserted.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classAutoscalerOf, classSetupsOf, FULL_SIZES } from "../../bench/lib/context.js";
import {
  compressedBatching,
  kwokNodePool,
  registrationDelay,
} from "../../bench/lib/karpenterAutoscaler.js";
import { frontLoadedWarmUp } from "../../bench/sections/classStart.js";
import { arrivalTimes } from "../../src/loadtest/arrivals.js";
import { renderNodePool } from "../../src/render/tools/karpenter.js";
import { exampleFleet } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking a rendered object
type Any = any;

describe("class-start bench options", () => {
  it("--class-autoscaler defaults to the real Karpenter and refuses anything but karpenter|standin", () => {
    assert.equal(FULL_SIZES.classAutoscaler, "karpenter");
    assert.equal(classAutoscalerOf(undefined, "karpenter"), "karpenter");
    assert.equal(classAutoscalerOf("standin", "karpenter"), "standin");
    assert.throws(() => classAutoscalerOf("cluster-autoscaler", "karpenter"), /karpenter, standin/);
  });

  it("--class-setups picks setups by key; no flag runs them all; an unknown key is refused", () => {
    assert.deepEqual(classSetupsOf(undefined), []);
    assert.deepEqual(classSetupsOf("hubfleet, reference"), ["hubfleet", "reference"]);
    assert.throws(() => classSetupsOf("hubfleet,warm"), /--class-setups warm: want some of none/);
  });

  it("Karpenter gets hubfleet's rendered NodePool with only its node class swapped", () => {
    const fleet = exampleFleet();
    const ref = { group: "karpenter.kwok.sh", kind: "KWOKNodeClass", name: "sim" };
    const pool = kwokNodePool(fleet, ref) as Any;
    const rendered = renderNodePool(fleet, fleet.nodeGroups.jhusers) as Any;
    assert.deepEqual(pool.spec.template.spec.nodeClassRef, ref);
    const strip = (p: Any) => ({
      ...p,
      spec: {
        ...p.spec,
        template: { ...p.spec.template, spec: { ...p.spec.template.spec, nodeClassRef: null } },
      },
    });
    assert.deepEqual(strip(pool), strip(rendered));
  });

  it("compresses Karpenter's start-up delay and batching windows by the bench's factor", () => {
    assert.equal(registrationDelay(30_000), "30s");
    assert.equal(registrationDelay(200), "1s");
    assert.deepEqual(compressedBatching(6), {
      BATCH_IDLE_DURATION: "167ms",
      BATCH_MAX_DURATION: "1667ms",
    });
    assert.deepEqual(compressedBatching(1), {
      BATCH_IDLE_DURATION: "1000ms",
      BATCH_MAX_DURATION: "10000ms",
    });
  });

  it("the front-loaded what-if level covers the logins of the first start-up on the seeded curve", () => {
    for (const students of [60, 300]) {
      const w = frontLoadedWarmUp(students, 8, 180, 7);
      const first = arrivalTimes(students, 8 * 60_000, 1).filter((t) => t < 180_000).length;
      // The expected count, not the seeded draw: within a few logins of it.
      assert.ok(
        Math.abs(w.logins - first) <= Math.max(3, students * 0.03),
        `${w.logins} vs ${first}`,
      );
      assert.equal(w.placeholders % 7, 0);
      assert.ok(w.placeholders >= w.logins && w.placeholders < w.logins + 7);
      assert.equal(w.nodes, w.placeholders / 7);
    }
    assert.equal(frontLoadedWarmUp(10, 8, 3600, 7).placeholders, 10, "never more than the class");
  });
});
