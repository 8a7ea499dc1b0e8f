/**
 * Rollouts on the test control plane: canaries first, waves gated by `hubfleet check`, a halt
 * that leaves later hubs alone, `helm rollback` of a failed wave, the change freeze, and plan's
 * version change and rollout order. The check is the real one, against real JupyterHubs
 * (test/hub/realHub.ts) restarted from each release's installed values after every wave, as
 * the hub pod would restart. Stand-ins, named: the z2jh chart (test/fixtures/charts/z2jh-standin,
 * copied here in two versions that differ only in Chart.yaml's version) with its values glue,
 * and one local listener for the notebook servers (kwok runs no containers).
 *
 * A hub fails its check honestly: its servers ask for more memory than any node has, so the
 * real scheduler leaves them Pending and KubeSpawner gives up (as in real-hub.test.ts).
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Document } from "yaml";
import type { ControlPlane } from "../../sim/index.js";
import type { ApplyOptions } from "../../src/apply/engine.js";
import { checkFleet } from "../../src/check/fleetCheck.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { HelmPort } from "../../src/ports/helm.js";
import { fetchHubHttp } from "../../src/ports/hubHttp.js";
import type { KubePort } from "../../src/ports/kube.js";
import { renderFleet } from "../../src/render/index.js";
import { fleetFrom, runCli } from "../helpers.js";
import {
  LOOPBACK_POD_CIDR,
  type RealHub,
  startRealHub,
  startUserServersStandIn,
  type UserServersStandIn,
} from "../hub/realHub.js";
import { applier, fleetFile, STANDIN, scenarioFleetText } from "../safetyHelpers.js";
import { startFleetCluster } from "../simFleet.js";

// biome-ignore lint/suspicious/noExplicitAny: reading JSON output
type Any = any;

const HUBS = ["can", "wtwo", "wthree"] as const;

/** The stand-in chart at another version: a copy with only Chart.yaml's version changed. */
function standinAt(version: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hubfleet-rollout-chart-")), "jupyterhub");
  cpSync(STANDIN, dir, { recursive: true });
  const chartYaml = join(dir, "Chart.yaml");
  writeFileSync(
    chartYaml,
    readFileSync(chartYaml, "utf8").replace(/^version: .*$/m, `version: ${version}`),
  );
  return dir;
}
const OLD = "4.3.2";
const NEW = "4.4.1-rollout-test";
const oldChart = new Map([["jupyterhub", standinAt(OLD)]]);
const newChart = new Map([["jupyterhub", standinAt(NEW)]]);
const NEWER = "4.4.2-rollout-test";
const newerChart = standinAt(NEWER);

/** More memory than any node has: the server never schedules, the spawn fails. */
const TOO_BIG = 64 * 2 ** 30;

/** Three hubs, canary first then waves of one; `broken` hubs' servers cannot start. */
function fleetText(broken: readonly string[] = [], edit: (d: Document) => void = () => {}) {
  return scenarioFleetText("rollout", HUBS, (d) => {
    d.deleteIn(["domain", "tls"]);
    d.set("rollout", d.createNode({ canary: ["can"], waves: 1 }));
    for (const [i, hub] of HUBS.entries()) {
      // A short start timeout: KubeSpawner gives up on the unschedulable server within the test.
      const singleuser: Record<string, unknown> = { startTimeout: 15 };
      if (broken.includes(hub)) singleuser.memory = { guarantee: TOO_BIG, limit: TOO_BIG };
      d.setIn(["hubs", i, "extraValues"], d.createNode({ singleuser }));
    }
    edit(d);
  });
}
const healthy = fleetFrom(fleetText());

let cp: ControlPlane;
let kube: KubePort;
let helm: HelmPort;
let servers: UserServersStandIn;
const running = new Map<string, RealHub>();

/**
 * The gate apply calls after each wave: each hub's JupyterHub restarted from the values now
 * installed (what a new hub pod would read), then hubfleet's own check against it.
 */
const gate = (fleet: FleetModel) => async (hubs: readonly string[]) => {
  for (const hub of hubs) {
    await running.get(hub)?.stop();
    running.set(hub, await startRealHub({ controlPlane: cp, release: hub, userServers: servers }));
  }
  const urls = new Map(hubs.map((h) => [h, running.get(h)?.url ?? ""]));
  const result = await checkFleet({ kube, http: fetchHubHttp() }, fleet, {
    hubs,
    urls,
    readyTimeoutMs: 60_000,
  });
  return result.records;
};

const apply = (fleet: FleetModel, options: Partial<ApplyOptions> = {}) =>
  applier(() => ({ cp, kube, helm }), newChart)(fleet, {
    // Only the chart's directory differs between the runs; the rendered state may not.
    force: true,
    ...(fleet.rollout ? { rollout: fleet.rollout, check: gate(fleet) } : {}),
    ...options,
  });

