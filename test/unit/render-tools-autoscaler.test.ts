/**
 * The cluster-autoscaler release: it finds exactly the node groups the eksctl config tags, runs
 * the build for the cluster's minor, has the permissions eksctl or the fleet's role give it, and
 * scales down without ever evicting a hub, proxy or drive.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import type { FleetModel } from "../../src/fleet/model.js";
import { SUPPORTED_KUBERNETES_VERSIONS } from "../../src/fleet/schema.js";
import { renderEksctlConfig } from "../../src/render/cluster/eksctl.js";
import { renderFleet } from "../../src/render/index.js";
import {
  EXPENDABLE_PODS_PRIORITY_CUTOFF,
  renderAutoscaler,
} from "../../src/render/tools/autoscaler.js";
import { clusterToolsNodeSelector } from "../../src/render/tools/tool.js";
import { AUTOSCALER_CHART } from "../../src/vocabulary/charts.js";
import { editedExample, fleetFrom, setZones } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered values
type Any = any;

const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
const ROLE_ARN = "arn:aws:iam::123456789012:role/jhfleet-autoscaler";
/** z2jh 4.3.3's scheduling.podPriority.userPlaceholderPriority default. */
const Z2JH_PLACEHOLDER_PRIORITY = -10;

/** The example fleet with an edit; Velero is off so these tests need no bucket. */
function fleetWith(edit: (doc: Document) => void = () => {}): FleetModel {
  return fleetFrom(
    editedExample((d) => {
      d.setIn(["tools", "backups", "enabled"], false);
      edit(d);
    }),
  );
}

const setAutoscaler = (field: string, value: unknown) => (d: Document) =>
  d.setIn(["tools", "autoscaler", field], value);

function theRelease(fleet: FleetModel) {
  const tools = renderAutoscaler(fleet);
  assert.equal(tools.length, 1);
  const [tool] = tools;
  assert.ok(tool);
  return { tool, values: tool.release.values as Any };
}

interface EksctlConfig {
  iam: { serviceAccounts?: Array<Any> };
  managedNodeGroups: Array<{ name: string; tags: Record<string, string> }>;
}
const eksctlOf = (fleet: FleetModel) => renderEksctlConfig(fleet) as unknown as EksctlConfig;

/** The tags --node-group-auto-discovery=asg:tag=k1=v1,k2=v2 asks for. */
function discoveryTags(values: Any): Record<string, string> {
  return Object.fromEntries(
    (values.autoDiscovery.tags as string[]).map((tag) => {
      const [key, value] = tag.split("=");
      return [key, value];
    }),
  );
}

describe("cluster-autoscaler release", () => {
  it("is the pinned chart, release cluster-autoscaler in kube-system", () => {
    const { tool } = theRelease(fleetWith());
    assert.equal(tool.name, "cluster-autoscaler");
    assert.equal(tool.namespace, "kube-system");
    assert.equal(tool.release.namespace, "kube-system");
    assert.equal(tool.release.tool, "cluster-autoscaler");
    assert.deepEqual(tool.release.chart, {
      repo: "https://kubernetes.github.io/autoscaler",
      name: "cluster-autoscaler",
      version: AUTOSCALER_CHART.version,
    });
    assert.match(AUTOSCALER_CHART.version, /^9\.\d+\.\d+$/);
  });
  it("takes the chart version from the fleet file when set", () => {
    const { tool } = theRelease(fleetWith(setAutoscaler("chartVersion", "9.50.1")));
    assert.equal(tool.release.chart.version, "9.50.1");
  });
  it("runs on clustertools as a system-critical pod the autoscaler itself never evicts", () => {
    const { values } = theRelease(fleetWith());
    assert.deepEqual(values.nodeSelector, clusterToolsNodeSelector());
    assert.deepEqual(values.nodeSelector, { "hubfleet.io/node-group": "clustertools" });
    assert.equal(values.priorityClassName, "system-cluster-critical");
    assert.equal(values.podAnnotations[SAFE_TO_EVICT], "false");
    assert.equal(values.podDisruptionBudget.maxUnavailable, 1);
    assert.ok(values.resources.requests.cpu && values.resources.requests.memory);
    assert.equal(values.cloudProvider, "aws");
    assert.equal(values.awsRegion, "us-west-2");
  });
});

