/**
 * A hub's GPU server, read by the real KubeSpawner 7.0.0 (scripts/hub-build's venv): the
 * rendered values go through the z2jh stand-in (test/hub/z2jh_config.py, as in a real hub pod)
 * into KubeSpawner, which loads the profile a user picks on the spawn page and builds the pod it
 * would create (test/hub/profile_pod.py). The GPU server's pod asks for nvidia.com/gpu, is
 * placed on the GPU group and tolerates its taint; the standard server's is not.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom } from "../helpers.js";
import { kubeSpawnerPod } from "../hub/spawnerPod.js";

interface Pod {
  spec: {
    nodeSelector?: Record<string, string>;
    tolerations?: Array<{ key: string; value?: string; effect?: string }>;
    affinity?: unknown;
    containers: Array<{ resources: { limits?: Record<string, string> } }>;
  };
}

/** The pod KubeSpawner builds for hub `hub` of the fleet when the user picks profile `slug`. */
function podFor(text: string, hub: string, slug: string): Pod {
  const release = renderFleet(fleetFrom(text)).releases.find((r) => r.hub === hub);
  assert.ok(release);
  return kubeSpawnerPod(release.values, hub, slug) as unknown as Pod;
}

const gpuFleet = editedExample((d) => {
  d.setIn(["cluster", "nodeGroups", "jhgpu"], d.createNode({ instanceType: "g5.xlarge" }));
  d.setIn(["hubs", 1, "gpu"], d.createNode({ gpus: 1 }));
});

describe("a GPU profile in the real KubeSpawner", () => {
  it("the GPU server asks for one nvidia.com/gpu, on jhgpu, tolerating its taint", () => {
    const pod = podFor(gpuFleet, "cs480", "gpu");
    assert.equal(pod.spec.containers[0]?.resources.limits?.["nvidia.com/gpu"], "1");
    assert.equal(pod.spec.nodeSelector?.["hubfleet.io/node-group"], "jhgpu");
    assert.ok(
      pod.spec.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.effect === "NoSchedule"),
      JSON.stringify(pod.spec.tolerations),
    );
    // z2jh's required node-purpose affinity stays: the GPU nodes are labelled purpose=user.
    assert.match(JSON.stringify(pod.spec.affinity), /hub\.jupyter\.org\/node-purpose/);
  });

  it("the standard server (the default) asks for no GPU and stays off jhgpu", () => {
    const pod = podFor(gpuFleet, "cs480", "standard");
    assert.equal(pod.spec.containers[0]?.resources.limits?.["nvidia.com/gpu"], undefined);
    assert.notEqual(pod.spec.nodeSelector?.["hubfleet.io/node-group"], "jhgpu");
    assert.ok(!pod.spec.tolerations?.some((t) => t.key === "nvidia.com/gpu"));
  });
});
