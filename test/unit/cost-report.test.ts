/**
 * The cost report's pure parts: the month window, putting Prometheus' sums on hubs and charge
 * codes, the CSV, reading Prometheus' answers, and validate's charge-code warning.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseVector } from "../../src/apply/prometheusQuery.js";
import { costQueries, monthWindow } from "../../src/capacity/costQueries.js";
import { buildCostReport, costCsv, idleLines } from "../../src/capacity/costReport.js";
import { idleStretches } from "../../src/capacity/idleStretches.js";
import { UsageError } from "../../src/errors.js";
import { parseFleet } from "../../src/fleet/load.js";
import { EXAMPLE, editedExample, runCli } from "../helpers.js";

describe("month window", () => {
  const now = new Date("2026-12-05T15:37:12Z");
  it("a past month is whole: first instant to the next month's first", () => {
    const w = monthWindow("2026-11", now);
    assert.equal(new Date(w.start * 1000).toISOString(), "2026-11-01T00:00:00.000Z");
    assert.equal(new Date(w.end * 1000).toISOString(), "2026-12-01T00:00:00.000Z");
    assert.equal(w.partial, false);
  });
  it("this month ends now, cut to the 5-minute step", () => {
    const w = monthWindow(undefined, now);
    assert.equal(w.month, "2026-12");
    assert.equal(new Date(w.end * 1000).toISOString(), "2026-12-05T15:35:00.000Z");
    assert.equal(w.partial, true);
  });
  it("the query sums each 5-minute sample as 5/60 h over exactly the month", () => {
    const q = costQueries(monthWindow("2026-02", now));
    assert.equal(
      q.parts,
      "sum by (namespace, part) (sum_over_time(hubfleet:hub_cost_usd_per_hour[2419200s:300s])) * 300 / 3600",
    );
    assert.equal(q.time, Date.UTC(2026, 2, 1) / 1000);
  });
  for (const bad of ["2026-13", "26-11", "2026-1", "november"]) {
    it(`refuses --month ${bad} with a hint`, () => {
      assert.throws(
        () => monthWindow(bad, now),
        (e: unknown) => e instanceof UsageError && /YYYY-MM/.test(e.hint ?? ""),
      );
    });
  }
  it("refuses a month that has not started", () => {
    assert.throws(() => monthWindow("2027-01", now), /has not started/);
  });
});

describe("report", () => {
  const window = monthWindow("2026-11", new Date("2026-12-05T00:00:00Z"));
  const s = (namespace: string, value: number, part?: string) => ({
    labels: { namespace, ...(part ? { part } : {}) },
    value,
  });
  const report = buildCostReport({
    window,
    hubs: [
      { name: "stat101", chargeCode: "STAT-101", cullingTimeoutSeconds: 3600 },
      { name: "stat102", chargeCode: "STAT-101", cullingTimeoutSeconds: 1800 },
      { name: "cs480", cullingTimeoutSeconds: 3600 },
      { name: "quiet", chargeCode: "LAB-7", cullingTimeoutSeconds: 3600 },
    ],
    parts: [
      s("stat101", 10, "servers"),
      s("stat101", 2, "core"),
      s("stat101", 1.5, "shared"),
      s("stat102", 4, "servers"),
      s("cs480", 7, "servers"),
      s("cs480", Number.NaN, "shared"), // a rule that divided by nothing: left out
      s("old-hub", 3, "storage"), // deleted during the month
      s("stat101", 99, "bogus"), // not a part: left out
    ],
    idleUsd: [s("stat101", 1.25), s("cs480", 0)],
    idleHours: [s("stat101", 20), s("cs480", 0)],
  });

  it("groups hubs by charge code, unassigned last, every fleet hub listed", () => {
    assert.deepEqual(
      report.groups.map((g) => [g.chargeCode, g.hubs.map((h) => h.hub), g.totalUsd]),
      [
        ["LAB-7", ["quiet"], 0],
        ["STAT-101", ["stat101", "stat102"], 13.5 + 4],
        ["unassigned", ["cs480", "old-hub"], 7 + 3],
      ],
    );
    assert.equal(report.totalUsd, 27.5);
  });
  it("marks a namespace the fleet no longer has", () => {
    const old = report.groups.flatMap((g) => g.hubs).find((h) => h.hub === "old-hub");
    assert.equal(old?.inFleet, false);
    assert.equal(old?.idle.cullingTimeoutSeconds, undefined);
  });
  it("writes one CSV line per hub, in cents", () => {
    const lines = costCsv(report).trimEnd().split("\n");
    assert.equal(
      lines[0],
      "month,charge_code,hub,servers_usd,placeholders_usd,core_usd,storage_usd,shared_usd,total_usd,idle_usd,idle_server_hours,culling_timeout_seconds",
    );
    assert.equal(
      lines[2],
      "2026-11,STAT-101,stat101,10.00,0.00,2.00,0.00,1.50,13.50,1.25,20.0,3600",
    );
    assert.equal(lines.length, 1 + 5);
  });
  it("names idle cost with the hub's culling setting", () => {
    const lines = idleLines(report);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? "",
      /^stat101: 20\.0 idle server-hours, \$1\.25; none of it past culling\.timeout 3600 s$/,
    );
  });
});

describe("idle stretches", () => {
  const step = 300;
  const at = (minute: number) => 1_000_000 * step + minute * 60;
  /** A server idle at these minutes (multiples of 5), at `usd` per hour. */
  const server = (pod: string, minutes: number[], usd: number) => ({
    labels: { namespace: "stat101", pod },
    points: minutes.map((m) => [at(m), usd] as const),
  });
  const range = (from: number, to: number) =>
    Array.from({ length: (to - from) / 5 + 1 }, (_, i) => from + 5 * i);
  // ann: idle 2 h straight (24 samples), then busy, then idle 20 min (4 samples);
  // bob: idle 45 min (9 samples).
  const stretches = idleStretches(
    [
      server("jupyter-ann", [...range(5, 120), ...range(200, 215)], 0.6),
      server("jupyter-bob", range(5, 45), 1.2),
    ],
    step,
    () => 3600,
  ).get("stat101");

  it("splits each server's samples into unbroken runs", () => {
    assert.equal(stretches?.stretches, 3);
    assert.equal(stretches?.longestHours, 2);
  });
  it("counts what lies past the timeout, and past half of it", () => {
    // past 3600 s (12 samples): ann's first run only, 24 - 12 = 12 samples = 1 h at $0.6
    assert.deepEqual(stretches?.culledAfter[0], { timeoutSeconds: 3600, serverHours: 1, usd: 0.6 });
    // past 1800 s (6 samples): ann 24 - 6 = 18 (1.5 h at $0.6), bob 9 - 6 = 3 (0.25 h at $1.2)
    const half = stretches?.culledAfter[1];
    assert.equal(half?.timeoutSeconds, 1800);
    assert.equal(half?.serverHours, 1.75);
    assert.ok(Math.abs((half?.usd ?? 0) - (1.5 * 0.6 + 0.25 * 1.2)) < 1e-12);
  });
});

