/**
 * tools.autoscaler.engine: karpenter: the Karpenter release replaces the cluster-autoscaler, the
 * NodePools carry exactly the node groups' labels and taints, limits come from maxSize, user
 * servers (never placeholders) carry do-not-disrupt, and eksctl gets Karpenter's IAM pieces.
 * Karpenter's own reading of these objects is test/integration/karpenter.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { fleetWorkloads } from "../../src/capacity/workloads.js";
import { parseFleet } from "../../src/fleet/load.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { checkFleet } from "../../src/fleet/validate.js";
import { renderEksctlConfig } from "../../src/render/cluster/eksctl.js";
import { placement } from "../../src/render/cluster/nodeGroups.js";
import { renderFleet } from "../../src/render/index.js";
import { AUTOSCALER_RELEASE } from "../../src/render/tools/autoscaler.js";
import {
  KARPENTER_RELEASE,
  karpenterNodeRole,
  nodePoolLimits,
  renderKarpenter,
} from "../../src/render/tools/karpenter.js";
import { KARPENTER_CHART } from "../../src/vocabulary/charts.js";
import { DO_NOT_DISRUPT } from "../../src/vocabulary/labels.js";
import { findUnknownZ2jhKeyPaths } from "../../src/vocabulary/z2jhKeys.js";
import { editedExample, fleetFrom } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values
type Any = any;

function fleetWith(edit: (doc: Document) => void = () => {}): FleetModel {
  return fleetFrom(
    editedExample((d) => {
      d.setIn(["tools", "backups", "enabled"], false);
      d.setIn(["tools", "autoscaler", "engine"], "karpenter");
      edit(d);
    }),
  );
}

const withGpu = (d: Document) =>
  d.setIn(["cluster", "nodeGroups", "jhgpu"], {
    instanceType: "g4dn.xlarge",
    minSize: 0,
    maxSize: 4,
    volumeSize: 100,
  });

const objectsOf = (fleet: FleetModel, kind: string): Any[] =>
  renderKarpenter(fleet)
    .flatMap((t) => t.manifests)
    .map((m) => m.object)
    .filter((o) => o.kind === kind);

describe("engine: karpenter", () => {
  it("renders Karpenter instead of the cluster-autoscaler; the default engine is unchanged", () => {
    const names = (f: FleetModel) => renderFleet(f).tools.map((t) => t.name);
    assert.ok(names(fleetWith()).includes(KARPENTER_RELEASE));
    assert.ok(!names(fleetWith()).includes(AUTOSCALER_RELEASE));
    const plain = fleetFrom(editedExample((d) => d.setIn(["tools", "backups", "enabled"], false)));
    assert.equal(plain.tools.autoscaler.engine, "cluster-autoscaler");
    assert.ok(names(plain).includes(AUTOSCALER_RELEASE));
    assert.ok(!names(plain).includes(KARPENTER_RELEASE));
  });

  it("places the controller on clustertools with eksctl's service account and the cluster name", () => {
    const [tool] = renderKarpenter(fleetWith());
    assert.ok(tool);
    const v = tool.release.values as Any;
    assert.equal(tool.release.chart.version, KARPENTER_CHART.version);
    assert.equal(tool.namespace, "karpenter");
    assert.equal(v.settings.clusterName, "jhfleet");
    assert.equal(v.settings.interruptionQueue, "jhfleet");
    assert.deepEqual(v.serviceAccount, { create: false, name: "karpenter" });
    assert.equal(v.nodeSelector["hubfleet.io/node-group"], "clustertools");
  });

  it("counts the controller's pod on clustertools in the capacity model", () => {
    const fleet = fleetWith();
    const tools = fleetWorkloads(fleet, renderFleet(fleet)).fixed.clustertools;
    const controller = tools.find((w) => w.name === "karpenter/karpenter");
    assert.ok(controller, tools.map((w) => w.name).join(", "));
    assert.equal(controller.replicas, 1);
    assert.deepEqual(controller.request, { cpuMillis: 200, memoryMiB: 512 });
  });

  it("gives each NodePool exactly its group's labels and taints", () => {
    const fleet = fleetWith(withGpu);
    const pools = objectsOf(fleet, "NodePool");
    assert.deepEqual(
      pools.map((p) => p.metadata.name),
      ["jhusers", "jhgpu"],
    );
    for (const pool of pools) {
      const { labels, taints } = placement(pool.metadata.name);
      assert.deepEqual(pool.spec.template.metadata.labels, labels);
      assert.deepEqual(pool.spec.template.spec.taints, taints);
      assert.equal(pool.spec.template.spec.expireAfter, "Never");
      assert.equal(pool.spec.template.spec.nodeClassRef.kind, "EC2NodeClass");
    }
  });

  it("limits a NodePool to maxSize nodes of the group's instance type", () => {
    const fleet = fleetWith(withGpu);
    // t3a.large: 2 vCPU, 8 GiB; the example's jhusers maxSize is 60.
    assert.deepEqual(nodePoolLimits(fleet.nodeGroups.jhusers), {
      cpu: "120",
      memory: `${8192 * 60}Mi`,
    });
    const gpu = objectsOf(fleet, "NodePool").find((p) => p.metadata.name === "jhgpu");
    assert.equal(gpu.spec.limits["nvidia.com/gpu"], "4");
  });

  it("consolidates after scaleDownUnneededTime within the disruption budget", () => {
    const pool = objectsOf(
      fleetWith((d) => {
        d.setIn(["tools", "autoscaler", "scaleDownUnneededTime"], "15m");
        d.setIn(["tools", "autoscaler", "karpenter", "consolidationPolicy"], "WhenEmpty");
        d.setIn(["tools", "autoscaler", "karpenter", "disruptionBudget"], "2");
      }),
      "NodePool",
    )[0];
    assert.deepEqual(pool.spec.disruption, {
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: "15m",
      budgets: [{ nodes: "2" }],
    });
    const defaults = objectsOf(fleetWith(), "NodePool")[0];
    assert.equal(defaults.spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
  });

  it("annotates user servers do-not-disrupt and leaves placeholders preemptible", () => {
    for (const unit of renderFleet(fleetWith()).hubs) {
      const v = unit.release.values as Any;
      assert.deepEqual(v.singleuser.extraAnnotations, { [DO_NOT_DISRUPT]: "true" });
      // A key the pinned chart's values schema accepts (apply checks this before helm).
      assert.deepEqual(findUnknownZ2jhKeyPaths(v), []);
      assert.doesNotMatch(JSON.stringify(v.scheduling.userPlaceholder), /do-not-disrupt/);
    }
    const plain = fleetFrom(editedExample((d) => d.setIn(["tools", "backups", "enabled"], false)));
    for (const unit of renderFleet(plain).hubs) {
      assert.equal((unit.release.values as Any).singleuser.extraAnnotations, undefined);
    }
  });

  it("gives eksctl Karpenter's roles and queue, and leaves the user groups to Karpenter", () => {
    const fleet = fleetWith(withGpu);
    const config = renderEksctlConfig(fleet) as Any;
    assert.deepEqual(config.karpenter, {
      version: KARPENTER_CHART.version,
      createServiceAccount: false,
      withSpotInterruptionQueue: true,
    });
    assert.equal(config.iam.withOIDC, true);
    assert.equal(config.iam.serviceAccounts, undefined, "no cluster-autoscaler account");
    assert.equal(config.metadata.tags["karpenter.sh/discovery"], "jhfleet");
    assert.deepEqual(
      config.managedNodeGroups.map((g: Any) => g.name),
      ["clustertools", "jhcontrolplane"],
    );
    const [nodeClass] = objectsOf(fleet, "EC2NodeClass");
    assert.equal(nodeClass.spec.role, karpenterNodeRole(fleet));
    assert.equal(nodeClass.spec.role, "eksctl-KarpenterNodeRole-jhfleet");
  });

  it("validate: karpenter needs EKS; cluster-autoscaler keys and minSize are warned about", () => {
    const local = parseFleet(
      editedExample((d) => {
        d.setIn(["cluster", "provider"], "local");
        d.deleteIn(["cluster", "podCIDR"]);
        d.setIn(["tools", "autoscaler", "engine"], "karpenter");
      }),
      "fleet.yaml",
    );
    assert.equal(local.fleet, undefined);
    const problem = local.problems.find((p) => String(p.path) === "tools.autoscaler.engine");
    assert.ok(problem, JSON.stringify(local.problems));
    assert.match(problem.message, /needs cluster.provider: eks/);
    const warned = checkFleet(
      fleetWith((d) => {
        d.setIn(["tools", "autoscaler", "expander"], "priority");
        d.setIn(["cluster", "nodeGroups", "jhusers", "minSize"], 2);
      }),
    ).filter((f) => f.severity === "warning");
    const paths = warned.map((f) => f.path.join("."));
    assert.ok(paths.includes("tools.autoscaler.expander"), paths.join(", "));
    assert.ok(paths.includes("cluster.nodeGroups.jhusers.minSize"), paths.join(", "));
  });
});
