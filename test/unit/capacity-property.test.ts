/**
 * Properties of plan-capacity over random fleets: more users never yield fewer user nodes at
 * peak, fewer node-hours, or a smaller monthly bill. (A larger guarantee can: first-fit
 * decreasing is not monotone in pod sizes; see src/capacity/binpack.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { lowerBound, packNodes } from "../../src/capacity/binpack.js";
import { type CapacityPlan, planCapacity } from "../../src/capacity/plan.js";
import { SHIPPED_PRICES } from "../../src/capacity/prices.js";
import { fleetFrom } from "../helpers.js";

interface HubShape {
  cpuMillis: number;
  memoryMiB: number;
  users: number;
  placeholders: number;
  /** A weekly session (users then apply during it only), or none (users all week). */
  session: { day: "mon" | "tue"; start: number; hours: number } | null;
}

const hubShape: fc.Arbitrary<HubShape> = fc.record({
  // Below a user node's room (1895m, 7420Mi): a pod that fits nowhere is a warning, not a node.
  cpuMillis: fc.integer({ min: 2, max: 37 }).map((n) => n * 50),
  memoryMiB: fc.integer({ min: 1, max: 56 }).map((n) => n * 128),
  users: fc.integer({ min: 0, max: 40 }),
  placeholders: fc.integer({ min: 0, max: 3 }),
  session: fc.option(
    fc.record({
      day: fc.constantFrom("mon" as const, "tue" as const),
      start: fc.integer({ min: 8, max: 14 }),
      hours: fc.integer({ min: 1, max: 3 }),
    }),
    { nil: null },
  ),
});

const hh = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

function fleetText(hubs: readonly HubShape[]): string {
  return stringify({
    apiVersion: "hubfleet/v1alpha1",
    kind: "Fleet",
    cluster: {
      name: "propfleet",
      region: "us-east-1",
      nodeGroups: { jhusers: { instanceType: "t3a.large", minSize: 0, maxSize: 30 } },
    },
    domain: { host: "hubs.example.edu", routing: "subdomain" },
    tools: { ingress: { enabled: false }, backups: { enabled: false } },
    hubDefaults: {
      authenticator: { type: "github", clientId: "x", clientSecret: { secretName: "s" } },
    },
    hubs: hubs.map((h, i) => ({
      name: `hub${i}`,
      placeholders: h.placeholders,
      resources: {
        cpu: { guarantee: `${h.cpuMillis}m`, limit: "2" },
        memory: { guarantee: `${h.memoryMiB}Mi`, limit: "7Gi" },
      },
      ...(h.session
        ? {
            schedule: [
              {
                days: [h.session.day],
                start: hh(h.session.start),
                end: hh(h.session.start + h.session.hours),
                users: h.users,
              },
            ],
          }
        : { peakUsers: h.users }),
    })),
  });
}

const capacity = (hubs: readonly HubShape[]): CapacityPlan =>
  planCapacity(fleetFrom(fleetText(hubs)), { prices: SHIPPED_PRICES });
const users = (p: CapacityPlan) => p.groups.find((g) => g.name === "jhusers");

function assertNoLess(before: CapacityPlan, after: CapacityPlan): void {
  assert.ok((users(after)?.peak.needed ?? 0) >= (users(before)?.peak.needed ?? 0), "peak nodes");
  assert.ok((users(after)?.nodeHoursPerWeek ?? 0) >= (users(before)?.nodeHoursPerWeek ?? 0));
  assert.ok((after.cost?.totalUsd ?? 0) >= (before.cost?.totalUsd ?? 0), "monthly cost");
}

const fleets = fc.array(hubShape, { minLength: 1, maxLength: 3 });

describe("plan-capacity properties", () => {
  it("more users never yield fewer nodes at peak, nor a smaller bill", () => {
    fc.assert(
      fc.property(fleets, fc.nat(), fc.integer({ min: 1, max: 15 }), (hubs, pick, more) => {
        const i = pick % hubs.length;
        const grown = hubs.map((h, j) => (j === i ? { ...h, users: h.users + more } : h));
        assertNoLess(capacity(hubs), capacity(grown));
      }),
      { numRuns: 60 },
    );
  });
  it("one more pod never packs onto fewer nodes, and never below the lower bound", () => {
    const node = { cpuMillis: 1000, memoryMiB: 1000, pods: 20 };
    const batch = fc.record({
      count: fc.integer({ min: 0, max: 15 }),
      request: fc.record({
        cpuMillis: fc.integer({ min: 10, max: 1000 }),
        memoryMiB: fc.integer({ min: 10, max: 1000 }),
      }),
    });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 4 }), fc.nat(), (list, pick) => {
        const batches = list.map((b, i) => ({ ...b, key: `h${i}` }));
        const i = pick % batches.length;
        const grown = batches.map((b, j) => (j === i ? { ...b, count: b.count + 1 } : b));
        const before = packNodes(node, batches).nodes;
        assert.ok(packNodes(node, grown).nodes >= before);
        assert.ok(before >= lowerBound(node, batches).nodes);
      }),
      { numRuns: 1000 },
    );
  });
});