describe("Prometheus' answers", () => {
  it("reads a vector", () => {
    const text = JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { namespace: "a" }, value: [1, "0.5"] }] },
    });
    assert.deepEqual(parseVector(text, "p"), [{ labels: { namespace: "a" }, value: 0.5 }]);
  });
  it("passes Prometheus' own error on", () => {
    const text = JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error" });
    assert.throws(() => parseVector(text, "p"), /parse error/);
  });
  it("says when the answer is not Prometheus'", () => {
    assert.throws(() => parseVector("<html>", "p"), /not Prometheus' JSON/);
  });
});

describe("charge codes in validate", () => {
  const warningsOf = (text: string) =>
    parseFleet(text, "f.yaml").problems.filter(
      (p) => p.severity === "warning" && /chargeCode/.test(p.message),
    );
  it("warns when some hubs have a charge code and others do not", () => {
    const text = editedExample((doc) => doc.setIn(["hubs", 0, "chargeCode"], "STAT-101"));
    const w = warningsOf(text);
    assert.equal(w.length, 1);
    assert.match(w[0]?.message ?? "", /cs480, genomics-lab have none.*"unassigned"/);
    assert.equal(w[0]?.path, "hubs[1]");
  });
  it("is quiet when every hub has one, or none has", () => {
    const all = editedExample((doc) => {
      for (const i of [0, 1, 2]) doc.setIn(["hubs", i, "chargeCode"], `C-${i}`);
    });
    assert.deepEqual(warningsOf(all), []);
    assert.deepEqual(warningsOf(editedExample(() => {})), []);
  });
});

describe("prices for the cost rules in validate", () => {
  const priceWarnings = (text: string) =>
    parseFleet(text, "f.yaml").problems.filter(
      (p) => p.severity === "warning" && /price table has no on-demand price/.test(p.message),
    );
  it("is quiet for the example (t3a.medium and t3a.large in us-west-2)", () => {
    assert.deepEqual(priceWarnings(editedExample(() => {})), []);
  });
  it("warns, per node group, when the region has no price for its type", () => {
    const region = "xx-test-1";
    const text = editedExample((doc) => {
      doc.setIn(["cluster", "region"], region);
      doc.setIn(["cluster", "availabilityZones"], [`${region}a`, `${region}b`]);
      doc.deleteIn(["cluster", "podCIDR"]);
      doc.deleteIn(["cluster", "podSubnets"]);
      doc.setIn(["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"], `${region}a`);
    });
    const found = priceWarnings(text);
    assert.deepEqual(
      found.map((w) => w.path),
      [
        "cluster.nodeGroups.clustertools.instanceType",
        "cluster.nodeGroups.jhcontrolplane.instanceType",
        "cluster.nodeGroups.jhusers.instanceType",
      ],
      JSON.stringify(parseFleet(text, "f.yaml").problems.filter((p) => p.severity === "error")),
    );
  });
});

describe("hubfleet cost refuses bad options before asking anyone", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["another grouping", ["--by", "team"], /--by team is not a grouping[\s\S]*use --by hub/],
    ["an output format it lacks", ["-o", "yaml"], /unknown output format "yaml"[\s\S]*-o csv/],
    [
      "a month that is not one",
      ["--month", "2026-13"],
      /--month 2026-13 is not a month[\s\S]*YYYY-MM/,
    ],
    ["a Prometheus URL that is not http", ["--prometheus", "ftp://x"], /not an http\(s\) URL/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const r = await runCli(["cost", EXAMPLE, ...args]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.equal(r.stdout, "");
    });
  }
});
