/**
 * The cost recording rules as rendered: on EKS only, prices of exactly the fleet's instance
 * types in its region, the node instance-type label exported by kube-state-metrics, the hubs'
 * namespaces in the selectors. What the rules compute is checked by promtool
 * (test/integration/cost-promtool.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COST_METRICS, costRuleGroups } from "../../src/render/tools/costRules.js";
import { KSM_LABELS_ALLOWLIST, renderMonitoring } from "../../src/render/tools/monitoring.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

const prices = (text?: string) =>
  costRuleGroups(text ? fleetFrom(text) : exampleFleet())
    .flatMap((g) => g.rules)
    .filter((r) => r.record === COST_METRICS.instancePrice)
    .map((r) => [r.labels?.instance_type, r.expr]);

describe("cost rules", () => {
  it("price each instance type of the fleet once, in its region (us-west-2)", () => {
    assert.deepEqual(prices(), [
      ["t3a.large", "vector(0.0752)"],
      ["t3a.medium", "vector(0.0376)"],
    ]);
  });
  it("take the fleet file's own prices over the shipped ones (an education discount)", () => {
    const text = editedExample((d) =>
      d.setIn(
        ["prices"],
        d.createNode({
          regions: { "us-west-2": { ec2Hourly: { "t3a.large": { usd: 0.0601, source: "EDU" } } } },
        }),
      ),
    );
    assert.deepEqual(prices(text), [
      ["t3a.large", "vector(0.0601)"],
      ["t3a.medium", "vector(0.0376)"],
    ]);
  });
  it("price the GPU group's type too", () => {
    const text = editedExample((d) =>
      d.setIn(["cluster", "nodeGroups", "jhgpu"], d.createNode({ instanceType: "g6.12xlarge" })),
    );
    assert.deepEqual(
      prices(text).map(([type]) => type),
      ["g6.12xlarge", "t3a.large", "t3a.medium"],
    );
  });
  it("are a PrometheusRule of the monitoring tool on EKS, and absent on a local cluster", () => {
    const names = (text?: string) =>
      (renderMonitoring(text ? fleetFrom(text) : exampleFleet())[0]?.manifests ?? [])
        .filter((m) => m.object.kind === "PrometheusRule")
        .map((m) => m.object.metadata.name);
    assert.deepEqual(names(), ["hubfleet-alerts", "hubfleet-cost"]);
    assert.deepEqual(names(editedExample((d) => d.setIn(["cluster", "provider"], "local"))), [
      "hubfleet-alerts",
    ]);
  });
  it("select the hubs' namespaces, and kube-state-metrics exports the node's instance type", () => {
    const rules = costRuleGroups(exampleFleet()).flatMap((g) => g.rules);
    const servers = rules.find((r) => r.labels?.part === "servers");
    assert.match(servers?.expr ?? "", /namespace=~"cs480\|genomics-lab\|stat101"/);
    assert.ok(KSM_LABELS_ALLOWLIST.nodes?.includes("node.kubernetes.io/instance-type"));
    const node = rules.find((r) => r.record === COST_METRICS.nodePrice);
    assert.match(node?.expr ?? "", /label_node_kubernetes_io_instance_type/);
  });
  it("record every part of a hub's cost", () => {
    const parts = costRuleGroups(exampleFleet())
      .flatMap((g) => g.rules)
      .filter((r) => r.record === COST_METRICS.hubCost)
      .map((r) => r.labels?.part);
    assert.deepEqual(parts, ["servers", "placeholders", "core", "storage", "shared"]);
  });
});
