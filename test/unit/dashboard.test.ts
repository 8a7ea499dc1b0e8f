/**
 * The fleet dashboard's JSON: Grafana can import it as-is, it answers the questions the issue
 * lists (one panel each, with queries), it filters by the hub variable wherever the numbers are
 * per hub, its layout is sound, and it is byte-for-byte the same for the same fleet.
 * Whether the PromQL is right is judged by promtool in test/integration/dashboard-promtool.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  dashboardExpressions,
  FLEET_DASHBOARD_PATH,
  fleetDashboardUid,
  renderFleetDashboard,
} from "../../src/render/dashboard/index.js";
import { canonical } from "../../src/vocabulary/json.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking dashboard JSON
type Any = any;

const fleet = exampleFleet();
const dashboard = renderFleetDashboard(fleet) as Any;
const allPanels: Any[] = dashboard.panels;
const rows = allPanels.filter((p) => p.type === "row");
const panels = allPanels.filter((p) => p.type !== "row");
const panel = (title: string): Any => {
  const found = panels.find((p) => p.title === title);
  assert.ok(found, `no panel "${title}"`);
  return found;
};
const variable = (name: string): Any => {
  const found = dashboard.templating.list.find((v: Any) => v.name === name);
  assert.ok(found, `no variable ${name}`);
  return found;
};
/** The row each panel sits under (rows are expanded: panels follow their row). */
const rowOf = new Map<Any, string>();
{
  let current = "";
  for (const p of allPanels) {
    if (p.type === "row") current = p.title;
    else rowOf.set(p, current);
  }
}
const DATASOURCE_UID = `\${datasource}`;
const DATASOURCE = { type: "prometheus", uid: DATASOURCE_UID };
const withName = (name: string) =>
  fleetFrom(editedExample((doc) => doc.setIn(["cluster", "name"], name)));

describe("fleet dashboard: importable as-is", () => {
  it("has what Grafana's import needs", () => {
    assert.equal(typeof dashboard.title, "string");
    assert.match(dashboard.title, new RegExp(fleet.name));
    assert.match(dashboard.uid, /^[a-zA-Z0-9_-]{1,40}$/);
    assert.equal(typeof dashboard.schemaVersion, "number");
    assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length > 0);
    assert.ok(Array.isArray(dashboard.templating.list));
    assert.equal(dashboard.id, null, "a set id would overwrite another dashboard on import");
    assert.deepEqual(JSON.parse(JSON.stringify(dashboard)), dashboard, "plain JSON data only");
  });

  it("is written to dashboards/jupyterhub-fleet.json", () => {
    assert.equal(FLEET_DASHBOARD_PATH, "dashboards/jupyterhub-fleet.json");
  });

  it("offers any Prometheus datasource through a datasource variable", () => {
    const ds = variable("datasource");
    assert.equal(ds.type, "datasource");
    assert.equal(ds.query, "prometheus");
  });

  it("names its datasource only through that variable, in every panel and query", () => {
    for (const p of panels) {
      assert.deepEqual(p.datasource, DATASOURCE, p.title);
      for (const t of p.targets)
        assert.deepEqual(t.datasource, DATASOURCE, `${p.title} ${t.refId}`);
    }
    assert.deepEqual(variable("hub").datasource, DATASOURCE);
    const uids = [...JSON.stringify(dashboard).matchAll(/"type":"prometheus","uid":"([^"]*)"/g)];
    assert.ok(uids.length > panels.length);
    assert.deepEqual(new Set(uids.map((m) => m[1])), new Set([DATASOURCE_UID]));
  });
});

describe("fleet dashboard: the hub variable", () => {
  const hub = variable("hub");
  const cases: [string, unknown][] = [
    ["type", "query"],
    ["multi", true],
    ["includeAll", true],
    ["query", "label_values(jupyterhub_running_servers, namespace)"],
    ["refresh", 2],
  ];
  for (const [field, value] of cases) {
    it(`has ${field} = ${JSON.stringify(value)}`, () => assert.deepEqual(hub[field], value));
  }
  it('starts on "All"', () => assert.deepEqual(hub.current.value, ["$__all"]));
});

