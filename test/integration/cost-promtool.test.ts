/**
 * The cost recording rules and the report's queries, judged by the real promtool: the rendered
 * rules parse (`promtool check rules`), and over six synthetic hours
 * (test/fixtures/promtool/cost-series.ts) they give the dollars worked out by hand below
 * (`promtool test rules`). Values are compared in micro-dollars (round(x * 1e6)): the prices
 * are decimal fractions, which binary floating point carries only approximately.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { stringify } from "yaml";
import { simBinary } from "../../sim/binaries.js";
import { costQueries } from "../../src/capacity/costQueries.js";
import { dashboardExpressions, renderFleetDashboard } from "../../src/render/dashboard/index.js";
import { COST_METRICS, costRuleGroups } from "../../src/render/tools/costRules.js";
import { renderMonitoring } from "../../src/render/tools/monitoring.js";
import {
  ann,
  bob,
  csStorage,
  EKS,
  first,
  L,
  last,
  M,
  nodesPerHour,
  sixHours,
  statHub,
  statProxy,
  statStorage,
  toolsStorage,
} from "../fixtures/promtool/cost-expected.js";
import { costSeries } from "../fixtures/promtool/cost-series.js";
import { exampleFleet } from "../helpers.js";

const fleet = exampleFleet();
const micro = (usd: number) => Math.round(usd * 1e6);

type Sample = readonly [string, number];
const parts = (hub: string, p: Record<string, number>): Sample[] =>
  Object.entries(p).map(([part, usd]) => [`{namespace="${hub}", part="${part}"}`, micro(usd)]);

const promtool = simBinary("promtool");
const work = mkdtempSync(join(tmpdir(), "hubfleet-cost-promtool-"));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; output: string } {
  const res = spawnSync(promtool, args, { encoding: "utf8", timeout: 120_000 });
  if (res.error) throw res.error;
  return { code: res.status, output: `${res.stdout}${res.stderr}` };
}

/** The rule groups exactly as the rendered PrometheusRule carries them. */
function renderedGroups(): unknown[] {
  const monitoring = renderMonitoring(fleet)[0];
  const rule = monitoring?.manifests.find((m) => m.object.metadata.name === "hubfleet-cost");
  assert.ok(rule, "the monitoring tool renders the hubfleet-cost PrometheusRule");
  const spec = rule.object.spec as { groups: unknown[] };
  return spec.groups;
}

const rulesFile = join(work, "cost.rules.yml");
writeFileSync(rulesFile, stringify({ groups: renderedGroups() }, { lineWidth: 0 }));

function testRules(name: string, tests: Array<{ expr: string; at: string; exp: Sample[] }>) {
  const file = join(work, `${name}.test.yml`);
  const spec = {
    rule_files: [rulesFile],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: costSeries(),
        promql_expr_test: tests.map((t) => ({
          expr: `round((${t.expr}) * 1e6)`,
          eval_time: t.at,
          exp_samples: t.exp.map(([labels, value]) => ({ labels, value })),
        })),
      },
    ],
  };
  writeFileSync(file, stringify(spec, { lineWidth: 0 }));
  return run(["test", "rules", file]);
}

/** Bob's server is the only idle one: its $/h in stat101, nothing in cs480. */
const onlyBobIdle = (): Sample[] => [
  ['{namespace="cs480"}', 0],
  ['{namespace="stat101"}', micro(bob)],
];

function passed(code: number | null, output: string): void {
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS/);
}

