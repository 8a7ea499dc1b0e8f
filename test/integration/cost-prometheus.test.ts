/**
 * `hubfleet cost` against a real Prometheus server (scripts/prometheus-build, promtool's
 * version) holding six recorded hours of March 2024 (the series of cost-promtool's fixture,
 * written as OpenMetrics and loaded with `promtool tsdb create-blocks-from openmetrics`), and the
 * rendered cost rules evaluated over them, once a minute, by `promtool tsdb create-blocks-from
 * rules` against that server. Prometheus does not evaluate recording rules over the past, and
 * the backfiller does not let a rule see the rules before it in its group, so the rules are
 * backfilled level by level (a rule's level: one more than the earlier rules it reads),
 * restarting Prometheus after each level so it loads the new blocks. Then
 * `hubfleet cost --month 2024-03 --prometheus URL` must print the dollars worked out by hand
 * (test/fixtures/promtool/cost-expected.ts), the same the promtool test checks.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { simBinary } from "../../sim/binaries.js";
import { type ControlPlane, startControlPlane } from "../../sim/index.js";
import { PROMETHEUS_PORT, PROMETHEUS_SERVICE } from "../../src/apply/prometheusQuery.js";
import type { CostReport } from "../../src/capacity/costReport.js";
import { kubePortFromConfig } from "../../src/ports/kube.js";
import { costRuleGroups, type RecordingRule } from "../../src/render/tools/costRules.js";
import { TOOLS_NAMESPACE } from "../../src/vocabulary/namespaces.js";
import { bob, sixHours } from "../fixtures/promtool/cost-expected.js";
import { COST_HOURS, costSeries } from "../fixtures/promtool/cost-series.js";
import { prometheusBinary } from "../goTools.js";
import { editedExample, fleetFrom, proxyableAddress, runCli } from "../helpers.js";

/** Minute 0 of the recorded series: 2024-03-02 00:00 UTC. */
const START = Date.UTC(2024, 2, 2) / 1000;
/** The backfilled rules are evaluated every minute, as promtool's test evaluates them. */
const EVAL_INTERVAL = "1m";
const LOOKBACK_MINUTES = 5;

const work = mkdtempSync(join(tmpdir(), "hubfleet-cost-prometheus-"));
const data = join(work, "data");
const fleetFile = join(work, "fleet.yaml");
// The example fleet with charge codes on two hubs (genomics-lab stays unassigned).
const fleetText = editedExample((doc) => {
  doc.setIn(["hubs", 0, "chargeCode"], "STAT-101-F26");
  doc.setIn(["hubs", 1, "chargeCode"], "CS-480-F26");
});
writeFileSync(fleetFile, fleetText);
const fleet = fleetFrom(fleetText);

let prometheus: ChildProcess | undefined;
let url = "";
let prometheusPort = 0;
/** The API server proxies only to a pod's address, never to loopback: the machine's own. */
const listenAddress = proxyableAddress();
/** promtool's series notation as the fixture uses it ("2x360", "0+30x180 stale") → values. */
function expand(values: string): number[] {
  const m = /^(-?[\d.e+]+?)(?:\+([\d.]+))?x(\d+)( stale)?$/.exec(values);
  assert.ok(m, `unexpected series notation ${values}`);
  const [start, inc, count] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3])];
  const samples = Array.from({ length: count + 1 }, (_, i) => start + inc * i);
  // A staleness marker cannot be written in OpenMetrics, and without one Prometheus sees a
  // series for its 5-minute lookback after the last sample. Ending the series 4 minutes early
  // makes it gone from the first minute after its end, as the marker does under promtool.
  return m[4] ? samples.slice(0, samples.length - LOOKBACK_MINUTES + 1) : samples;
}