describe("fleet dashboard: the panels the issue asks for", () => {
  const required: [string, string][] = [
    ["running servers per hub", "Running servers per hub"],
    ["active users (24h/7d/30d)", "Active users (24h / 7d / 30d)"],
    ["server spawn duration percentiles", "Server spawn time (successful, last hour)"],
    ["spawn failures", "Failed spawns per hour"],
    ["user pod CPU vs requests", "User server CPU (cores): used vs requested"],
    ["user pod memory vs requests", "User server memory: working set vs requested"],
    ["nodes per group", "Nodes per group"],
    ["node group utilisation", "Requested share of allocatable per group"],
    ["node group utilisation (used)", "Used share of allocatable per group"],
    ["pending user pods", "Pending user pods"],
    ["drive (NFS PVC) usage per hub", "Drive usage per hub"],
    ["hub/proxy restarts", "Hub and proxy restarts"],
    ["hub response latency", "Hub response time (p50 / p99)"],
    ["proxy latency", "Proxy route poll time (p90, last hour)"],
    ["cost per hub", "Cost per hub ($/h)"],
    ["cost per hub over a period", "Cost per hub over the time range ($)"],
    ["idle servers' cost", "Idle user servers' cost ($/h)"],
  ];
  for (const [what, title] of required) {
    it(`${what}: "${title}" with a query`, () => {
      const p = panel(title);
      assert.ok(p.targets.length > 0);
      for (const t of p.targets) assert.ok(t.expr.length > 0, `${title} ${t.refId}`);
    });
  }

  it("active users come for each of JupyterHub's periods", () => {
    const exprs = panel("Active users (24h / 7d / 30d)").targets.map((t: Any) => t.expr);
    for (const period of ["24h", "7d", "30d"]) {
      assert.equal(exprs.filter((e: string) => e.includes(`period="${period}"`)).length, 1, period);
    }
  });

  it("spawn time shows p50, p90 and p99", () => {
    const exprs = panel("Server spawn time (successful, last hour)").targets.map(
      (t: Any) => t.expr,
    );
    assert.deepEqual(
      exprs.map((e: string) => e.match(/^histogram_quantile\(([0-9.]+),/)?.[1]),
      ["0.5", "0.9", "0.99"],
    );
  });

  it("groups panels in rows: activity, spawns, user servers, nodes, drives, cost, health", () => {
    assert.deepEqual(
      rows.map((r) => r.title),
      [
        "Hub activity",
        "Server spawns",
        "User servers",
        "Nodes",
        "Drives",
        "Cost",
        "Hub and proxy health",
      ],
    );
    for (const r of rows) {
      assert.ok([...rowOf.values()].includes(r.title), `row ${r.title} is empty`);
    }
  });

  it("explains every panel in its description", () => {
    for (const p of panels) assert.ok(p.description.length > 20, p.title);
  });
});

describe("fleet dashboard: queries", () => {
  const METRIC =
    /\b((?:jupyterhub|kube|container|kubelet|node|hubfleet)[_:][a-zA-Z0-9_:]*)(\{[^}]*\})?/g;
  const selectors = (expr: string) =>
    [...expr.matchAll(METRIC)]
      .filter((m) => !/^(node|label)_/.test(m[1] ?? "") || m[2] !== undefined)
      .map((m) => ({ metric: m[1] ?? "", matchers: m[2] ?? "" }));

  it("filters every selector by the hub variable, except the cluster-wide node panels", () => {
    for (const p of panels) {
      const perHub = rowOf.get(p) !== "Nodes";
      for (const t of p.targets) {
        const found = selectors(t.expr);
        assert.ok(found.length > 0, `${p.title} ${t.refId}: no metric in ${t.expr}`);
        for (const s of found) {
          assert.equal(
            s.matchers.includes('namespace=~"$hub"'),
            perHub,
            `${p.title} ${t.refId}: ${s.metric}${s.matchers}`,
          );
        }
      }
    }
  });

  it("names each panel's queries A, B, C, … and lists them all", () => {
    const listed = dashboardExpressions(dashboard);
    assert.equal(
      listed.length,
      panels.reduce((n, p) => n + p.targets.length, 0),
    );
    for (const p of panels) {
      assert.deepEqual(
        p.targets.map((t: Any) => t.refId),
        ["A", "B", "C"].slice(0, p.targets.length),
      );
    }
    assert.deepEqual(listed[0], {
      panel: panels[0].title,
      refId: "A",
      expr: panels[0].targets[0].expr,
    });
  });

  it("lists queries of panels inside collapsed rows too", () => {
    const collapsed = {
      panels: [
        {
          type: "row",
          collapsed: true,
          panels: [{ title: "inner", targets: [{ refId: "A", expr: "up" }] }],
        },
      ],
    };
    assert.deepEqual(dashboardExpressions(collapsed), [{ panel: "inner", refId: "A", expr: "up" }]);
  });

  it("uses range queries in time series and instant ones in stat and bar gauge panels", () => {
    for (const p of panels) {
      for (const t of p.targets) {
        assert.equal(t.range, p.type === "timeseries", `${p.title} ${t.refId}`);
        assert.equal(t.instant, p.type !== "timeseries", `${p.title} ${t.refId}`);
      }
    }
  });
});

