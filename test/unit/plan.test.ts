/**
 * The pure parts of plan and apply: field diffs, lease liveness, API errors, backup checks
 * (prune: prune.test.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiException } from "@kubernetes/client-node";
import { checkHubBackups } from "../../src/apply/backupCheck.js";
import { leaseIsLive } from "../../src/apply/lock.js";
import { fieldChanges } from "../../src/plan/diff.js";
import { valuesDiff } from "../../src/plan/plan.js";
import { toClusterError } from "../../src/ports/kube.js";

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
  it("turns a kind the cluster does not serve into a 404", () => {
    const err = toClusterError(
      new Error("Unrecognized API version and kind: velero.io/v1 PodVolumeBackup"),
      "PodVolumeBackup velero/(list)",
    );
    assert.deepEqual([err.status, err.notFound], [404, true]);
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

describe("checkHubBackups", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  const pvb = (pod: string, volume: string, phase: string, at: string, message?: string) => ({
    apiVersion: "velero.io/v1",
    kind: "PodVolumeBackup",
    metadata: { name: `${pod}-${at}`, labels: { "velero.io/backup-name": `b-${at}` } },
    spec: { volume, pod: { namespace: "h", name: pod } },
    status: { phase, completionTimestamp: at, ...(message ? { message } : {}) },
  });
  const fresh = [
    pvb("drive-0", "data", "Completed", "2026-11-26T03:00:00Z"),
    pvb("hub-abc", "pvc", "Completed", "2026-11-26T03:00:00Z"),
  ];
  const cases: Array<[string, ReturnType<typeof pvb>[], string[]]> = [
    ["both volumes copied recently", fresh, []],
    [
      "a failure after the last success",
      [...fresh, pvb("drive-0", "data", "Failed", "2026-11-26T04:00:00Z", "disk full")],
      ["drive: the latest volume backup failed: disk full"],
    ],
    [
      "only old copies",
      fresh.map((b) => ({
        ...b,
        status: { ...b.status, completionTimestamp: "2026-11-20T03:00:00Z" },
      })),
      [
        "drive: the latest completed volume backup is 153 h old (more than 48 h)",
        "database: the latest completed volume backup is 153 h old (more than 48 h)",
      ],
    ],
    [
      "another hub's or another volume's copies do not count",
      [pvb("drive-0", "other", "Completed", "2026-11-26T03:00:00Z")],
      ["drive: no completed volume backup of it", "database: no completed volume backup of it"],
    ],
  ];
  for (const [name, backups, problems] of cases) {
    it(name, () => {
      const [hub] = checkHubBackups(["h"], backups, { now, maxAgeHours: 48 });
      assert.deepEqual(
        hub?.volumes.filter((v) => v.problem).map((v) => `${v.what}: ${v.problem}`),
        problems,
      );
      assert.equal(hub?.ok, problems.length === 0);
    });
  }
});
