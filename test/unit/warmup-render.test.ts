/**
 * The rendered warm-up (KEDA ScaledObject, cron triggers) against sessionClock: KEDA's own clock
 * cannot be injected, so its cron rule is evaluated here (robfig/cron's "next time after now" in
 * the trigger's zone; active while the next end comes before the next start, as KEDA's cron
 * scaler decides) at every 5 minutes of the weeks around both daylight saving changes, and must
 * agree with the schedule's windows and levels. Also the KEDA release and the bundle.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime } from "luxon";
import { planNodes } from "../../src/capacity/model.js";
import {
  hubWarmUps,
  renderFleetWithWarmUp,
  wantedPlaceholders,
} from "../../src/capacity/warmup.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { weeklyCron } from "../../src/render/hub/warmUp.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom } from "../helpers.js";

/** The next instant strictly after `now` that "M H * * d,d" names in `zone` (robfig's Next). */
function cronNext(expr: string, zone: string, now: Date): number {
  const [m, h, , , dows] = expr.split(" ");
  const days = new Set((dows ?? "").split(",").map(Number));
  const local = DateTime.fromJSDate(now, { zone }).startOf("day");
  for (let d = 0; d < 9; d++) {
    const day = local.plus({ days: d });
    if (!days.has(day.weekday % 7)) continue;
    const at = day.set({ hour: Number(h), minute: Number(m), second: 0, millisecond: 0 });
    if (at.toMillis() > now.getTime()) return at.toMillis();
  }
  throw new Error(`no next time for ${expr}`);
}

interface Trigger {
  name: string;
  metadata: { timezone: string; start: string; end: string; desiredReplicas: string };
}

/** What KEDA's cron scaler (and the HPA taking the largest metric) makes of the triggers. */
function kedaReplicas(spec: { minReplicaCount: number; triggers: Trigger[] }, now: Date): number {
  const active = spec.triggers.filter((t) => {
    const { timezone, start, end } = t.metadata;
    return cronNext(end, timezone, now) < cronNext(start, timezone, now);
  });
  return Math.max(spec.minReplicaCount, ...active.map((t) => Number(t.metadata.desiredReplicas)));
}

function fleetWith(zone: string, schedule: unknown[], placeholders = 4): FleetModel {
  return fleetFrom(
    editedExample((d) => {
      d.setIn(["hubDefaults", "timeZone"], zone);
      d.setIn(["hubs", 0, "schedule"], schedule);
      d.setIn(["hubs", 0, "placeholders"], placeholders);
    }),
  );
}

function scaledObject(fleet: FleetModel) {
  const m = renderFleetWithWarmUp(fleet).manifests.find(
    (x) => x.object.kind === "ScaledObject" && x.hub === fleet.hubs[0]?.name,
  );
  assert.ok(m, "the hub has a ScaledObject");
  return m.object as unknown as {
    metadata: { namespace: string };
    spec: {
      minReplicaCount: number;
      maxReplicaCount: number;
      scaleTargetRef: { kind: string; name: string };
      triggers: Trigger[];
    };
  };
}

/** Every 5 minutes of [from, to): KEDA's level equals the schedule's wanted level. */
function agreeOver(fleet: FleetModel, from: string, to: string): number {
  const hub = fleet.hubs[0];
  assert.ok(hub);
  const nodes = planNodes(fleet);
  const plan = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  )[0];
  assert.ok(plan);
  const so = scaledObject(fleet);
  let warm = 0;
  for (let t = Date.parse(from); t < Date.parse(to); t += 5 * 60_000) {
    const now = new Date(t);
    const want: number = wantedPlaceholders(hub, plan, now).placeholders;
    assert.equal(kedaReplicas(so.spec, now), want, `at ${now.toISOString()}`);
    if (want > plan.idle) warm++;
  }
  return warm;
}

