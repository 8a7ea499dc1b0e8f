/**
 * The cluster configs: golden files for the example (small, reviewed), the architecture's
 * rules as assertions on variants, and determinism.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, exampleFleet, fleetFrom, REPO } from "../helpers.js";

const fileOf = (bundle: ReturnType<typeof renderFleet>, path: string): string => {
  const file = bundleFiles(bundle).find((f) => f.path === path);
  assert.ok(file, `no ${path} in bundle`);
  return file.content;
};

interface NodeGroup {
  name: string;
  availabilityZones: string[];
  labels: Record<string, string>;
  taints?: Array<{ key: string; value: string; effect: string }>;
  tags: Record<string, string>;
  minSize: number;
  volumeSize: number;
  spot?: boolean;
  instanceType?: string;
  instanceTypes?: string[];
  maxPodsPerNode?: number;
}

const eksctlOf = (text: string) =>
  parse(fileOf(renderFleet(fleetFrom(text)), "cluster/eksctl.yaml")) as {
    managedNodeGroups: NodeGroup[];
    metadata: { name: string; version: string };
    iam: { withOIDC: boolean; serviceAccounts?: unknown[] };
    addons: Array<{ name: string; configurationValues?: string }>;
  };
const group = (config: { managedNodeGroups: NodeGroup[] }, name: string): NodeGroup => {
  const g = config.managedNodeGroups.find((n) => n.name === name);
  assert.ok(g, `no node group ${name}`);
  return g;
};

describe("golden cluster configs of the example fleet", () => {
  for (const name of ["eksctl.yaml", "kind.yaml"]) {
    it(`cluster/${name} matches test/fixtures/golden/cluster/${name}`, () => {
      const golden = readFileSync(`${REPO}test/fixtures/golden/cluster/${name}`, "utf8");
      assert.equal(fileOf(renderFleet(exampleFleet()), `cluster/${name}`), golden);
    });
  }
});

describe("eksctl ClusterConfig", () => {
  const config = eksctlOf(editedExample(() => {}));
  it("puts jhcontrolplane in exactly one zone", () => {
    assert.deepEqual(group(config, "jhcontrolplane").availabilityZones, ["us-west-2a"]);
  });
  it("labels each group with its name and node purpose", () => {
    assert.equal(group(config, "clustertools").labels["hubfleet.io/node-group"], "clustertools");
    assert.equal(group(config, "jhcontrolplane").labels["hub.jupyter.org/node-purpose"], "core");
    assert.equal(group(config, "jhusers").labels["hub.jupyter.org/node-purpose"], "user");
  });
  it("taints only jhusers", () => {
    assert.deepEqual(group(config, "jhusers").taints, [
      { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" },
    ]);
    assert.equal(group(config, "clustertools").taints, undefined);
    assert.equal(group(config, "jhcontrolplane").taints, undefined);
  });
  it("tags every group for autoscaler discovery and jhusers for scale-from-zero", () => {
    for (const g of config.managedNodeGroups) {
      assert.equal(g.tags["k8s.io/cluster-autoscaler/enabled"], "true");
      assert.equal(g.tags["k8s.io/cluster-autoscaler/jhfleet"], "owned");
    }
    const users = group(config, "jhusers");
    assert.equal(users.minSize, 0);
    assert.equal(
      users.tags["k8s.io/cluster-autoscaler/node-template/label/hub.jupyter.org/node-purpose"],
      "user",
    );
    assert.equal(
      users.tags["k8s.io/cluster-autoscaler/node-template/taint/hub.jupyter.org/dedicated"],
      "user:NoSchedule",
    );
  });
  it("turns on OIDC and the EBS CSI driver", () => {
    assert.equal(config.iam.withOIDC, true);
    assert.ok(config.addons.some((a) => a.name === "aws-ebs-csi-driver"));
  });
  // The VPC CNI add-on: NetworkPolicy always; custom networking (ENIConfig per zone, named after
  // the zone label) exactly when the fleet gives pods a range of their own.
  const vpcCni = (c: { addons: Array<{ name: string }> }) => {
    const addon = c.addons.find((a) => a.name === "vpc-cni") as
      | { configurationValues: string }
      | undefined;
    assert.ok(addon);
    return JSON.parse(addon.configurationValues);
  };
  it("gives pods their own subnets (VPC CNI custom networking) when the fleet names cluster.podCIDR", () => {
    assert.deepEqual(vpcCni(config), {
      enableNetworkPolicy: "true",
      env: {
        AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true",
        ENI_CONFIG_LABEL_DEF: "topology.kubernetes.io/zone",
      },
      eniConfig: {
        create: true,
        region: "us-west-2",
        subnets: {
          "us-west-2a": { id: "subnet-0a0000000000000a1" },
          "us-west-2b": { id: "subnet-0a0000000000000b1" },
          "us-west-2c": { id: "subnet-0a0000000000000c1" },
        },
      },
    });
  });
  it("tells each group's kubelet the smaller max pods of custom networking", () => {
    const maxPods = (c: { managedNodeGroups: NodeGroup[] }) =>
      c.managedNodeGroups.map((g) => [g.name, g.maxPodsPerNode]);
    assert.deepEqual(maxPods(config), [
      ["clustertools", 12],
      ["jhcontrolplane", 12],
      ["jhusers", 24],
    ]);
    const plain = eksctlOf(
      editedExample((d) => {
        d.deleteIn(["cluster", "podCIDR"]);
        d.deleteIn(["cluster", "podSubnets"]);
      }),
    );
    assert.deepEqual(maxPods(plain), [
      ["clustertools", undefined],
      ["jhcontrolplane", undefined],
      ["jhusers", undefined],
    ]);
  });
  it("keeps the VPC CNI's default networking (and NetworkPolicy) without cluster.podCIDR", () => {
    const plain = eksctlOf(
      editedExample((d) => {
        d.deleteIn(["cluster", "podCIDR"]);
        d.deleteIn(["cluster", "podSubnets"]);
      }),
    );
    assert.deepEqual(vpcCni(plain), { enableNetworkPolicy: "true" });
  });
  const autoscalerAccounts: Array<[string, Record<string, unknown>, unknown[] | undefined]> = [
    [
      "creates the autoscaler's IRSA service account when the fleet names no role",
      {},
      [
        {
          metadata: { name: "cluster-autoscaler", namespace: "kube-system" },
          wellKnownPolicies: { autoScaler: true },
        },
      ],
    ],
    [
      "leaves the autoscaler's account to the chart when the fleet names a role",
      { roleArn: "arn:aws:iam::123456789012:role/autoscaler" },
      undefined,
    ],
    ["makes no autoscaler account when the autoscaler is off", { enabled: false }, undefined],
  ];
  for (const [name, settings, expected] of autoscalerAccounts) {
    it(name, () => {
      const changed = eksctlOf(
        editedExample((d) => {
          for (const [field, value] of Object.entries(settings)) {
            d.setIn(["tools", "autoscaler", field], value);
          }
        }),
      );
      assert.deepEqual(changed.iam.serviceAccounts, expected);
    });
  }
  it("follows the fleet file's disks, zones, version and spot setting", () => {
    const changed = eksctlOf(
      editedExample((d) => {
        d.setIn(["cluster", "nodeGroups", "jhusers", "volumeSize"], 80);
        d.setIn(["cluster", "nodeGroups", "jhusers", "spot"], true);
        d.setIn(["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"], "us-west-2c");
        d.setIn(["cluster", "kubernetesVersion"], "1.33");
      }),
    );
    const users = group(changed, "jhusers");
    assert.equal(users.volumeSize, 80);
    assert.equal(users.spot, true);
    assert.deepEqual(users.instanceTypes, ["t3a.large"]);
    assert.equal(users.instanceType, undefined);
    assert.deepEqual(group(changed, "jhcontrolplane").availabilityZones, ["us-west-2c"]);
    assert.equal(changed.metadata.version, "1.33");
  });
  it("adds the GPU group only when the fleet has one: NVIDIA taint, user purpose, GPUs for scale-from-zero", () => {
    assert.equal(
      config.managedNodeGroups.find((g) => g.name === "jhgpu"),
      undefined,
    );
    const gpu = group(
      eksctlOf(
        editedExample((d) =>
          d.setIn(
            ["cluster", "nodeGroups", "jhgpu"],
            d.createNode({ instanceType: "g6.12xlarge" }),
          ),
        ),
      ),
      "jhgpu",
    );
    assert.equal(gpu.instanceType, "g6.12xlarge");
    assert.equal(gpu.minSize, 0);
    assert.equal(gpu.volumeSize, 100);
    assert.deepEqual(gpu.taints, [
      { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
    ]);
    assert.deepEqual(gpu.labels, {
      "hubfleet.io/node-group": "jhgpu",
      "hub.jupyter.org/node-purpose": "user",
    });
    // g6.12xlarge: 4 × NVIDIA L4.
    assert.equal(gpu.tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"], "4");
    assert.equal(
      gpu.tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"],
      "present:NoSchedule",
    );
  });
  it("sets kubelet's maxPods, and prefix delegation only above the type's ENI limit", () => {
    const within = eksctlOf(
      editedExample((d) => d.setIn(["cluster", "nodeGroups", "jhusers", "maxPodsPerNode"], 30)),
    );
    assert.equal(group(within, "jhusers").maxPodsPerNode, 30);
    // The example's pods have their own range (custom networking): a t3a.medium takes 12.
    assert.equal(group(within, "jhcontrolplane").maxPodsPerNode, 12);
    // t3a.large: 24 pods with custom networking, so 30 needs prefix delegation.
    assert.equal(vpcCni(within).env.ENABLE_PREFIX_DELEGATION, "true");
    const defaultNetworking = (d: Parameters<Parameters<typeof editedExample>[0]>[0]) => {
      d.deleteIn(["cluster", "podCIDR"]);
      d.deleteIn(["cluster", "podSubnets"]);
    };
    const plainWithin = eksctlOf(
      editedExample((d) => {
        defaultNetworking(d);
        d.setIn(["cluster", "nodeGroups", "jhusers", "maxPodsPerNode"], 30);
      }),
    );
    assert.equal(group(plainWithin, "jhusers").maxPodsPerNode, 30);
    assert.equal(group(plainWithin, "jhcontrolplane").maxPodsPerNode, undefined);
    assert.deepEqual(vpcCni(plainWithin), { enableNetworkPolicy: "true" });
    // t3a.large: 35 pods without prefix delegation.
    const above = eksctlOf(
      editedExample((d) => d.setIn(["cluster", "nodeGroups", "jhusers", "maxPodsPerNode"], 110)),
    );
    assert.equal(group(above, "jhusers").maxPodsPerNode, 110);
    assert.deepEqual(vpcCni(above).env, {
      AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true",
      ENI_CONFIG_LABEL_DEF: "topology.kubernetes.io/zone",
      ENABLE_PREFIX_DELEGATION: "true",
      WARM_PREFIX_TARGET: "1",
    });
  });
});

describe("kind Cluster", () => {
  it("has one control plane and one worker per group with the same labels and taints", () => {
    const kind = parse(fileOf(renderFleet(exampleFleet()), "cluster/kind.yaml")) as {
      nodes: Array<{
        role: string;
        labels?: Record<string, string>;
        kubeadmConfigPatches?: string[];
      }>;
    };
    assert.deepEqual(
      kind.nodes.map((n) => n.role),
      ["control-plane", "worker", "worker", "worker"],
    );
    const users = kind.nodes.find((n) => n.labels?.["hubfleet.io/node-group"] === "jhusers");
    const patch = parse(users?.kubeadmConfigPatches?.[0] ?? "") as {
      nodeRegistration: { taints: unknown[] };
    };
    assert.deepEqual(patch.nodeRegistration.taints, [
      { effect: "NoSchedule", key: "hub.jupyter.org/dedicated", value: "user" },
    ]);
  });
});

describe("determinism", () => {
  it("renders byte-identical files twice, whatever the key order in the file", () => {
    const a = renderFleet(exampleFleet());
    const b = renderFleet(exampleFleet());
    assert.deepEqual(a, b);
    const reordered = editedExample((d) => {
      const cluster = d.get("cluster");
      d.delete("cluster");
      d.set("cluster", cluster);
    });
    assert.deepEqual(renderFleet(fleetFrom(reordered)), a);
  });
});
