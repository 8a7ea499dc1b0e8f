/** The pure parts of plan and apply: field diffs, prune decisions, lease liveness, API errors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiException } from "@kubernetes/client-node";
import { leaseIsLive } from "../../src/apply/lock.js";
import { fieldChanges } from "../../src/plan/diff.js";
import { valuesDiff } from "../../src/plan/plan.js";
import { planPrune } from "../../src/plan/prune.js";
import { toClusterError } from "../../src/ports/kube.js";
import type { KubeObject } from "../../src/render/bundle.js";

describe("fieldChanges", () => {
  it("ignores what the server adds and reports what differs", () => {
    const desired = {
      metadata: { name: "a", labels: { x: "1" } },
      spec: { replicas: 1, ports: [{ port: 80 }] },
    };
    const live = {
      metadata: { name: "a", uid: "u", resourceVersion: "9", labels: { x: "1", extra: "y" } },
      spec: { replicas: 2, ports: [{ port: 80, protocol: "TCP" }], clusterIP: "10.0.0.1" },
      status: { ready: true },
    };
    assert.deepEqual(fieldChanges(desired, live), [{ path: "spec.replicas", from: 2, to: 1 }]);
  });
  it("treats omitted empty values as equal (the API server drops them)", () => {
    assert.deepEqual(
      fieldChanges({ spec: { storageClassName: "", ingress: [], selector: {} } }, { spec: {} }),
      [],
    );
  });
  it("values diff reports removed keys too", () => {
    assert.deepEqual(valuesDiff({ a: 1 }, { a: 1, b: { c: 2 } }), [
      { path: "b", from: { c: 2 }, to: undefined },
    ]);
  });
});

const obj = (
  kind: string,
  name: string,
  labels: Record<string, string>,
  namespace?: string,
): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, labels, ...(namespace ? { namespace } : {}) },
});
const ours = (hub: string) => ({
  "app.kubernetes.io/managed-by": "hubfleet",
  "hubfleet.io/fleet": "f",
  "hubfleet.io/hub": hub,
});

describe("planPrune", () => {
  const owned = [
    obj("ConfigMap", "drive-ganesha", ours("old"), "old"),
    obj("PersistentVolumeClaim", "drive-data", ours("old"), "old"),
    obj("PersistentVolume", "hubfleet-old-drive", ours("old")),
    obj("Secret", "hubfleet-hub-secrets", ours("old"), "old"),
    obj("Namespace", "old", ours("old")),
    obj("Namespace", "empty", ours("empty")),
    obj("ConfigMap", "kept", ours("live"), "live"),
    obj("ConfigMap", "hubfleet-state", { ...ours("old"), "hubfleet.io/role": "state" }, "old"),
    obj(
      "ConfigMap",
      "copied",
      { "app.kubernetes.io/managed-by": "hubfleet", "hubfleet.io/fleet": "other" },
      "old",
    ),
  ];
  const base = {
    fleet: "f",
    owned,
    desiredKeys: new Set(["ConfigMap/live/kept"]),
    desiredHubs: new Set(["live"]),
    namespacesWithClaims: new Set(["old"]),
    releases: [
      { namespace: "old", name: "old" },
      { namespace: "live", name: "live" },
    ],
  };
  it("deletes what is gone, retains data, ignores other fleets and its own state", () => {
    const plan = planPrune(base);
    const keys = (items: ReadonlyArray<{ object: KubeObject }>) =>
      items.map((i) => `${i.object.kind}/${i.object.metadata.name}`);
    assert.deepEqual(keys(plan.delete), ["ConfigMap/drive-ganesha", "Namespace/empty"]);
    assert.deepEqual(keys(plan.retain).sort(), [
      "Namespace/old",
      "PersistentVolume/hubfleet-old-drive",
      "PersistentVolumeClaim/drive-data",
      "Secret/hubfleet-hub-secrets",
    ]);
    assert.deepEqual(plan.uninstall, [{ namespace: "old", name: "old" }]);
  });
  it("prunes only the hubs asked for with --hub", () => {
    const plan = planPrune({ ...base, onlyHubs: new Set(["live"]) });
    assert.deepEqual([plan.delete.length, plan.retain.length, plan.uninstall.length], [0, 0, 0]);
  });
});

describe("leaseIsLive", () => {
  const now = Date.parse("2026-11-26T01:00:00Z");
  it("is live while renewTime + duration is in the future", () => {
    assert.equal(
      leaseIsLive(
        { holderIdentity: "a", leaseDurationSeconds: 30, renewTime: "2026-11-26T00:59:45.000000Z" },
        now,
      ),
      true,
    );
    assert.equal(
      leaseIsLive(
        { holderIdentity: "a", leaseDurationSeconds: 30, renewTime: "2026-11-26T00:59:00.000000Z" },
        now,
      ),
      false,
    );
    assert.equal(
      leaseIsLive({ leaseDurationSeconds: 30, renewTime: "2026-11-26T00:59:45Z" }, now),
      false,
    );
    assert.equal(leaseIsLive(undefined, now), false);
  });
});

describe("toClusterError", () => {
  it("keeps the API's status code, reason and message", () => {
    const body = JSON.stringify({
      kind: "Status",
      reason: "Conflict",
      message: "the object has been modified",
      code: 409,
    });
    const err = toClusterError(
      new ApiException(409, "HTTP-Code: 409", body, {}),
      "Lease kube-system/hubfleet-f",
    );
    assert.equal(err.status, 409);
    assert.equal(err.reason, "Conflict");
    assert.equal(err.message, "Lease kube-system/hubfleet-f: the object has been modified");
    assert.equal(err.retryable, true);
  });
  it("turns a network failure into status 0 with a clear message", () => {
    const err = toClusterError(
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      "Namespace a",
    );
    assert.equal(err.status, 0);
    assert.match(err.message, /cannot reach the Kubernetes API: connect ECONNREFUSED/);
  });
});