describe("auto-discovery", () => {
  const cases: Array<[string, string, string]> = [
    ["the example", "jhfleet", "us-west-2"],
    ["another cluster", "physics-hubs", "eu-central-1"],
  ];
  for (const [label, name, region] of cases) {
    it(`${label}: asks for exactly the tags eksctl puts on every node group`, () => {
      const fleet = fleetWith((d) => {
        d.setIn(["cluster", "name"], name);
        d.setIn(["cluster", "region"], region);
        setZones(d, [`${region}a`, `${region}b`]);
        d.setIn(["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"], `${region}a`);
      });
      const { values } = theRelease(fleet);
      assert.equal(values.autoDiscovery.clusterName, name);
      assert.equal(values.awsRegion, region);
      const wanted = discoveryTags(values);
      assert.equal(wanted[`k8s.io/cluster-autoscaler/${name}`], "owned");
      assert.equal(wanted["k8s.io/cluster-autoscaler/enabled"], "true");
      const groups = eksctlOf(fleet).managedNodeGroups;
      assert.deepEqual(
        groups.map((g) => g.name),
        ["clustertools", "jhcontrolplane", "jhusers"],
      );
      for (const group of groups) {
        for (const [key, value] of Object.entries(wanted)) {
          assert.equal(group.tags[key], value, `${group.name}: tag ${key}`);
        }
      }
    });
  }
});

