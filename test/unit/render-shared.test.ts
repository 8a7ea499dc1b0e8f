/**
 * The fleet's shared parts: one user-scheduler, one image puller and one set of priority classes
 * for every hub, whatever their number; the hubs' values point at them; and each hub's fixed
 * cost (plan-capacity's footprint) counted from the rendered bundle.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { hubFootprint } from "../../src/capacity/footprint.js";
import { planCapacity } from "../../src/capacity/plan.js";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { renderFleet } from "../../src/render/index.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { exampleFleet, fleetFrom, runCli } from "../helpers.js";

type Hub = Record<string, unknown>;

function fleetText(hubs: Hub[]): string {
  return JSON.stringify({
    apiVersion: "hubfleet/v1alpha1",
    kind: "Fleet",
    cluster: {
      name: "sharedfleet",
      region: "us-east-1",
      nodeGroups: { jhusers: { instanceType: "t3a.large", minSize: 0, maxSize: 60 } },
    },
    domain: { host: "hubs.example.edu", routing: "subdomain" },
    tools: {
      ingress: { enabled: false },
      autoscaler: { enabled: false },
      monitoring: { enabled: false },
      backups: { enabled: false },
    },
    hubDefaults: {
      authenticator: { type: "github", clientId: "x", clientSecret: { secretName: "s" } },
    },
    hubs,
  });
}

/** The course hub: 10 students, one Monday class, no placeholders. */
const course = (i: number, extra: Hub = {}): Hub => ({
  name: `course${i}`,
  expectedUsers: 10,
  schedule: [{ days: ["mon"], start: "10:00", end: "11:30" }],
  resources: { cpu: { guarantee: "1", limit: "2" }, memory: { guarantee: "2Gi", limit: "4Gi" } },
  ...extra,
});
const courses = (n: number) => Array.from({ length: n }, (_, i) => course(i));

const sharedObjects = (hubs: Hub[]): KubeObject[] =>
  renderFleet(fleetFrom(fleetText(hubs))).sharedManifests.map((m) => m.object);
const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const podSpec = (o: KubeObject | undefined) =>
  (o as { spec: { template: { spec: Record<string, unknown> } } } | undefined)?.spec.template.spec;