describe("cost recording rules under promtool", () => {
  it("parses every rendered rule (promtool check rules)", () => {
    const count = costRuleGroups(fleet).reduce((n, g) => n + g.rules.length, 0);
    const { code, output } = run(["check", "rules", rulesFile]);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${count} rules found`));
  });

  it("prices nodes and pods per hour (2 h in)", () => {
    const { code, output } = testRules("per-hour", [
      {
        expr: COST_METRICS.nodePrice,
        at: "2h",
        exp: [
          ['{instance_type="t3a.large", node="user-1"}', micro(L)],
          ['{instance_type="t3a.large", node="user-2"}', micro(L)],
          ['{instance_type="t3a.medium", node="core-1"}', micro(M)],
          ['{instance_type="t3a.medium", node="tools-1"}', micro(M)],
        ],
      },
      {
        expr: `${COST_METRICS.podCost}{namespace="stat101"}`,
        at: "2h",
        // the Succeeded hook pod is not there
        exp: [
          ['{namespace="stat101", node="core-1", pod="hub-0"}', micro(statHub)],
          ['{namespace="stat101", node="core-1", pod="proxy-0"}', micro(statProxy)],
          ['{namespace="stat101", node="user-1", pod="jupyter-ann"}', micro(ann)],
          ['{namespace="stat101", node="user-1", pod="jupyter-bob"}', micro(bob)],
        ],
      },
      {
        expr: `sum by (namespace, part) (${COST_METRICS.hubCost})`,
        at: "2h",
        exp: [...parts("cs480", first.cs), ...parts("stat101", first.stat)],
      },
      {
        // Ann's server is gone: its share moves to the shared part.
        expr: `sum by (namespace, part) (${COST_METRICS.hubCost})`,
        at: "4h",
        exp: [...parts("cs480", last.cs), ...parts("stat101", { ...last.stat })],
      },
      {
        // Only Bob is idle: CPU 0 < 0.01 cores; Ann (0.5 cores) and Cid (1 core) are busy.
        expr: COST_METRICS.hubIdleCost,
        at: "2h",
        exp: onlyBobIdle(),
      },
    ]);
    passed(code, output);
  });

  it("the report's month queries give the hand-computed dollars over 6 hours", () => {
    const q = costQueries({ month: "1970-01", start: 0, end: 6 * 3600, partial: true });
    const hub = (name: string, key: "stat" | "cs", names: string[]) =>
      names.map(
        (part): Sample => [`{namespace="${name}", part="${part}"}`, micro(sixHours(key, part))],
      );
    // stat101: servers 3 × (0.0376 + 0.0188) + 3 × 0.0188 = 0.2256; core 6 × 0.00705 = 0.0423;
    //   storage 6 × 0.008 = 0.048; shared 3 × 0.20975 × 0.07145 / 0.14385 + 3 × 0.24735 × 0.03385 / 0.10625
    // cs480: servers 6 × 0.0376 = 0.2256; placeholders 6 × 0.0094 = 0.0564; core 0.0564;
    //   storage 0.096; shared 3 × 0.20975 × 0.0724 / 0.14385 + 3 × 0.24735 × 0.0724 / 0.10625
    assert.equal(micro(sixHours("stat", "servers")), 225600);
    assert.equal(micro(sixHours("cs", "placeholders")), 56400);
    const { code, output } = testRules("month", [
      {
        expr: q.parts,
        at: "6h",
        exp: [
          ...hub("cs480", "cs", ["servers", "placeholders", "core", "storage", "shared"]),
          ...hub("stat101", "stat", ["servers", "core", "storage", "shared"]),
        ],
      },
      {
        // Every dollar of the cluster lands on a hub: 6 × (0.2256 + 0.008 + 0.016 + 0.004 + 0.1)
        expr: `sum(${q.parts})`,
        at: "6h",
        exp: [["{}", micro(6 * (nodesPerHour + statStorage + csStorage + toolsStorage + EKS))]],
      },
      {
        // Bob, 6 hours idle at 0.0188 $/h
        expr: q.idleUsd,
        at: "6h",
        exp: [
          ['{namespace="cs480"}', 0],
          ['{namespace="stat101"}', micro(6 * bob)],
        ],
      },
      {
        expr: q.idleHours,
        at: "6h",
        exp: [
          ['{namespace="cs480"}', 0],
          ['{namespace="stat101"}', micro(6)],
        ],
      },
    ]);
    passed(code, output);
  });

  it("the dashboard's cost panels read the rules' results: the same dollars", () => {
    const exprs = dashboardExpressions(renderFleetDashboard(fleet));
    const panel = (title: string) => {
      const found = exprs.find((e) => e.panel === title);
      assert.ok(found, title);
      return found.expr.replaceAll("$hub", "(stat101|cs480)").replaceAll("$__range", "6h");
    };
    const total = (key: "stat" | "cs") =>
      ["servers", "placeholders", "core", "storage", "shared"].reduce(
        (a, p) => a + sixHours(key, p),
        0,
      );
    const perHour = (p: Record<string, number>) => Object.values(p).reduce((a, b) => a + b, 0);
    const { code, output } = testRules("dashboard", [
      {
        expr: panel("Cost per hub ($/h)"),
        at: "2h",
        exp: [
          ['{namespace="cs480"}', micro(perHour(first.cs))],
          ['{namespace="stat101"}', micro(perHour(first.stat))],
        ],
      },
      {
        expr: panel("Cost per hub over the time range ($)"),
        at: "6h",
        exp: [
          ['{namespace="cs480"}', micro(total("cs"))],
          ['{namespace="stat101"}', micro(total("stat"))],
        ],
      },
      {
        expr: panel("Idle user servers' cost ($/h)"),
        at: "2h",
        exp: onlyBobIdle(),
      },
    ]);
    passed(code, output);
  });

  it("the harness notices a wrong expectation (negative control)", () => {
    const q = costQueries({ month: "1970-01", start: 0, end: 6 * 3600, partial: true });
    const { code, output } = testRules("negative", [
      // Bob's idle cost as if the share were his CPU request alone (0.25) — it is, but at the
      // medium price: a mistake the rules must not reproduce.
      {
        expr: q.idleUsd,
        at: "6h",
        exp: [
          ['{namespace="cs480"}', 0],
          ['{namespace="stat101"}', micro(6 * 0.25 * M)],
        ],
      },
    ]);
    assert.notEqual(code, 0, output);
    assert.match(output, /FAILED/);
  });
});
