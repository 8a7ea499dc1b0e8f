/**
 * Properties of plan-capacity over random fleets: more users, or a larger guarantee, never
 * yield fewer user nodes at peak, and never a smaller monthly bill.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
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
  it("keeps the case first-fit decreasing got wrong: a larger guarantee, fewer nodes", () => {
    const hub = (memoryMiB: number, users: number, placeholders: number): HubShape => ({
      cpuMillis: 100,
      memoryMiB,
      users,
      placeholders,
      session: null,
    });
    const before = capacity([hub(3328, 2, 0), hub(256, 19, 2)]);
    const after = capacity([hub(3712, 2, 0), hub(256, 19, 2)]);
    assert.equal(users(before)?.peak.needed, 3);
    assertNoLess(before, after);
  });
  it("more users never yield fewer nodes at peak, nor a smaller bill", () => {
    fc.assert(
      fc.property(fleets, fc.nat(), fc.integer({ min: 1, max: 15 }), (hubs, pick, more) => {
        const i = pick % hubs.length;
        const grown = hubs.map((h, j) => (j === i ? { ...h, users: h.users + more } : h));
        assertNoLess(capacity(hubs), capacity(grown));
      }),
      { numRuns: 40 },
    );
  });
  it("a larger guarantee never yields fewer nodes at peak, nor a smaller bill", () => {
    fc.assert(
      fc.property(
        fleets,
        fc.nat(),
        fc.constantFrom("cpuMillis" as const, "memoryMiB" as const),
        fc.integer({ min: 1, max: 10 }),
        (hubs, pick, resource, steps) => {
          const i = pick % hubs.length;
          const step = resource === "cpuMillis" ? 50 : 128;
          // Below a user node's room (1895m, 7420Mi): a pod that fits nowhere is a warning, not a node.
          const ceiling = resource === "cpuMillis" ? 1850 : 7168;
          const grown = hubs.map((h, j) =>
            j === i ? { ...h, [resource]: Math.min(ceiling, h[resource] + steps * step) } : h,
          );
          assertNoLess(capacity(hubs), capacity(grown));
        },
      ),
      { numRuns: 40 },
    );
  });
});