describe("shared parts: once per fleet", () => {
  it("renders one scheduler, one puller and three priority classes for 1 hub and for 30", () => {
    for (const n of [1, 30]) {
      const objects = sharedObjects(courses(n));
      assert.equal(byKind(objects, "Deployment").length, 1, `${n} hubs`);
      assert.equal(byKind(objects, "DaemonSet").length, 1, `${n} hubs`);
      assert.deepEqual(
        byKind(objects, "PriorityClass").map((o) => [o.metadata.name, o.value]),
        [
          ["hubfleet-default-priority", 0],
          ["hubfleet-image-puller-priority", -5],
          ["hubfleet-user-placeholder-priority", -10],
        ],
      );
      // Nothing of it belongs to a hub.
      assert.ok(objects.every((o) => o.metadata.labels?.["hubfleet.io/hub"] === undefined));
    }
  });
  it("keeps every hub's own scheduler, pullers and priority classes off, pointing at the fleet's", () => {
    const bundle = renderFleet(fleetFrom(fleetText(courses(3))));
    const configMap = byKind(
      bundle.sharedManifests.map((m) => m.object),
      "ConfigMap",
    )[0] as KubeObject & { data: Hub };
    const config = parse(String(configMap.data["config.yaml"]));
    const profile = config.profiles[0];
    for (const release of bundle.hubs.map((h) => h.release)) {
      const v = release.values as {
        hub: { config: { KubeSpawner: Hub } };
        scheduling: Record<string, Hub>;
        prePuller: Record<string, Hub>;
      };
      assert.equal(v.scheduling.userScheduler?.enabled, false);
      assert.equal(v.scheduling.podPriority?.enabled, false);
      assert.equal(v.prePuller.continuous?.enabled, false);
      assert.equal(v.hub.config.KubeSpawner.scheduler_name, profile.schedulerName);
      assert.equal(
        (v.scheduling.userPlaceholder?.extraPodSpec as Hub | undefined)?.schedulerName,
        profile.schedulerName,
      );
    }
  });
  it("configures the scheduler to pack (MostAllocated) with a leader elected by Lease, two replicas on the core group", () => {
    const objects = sharedObjects(courses(2));
    const configMap = byKind(objects, "ConfigMap")[0] as KubeObject & { data: Hub };
    const config = parse(String(configMap.data["config.yaml"]));
    assert.equal(config.kind, "KubeSchedulerConfiguration");
    assert.deepEqual(config.leaderElection, {
      leaderElect: true,
      resourceLock: "leases",
      resourceName: "hubfleet-user-scheduler-lock",
      resourceNamespace: "hubfleet-shared",
    });
    const fit = config.profiles[0].pluginConfig.find((p: Hub) => p.name === "NodeResourcesFit");
    assert.equal(fit.args.scoringStrategy.type, "MostAllocated");
    assert.deepEqual(config.profiles[0].plugins.score.disabled[0], {
      name: "NodeResourcesBalancedAllocation",
    });
    const deployment = byKind(objects, "Deployment")[0] as KubeObject & { spec: Hub };
    assert.equal(deployment.spec.replicas, 2);
    const spec = podSpec(deployment) as Hub;
    assert.match(JSON.stringify(spec.affinity), /"values":\["jhcontrolplane"\]/);
    // The scheduler of the cluster's own minor (the fleet's default, 1.34).
    assert.match(JSON.stringify(spec.containers), /kube-scheduler:v1\.34\.\d+/);
  });
  it("pulls the union of the hubs' images on the user nodes, most users first, deterministically", () => {
    const hubs = [
      course(0, { image: { name: "example.org/small", tag: "1" } }),
      course(1, { expectedUsers: 50, image: { name: "example.org/big", tag: "2" } }),
      course(2, { expectedUsers: 50, image: { name: "example.org/big", tag: "2" } }),
      course(3, { image: { name: "example.org/small", tag: "1" } }),
    ];
    const puller = byKind(sharedObjects(hubs), "DaemonSet")[0];
    const spec = podSpec(puller) as {
      initContainers: { name: string; image: string; resources: Hub }[];
      tolerations: Hub[];
      priorityClassName: string;
      affinity: unknown;
    };
    assert.deepEqual(
      spec.initContainers.map((c) => [c.name, c.image]),
      [
        // The network tools image starts every user pod (100 + 20 users), then big (100), small (20).
        ["pull-0", "quay.io/jupyterhub/k8s-network-tools:4.4.0"],
        ["pull-1", "example.org/big:2"],
        ["pull-2", "example.org/small:1"],
      ],
    );
    assert.deepEqual(spec.tolerations, [
      { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" },
    ]);
    assert.match(JSON.stringify(spec.affinity), /"values":\["jhusers"\]/);
    assert.equal(spec.priorityClassName, "hubfleet-image-puller-priority");
    assert.deepEqual(spec.initContainers[0]?.resources, {
      requests: { cpu: "1m", memory: "8Mi" },
    });
    // Same fleet, hubs in another order: the same puller.
    const again = byKind(sharedObjects([...hubs].reverse()), "DaemonSet")[0];
    assert.deepEqual(podSpec(again)?.initContainers, spec.initContainers);
  });
  it("pulls each hub's network tools image of its own chart version (data/z2jh/)", () => {
    const hubs = [
      course(0, { expectedUsers: 50 }),
      course(1, { chart: { version: "4.3.3" }, image: { name: "example.org/big", tag: "2" } }),
    ];
    const puller = byKind(sharedObjects(hubs), "DaemonSet")[0];
    const spec = podSpec(puller) as { initContainers: { image: string }[]; containers: Hub[] };
    const images = spec.initContainers.map((c) => c.image);
    assert.ok(images.includes("quay.io/jupyterhub/k8s-network-tools:4.4.0"), String(images));
    assert.ok(images.includes("quay.io/jupyterhub/k8s-network-tools:4.3.3"), String(images));
    assert.equal(spec.containers[0]?.image, "registry.k8s.io/pause:3.10.1");
  });
});

describe("per-hub footprint, from the rendered bundle", () => {
  it("is hub, proxy and drive on the core group, nothing per user node, for every hub of the example", () => {
    const fleet = exampleFleet();
    const footprint = hubFootprint(fleet, renderFleet(fleet));
    for (const hub of footprint.hubs) {
      assert.deepEqual(
        hub.core.parts.map((p) => p.name),
        [`${hub.hub}/hub`, `${hub.hub}/proxy`, `${hub.hub}/drive`],
      );
      // z2jh sets no requests for hub and proxy; the drive asks for its three containers (Ganesha, metrics, home usage) 120m and 304Mi.
      assert.deepEqual(
        [hub.core.pods, hub.core.cpuMillis, hub.core.memoryMiB],
        [3, 120, 304],
        hub.hub,
      );
      assert.equal(hub.userIdle.podsPerNode, 0, hub.hub);
    }
    assert.deepEqual(
      footprint.shared
        .filter((p) => !p.name.startsWith("fleet/dataset-"))
        .map((p) => [p.name, p.group, p.pods, p.perNode]),
      [
        ["fleet/user-scheduler", "jhcontrolplane", 2, false],
        ["fleet/image-puller", "jhusers", 1, true],
      ],
    );
  });
  it("counts a hub's own scheduler and puller when its extraValues turn them back on", () => {
    const fleet = fleetFrom(
      fleetText([
        course(0),
        course(1, {
          extraValues: {
            scheduling: { userScheduler: { enabled: true } },
            prePuller: { continuous: { enabled: true } },
          },
        }),
      ]),
    );
    const [plain, own] = hubFootprint(fleet, renderFleet(fleet)).hubs;
    assert.equal(plain?.core.pods, 3);
    assert.equal(own?.core.pods, 5);
    assert.equal(plain?.userIdle.podsPerNode, 0);
    assert.equal(own?.userIdle.podsPerNode, 1);
  });
  it("leaves the same room on a user node for 10, 20 and 30 course hubs (the issue's fleets)", () => {
    const rooms = [10, 20, 30].map((n) => {
      const p = planCapacity(fleetFrom(fleetText(courses(n))), { prices: SHIPPED_PRICES });
      const users = p.groups.find((g) => g.name === "jhusers");
      return { pods: users?.room.pods, peak: users?.peak.needed };
    });
    // t3a.large: 35 pods less aws-node, kube-proxy, ebs-csi-node and the one puller.
    assert.deepEqual(
      rooms.map((r) => r.pods),
      [31, 31, 31],
    );
    // Each 1-CPU user takes a node of its own: 10 users per hub.
    assert.deepEqual(
      rooms.map((r) => r.peak),
      [100, 200, 300],
    );
  });
  it("is printed by plan-capacity, as text and in -o json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-footprint-"));
    writeFileSync(join(dir, "fleet.yaml"), fleetText(courses(2)));
    const text = await runCli(["plan-capacity", "fleet.yaml"], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^course0\s+3 \(hub, proxy, drive\)\s+120m 304Mi\s+0\s+0$/m);
    assert.match(
      text.stdout,
      /^ {2}fleet\/user-scheduler: 2 pods on jhcontrolplane \(50m 128Mi each\)$/m,
    );
    assert.match(text.stdout, /^ {2}fleet\/image-puller: 1 pod on every jhusers node/m);
    const json = await runCli(["plan-capacity", "fleet.yaml", "-o", "json"], dir);
    const footprint = JSON.parse(json.stdout).footprint;
    assert.equal(footprint.hubs[1].hub, "course1");
    assert.equal(footprint.hubs[1].core.pods, 3);
    assert.equal(footprint.hubs[1].userIdle.podsPerNode, 0);
  });
});
