/**
 * Upgrading the hubs' z2jh chart from 4.3.3 to 4.4.0 by changing the fleet file, on the real
 * control plane with the z2jh stand-in chart (test/fixtures/charts/z2jh-standin, a named
 * stand-in) packaged at both versions (test/standinVersions.ts): every hub's release ends at
 * 4.4.0, its pods Ready (the hub rolled to the new version's image), and the claims holding user
 * data (the drive's PVC and PV, the hub database's PVC) are the very same objects (same uid).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { applier, scenarioFleet } from "../safetyHelpers.js";
import { startFleetCluster } from "../simFleet.js";
import { standinVersions } from "../standinVersions.js";

// biome-ignore lint/suspicious/noExplicitAny: reading live objects
type Any = any;

const HUBS = ["alpha", "beta", "gamma"];
const FROM = "4.3.3";
const TO = "4.4.0";

/** The scenario fleet with hubDefaults.chart.version set, as an operator would edit it. */
const fleetAt = (version: string): FleetModel =>
  scenarioFleet("upgrade", HUBS, (d) =>
    d.setIn(["hubDefaults", "chart"], d.createNode({ version })),
  );

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;
const apply = applier(() => ({ cp, kube, helm }), standinVersions([FROM, TO]));

/** Every claim in the hub's namespace and the volume bound to it: name → uids. */
async function claims(hub: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const pvc of (await kube.list("v1", "PersistentVolumeClaim", { namespace: hub })) as Any[]) {
    assert.equal(pvc.status?.phase, "Bound", `${hub}/${pvc.metadata.name}`);
    const pv = (await kube.get({
      apiVersion: "v1",
      kind: "PersistentVolume",
      name: pvc.spec.volumeName,
    })) as Any;
    out[`pvc/${pvc.metadata.name}`] = pvc.metadata.uid;
    out[`pv/${pv.metadata.name}`] = pv.metadata.uid;
  }
  return out;
}

/** The hub's pods, once none is terminating and every one is Ready. */
function readyPods(hub: string): Promise<Any[]> {
  return waitFor(
    `every pod of ${hub} Ready`,
    async () => {
      const pods = (await kube.list("v1", "Pod", { namespace: hub })) as Any[];
      const ready = (p: Any) =>
        !p.metadata.deletionTimestamp &&
        p.status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True");
      return pods.length > 0 && pods.every(ready) ? pods : undefined;
    },
    { timeoutMs: 120_000 },
  );
}

const releases = async () =>
  (await helm.listAll())
    .filter((r) => HUBS.includes(r.name))
    .map((r) => [r.name, r.chartVersion, r.status, r.revision])
    .sort();

const hubImage = (pods: Any[]) =>
  pods.find((p) => p.metadata.labels?.component === "hub")?.spec.containers[0].image;

describe("upgrading every hub's z2jh chart 4.3.3 → 4.4.0", { timeout: 900_000 }, () => {
  const before_: Record<string, Record<string, string>> = {};
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(fleetAt(FROM)));
  });
  after(async () => {
    await cp?.stop();
  });

  it(`applies the fleet at ${FROM}`, async () => {
    const report = await apply(fleetAt(FROM));
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.error]),
      HUBS.map((h) => [h, "applied", undefined]),
    );
    assert.deepEqual(
      await releases(),
      HUBS.map((h) => [h, FROM, "deployed", 1]),
    );
    for (const hub of HUBS) {
      assert.equal(hubImage(await readyPods(hub)), `registry.invalid/standin/hub:${FROM}`);
      before_[hub] = await claims(hub);
      // The drive's claim and volume, and the hub database's claim.
      const names = Object.keys(before_[hub] ?? {});
      assert.ok(names.includes("pvc/hub-db-dir"), `${hub}: ${names}`);
      assert.ok(names.filter((n) => n.startsWith("pvc/")).length >= 2, `${hub}: ${names}`);
    }
  });

  it(`upgrades every hub to ${TO} when the fleet file says so, keeping every claim and volume`, async () => {
    const report = await apply(fleetAt(TO));
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result, h.releaseUpgraded, h.error]),
      HUBS.map((h) => [h, "applied", true, undefined]),
    );
    assert.deepEqual(
      await releases(),
      HUBS.map((h) => [h, TO, "deployed", 2]),
    );
    for (const hub of HUBS) {
      assert.equal(hubImage(await readyPods(hub)), `registry.invalid/standin/hub:${TO}`);
      assert.deepEqual(await claims(hub), before_[hub], hub);
    }
  });

  it("leaves the upgraded fleet alone on the next apply", async () => {
    const report = await apply(fleetAt(TO));
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result]),
      HUBS.map((h) => [h, "unchanged"]),
    );
    assert.deepEqual(
      await releases(),
      HUBS.map((h) => [h, TO, "deployed", 2]),
    );
  });
});
