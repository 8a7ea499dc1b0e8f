/**
 * The instance-type generator's readers (scripts/gen-instance-types.ts), on excerpts written in
 * each source's format: the VPC CNI's eni-max-pods.txt and ENI limits, Karpenter's generated
 * prices, and the prefix-delegation rule.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  eniLimits,
  eniMaxPods,
  karpenterPrices,
  prefixDelegationPods,
} from "../../scripts/gen-instance-types.js";

describe("gen-instance-types readers", () => {
  it("reads eni-max-pods.txt, skipping comments", () => {
    const text =
      "# Mapping is calculated from AWS EC2 API\n# - us-east-1\nt3a.large 35\nm6i.4xlarge 234\n";
    assert.deepEqual(
      [...eniMaxPods(text)],
      [
        ["t3a.large", 35],
        ["m6i.4xlarge", 234],
      ],
    );
  });
  it("reads the ENI limits and the hypervisor of each type", () => {
    const go = `var InstanceNetworkingLimits = map[string]InstanceTypeLimits{
	"t3a.large": {
		ENILimit:                3,
		IPv4Limit:               12,
		DefaultNetworkCardIndex: 0,
		HypervisorType: "nitro",
		IsBareMetal:    false,
	},
	"t2.large": {
		ENILimit:                3,
		IPv4Limit:               12,
		HypervisorType: "xen",
		IsBareMetal:    false,
	},
}`;
    assert.deepEqual(Object.fromEntries(eniLimits(go)), {
      "t3a.large": { enis: 3, ipv4PerEni: 12, nitro: true },
      "t2.large": { enis: 3, ipv4PerEni: 12, nitro: false },
    });
  });
  it("reads Karpenter's prices by region, with the time they were generated", () => {
    const go = `// generated at 2026-07-20T13:44:30Z for us-east-1
var InitialOnDemandPricesAWS = map[string]map[ec2types.InstanceType]float64{
	// us-east-1
	"us-east-1": {
		// t3a family
		"t3a.large": 0.075200, "t3a.medium": 0.037600,
	},
}`;
    const { generated, prices } = karpenterPrices(go);
    assert.equal(generated, "2026-07-20T13:44:30Z");
    assert.deepEqual(Object.fromEntries(prices.get("us-east-1") ?? []), {
      "t3a.large": 0.0752,
      "t3a.medium": 0.0376,
    });
  });
  it("gives EKS's prefix-delegation figure: 16 addresses a slot, capped at 110 or 250", () => {
    // t3a.large: 3 ENIs × 11 slots × 16 + 2 = 530, capped at 110 (2 vCPUs).
    assert.equal(prefixDelegationPods(2, 35, { enis: 3, ipv4PerEni: 12, nitro: true }), 110);
    // 48 vCPUs: the ceiling is 250.
    assert.equal(prefixDelegationPods(48, 234, { enis: 15, ipv4PerEni: 50, nitro: true }), 250);
    // t3.nano: 2 ENIs × 1 slot × 16 + 2 = 34, below the ceiling.
    assert.equal(prefixDelegationPods(2, 4, { enis: 2, ipv4PerEni: 2, nitro: true }), 34);
    // Xen types have no prefix delegation: the limit stays.
    assert.equal(prefixDelegationPods(2, 35, { enis: 3, ipv4PerEni: 12, nitro: false }), 35);
  });
});
