/**
 * A drive's pinned ClusterIP taken by another Service (the API server hands out random
 * addresses in the same range): apply stops before writing anything, naming the holder, the
 * fleet-file field to pin and a free address; pinning it makes the next apply succeed. On the real
 * kube-apiserver, which is what refuses the address.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ControlPlane } from "../../sim/index.js";
import { AddressTakenError } from "../../src/apply/addressTaken.js";
import { applyFleet } from "../../src/apply/engine.js";
import { driveClusterIP } from "../../src/fleet/addresses.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom, REPO } from "../helpers.js";
import { standinCharts, startFleetCluster, writeVeleroCredentialsStandIn } from "../simFleet.js";

const example = fleetFrom(editedExample(() => {}));
const charts = standinCharts(example);
const HUB = example.hubs[0]?.name ?? "";

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

const apply = (fleet: FleetModel) =>
  applyFleet({ kube, helm }, fleet, renderFleet(fleet), {
    fleetDir: REPO,
    charts,
    concurrency: 3,
    onlyHubs: [HUB],
    wait: false,
  });

describe("a drive address another Service already holds", { timeout: 600_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(example));
    await writeVeleroCredentialsStandIn(kube, example);
  });
  after(async () => {
    await cp?.stop();
  });

  it("stops before writing, naming the holder, the field to pin and a free address; pinning it works", async () => {
    const derived = driveClusterIP(example, example.hubs[0] as FleetModel["hubs"][number]);
    await kube.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "squatter", namespace: "default" },
      spec: { clusterIP: derived, ports: [{ port: 80 }] },
    });

    // Stopped before writing anything: the hub's volume (a PersistentVolume naming the address,
    // which cannot change once made) is not created with an address the drive cannot have.
    const refused = await apply(example).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(refused instanceof AddressTakenError, String(refused));
    const message = refused.message;
    assert.match(message, /^apply stopped before writing anything/);
    assert.match(
      message,
      new RegExp(
        `hubs\\[name=${HUB}\\]\\.drive\\.clusterIP: ${derived.replaceAll(".", "\\.")} \\(Service ${HUB}/drive\\) is held by Service default/squatter`,
      ),
    );
    const suggested = /pin a free address, e\.g\. ([0-9.]+)/.exec(message)?.[1];
    assert.ok(suggested, message);
    assert.notEqual(suggested, derived);
    const volume = await kube.get({
      apiVersion: "v1",
      kind: "PersistentVolume",
      name: `hubfleet-${HUB}-drive`,
    });
    assert.equal(volume, undefined, "nothing was written");

    const pinned = fleetFrom(
      editedExample((d) => d.setIn(["hubs", 0, "drive", "clusterIP"], suggested)),
    );
    const second = await apply(pinned);
    assert.equal(second.hubs.find((o) => o.hub === HUB)?.result, "applied");
    const drive = (await kube.get({
      apiVersion: "v1",
      kind: "Service",
      namespace: HUB,
      name: "drive",
    })) as { spec?: { clusterIP?: string } } | undefined;
    assert.equal(drive?.spec?.clusterIP, suggested);
  });
});