describe("warm-up triggers follow the schedule's local time across DST", () => {
  const schedule = [
    { days: ["mon", "wed"], start: "09:00", end: "10:30" },
    { days: ["sun"], start: "08:00", end: "09:00", users: 40 },
  ];
  const la = fleetWith("America/Los_Angeles", schedule);

  it("renders the warm-up start and the session end as local cron times in the hub's zone", () => {
    const so = scaledObject(la);
    assert.equal(so.metadata.namespace, "stat101");
    assert.deepEqual(so.spec.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      name: "user-placeholder",
    });
    assert.equal(so.spec.minReplicaCount, 4);
    assert.deepEqual(
      so.spec.triggers.map((t) => [t.metadata.start, t.metadata.end, t.metadata.timezone]),
      [
        ["30 8 * * 1,3", "30 10 * * 1,3", "America/Los_Angeles"],
        ["30 7 * * 0", "0 9 * * 0", "America/Los_Angeles"],
      ],
    );
  });

  it("spring forward (2026-03-08, a Sunday session that day): same levels every 5 minutes", () => {
    const warm = agreeOver(la, "2026-03-05T00:00:00Z", "2026-03-13T00:00:00Z");
    assert.ok(warm > 0, "some moments are warm");
  });

  it("fall back (2026-11-01): same levels every 5 minutes", () => {
    const warm = agreeOver(la, "2026-10-29T00:00:00Z", "2026-11-06T00:00:00Z");
    assert.ok(warm > 0);
  });

  it("a southern-hemisphere zone (Sydney, April and October changes) agrees too", () => {
    const syd = fleetWith("Australia/Sydney", schedule);
    assert.ok(agreeOver(syd, "2026-04-02T00:00:00Z", "2026-04-09T00:00:00Z") > 0);
    assert.ok(agreeOver(syd, "2026-10-01T00:00:00Z", "2026-10-08T00:00:00Z") > 0);
  });

  it("a warm-up that starts the day before (00:15 session) and a session to 24:00", () => {
    const night = fleetWith("Europe/Berlin", [
      { days: ["mon"], start: "00:15", end: "01:00" },
      { days: ["sat"], start: "22:00", end: "24:00" },
    ]);
    const so = scaledObject(night);
    assert.deepEqual(
      so.spec.triggers.map((t) => [t.metadata.start, t.metadata.end]),
      [
        ["45 23 * * 0", "0 1 * * 1"],
        ["30 21 * * 6", "0 0 * * 0"],
      ],
    );
    // Berlin changes on 2026-03-29 and 2026-10-25, both Sundays.
    assert.ok(agreeOver(night, "2026-03-26T00:00:00Z", "2026-04-02T00:00:00Z") > 0);
    assert.ok(agreeOver(night, "2026-10-22T00:00:00Z", "2026-10-29T00:00:00Z") > 0);
  });
});

describe("weeklyCron", () => {
  it("wraps days around the week both ways", () => {
    assert.equal(weeklyCron(["sun"], -30), "30 23 * * 6");
    assert.equal(weeklyCron(["sat"], 1440), "0 0 * * 0");
    assert.equal(weeklyCron(["mon", "fri"], 9 * 60 + 5), "5 9 * * 1,5");
  });
});

describe("what the bundle holds", () => {
  it("no ScaledObject and no KEDA release for a fleet whose hubs do not warm up", () => {
    const off = fleetFrom(
      editedExample((d) => {
        d.setIn(["hubDefaults", "warmUp"], { enabled: false });
      }),
    );
    const bundle = renderFleetWithWarmUp(off);
    assert.equal(bundle.manifests.filter((m) => m.object.kind === "ScaledObject").length, 0);
    assert.equal(bundle.tools.filter((t) => t.name === "keda").length, 0);
  });

  it("tools.keda.enabled: false turns the warm-up off", () => {
    const off = fleetFrom(editedExample((d) => d.setIn(["tools", "keda"], { enabled: false })));
    const bundle = renderFleetWithWarmUp(off);
    assert.equal(bundle.manifests.filter((m) => m.object.kind === "ScaledObject").length, 0);
  });

  it("the KEDA release, pinned, on the tools nodes; ScaledObjects after each hub's release", () => {
    const fleet = fleetFrom(editedExample(() => {}));
    const bundle = renderFleetWithWarmUp(fleet);
    const keda = bundle.tools.find((t) => t.name === "keda");
    assert.equal(keda?.release.chart.version, "2.21.0");
    assert.deepEqual(keda?.release.values.nodeSelector, {
      "hubfleet.io/node-group": "clustertools",
    });
    const hub = bundle.hubs.find((h) => h.name === "stat101");
    const so = hub?.manifests.find((m) => m.object.kind === "ScaledObject");
    assert.equal(so?.phase, "after-release");
    assert.ok(bundle.manifests.includes(so as never));
    // The plain render has everything else, unchanged.
    assert.equal(renderFleet(fleet).manifests.length + 2, bundle.manifests.length);
  });

  it("a hub with 0 idle placeholders that warms up still gets its placeholder StatefulSet", () => {
    const zero = fleetWith("UTC", [{ days: ["mon"], start: "09:00", end: "10:00" }], 0);
    const values = renderFleet(zero).hubs[0]?.release.values as {
      scheduling: { userPlaceholder: { enabled: boolean; replicas: number } };
    };
    assert.deepEqual(values.scheduling.userPlaceholder, {
      ...values.scheduling.userPlaceholder,
      enabled: true,
      replicas: 0,
    });
    assert.equal(scaledObject(zero).spec.minReplicaCount, 0);
  });
});
