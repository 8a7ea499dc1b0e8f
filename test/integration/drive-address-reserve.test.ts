/**
 * The fleet-wide address step: every drive Service about to be created takes its pinned address
 * before any release or tool, so no Service the API server addresses at random can take it first.
 *
 * Made certain on the real kube-apiserver: it hands out random addresses from the upper part of
 * the service range first and from the lower part (the first 32 addresses of a /23) only when
 * the upper part is full. The test fills the upper part with Services, leaving free only the two
 * drives' pinned addresses. Without the address step the first release's or tool's Service
 * takes one of them (there is nothing else free up there) and that drive fails.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ControlPlane } from "../../sim/index.js";
import { applyFleet } from "../../src/apply/engine.js";
import type { ApplyEvent } from "../../src/apply/hubApply.js";
import type { HelmPort } from "../../src/ports/helm.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { formatIPv4, parseCidr, parseIPv4 } from "../../src/vocabulary/addresses.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { editedExample, fleetFrom, REPO } from "../helpers.js";
import { standinCharts, startFleetCluster, writeVeleroCredentialsStandIn } from "../simFleet.js";

const RANGE = "10.100.0.0/23";
/** The kube-apiserver's lower band for a /23: 512 / 16 addresses (used only when the rest is full). */
const LOWER_BAND = 32;
const PINNED = ["10.100.1.200", "10.100.1.201"];

const fleet = fleetFrom(
  editedExample((d) => {
    d.setIn(["cluster", "serviceCIDR"], RANGE);
    d.setIn(["hubs", 0, "drive", "clusterIP"], PINNED[0]);
    d.setIn(["hubs", 1, "drive", "clusterIP"], PINNED[1]);
  }),
);
const HUBS = fleet.hubs.slice(0, 2).map((h) => h.name);

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;

const addressOf = (s: KubeObject) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP;

describe("drive addresses are taken before any release", { timeout: 900_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(fleet));
    await writeVeleroCredentialsStandIn(kube, fleet);
  });
  after(async () => {
    await cp?.stop();
  });

  it("with the upper range full but for the drives' addresses, both drives get theirs", async () => {
    const range = parseCidr(RANGE);
    assert.ok(range);
    // Left free too: every address this apply pins (its data set servers' as well). A hub
    // left out of the apply (genomics-lab) gets its drive address filled like any other: left
    // free, it is the one free random address and a release's Service may take it (it did once
    // in a full run), which is not the collision this test is about.
    const pinned = renderFleet(fleet)
      .manifests.map((m) => m.object)
      .filter((o) => o.kind === "Service")
      .filter(
        (o) =>
          !fleet.hubs.some((h) => h.name === o.metadata.namespace) ||
          HUBS.includes(o.metadata.namespace ?? ""),
      )
      .map(addressOf);
    const taken = new Set([...(await kube.list("v1", "Service")).map(addressOf), ...pinned]);
    const fill: string[] = [];
    for (let i = LOWER_BAND; i < range.size - 1; i++) {
      const ip = formatIPv4(range.base + i);
      if (!taken.has(ip)) fill.push(ip);
    }
    for (let i = 0; i < fill.length; i += 16) {
      await Promise.all(
        fill.slice(i, i + 16).map((ip) =>
          kube.create({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: `fill-${ip.replaceAll(".", "-")}`, namespace: "default" },
            spec: { clusterIP: ip, ports: [{ port: 80 }] },
          }),
        ),
      );
    }

    const events: ApplyEvent[] = [];
    const report = await applyFleet({ kube, helm }, fleet, renderFleet(fleet), {
      fleetDir: REPO,
      charts: standinCharts(fleet),
      concurrency: 1,
      onlyHubs: HUBS,
      wait: false,
      onEvent: (e) => {
        if ("type" in e) events.push(e as ApplyEvent);
      },
    });

    for (const hub of HUBS) {
      const outcome = report.hubs.find((o) => o.hub === hub);
      assert.equal(outcome?.result, "applied", `${hub}: ${outcome?.error ?? ""}`);
    }
    for (const [i, hub] of HUBS.entries()) {
      const drive = await kube.get({
        apiVersion: "v1",
        kind: "Service",
        namespace: hub,
        name: "drive",
      });
      assert.equal(drive && addressOf(drive), PINNED[i], `${hub}/drive`);
    }
    const reserved = events.find((e) => e.type === "addresses-reserved");
    assert.deepEqual(
      reserved?.type === "addresses-reserved" ? reserved.services : undefined,
      HUBS.map((h) => `${h}/drive`).sort(),
    );
    // The scenario held: the releases' Services (random addresses) found the upper part full.
    for (const hub of HUBS) {
      const proxy = await kube.get({
        apiVersion: "v1",
        kind: "Service",
        namespace: hub,
        name: "proxy-api",
      });
      const ip = parseIPv4((proxy && addressOf(proxy)) ?? "");
      assert.ok(
        ip !== undefined && ip - range.base < LOWER_BAND,
        `${hub}/proxy-api at ${proxy && addressOf(proxy)}`,
      );
    }
  });
});
