/**
 * The generated instance-type table (data/instance-types.json, scripts/gen-instance-types.ts):
 * where its figures come from, that they hang together, that it covers the current families,
 * and that validate accepts any type in it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { instanceTypeTable, lookupInstanceType } from "../../src/fleet/instanceTypes.js";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample } from "../helpers.js";

const table = instanceTypeTable();

describe("instance-type table: sources", () => {
  it("names each source as a pinned module with a date", () => {
    assert.ok(Object.keys(table.sources).length >= 3);
    for (const [key, source] of Object.entries(table.sources)) {
      assert.match(source.module, /^github\.com\/[\w.-]+\/[\w.-]+@v\d+\.\d+\.\d+/, key);
      assert.match(source.date, /^\d{4}-\d{2}-\d{2}$/, key);
      assert.ok(source.files.length > 0, key);
    }
    assert.equal(table.generatedBy, "scripts/gen-instance-types.ts");
  });
  it("says which source gives each region's prices", () => {
    const regions = Object.entries(table.priceSourceByRegion);
    assert.ok(regions.length >= 20);
    for (const [region, source] of regions) {
      assert.match(region, /^[a-z]{2}(-gov)?-[a-z]+-\d$/);
      assert.ok(table.sources[source], `${region}: ${source}`);
    }
    assert.equal(table.priceSourceByRegion["us-east-1"], "karpenter-provider-aws");
  });
});

describe("instance-type table: figures", () => {
  it("has positive sizes, and pods with prefix delegation within EKS's ceiling", () => {
    for (const t of table.types) {
      assert.ok(t.vcpu > 0 && t.memoryMiB > 0 && t.maxPods > 0, t.name);
      assert.ok(t.maxPodsPrefixDelegation >= t.maxPods || t.maxPods > 110, t.name);
      if (t.maxPodsPrefixDelegation > t.maxPods) {
        assert.ok(t.maxPodsPrefixDelegation <= (t.vcpu > 30 ? 250 : 110), t.name);
      }
      if (t.category === "gpu") assert.ok((t.gpus ?? 0) > 0, t.name);
      for (const usd of Object.values(t.prices)) assert.ok(usd > 0, t.name);
    }
  });
  it("keeps the figures of the types hubfleet knew before (VPC CNI max pods, sizes)", () => {
    const known: Array<[string, number, number, number]> = [
      ["t3a.medium", 2, 4096, 17],
      ["t3a.large", 2, 8192, 35],
      ["m5.4xlarge", 16, 65536, 234],
      ["m6i.large", 2, 8192, 29],
      ["m7i.2xlarge", 8, 32768, 58],
      ["c5.xlarge", 4, 8192, 58],
      ["r5.2xlarge", 8, 65536, 58],
    ];
    for (const [name, vcpu, memoryMiB, maxPods] of known) {
      const t = lookupInstanceType(name);
      assert.deepEqual([t?.vcpu, t?.memoryMiB, t?.maxPods], [vcpu, memoryMiB, maxPods], name);
    }
    assert.equal(lookupInstanceType("t3a.large")?.prices["us-east-1"], 0.0752);
    assert.equal(lookupInstanceType("t3a.large")?.maxPodsPrefixDelegation, 110);
  });
  it("covers the current general-purpose, compute, memory and GPU families", () => {
    const families = new Set(table.types.map((t) => t.name.split(".")[0]));
    for (const family of [
      "t3a",
      "t4g",
      "m6a",
      "m6i",
      "m7a",
      "m7i",
      "m7g",
      "m8g",
      "c6i",
      "c7a",
      "c7g",
      "r6i",
      "r7a",
      "r7g",
      "x2gd",
      "g4dn",
      "g5",
      "g6",
      "g6e",
      "p4d",
      "p5",
    ]) {
      assert.ok(families.has(family), family);
    }
    assert.equal(lookupInstanceType("m7g.xlarge")?.arch, "arm64");
    const g5 = lookupInstanceType("g5.xlarge");
    assert.deepEqual([g5?.gpus, g5?.gpuModel], [1, "NVIDIA A10G"]);
  });
  it("prices every region it names, with the source's date", () => {
    for (const region of Object.keys(table.priceSourceByRegion)) {
      const prices = SHIPPED_PRICES.regions[region];
      assert.ok(prices, region);
      const line = Object.values(prices.ec2Hourly)[0];
      assert.match(line?.date ?? "", /^\d{4}-\d{2}-\d{2}$/, region);
    }
  });
});

describe("validate accepts any type in the table", () => {
  for (const type of ["m7a.large", "m7g.xlarge", "c7g.2xlarge", "r7g.xlarge", "m6a.2xlarge"]) {
    it(type, () => {
      const text = editedExample((d) =>
        d.setIn(["cluster", "nodeGroups", "jhusers", "instanceType"], type),
      );
      const errors = parseFleet(text, "f.yaml").problems.filter(
        (p) => p.severity === "error" && p.path.endsWith("instanceType"),
      );
      assert.deepEqual(errors, []);
    });
  }
});
