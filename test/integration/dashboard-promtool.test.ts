/**
 * Every PromQL expression of the fleet dashboard, judged by the real promtool (built with the
 * simulated control plane, see sim/binaries.ts): it parses as a recording rule, and over a
 * synthetic fleet (test/fixtures/promtool/fleet-series.ts) it returns exactly the series and
 * values written below, worked out by hand. A misspelt metric, label name or label value
 * yields other series or none, and fails; three negative controls prove the harness notices.
 *
 * Grafana's variables are filled in as Grafana would: $hub with two of the three hubs
 * ("(alpha|beta)", Grafana's regex for a multi-value selection), $__rate_interval 5m,
 * $__range 1h. Expressions are evaluated at 30m.
 *
 * Values are compared after round(…, 1/1024): rate()'s extrapolation factor
 * (sampled + gaps) / sampled / range is not exact in binary floating point. All expected
 * values are multiples of 1/1024, so the rounding hides nothing but that last-bit noise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { stringify } from "yaml";
import { simBinary } from "../../sim/binaries.js";
import { dashboardExpressions, renderFleetDashboard } from "../../src/render/dashboard/index.js";
import { fleetSeries, SELECTED_HUBS } from "../fixtures/promtool/fleet-series.js";
import { exampleFleet } from "../helpers.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const EVAL_TIME = "30m";
const ROUND_TO = 1 / 1024;

/** [labels as promtool writes them, value]. */
type Sample = readonly [string, number];

const hubs = (alpha: number, beta: number): Sample[] => [
  ['{namespace="alpha"}', alpha],
  ['{namespace="beta"}', beta],
];
const groups = (clustertools: number, jhcontrolplane: number, jhusers: number): Sample[] => [
  ['{label_hubfleet_io_node_group="clustertools"}', clustertools],
  ['{label_hubfleet_io_node_group="jhcontrolplane"}', jhcontrolplane],
  ['{label_hubfleet_io_node_group="jhusers"}', jhusers],
];