describe("fleet dashboard: units", () => {
  it("sets a Grafana unit on every panel", () => {
    for (const p of panels) {
      assert.ok(
        ["short", "percentunit", "bytes", "s", "reqps", "currencyUSD"].includes(
          p.fieldConfig.defaults.unit,
        ),
        `${p.title}: ${p.fieldConfig.defaults.unit}`,
      );
    }
  });
  const cases: [string, string][] = [
    ["Running servers per hub", "short"],
    ["Server spawn time (successful, last hour)", "s"],
    ["Failed spawn share", "percentunit"],
    ["User server memory: working set vs requested", "bytes"],
    ["Requested share of allocatable per group", "percentunit"],
    ["Drive usage per hub", "percentunit"],
    ["Cost per hub ($/h)", "currencyUSD"],
    ["Drive space per hub", "bytes"],
    ["Hub response time (p50 / p99)", "s"],
    ["Hub 5xx responses", "reqps"],
  ];
  for (const [title, unit] of cases) {
    it(`${title}: ${unit}`, () => assert.equal(panel(title).fieldConfig.defaults.unit, unit));
  }
  it("scales shares of a whole from 0 to 1", () => {
    for (const p of panels.filter((x) => x.fieldConfig.defaults.unit === "percentunit")) {
      const d = p.fieldConfig.defaults;
      if (p.type !== "stat") assert.deepEqual([d.min, d.max], [0, 1], p.title);
    }
  });
});

describe("fleet dashboard: layout", () => {
  it("gives every panel a unique id", () => {
    const ids = allPanels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.ok(Number.isInteger(id) && id > 0);
  });

  it("keeps panels inside the 24-column grid", () => {
    for (const p of allPanels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(
        x >= 0 && w >= 1 && x + w <= 24 && y >= 0 && h >= 1,
        `${p.title}: ${x},${y} ${w}x${h}`,
      );
    }
    for (const r of rows) assert.deepEqual([r.gridPos.x, r.gridPos.w, r.gridPos.h], [0, 24, 1]);
  });

  it("overlaps no two panels", () => {
    for (const [i, a] of allPanels.entries()) {
      for (const b of allPanels.slice(i + 1)) {
        const A = a.gridPos;
        const B = b.gridPos;
        const apart = A.x + A.w <= B.x || B.x + B.w <= A.x || A.y + A.h <= B.y || B.y + B.h <= A.y;
        assert.ok(apart, `"${a.title}" and "${b.title}" overlap`);
      }
    }
  });

  it("puts each row's panels below it and above the next row", () => {
    for (const p of panels) {
      const row = rows.find((r) => r.title === rowOf.get(p));
      const next = rows[rows.indexOf(row) + 1];
      assert.ok(p.gridPos.y > row.gridPos.y, p.title);
      if (next) assert.ok(p.gridPos.y + p.gridPos.h <= next.gridPos.y, p.title);
    }
  });
});

describe("fleet dashboard: deterministic", () => {
  it("renders the same bytes twice", () => {
    assert.equal(
      JSON.stringify(renderFleetDashboard(exampleFleet())),
      JSON.stringify(renderFleetDashboard(exampleFleet())),
    );
  });

  it("writes keys in canonical (sorted) order", () => {
    assert.equal(JSON.stringify(dashboard), JSON.stringify(canonical(dashboard)));
  });

  it("depends on the fleet's name only through uid, title and description", () => {
    const other = renderFleetDashboard(withName("otherfleet")) as Any;
    assert.notEqual(other.uid, dashboard.uid);
    const strip = (d: Any) => JSON.stringify({ ...d, uid: "", title: "", description: "" });
    assert.equal(strip(other), strip(dashboard));
  });
});

describe("fleet dashboard: uid", () => {
  const long = "a".repeat(60);
  const cases: [string, string, string | RegExp][] = [
    ["a short fleet name stays readable", "jhfleet", "hubfleet-jhfleet"],
    ["31 characters still fit", "f".repeat(31), `hubfleet-${"f".repeat(31)}`],
    ["a long name is cut and hashed", long, /^hubfleet-a{22}-[0-9a-f]{8}$/],
  ];
  for (const [what, name, expected] of cases) {
    it(what, () => {
      const uid = fleetDashboardUid(name);
      if (typeof expected === "string") assert.equal(uid, expected);
      else assert.match(uid, expected);
      assert.ok(uid.length <= 40);
    });
  }
  it("keeps long names that share a prefix apart", () => {
    assert.notEqual(fleetDashboardUid(`${long}x`), fleetDashboardUid(`${long}y`));
  });
  it("comes from the fleet name", () => {
    assert.equal(renderFleetDashboard(withName("physics")).uid, "hubfleet-physics");
  });
});
