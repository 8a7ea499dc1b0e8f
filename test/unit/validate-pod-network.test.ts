/**
 * The pods' own range (cluster.podCIDR): an EKS fleet without one is warned that the drives'
 * NFS rule then admits pods too; a local fleet is told the setting is ignored; the example, which
 * sets it, gets neither. (Errors for bad values are rows of validate-bad-fleets.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample } from "../helpers.js";

const podFindings = (edit: (d: Document) => void) =>
  parseFleet(editedExample(edit), "fleet.yaml").problems.filter((p) =>
    /^cluster\.pod/.test(p.path),
  );
const withoutPodRange = (d: Document) => {
  d.deleteIn(["cluster", "podCIDR"]);
  d.deleteIn(["cluster", "podSubnets"]);
};

describe("validate: the pods' own address range", () => {
  it("the example (custom networking) raises nothing", () => {
    assert.deepEqual(
      podFindings(() => {}),
      [],
    );
  });
  it("an EKS fleet without one is warned: the node range then holds every pod", () => {
    const [finding, ...rest] = podFindings(withoutPodRange);
    assert.deepEqual(rest, []);
    assert.equal(finding?.severity, "warning");
    assert.equal(finding?.path, "cluster.podCIDR");
    assert.match(
      finding?.message ?? "",
      /default networking pods take addresses from the node range/,
    );
    assert.match(finding?.hint ?? "", /cluster\.podCIDR and cluster\.podSubnets/);
  });
  it("a local fleet is told the setting is ignored (a warning, so one file serves both)", () => {
    const [finding, ...rest] = podFindings((d) => d.setIn(["cluster", "provider"], "local"));
    assert.deepEqual(rest, []);
    assert.equal(finding?.severity, "warning");
    assert.match(finding?.message ?? "", /ignored on a local cluster/);
    assert.deepEqual(
      podFindings((d) => {
        d.setIn(["cluster", "provider"], "local");
        withoutPodRange(d);
      }),
      [],
    );
  });
});