/** What each query must return, keyed "<panel title> / <refId>". gamma never counts. */
const EXPECTED: Record<string, readonly Sample[]> = {
  "Hubs reporting / A": [["{}", 2]],
  "Running servers / A": [["{}", 3 + 5]],
  "Active users (24h / 7d / 30d) / A": [["{}", 2 + 4]],
  "Active users (24h / 7d / 30d) / B": [["{}", 10 + 12]],
  "Active users (24h / 7d / 30d) / C": [["{}", 30 + 20]],
  "Running servers per hub / A": hubs(3, 5),
  "Users per hub / A": [
    ['{namespace="alpha", period="24h"}', 2],
    ['{namespace="alpha", period="7d"}', 10],
    ['{namespace="alpha", period="30d"}', 30],
    ['{namespace="beta", period="24h"}', 4],
    ['{namespace="beta", period="7d"}', 12],
    ['{namespace="beta", period="30d"}', 20],
  ],
  "Users per hub / B": hubs(40, 25),
  // Successful spawns per minute, cumulative at le 5/10/15/30/60: alpha 8/20/28/38/40,
  // beta 8/20/32/42/60, together 16/40/60/80/100 (failures and gamma left out).
  // p50: rank 50 in (10,15]: 10 + 5 * (50-40)/(60-40) = 12.5
  "Server spawn time (successful, last hour) / A": [["{}", 12.5]],
  // p90: rank 90 in (30,60]: 30 + 30 * (90-80)/(100-80) = 45
  "Server spawn time (successful, last hour) / B": [["{}", 45]],
  // p99: rank 99 in (30,60]: 30 + 30 * (99-80)/(100-80) = 58.5
  "Server spawn time (successful, last hour) / C": [["{}", 58.5]],
  // alpha rank 36 in (15,30]: 15 + 15 * (36-28)/(38-28) = 27;
  // beta rank 54 in (30,60]: 30 + 30 * (54-42)/(60-42) = 50
  "Server spawn time p90 per hub / A": hubs(27, 50),
  // 30 minutes of failures since the counters started at 0: per minute alpha failure 8,
  // throttled 4; beta failure 6 (no reason) + 10 (too-many-users), error 0.
  "Failed spawns per hour / A": [
    ['{namespace="alpha", status="failure"}', 8 * 30],
    ['{namespace="alpha", status="throttled"}', 4 * 30],
    ['{namespace="beta", status="error"}', 0],
    ['{namespace="beta", status="failure"}', (6 + 10) * 30],
  ],
  // (8 + 4 + 6 + 10) / (40 + 8 + 4 + 60 + 6 + 10) = 28 / 128
  "Failed spawn share / A": [["{}", 0.21875]],
  // alpha: jupyter-cat (user-placeholder-1 is no user server); beta: jupyter-eve, jupyter-fay
  "Pending user pods / A": hubs(1, 2),
  // cores: alpha ann 0.5 + bob 0.125 used, 0.5 + 0.25 requested (cat is not scheduled);
  // beta dan 0.5 used, 1 requested (eve and fay are not scheduled)
  "User server CPU (cores): used vs requested / A": hubs(0.625, 0.5),
  "User server CPU (cores): used vs requested / B": hubs(0.75, 1),
  "User server memory: working set vs requested / A": hubs(512 * MiB + 256 * MiB, 1536 * MiB),
  "User server memory: working set vs requested / B": hubs(GiB + 512 * MiB, 2 * GiB),
  "Nodes per group / A": groups(2, 2, 2),
  // requests of Pending/Running pods on a node / allocatable (2 cores, 4 or 8 GiB per node):
  // tools 0.5 + 0.25 (the Succeeded backup job not counted) of 4; core 4 x 0.25 of 4;
  // users 0.5 + 1 + 0.25 + 0.5 (placeholder) + 1 (gamma's hal) of 4
  "Requested share of allocatable per group / A": groups(0.75 / 4, 1 / 4, 3.25 / 4),
  // GiB: tools 2 + 0.5 of 8; core 1 + 0.5 + 1 + 0.5 of 8; users 1 + 2 + 0.5 + 1 + 2 of 16
  "Requested share of allocatable per group / B": groups(2.5 / 8, 3 / 8, 6.5 / 16),
  // cores used: tools 0.5 + 0.75; core 2 x (0.25 + 0.125); users 0.5 + 0.5 + 0.125 + 1
  // (pod-level cgroup series of prometheus, ann and dan not counted twice)
  "Used share of allocatable per group / A": groups(1.25 / 4, 0.75 / 4, 2.125 / 4),
  // GiB: tools 1 + 0.5; core 2 x (0.5 + 0.125); users 0.5 + 1.5 + 0.25 + 1
  "Used share of allocatable per group / B": groups(1.5 / 8, 1.25 / 8, 3.25 / 16),
  // PVC drive-data only (not alpha's hub-db-dir): 25 of 100 GiB, 30 of 40 GiB
  "Drive usage per hub / A": hubs(0.25, 0.75),
  "Drive space per hub / A": hubs(25 * GiB, 30 * GiB),
  "Drive space per hub / B": hubs(100 * GiB, 40 * GiB),
  // the ten largest of alpha's ten homes (1..10 MiB) and beta's one (3 GiB): student0 drops out,
  // gamma's 100 GiB home is not selected
  "Largest homes / A": [
    ['{namespace="beta", user="pi"}', 3 * GiB],
    ...Array.from(
      { length: 9 },
      (_, i): Sample => [`{namespace="alpha", user="student${i + 1}"}`, (i + 2) * MiB],
    ),
  ],
  // containers hub and chp only; alpha's hub went 0 -> 1 -> 3, its proxy stayed at 1,
  // beta's proxy went 0 -> 1 (ann's notebook restarts not counted)
  "Hub and proxy restarts / A": [
    ['{container="chp", namespace="alpha"}', 0],
    ['{container="hub", namespace="alpha"}', 3],
    ['{container="chp", namespace="beta"}', 1],
    ['{container="hub", namespace="beta"}', 0],
  ],
  // Requests per minute without health checks and metric scrapes, cumulative:
  // alpha le 0.25/0.5/0.75/1/2.5 = 40/80/90/96/100; beta le 0.5/0.75/1/2.5/5 = 20/60/90/98/100.
  // p50: alpha 0.25 + 0.25 * (50-40)/(80-40); beta 0.5 + 0.25 * (50-20)/(60-20)
  "Hub response time (p50 / p99) / A": hubs(0.3125, 0.6875),
  // p99: alpha 1 + 1.5 * (99-96)/(100-96); beta 2.5 + 2.5 * (99-98)/(100-98)
  "Hub response time (p50 / p99) / B": hubs(2.125, 3.75),
  // code 500: alpha 30 per minute, beta 15 per minute
  "Hub 5xx responses / A": hubs(0.5, 0.25),
  // polls per minute, cumulative: alpha le 0.25/0.5/0.75 = 4/8/10, beta le 0.75/1/2.5 = 2/6/10;
  // p90: alpha 0.5 + 0.25 * (9-8)/(10-8); beta 1 + 1.5 * (9-6)/(10-6)
  "Proxy route poll time (p90, last hour) / A": hubs(0.625, 2.125),
  // $/h recorded by the cost rules: alpha 0.5 + 0.25, beta 1 + 0.125 (gamma not selected)
  "Cost per hub ($/h) / A": hubs(0.75, 1.125),
  // [1h:300s] at 30m: samples at 0, 5, ..., 30 min (the series start at 0) = 7 samples of 5 min:
  // alpha 7 × 5/60 × 0.75 = 0.4375, beta 7 × 5/60 × 1.125 = 0.65625
  "Cost per hub over the time range ($) / A": hubs(0.4375, 0.65625),
  "Idle user servers' cost ($/h) / A": hubs(0.25, 0),
};

