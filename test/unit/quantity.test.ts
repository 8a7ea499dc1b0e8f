/** Kubernetes quantities and node allocatable: the numbers validation compares. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allocatable,
  instanceTypeNames,
  lookupInstanceType,
  maxPodsOf,
} from "../../src/fleet/instanceTypes.js";
import { parseQuantity } from "../../src/fleet/quantity.js";

describe("parseQuantity", () => {
  const cases: Array<[string, number | undefined]> = [
    ["500m", 0.5],
    ["2", 2],
    ["0.25", 0.25],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1G", 1e9],
    ["1e3", 1000],
    ["100k", 100_000],
    ["", undefined],
    ["1 Gi", undefined],
    ["1GB", undefined],
    ["lots", undefined],
    ["Gi", undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} -> ${expected}`, () => assert.equal(parseQuantity(text), expected));
  }
});

describe("allocatable", () => {
  it("subtracts the EKS kubelet reserves (t3a.large: 2 vCPU, 8 GiB, 35 pods)", () => {
    const type = lookupInstanceType("t3a.large");
    assert.ok(type);
    assert.deepEqual(allocatable(type), {
      cpuMillis: 1930,
      memoryMiB: 8192 - (255 + 11 * 35) - 100,
      pods: 35,
    });
  });
  it("every type's max pods is the VPC CNI's ENI formula over its interfaces and addresses", () => {
    for (const name of instanceTypeNames()) {
      const t = lookupInstanceType(name) as NonNullable<ReturnType<typeof lookupInstanceType>>;
      assert.ok(t.enis !== undefined && t.ipv4PerEni !== undefined, name);
      assert.equal(t.maxPods, t.enis * (t.ipv4PerEni - 1) + 2, name);
    }
  });
  it("custom networking leaves the primary interface out: t3a.medium 12, t3a.large 24 pods", () => {
    const pods = (name: string) =>
      maxPodsOf(
        lookupInstanceType(name) as NonNullable<ReturnType<typeof lookupInstanceType>>,
        "custom",
      );
    assert.equal(pods("t3a.medium"), 12);
    assert.equal(pods("t3a.large"), 24);
    assert.equal(pods("m5.4xlarge"), 205);
  });
  it("leaves every known type positive room for pods", () => {
    for (const name of instanceTypeNames()) {
      const a = allocatable(
        lookupInstanceType(name) as NonNullable<ReturnType<typeof lookupInstanceType>>,
      );
      assert.ok(a.cpuMillis > 0 && a.memoryMiB > 0 && a.pods > 0, name);
    }
  });
});