/** The fixture as OpenMetrics: each metric's samples together, each series in time order. */
function openMetrics(): string {
  const byName = new Map<string, string[]>();
  for (const s of costSeries()) {
    const name = s.series.slice(0, s.series.indexOf("{"));
    // OpenMetrics drops empty label values; so does Prometheus on a scrape.
    const series = s.series.replace(/, [a-z_]+=""/g, "").replace(/\{[a-z_]+="", /, "{");
    const lines = byName.get(name) ?? [];
    expand(s.values).forEach((v, i) => {
      lines.push(`${series.replaceAll(", ", ",")} ${v} ${START + 60 * i}`);
    });
    byName.set(name, lines);
  }
  return `${[...byName.values()].flat().join("\n")}\n# EOF\n`;
}

/** Each rule's level: 1 + the highest level of the earlier rules of its group it reads. */
function ruleLevels(rules: readonly RecordingRule[]): number[] {
  const levels: number[] = [];
  rules.forEach((rule, i) => {
    let level = 1;
    for (let j = 0; j < i; j++) {
      const earlier = rules[j];
      if (earlier && new RegExp(`${earlier.record}\\b`).test(rule.expr)) {
        level = Math.max(level, (levels[j] ?? 1) + 1);
      }
    }
    levels.push(level);
  });
  return levels;
}

function promtool(args: string[]): string {
  const res = spawnSync(simBinary("promtool"), args, { encoding: "utf8", timeout: 300_000 });
  assert.equal(res.status, 0, `promtool ${args.join(" ")}\n${res.stdout}${res.stderr}`);
  return res.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startPrometheus(address = "127.0.0.1"): Promise<void> {
  const port = await freePort();
  url = `http://${address}:${port}`;
  prometheusPort = port;
  writeFileSync(join(work, "prometheus.yml"), "global: {}\n");
  const log = join(work, "prometheus.log");
  prometheus = spawn(
    prometheusBinary(),
    [
      `--config.file=${join(work, "prometheus.yml")}`,
      `--storage.tsdb.path=${data}`,
      "--storage.tsdb.retention.time=100y",
      `--web.listen-address=${address}:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  prometheus.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (prometheus.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Prometheus did not become ready (log ${log}):\n${stderr}`);
}

async function stopPrometheus(): Promise<void> {
  const p = prometheus;
  prometheus = undefined;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
  });
}

let setupError: unknown;
before(async () => {
  try {
    mkdirSync(data, { recursive: true });
    const om = join(work, "series.om");
    writeFileSync(om, openMetrics());
    promtool(["tsdb", "create-blocks-from", "openmetrics", om, data]);
    const rules = costRuleGroups(fleet).flatMap((g) => g.rules);
    const levels = ruleLevels(rules);
    const deepest = Math.max(...levels);
    // One group name and one file for every level: the backfiller evaluates a group at an
    // offset hashed from both, so every level lands on the same timestamps as the one before.
    const file = join(work, "cost.rules.yml");
    for (let level = 1; level <= deepest; level++) {
      await startPrometheus();
      const these = rules.filter((_, i) => levels[i] === level);
      writeFileSync(file, stringify({ groups: [{ name: "hubfleet.cost", rules: these }] }));
      const out = join(work, `rules-${level}`);
      promtool([
        "tsdb",
        "create-blocks-from",
        "rules",
        `--start=${START}`,
        `--end=${START + COST_HOURS * 3600}`,
        `--url=${url}`,
        `--eval-interval=${EVAL_INTERVAL}`,
        `--output-dir=${out}`,
        file,
      ]);
      await stopPrometheus();
      for (const block of readdirSync(out)) renameSync(join(out, block), join(data, block));
    }
    await startPrometheus(listenAddress);
  } catch (err) {
    setupError = err;
  }
});
after(async () => {
  await stopPrometheus();
  if (!process.env.KEEP_COST_WORK) rmSync(work, { recursive: true, force: true });
});

const ready = () => {
  if (setupError) throw setupError;
};

describe("hubfleet cost against a real Prometheus with recorded series", () => {
  it("prints the hand-computed dollars per hub and part (-o json)", async () => {
    ready();
    const r = await runCli([
      "cost",
      fleetFile,
      "--by",
      "hub",
      "--month",
      "2024-03",
      "--prometheus",
      url,
      "-o",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as CostReport;
    assert.equal(report.partial, false);
    assert.equal(report.from, "2024-03-01T00:00:00.000Z");
    const line = (hub: string) => report.groups.flatMap((g) => g.hubs).find((h) => h.hub === hub);
    const close = (got: number | undefined, want: number, what: string) =>
      assert.ok(
        got !== undefined && Math.abs(got - want) < 1e-9,
        `${what}: got ${got}, want ${want}`,
      );
    for (const [hub, key, parts] of [
      ["stat101", "stat", ["servers", "core", "storage", "shared", "placeholders"]],
      ["cs480", "cs", ["servers", "placeholders", "core", "storage", "shared"]],
    ] as const) {
      for (const part of parts)
        close(line(hub)?.parts[part], sixHours(key, part), `${hub} ${part}`);
    }
    // Bob's idle server: 6 h at 0.25 of a t3a.large.
    close(line("stat101")?.idle.usd, 6 * bob, "stat101 idle $");
    close(line("stat101")?.idle.serverHours, 6, "stat101 idle server-hours");
    assert.equal(line("stat101")?.idle.cullingTimeoutSeconds, fleet.hubs[0]?.culling.timeout);
    // Bob's one stretch: idle at every 5-minute instant of (0, 6 h], 72 samples. Past the
    // 3600 s timeout: 72 - 12 samples = 5 h; past 1800 s: 72 - 6 = 5.5 h; at 0.0188 $/h.
    assert.equal(line("stat101")?.idle.stretches, 1);
    assert.equal(line("stat101")?.idle.longestStretchHours, 6);
    const [atTimeout, atHalf] = line("stat101")?.idle.culledAfter ?? [];
    assert.equal(atTimeout?.timeoutSeconds, 3600);
    close(atTimeout?.serverHours, 5, "idle past 3600 s");
    close(atTimeout?.usd, 5 * bob, "$ idle past 3600 s");
    assert.equal(atHalf?.timeoutSeconds, 1800);
    close(atHalf?.usd, 5.5 * bob, "$ idle past 1800 s");
    assert.equal(line("cs480")?.idle.stretches, 0);
    // Charge codes: each hub under its own; genomics-lab (no code, no cost) under unassigned.
    assert.deepEqual(
      report.groups.map((g) => [g.chargeCode, g.hubs.map((h) => h.hub)]),
      [
        ["CS-480-F26", ["cs480"]],
        ["STAT-101-F26", ["stat101"]],
        ["unassigned", ["genomics-lab"]],
      ],
    );
    // Every dollar of the cluster is on a hub: 6 × (0.2256 + 0.008 + 0.016 + 0.004 + 0.1).
    close(report.totalUsd, 6 * (0.2256 + 0.008 + 0.016 + 0.004 + 0.1), "total");
  });

  it("prints the same in cents as text and CSV", async () => {
    ready();
    const base = ["cost", fleetFile, "--month", "2024-03", "--prometheus", url];
    const text = await runCli(base);
    assert.equal(text.code, 0, text.stderr);
    const total = (6 * (0.2256 + 0.008 + 0.016 + 0.004 + 0.1)).toFixed(2); // 2.12
    assert.match(text.stdout, new RegExp(`^total\\s+${total.replace(".", "\\.")}$`, "m"));
    assert.match(
      text.stdout,
      /stat101: 6\.0 idle server-hours, \$0\.11, in 1 stretch\(es\), the longest 6\.0 h; 5\.0 h \(\$0\.09\) of it past culling\.timeout 3600 s .*; stopping servers after 1800 s of idleness would have saved \$0\.10 \(5\.5 h\)$/m,
    );
    const csv = await runCli([...base, "-o", "csv"]);
    assert.equal(csv.code, 0, csv.stderr);
    const stat = csv.stdout.split("\n").find((l) => l.includes(",stat101,"));
    assert.equal(
      stat,
      `2024-03,STAT-101-F26,stat101,${sixHours("stat", "servers").toFixed(2)},0.00,${sixHours("stat", "core").toFixed(2)},${sixHours("stat", "storage").toFixed(2)},${sixHours("stat", "shared").toFixed(2)},${(["servers", "core", "storage", "shared"] as const).reduce((a, p) => a + sixHours("stat", p), 0).toFixed(2)},${(6 * bob).toFixed(2)},6.0,3600`,
    );
  });

  it("a month without cost series gives zeros and says why", async () => {
    ready();
    const r = await runCli(["cost", fleetFile, "--month", "2024-02", "--prometheus", url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no hubfleet:hub_cost_usd_per_hour for 2024-02/);
    assert.match(r.stdout, /^total\s+0\.00$/m);
  });

  it("reaches Prometheus through the API server's Service proxy by default", async () => {
    ready();
    const cp: ControlPlane = await startControlPlane();
    try {
      const kube = kubePortFromConfig({ kubeconfig: cp.kubeconfigPath });
      await kube.apply({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: TOOLS_NAMESPACE },
      });
      // kube-prometheus-stack's Service, its endpoint the Prometheus above behind a pod that
      // nothing runs (kwok's pods run no containers), as nfs-home-usage reaches node_exporter.
      await kube.apply({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: PROMETHEUS_SERVICE, namespace: TOOLS_NAMESPACE },
        spec: { ports: [{ name: PROMETHEUS_PORT, port: 9090, protocol: "TCP" }] },
      });
      await kube.create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "prometheus-0", namespace: TOOLS_NAMESPACE },
        spec: { nodeName: "no-node", containers: [{ name: "prometheus", image: "not-pulled" }] },
      });
      await cp.client.call(
        "PATCH",
        `/api/v1/namespaces/${TOOLS_NAMESPACE}/pods/prometheus-0/status`,
        {
          body: { status: { podIP: listenAddress, podIPs: [{ ip: listenAddress }] } },
          contentType: "application/merge-patch+json",
        },
      );
      await kube.apply({
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: PROMETHEUS_SERVICE, namespace: TOOLS_NAMESPACE },
        subsets: [
          {
            addresses: [
              {
                ip: listenAddress,
                targetRef: { kind: "Pod", name: "prometheus-0", namespace: TOOLS_NAMESPACE },
              },
            ],
            ports: [{ name: PROMETHEUS_PORT, port: prometheusPort, protocol: "TCP" }],
          },
        ],
      });
      const r = await runCli([
        "cost",
        fleetFile,
        "--month",
        "2024-03",
        "--kubeconfig",
        cp.kubeconfigPath,
        "-o",
        "json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /using context/);
      const report = JSON.parse(r.stdout) as CostReport;
      const stat = report.groups.flatMap((g) => g.hubs).find((h) => h.hub === "stat101");
      assert.ok(
        stat && Math.abs(stat.parts.servers - sixHours("stat", "servers")) < 1e-9,
        r.stdout,
      );
    } finally {
      await cp.stop();
    }
  });

  it("an unreachable Prometheus is a clear error, not a stack trace", async () => {
    ready();
    const r = await runCli([
      "cost",
      fleetFile,
      "--month",
      "2024-03",
      "--prometheus",
      "http://127.0.0.1:1",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no answer from Prometheus/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  });
});