describe("image matched to the cluster's Kubernetes minor", () => {
  for (const minor of SUPPORTED_KUBERNETES_VERSIONS) {
    it(`Kubernetes ${minor} runs autoscaler v${minor}.x`, () => {
      const { values } = theRelease(
        fleetWith((d) => d.setIn(["cluster", "kubernetesVersion"], minor)),
      );
      assert.equal(values.image.repository, "registry.k8s.io/autoscaling/cluster-autoscaler");
      assert.match(values.image.tag, new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`));
    });
  }
  it("tools.autoscaler.imageTag overrides the table", () => {
    const { values } = theRelease(fleetWith(setAutoscaler("imageTag", "v1.34.0")));
    assert.equal(values.image.tag, "v1.34.0");
  });
});

describe("permissions: IRSA", () => {
  it("with roleArn, the chart creates the service account annotated with the role; eksctl makes none", () => {
    const fleet = fleetWith(setAutoscaler("roleArn", ROLE_ARN));
    const { values } = theRelease(fleet);
    assert.deepEqual(values.rbac.serviceAccount, {
      create: true,
      name: "cluster-autoscaler",
      annotations: { "eks.amazonaws.com/role-arn": ROLE_ARN },
    });
    assert.equal(eksctlOf(fleet).iam.serviceAccounts, undefined);
  });
  it("without roleArn, the chart uses the service account eksctl creates with the autoscaler policy", () => {
    const fleet = fleetWith();
    const { values } = theRelease(fleet);
    assert.equal(values.rbac.serviceAccount.create, false);
    assert.equal(values.rbac.serviceAccount.annotations, undefined);
    assert.deepEqual(eksctlOf(fleet).iam.serviceAccounts, [
      {
        metadata: { name: values.rbac.serviceAccount.name, namespace: "kube-system" },
        wellKnownPolicies: { autoScaler: true },
      },
    ]);
  });
});

/** The priority the expander gives an ASG: the highest whose regexes match (Go finds, unanchored). */
function priorityOf(priorities: Record<string, string[]>, asg: string): number | undefined {
  const matching = Object.entries(priorities)
    .filter(([, patterns]) => patterns.some((p) => new RegExp(p).test(asg)))
    .map(([priority]) => Number(priority));
  return matching.length > 0 ? Math.max(...matching) : undefined;
}

describe("expander", () => {
  it("least-waste: the flag alone, no priority ConfigMap", () => {
    const { values } = theRelease(fleetWith());
    assert.equal(values.extraArgs.expander, "least-waste");
    assert.equal(values.expanderPriorities, undefined);
  });
  it("priority: the chart's priority ConfigMap, least-waste breaking ties", () => {
    const { values } = theRelease(fleetWith(setAutoscaler("expander", "priority")));
    assert.equal(values.extraArgs.expander, "priority,least-waste");
    const priorities = values.expanderPriorities as Record<string, string[]>;
    // Managed groups' ASGs are eks-<group>-<uuid>; self-managed eksctl-<cluster>-nodegroup-<group>-...
    const users = priorityOf(priorities, "eks-jhusers-62c9e6c1-3c11-4f9a-9d3c-1a2b3c4d5e6f");
    const tools = priorityOf(priorities, "eks-clustertools-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
    const core = priorityOf(priorities, "eks-jhcontrolplane-aa11bb22-cc33-dd44-ee55-ff6677889900");
    const selfManaged = priorityOf(priorities, "eksctl-jhfleet-nodegroup-jhusers-NodeGroup-1XYZ");
    const foreign = priorityOf(priorities, "eks-gpu-0f0e0d0c-0b0a-0908-0706-050403020100");
    assert.ok(users !== undefined && tools !== undefined && core !== undefined);
    assert.ok(users > tools && tools > core, `${users} > ${tools} > ${core}`);
    assert.equal(selfManaged, users);
    assert.ok(foreign !== undefined && foreign < core, "any other group stays usable, last");
  });
});

describe("scale-down", () => {
  const cases: Array<[string, string]> = [
    ["10m", "10m"],
    ["3m", "15m"],
  ];
  for (const [unneeded, afterAdd] of cases) {
    it(`removes a node unneeded for ${unneeded}, not sooner than ${afterAdd} after a scale-up`, () => {
      const { values } = theRelease(
        fleetWith((d) => {
          setAutoscaler("scaleDownUnneededTime", unneeded)(d);
          setAutoscaler("scaleDownDelayAfterAdd", afterAdd)(d);
        }),
      );
      assert.equal(values.extraArgs["scale-down-unneeded-time"], unneeded);
      assert.equal(values.extraArgs["scale-down-delay-after-add"], afterAdd);
    });
  }
  it("is not held back by scratch volumes, keeps unprotected kube-system pods, balances similar groups", () => {
    const { values } = theRelease(fleetWith());
    assert.equal(values.extraArgs["skip-nodes-with-local-storage"], false);
    assert.equal(values.extraArgs["skip-nodes-with-system-pods"], true);
    assert.equal(values.extraArgs["balance-similar-node-groups"], true);
  });
});

describe("what the autoscaler may and may not move (rendered by the hubs)", () => {
  const fleet = fleetWith();
  const bundle = renderFleet(fleet);
  const hubs = fleet.hubs.map((h) => h.name);
  it("the fleet has hubs to check", () => assert.ok(hubs.length >= 2));
  for (const hub of hubs) {
    const values = bundle.releases.find((r) => r.hub === hub)?.values as Any;
    it(`${hub}: hub and proxy pods are never evicted`, () => {
      assert.equal(values.hub.annotations[SAFE_TO_EVICT], "false");
      assert.equal(values.proxy.annotations[SAFE_TO_EVICT], "false");
    });
    it(`${hub}: the drive's pod is never evicted`, () => {
      const drive = bundle.manifests.find((m) => m.hub === hub && m.object.kind === "StatefulSet")
        ?.object as Any;
      assert.ok(drive, `${hub}: no drive StatefulSet`);
      assert.equal(drive.spec.template.metadata.annotations[SAFE_TO_EVICT], "false");
    });
    it(`${hub}: user placeholders stay evictable and still trigger scale-ups`, () => {
      const scheduling = values.scheduling;
      assert.notEqual(scheduling.userPlaceholder.annotations?.[SAFE_TO_EVICT], "false");
      const priority = scheduling.podPriority.userPlaceholderPriority ?? Z2JH_PLACEHOLDER_PRIORITY;
      // Pods *below* the cutoff are expendable and never cause a scale-up.
      assert.ok(priority >= EXPENDABLE_PODS_PRIORITY_CUTOFF);
      assert.equal(
        theRelease(fleet).values.extraArgs["expendable-pods-priority-cutoff"],
        EXPENDABLE_PODS_PRIORITY_CUTOFF,
      );
    });
  }
});

describe("when there is no autoscaler", () => {
  const cases: Array<[string, (d: Document) => void]> = [
    ["turned off", setAutoscaler("enabled", false)],
    ["a local (kind) cluster", (d) => d.setIn(["cluster", "provider"], "local")],
  ];
  for (const [label, edit] of cases) {
    it(`${label}: nothing is rendered, and eksctl makes no service account for it`, () => {
      const fleet = fleetWith(edit);
      assert.deepEqual(renderAutoscaler(fleet), []);
      if (fleet.cluster.provider === "eks") {
        assert.equal(eksctlOf(fleet).iam.serviceAccounts, undefined);
      }
    });
  }
});

describe("determinism", () => {
  it("two renders of the same fleet file are identical", () => {
    const edit = setAutoscaler("expander", "priority");
    assert.equal(
      JSON.stringify(renderAutoscaler(fleetWith(edit))),
      JSON.stringify(renderAutoscaler(fleetWith(edit))),
    );
  });
});