/** The expression as Prometheus receives it from Grafana. */
function fillVariables(expr: string): string {
  const filled = expr
    .replaceAll("$__rate_interval", "5m")
    .replaceAll("$__range", "1h")
    .replaceAll("$__interval", "1m")
    .replaceAll(/\$\{hub\}|\$hub\b/g, `(${SELECTED_HUBS.join("|")})`);
  assert.doesNotMatch(filled, /\$/, `a Grafana variable is left in ${filled}`);
  return filled;
}

const promtool = simBinary("promtool");
const work = mkdtempSync(join(tmpdir(), "hubfleet-promtool-"));
after(() => rmSync(work, { recursive: true, force: true }));

const expressions = dashboardExpressions(renderFleetDashboard(exampleFleet())).map((e) => ({
  key: `${e.panel} / ${e.refId}`,
  promql: fillVariables(e.expr),
}));

function run(args: string[]): { code: number | null; output: string } {
  const res = spawnSync(promtool, args, { encoding: "utf8", timeout: 60_000 });
  if (res.error) throw res.error;
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

function writeRules(file: string, promql: readonly string[]): string {
  const path = join(work, file);
  const rules = promql.map((expr, i) => ({ record: `hubfleet:dashboard_query_${i}`, expr }));
  writeFileSync(path, stringify({ groups: [{ name: "fleet-dashboard", rules }] }));
  return path;
}

/** Runs `promtool test rules` on one expression against the synthetic fleet. */
function testRules(name: string, promql: string, expected: readonly Sample[]) {
  const rules = writeRules(`${name}.rules.yml`, [promql]);
  const tests = join(work, `${name}.test.yml`);
  const spec = {
    rule_files: [rules],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: fleetSeries(),
        promql_expr_test: [
          {
            expr: `round(${promql}, ${ROUND_TO})`,
            eval_time: EVAL_TIME,
            exp_samples: expected.map(([labels, value]) => ({ labels, value })),
          },
        ],
      },
    ],
  };
  writeFileSync(tests, stringify(spec, { lineWidth: 0 }));
  return run(["test", "rules", tests]);
}

describe("fleet dashboard PromQL under promtool", () => {
  it("has an expected result for every query and a query for every expected result", () => {
    assert.deepEqual(
      expressions.map((e) => e.key).sort(),
      Object.keys(EXPECTED).sort(),
      "EXPECTED and the dashboard's queries differ",
    );
    for (const [key, samples] of Object.entries(EXPECTED)) {
      assert.ok(samples.length > 0, `${key}: an empty expectation proves nothing`);
      for (const [, value] of samples) {
        assert.equal(
          Math.round(value / ROUND_TO) * ROUND_TO,
          value,
          `${key}: ${value} is not a multiple of 1/1024`,
        );
      }
    }
  });

  it("parses every query (promtool check rules, one recording rule each)", () => {
    const rules = writeRules(
      "all.rules.yml",
      expressions.map((e) => e.promql),
    );
    const { code, output } = run(["check", "rules", rules]);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${expressions.length} rules found`));
  });

  for (const [i, { key, promql }] of expressions.entries()) {
    it(`evaluates ${key}`, () => {
      const expected = EXPECTED[key];
      assert.ok(expected, `no expected result for ${key}`);
      const { code, output } = testRules(`query-${i}`, promql, expected);
      assert.equal(code, 0, `${key}\n${promql}\n${output}`);
      assert.match(output, /SUCCESS/);
    });
  }
});

describe("the harness catches mistakes (negative controls)", () => {
  const cases: { what: string; key: string; from: string; to: string }[] = [
    {
      what: "a misspelt metric name",
      key: "Running servers per hub / A",
      from: "jupyterhub_running_servers",
      to: "jupyterhub_running_server",
    },
    {
      what: "a wrong label name",
      key: "Pending user pods / A",
      from: "label_component",
      to: "label_app_kubernetes_io_component",
    },
    {
      what: "a wrong label value",
      key: "Drive usage per hub / A",
      from: '"drive-data"',
      to: '"drive"',
    },
    {
      what: "a wrong grouping label",
      key: "Nodes per group / A",
      from: "count by (label_hubfleet_io_node_group)",
      to: "count by (label_hub_jupyter_org_node_purpose)",
    },
  ];
  for (const c of cases) {
    it(`promtool test rules fails on ${c.what}`, () => {
      const query = expressions.find((e) => e.key === c.key);
      const expected = EXPECTED[c.key];
      assert.ok(query && expected, c.key);
      assert.ok(query.promql.includes(c.from), `${c.key} no longer contains ${c.from}`);
      const broken = query.promql.replaceAll(c.from, c.to);
      const { code, output } = testRules(`negative-${c.to.replace(/\W/g, "")}`, broken, expected);
      assert.notEqual(code, 0, `promtool accepted ${broken}\n${output}`);
      assert.match(output, /FAILED/);
    });
  }

  it("promtool check rules fails on a query that does not parse", () => {
    const rules = writeRules("broken.rules.yml", [
      "sum by (namespace (jupyterhub_running_servers)",
    ]);
    const { code, output } = run(["check", "rules", rules]);
    assert.notEqual(code, 0, output);
  });
});