/** A hub's release as helm lists it: its revision and chart. */
const live = async (hub: string) => {
  const release = (await helm.listAll()).find((r) => r.namespace === hub && r.name === hub);
  assert.ok(release, `release ${hub}`);
  return { revision: release.revision, chart: `${release.chartName}-${release.chartVersion}` };
};

const cli = (...args: string[]) =>
  runCli([...args, "--kubeconfig", cp.kubeconfigPath, "--helm", `${cp.binDir}/helm`]);

describe("rollout in waves gated by hubfleet check", { timeout: 1_200_000 }, () => {
  before(async () => {
    ({ cp, kube, helm } = await startFleetCluster(healthy, { podCidr: LOOPBACK_POD_CIDR }));
    servers = await startUserServersStandIn();
    // Every hub at the old version, healthy, all at once (no rollout, no gate).
    const first = await applier(
      () => ({ cp, kube, helm }),
      oldChart,
    )(fleetFrom(fleetText([], (d) => d.delete("rollout"))));
    assert.deepEqual(
      first.hubs.map((h) => [h.hub, h.result, h.error]),
      HUBS.map((h) => [h, "applied", undefined]),
    );
    assert.equal(first.rollout, undefined);
    for (const hub of HUBS) assert.equal((await live(hub)).chart, `jupyterhub-${OLD}`);
  });
  after(async () => {
    for (const h of running.values()) await h.stop();
    await servers?.stop();
    await cp?.stop();
  });

  it("plan shows each hub's chart version change (live -> rendered) and the rollout order, also in -o json", async () => {
    const rendered = renderFleet(healthy).releases.find((r) => r.hub === "can")?.chart.version;
    assert.ok(rendered && rendered !== OLD, "the rendered version differs from the installed one");
    const file = fleetFile(fleetText());
    const json = await cli("plan", file, "-o", "json");
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as Any;
    assert.deepEqual(
      out.rollout.versions,
      HUBS.map((hub) => ({ hub, from: `jupyterhub-${OLD}`, to: `jupyterhub-${rendered}` })),
    );
    assert.deepEqual(
      out.rollout.waves.map((w: Any) => [w.number, w.canary, w.hubs]),
      [
        [1, true, ["can"]],
        [2, false, ["wtwo"]],
        [3, false, ["wthree"]],
      ],
    );
    const text = await cli("plan", file, "--canary", "wthree");
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      new RegExp(`^  wtwo: jupyterhub-${OLD} -> jupyterhub-${rendered}$`, "m"),
    );
    assert.match(
      text.stdout,
      /^rollout, each wave checked before the next: canary: wthree; wave 2: can; wave 3: wtwo$/m,
    );
    const unknown = await cli("plan", file, "--canary", "nosuch");
    assert.equal(unknown.code, 1, unknown.stdout);
    assert.match(unknown.stderr, /--canary nosuch: names no hub/);
  });

  it("the canary fails its check: the rollout halts and no other hub is upgraded", async () => {
    const before = { wtwo: await live("wtwo"), wthree: await live("wthree") };
    const report = await apply(fleetFrom(fleetText(["can"])));
    const rollout = report.rollout;
    assert.ok(rollout);
    assert.equal(rollout.halted?.wave, 1);
    assert.deepEqual(rollout.halted?.hubs, ["can"]);
    assert.match(rollout.halted?.message ?? "", /^can: check failed: server ready: Spawn failed/);
    assert.deepEqual(rollout.notReached, ["wtwo", "wthree"]);
    assert.deepEqual(rollout.rolledBack, []);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result]),
      [["can", "applied"]],
    );
    assert.equal(report.failed, 1);
    // The others: same revision, old chart.
    assert.deepEqual(await live("wtwo"), before.wtwo);
    assert.deepEqual(await live("wthree"), before.wthree);
    assert.deepEqual(report.versions, [
      { hub: "can", chart: `jupyterhub-${NEW}` },
      { hub: "wtwo", chart: `jupyterhub-${OLD}` },
      { hub: "wthree", chart: `jupyterhub-${OLD}` },
    ]);
  });

  it("the canary passes, wave 2 fails: wave 3 is untouched; rollback restores wave 2's previous revision and check passes", async () => {
    const before = { wtwo: await live("wtwo"), wthree: await live("wthree") };
    const report = await apply(fleetFrom(fleetText(["wtwo"])), { rollbackOnFailure: true });
    const rollout = report.rollout;
    assert.ok(rollout);
    assert.deepEqual(
      rollout.checks.map((c) => [c.hub, c.ok]),
      [
        ["can", true],
        ["wtwo", false],
      ],
    );
    assert.equal(rollout.halted?.wave, 2);
    assert.deepEqual(rollout.notReached, ["wthree"]);
    assert.deepEqual(rollout.rolledBack, [
      { hub: "wtwo", revision: before.wtwo.revision, ok: true },
    ]);
    // wave 3: not touched.
    assert.deepEqual(await live("wthree"), before.wthree);
    // wave 2: a new revision (the rollback) that runs the old chart with the old values.
    const now = await live("wtwo");
    assert.equal(now.chart, before.wtwo.chart);
    assert.equal(now.revision, before.wtwo.revision + 2);
    const values = (await helm.getValues("wtwo", "wtwo")) as Any;
    assert.equal(values.singleuser.memory?.guarantee === TOO_BIG, false);
    const history = await helm.history("wtwo", "wtwo");
    assert.match(history[history.length - 1]?.description ?? "", /Rollback to/);
    assert.deepEqual(report.versions, [
      { hub: "can", chart: `jupyterhub-${NEW}` },
      { hub: "wtwo", chart: `jupyterhub-${OLD}` },
      { hub: "wthree", chart: `jupyterhub-${OLD}` },
    ]);
    // The rolled-back hub's record is forgotten: the next apply does not take it for unchanged.
    const state = (await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: "wtwo",
      name: "hubfleet-state",
    })) as Any;
    assert.equal(state?.data?.hash ?? "", "");
  });

  it("a hub in class (clock injected) is skipped with the session named; the others go on; --during-class overrides with a warning", async () => {
    // wthree has class Mondays 09:00–10:30 in Los Angeles; 2026-12-07 17:10 UTC is 09:10 there.
    const inClass = fleetFrom(
      fleetText([], (d) => {
        d.delete("rollout");
        d.setIn(["hubs", 2, "timeZone"], "America/Los_Angeles");
        d.setIn(
          ["hubs", 2, "schedule"],
          d.createNode([{ days: ["mon"], start: "09:00", end: "10:30", users: 2 }]),
        );
      }),
    );
    const now = () => new Date("2026-12-07T17:10:00Z");
    const before = await live("wthree");
    const report = await apply(inClass, { now });
    assert.deepEqual(report.skipped, [
      {
        hub: "wthree",
        reason: "in class: hubs[name=wthree].schedule[0] (Mon 09:00–10:30 America/Los_Angeles)",
      },
    ]);
    assert.deepEqual(
      report.hubs.map((h) => [h.hub, h.result]),
      [
        ["can", "applied"],
        ["wtwo", "applied"],
      ],
    );
    assert.deepEqual(await live("wthree"), before);
    assert.equal((await live("wtwo")).chart, `jupyterhub-${NEW}`);

    const forced = await apply(inClass, { now, duringClass: true, onlyHubs: ["wthree"] });
    assert.deepEqual(forced.skipped, []);
    assert.deepEqual(
      forced.hubs.map((h) => [h.hub, h.result]),
      [["wthree", "applied"]],
    );
    assert.match(forced.warnings[0] ?? "", /^wthree was changed in class: hubs\[name=wthree\]/);
    assert.equal((await live("wthree")).chart, `jupyterhub-${NEW}`);
  });

  it("the CLI: apply --canary replaces the file's canaries, each wave checked through --url, the summary lists the versions", async () => {
    // The values stay the healthy fleet's (only the chart's version moves), so the hubs started
    // now from the installed values are what the upgraded hub pods would run.
    for (const hub of HUBS) {
      await running.get(hub)?.stop();
      running.set(
        hub,
        await startRealHub({ controlPlane: cp, release: hub, userServers: servers }),
      );
    }
    const urls = HUBS.flatMap((h) => ["--url", `${h}=${running.get(h)?.url}`]);
    const r = await cli(
      "apply",
      fleetFile(fleetText()),
      "--force",
      "--canary",
      "wtwo",
      "--chart-dir",
      `jupyterhub=${newerChart}`,
      "--check-timeout",
      "60s",
      ...urls,
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^\[rollout\] canary: wtwo$/m);
    assert.match(r.stdout, /^\[rollout\] wave 2: can$/m);
    assert.match(r.stdout, /^\[rollout\] wave 3: wthree$/m);
    assert.equal(r.stdout.match(/^\[rollout\] (canary|wave \d) check: ok$/gm)?.length, 3);
    // The canary's check ran before the next wave started.
    assert.ok(
      r.stdout.indexOf("[rollout] canary check: ok") < r.stdout.indexOf("[rollout] wave 2: can"),
    );
    assert.match(r.stdout, /^chart versions:$/m);
    for (const hub of HUBS) {
      assert.match(r.stdout, new RegExp(`^  ${hub}: jupyterhub-${NEWER}$`, "m"));
      assert.equal((await live(hub)).chart, `jupyterhub-${NEWER}`);
    }
  });
});
