/**
 * The rendered eksctl and kind configs, checked by the upstream projects' own Go types with
 * strict decoding and eksctl's own validation (test/gocheck).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { gocheckBinary } from "../goTools.js";
import { editedExample, fleetFrom, setZones } from "../helpers.js";

const VARIANTS: Array<[string, (doc: Document) => void]> = [
  ["the example", () => {}],
  ["spot user nodes", (d) => d.setIn(["cluster", "nodeGroups", "jhusers", "spot"], true)],
  [
    "VPC CNI default networking (no pod range)",
    (d) => {
      d.deleteIn(["cluster", "podCIDR"]);
      d.deleteIn(["cluster", "podSubnets"]);
    },
  ],
  [
    "Kubernetes 1.32, two zones",
    (d) => {
      d.setIn(["cluster", "kubernetesVersion"], "1.32");
      setZones(d, ["us-west-2a", "us-west-2b"]);
    },
  ],
  [
    "another region and larger nodes",
    (d) => {
      d.setIn(["cluster", "region"], "eu-central-1");
      setZones(d, ["eu-central-1a", "eu-central-1b"]);
      d.setIn(["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"], "eu-central-1b");
      d.setIn(["cluster", "nodeGroups", "jhusers", "instanceType"], "m5.2xlarge");
      d.setIn(["cluster", "nodeGroups", "jhusers", "volumeSize"], 100);
    },
  ],
  [
    "a GPU group (spot) and more pods per user node than the VPC CNI's limit (prefix delegation)",
    (d) => {
      d.setIn(
        ["cluster", "nodeGroups", "jhgpu"],
        d.createNode({ instanceType: "g5.xlarge", spot: true, maxSize: 4 }),
      );
      d.setIn(["cluster", "nodeGroups", "jhusers", "maxPodsPerNode"], 110);
      d.setIn(["hubs", 1, "gpu"], d.createNode({ gpus: 1 }));
    },
  ],
  [
    "Karpenter as the autoscaler, with a GPU group (eksctl's karpenter: section, core groups only)",
    (d) => {
      d.setIn(["tools", "autoscaler", "engine"], "karpenter");
      d.setIn(["cluster", "nodeGroups", "jhgpu"], d.createNode({ instanceType: "g5.xlarge" }));
      d.setIn(["hubs", 1, "gpu"], d.createNode({ gpus: 1 }));
    },
  ],
];

function check(kind: "eksctl" | "kind", content: string) {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-gocheck-"));
  const file = join(dir, `${kind}.yaml`);
  writeFileSync(file, content);
  return spawnSync(gocheckBinary(), [kind, file], { encoding: "utf8" });
}

describe("cluster configs pass the upstream Go types and validation", () => {
  for (const [name, edit] of VARIANTS) {
    const bundle = renderFleet(fleetFrom(editedExample(edit)));
    for (const kind of ["eksctl", "kind"] as const) {
      it(`${kind}.yaml of ${name}`, () => {
        const file = bundleFiles(bundle).find((f) => f.path === `cluster/${kind}.yaml`);
        assert.ok(file);
        const result = check(kind, file.content);
        assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      });
    }
  }
  it("the checker does reject an unknown field (so a pass means something)", () => {
    const bundle = renderFleet(fleetFrom(editedExample(() => {})));
    const eksctl = bundleFiles(bundle).find((f) => f.path === "cluster/eksctl.yaml")?.content ?? "";
    const result = check(
      "eksctl",
      eksctl.replace("volumeType: gp3", "volumeType: gp3\n    volumeKind: fast"),
    );
    assert.notEqual(result.status, 0);
    assert.match(`${result.stdout}${result.stderr}`, /volumeKind/);
  });
  it("the checker does reject what eksctl's validation rejects", () => {
    const bundle = renderFleet(fleetFrom(editedExample(() => {})));
    const eksctl = bundleFiles(bundle).find((f) => f.path === "cluster/eksctl.yaml")?.content ?? "";
    const result = check("eksctl", eksctl.replace("minSize: 0", "minSize: 50"));
    assert.notEqual(result.status, 0);
  });
});
