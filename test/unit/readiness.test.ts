/** When apply calls a hub ready, and what it says when it is not (pure parts of the wait). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  claimProblems,
  notReadyReason,
  podProblems,
  waitTargets,
} from "../../src/apply/readiness.js";
import { limiter } from "../../src/apply/retry.js";
import { formatDuration } from "../../src/apply/wait.js";
import { parseTimeout } from "../../src/cli/options.js";
import { UsageError } from "../../src/errors.js";
import { parseReleaseManifest } from "../../src/ports/helmParse.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";

const deployment = (
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  generation = 2,
) =>
  ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "hub", namespace: "stat101", generation },
    spec,
    status,
  }) as KubeObject;
const ref = (kind: string, name: string) => ({
  apiVersion: kind === "PersistentVolumeClaim" ? "v1" : "apps/v1",
  kind,
  name,
  namespace: "stat101",
});

describe("readiness of one object", () => {
  const cases: Array<[string, string, KubeObject | undefined, RegExp | undefined]> = [
    [
      "a rolled-out Deployment is ready",
      "Deployment",
      deployment(
        { replicas: 1 },
        {
          observedGeneration: 2,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      ),
      undefined,
    ],
    [
      "a Deployment whose controller has not seen the new spec",
      "Deployment",
      deployment(
        { replicas: 1 },
        { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
      ),
      /has not seen the new spec/,
    ],
    [
      "a Deployment with no available replica",
      "Deployment",
      deployment({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
      /0 of 1 replicas available/,
    ],
    [
      "a Deployment with an old replica left",
      "Deployment",
      deployment(
        { replicas: 1 },
        { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 },
      ),
      /1 old replica\(s\) still running/,
    ],
    ["a missing object", "Deployment", undefined, /Deployment stat101\/hub does not exist/],
    [
      "a StatefulSet mid-rollout",
      "StatefulSet",
      {
        ...deployment(
          { replicas: 1 },
          {
            observedGeneration: 2,
            replicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            currentRevision: "drive-1",
            updateRevision: "drive-2",
          },
        ),
        kind: "StatefulSet",
      },
      /rolling out revision drive-2/,
    ],
    [
      "a StatefulSet whose pod is not ready",
      "StatefulSet",
      {
        ...deployment({ replicas: 1 }, { observedGeneration: 2, replicas: 1, updatedReplicas: 1 }),
        kind: "StatefulSet",
      },
      /0 of 1 replicas ready/,
    ],
    [
      "a Pending claim",
      "PersistentVolumeClaim",
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "hub" },
        status: { phase: "Pending" },
      },
      /is Pending, not Bound/,
    ],
    [
      "a Bound claim",
      "PersistentVolumeClaim",
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "hub" },
        status: { phase: "Bound" },
      },
      undefined,
    ],
  ];
  for (const [title, kind, live, want] of cases) {
    it(title, () => {
      const reason = notReadyReason(ref(kind, "hub"), live);
      if (want) assert.match(reason ?? "(ready)", want);
      else assert.equal(reason, undefined);
    });
  }
});

describe("why pods do not run", () => {
  it("quotes the scheduler's message and a waiting container's reason", () => {
    const pods = [
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "hub-1" },
        status: {
          phase: "Pending",
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/4 nodes are available: 4 Insufficient cpu.",
            },
          ],
        },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "proxy-1" },
        status: {
          phase: "Running",
          containerStatuses: [
            {
              name: "chp",
              state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s" } },
            },
          ],
        },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "fine-1" },
        status: {
          phase: "Running",
          containerStatuses: [{ name: "c", ready: true, state: { running: {} } }],
        },
      },
    ] as unknown as KubeObject[];
    assert.deepEqual(podProblems(pods), [
      "pod hub-1 cannot be scheduled: 0/4 nodes are available: 4 Insufficient cpu.",
      "pod proxy-1: container chp is waiting: CrashLoopBackOff: back-off 5m0s",
    ]);
  });
});

describe("why a claim is not bound", () => {
  it("quotes the latest event about it", () => {
    const event = (name: string, time: string, reason: string, message: string) =>
      ({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${name}.${time}`, namespace: "stat101" },
        involvedObject: { kind: "PersistentVolumeClaim", name, namespace: "stat101" },
        reason,
        message,
        lastTimestamp: time,
      }) as KubeObject;
    const events = [
      event("hub-db-dir", "2026-12-05T06:31:00Z", "ProvisioningFailed", "volume limit reached"),
      event(
        "hub-db-dir",
        "2026-12-05T06:30:00Z",
        "WaitForFirstConsumer",
        "waiting for first consumer",
      ),
      event("other", "2026-12-05T06:32:00Z", "X", "not this claim"),
    ];
    assert.deepEqual(
      claimProblems(
        [ref("PersistentVolumeClaim", "hub-db-dir"), ref("PersistentVolumeClaim", "quiet")],
        events,
      ),
      ["PersistentVolumeClaim stat101/hub-db-dir: ProvisioningFailed: volume limit reached"],
    );
  });
});

describe("what apply waits for", () => {
  it("the release's Deployments, StatefulSets and claims and hubfleet's own, never the placeholders", () => {
    const released = parseReleaseManifest(`---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hub, labels: {component: hub}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: user-placeholder, labels: {component: user-placeholder}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: hub-db-dir}
---
apiVersion: v1
kind: Service
metadata: {name: hub}
---
`);
    const own: KubeObject[] = [
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "drive", namespace: "stat101" },
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "stat101" } },
    ];
    assert.deepEqual(
      waitTargets(own, released, "stat101").map((r) => `${r.kind} ${r.namespace}/${r.name}`),
      [
        "StatefulSet stat101/drive",
        "Deployment stat101/hub",
        "PersistentVolumeClaim stat101/hub-db-dir",
      ],
    );
  });
});

describe("--timeout", () => {
  it("takes Go durations and refuses the rest", () => {
    assert.equal(parseTimeout("10m"), 600_000);
    assert.equal(parseTimeout("1h30s"), 3_630_000);
    for (const bad of ["10", "ten minutes", "0s", "-5m"]) {
      assert.throws(() => parseTimeout(bad), UsageError, bad);
    }
  });
  it("reads back in messages", () => {
    assert.deepEqual(
      [formatDuration(600_000), formatDuration(90_000), formatDuration(3_630_000)],
      ["10m", "1m30s", "1h30s"],
    );
  });
});

describe("the hubs' write slots", () => {
  it("never run more than the limit at once, and run every function in order", async () => {
    const slot = limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const tick = () => new Promise((r) => setImmediate(r));
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        slot(async () => {
          started.push(i);
          running += 1;
          most = Math.max(most, running);
          await tick();
          await tick();
          running -= 1;
        }),
      ),
    );
    assert.equal(most, 2);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  });
});
