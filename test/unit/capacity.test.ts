/**
 * plan-capacity, computed by hand: node counts on t3a.large and t3a.medium allocatable, the
 * monthly cost to the cent, schedules that overlap or not, the warnings, and the price table.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { retainedBackups } from "../../src/capacity/backups.js";
import { lowerBound, packNodes } from "../../src/capacity/binpack.js";
import { type CapacityPlan, planCapacity } from "../../src/capacity/plan.js";
import {
  overlayPrices,
  type PriceTable,
  parsePriceFile,
  parsePriceText,
  SHIPPED_PRICES,
} from "../../src/capacity/prices.js";
import { weeklyTimeline } from "../../src/capacity/timeline.js";
import { parseFleet } from "../../src/fleet/load.js";
import { EXAMPLE, fleetFrom, runCli } from "../helpers.js";

type Hub = Record<string, unknown>;

/** Two hubs, no cluster tools: every pod below is counted by hand in the tests. */
export function capacityFleet(hubs: Hub[], cluster: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: "hubfleet/v1alpha1",
    kind: "Fleet",
    cluster: {
      name: "capfleet",
      region: "us-east-1",
      nodeGroups: { jhusers: { instanceType: "t3a.large", minSize: 0, maxSize: 20 } },
      ...cluster,
    },
    domain: { host: "hubs.example.edu", routing: "subdomain" },
    tools: {
      ingress: { enabled: false },
      autoscaler: { enabled: false },
      monitoring: { enabled: false },
      backups: { enabled: false },
    },
    hubDefaults: {
      authenticator: { type: "github", clientId: "x", clientSecret: { secretName: "s" } },
    },
    hubs,
  });
}

const small = { cpu: { guarantee: "0.5", limit: "1" }, memory: { guarantee: "1Gi", limit: "2Gi" } };
const large = { cpu: { guarantee: "1", limit: "2" }, memory: { guarantee: "2Gi", limit: "4Gi" } };

export const alpha = (extra: Hub = {}): Hub => ({
  name: "alpha",
  expectedUsers: 20,
  resources: small,
  ...extra,
});
export const beta = (extra: Hub = {}): Hub => ({
  name: "beta",
  expectedUsers: 5,
  resources: large,
  ...extra,
});

const plan = (text: string, prices: PriceTable = SHIPPED_PRICES): CapacityPlan =>
  planCapacity(fleetFrom(text), { prices });
const group = (p: CapacityPlan, name: string) => {
  const g = p.groups.find((x) => x.name === name);
  assert.ok(g, name);
  return g;
};

describe("plan-capacity: hand-computed nodes and cost", () => {
  // t3a.large allocatable: 2000m - 70m = 1930m; 8192Mi - (255 + 11 × 35)Mi - 100Mi = 7452Mi; 35 pods.
  // Per-node agents on a user node: aws-node (25m), kube-proxy, ebs-csi-node, and each hub's
  // continuous image puller: 5 pods, 25m → room 1905m, 7452Mi, 30 pods.
  const p = plan(capacityFleet([alpha(), beta()]));
  it("leaves the per-node agents' share out of each user node", () => {
    // 1930m, 7452Mi, 35 pods less 3 EKS agents (aws-node 25m) and the fleet's one image puller
    // (1m, 8Mi): one puller per node however many hubs.
    assert.deepEqual(group(p, "jhusers").room, { cpuMillis: 1904, memoryMiB: 7444, pods: 31 });
  });
  it("packs first-fit decreasing: 5 beta nodes take one alpha each, 15 alphas fill 5 more", () => {
    const users = group(p, "jhusers");
    assert.equal(users.peak.needed, 10);
    assert.equal(users.peak.nodes, 10);
    // CPU: (20 × 500 + 5 × 1000) / 1904 = 7.9 → 8; memory: 30720 / 7444 → 5; pods: 25 / 31 → 1.
    assert.deepEqual(users.peak.lowerBound, { cpu: 8, memory: 5, pods: 1, nodes: 8 });
  });
  it("fits both hubs' core pods (hub, proxy, drive) and the fleet's 2 user-schedulers on one core node", () => {
    assert.equal(group(p, "jhcontrolplane").peak.nodes, 1);
    assert.equal(group(p, "clustertools").peak.nodes, 1);
  });
  it("prices the month to the cent", () => {
    assert.deepEqual(
      p.cost?.lines.map((l) => [l.item.split(" (")[0], l.monthlyUsd]),
      [
        ["EC2 clustertools", 27.45], // 730 h × $0.0376
        ["EC2 jhcontrolplane", 27.45],
        ["EC2 jhusers", 548.96], // 10 × 730 h × $0.0752
        ["EKS cluster fee", 73], // 730 h × $0.10
        ["EBS gp3: hub drives", 1.6], // 2 × 10 GB × $0.08
        ["EBS gp3: hub databases", 0.16], // 2 × 1 GB
        ["EBS gp3: node root volumes", 28.8], // (1 + 1 + 10) × 30 GB
      ],
    );
    assert.equal(p.cost?.totalUsd, 707.42);
  });
  it("runs idle on placeholders only, and the core groups' minimum", () => {
    const idle = plan(
      capacityFleet([
        alpha({ schedule: [{ days: ["mon"], start: "09:00", end: "10:00" }], placeholders: 4 }),
      ]),
    );
    // 4 placeholders of 500m: 3 per node → 2 nodes; no user servers outside the session.
    assert.equal(group(idle, "jhusers").idle.nodes, 2);
    assert.equal(idle.hubs[0]?.idleUsers, 0);
  });
  it("gives no cost for a local cluster", () => {
    const local = plan(
      capacityFleet([alpha({ authenticator: { type: "dummy" } })], { provider: "local" }),
    );
    assert.equal(local.cost, undefined);
  });
});

describe("plan-capacity: schedules", () => {
  const at = (day: string, start: string, end: string, users: number) => ({
    days: [day],
    start,
    end,
    users,
  });
  it("adds up classes that overlap", () => {
    const p = plan(
      capacityFleet([
        alpha({ schedule: [at("mon", "09:00", "10:00", 60)] }),
        beta({ schedule: [at("mon", "09:30", "11:00", 10)] }),
      ]),
    );
    // 10 beta nodes take one alpha each; 50 alphas at 3 a node need 17 more.
    const users = group(p, "jhusers");
    assert.equal(users.peak.needed, 27);
    assert.equal(users.peak.nodes, 20);
    assert.equal(p.busiest.when, "mon 09:30-10:00");
    assert.deepEqual(
      p.hubs.map((h) => h.usersAtFleetPeak),
      [60, 10],
    );
    // 27 nodes against a maxSize of 20 is more than 10 % over: the fleet cannot run.
    assert.match(
      p.errors.join("\n"),
      /^cluster\.nodeGroups\.jhusers\.maxSize: at mon 09:30-10:00 \(alpha mon 09:00-10:00, beta mon 09:30-11:00\) the users need 27 t3a\.large nodes of jhusers, maxSize is 20: servers beyond that stay pending \(fix: raise maxSize to 27, pick an instance type with more CPU \(CPU runs out first\)/,
    );
  });
  it("does not add up classes at different hours", () => {
    const p = plan(
      capacityFleet([
        alpha({ schedule: [at("mon", "09:00", "10:00", 60)] }),
        beta({ schedule: [at("tue", "09:00", "10:00", 10)] }),
      ]),
    );
    assert.equal(group(p, "jhusers").peak.needed, 20);
    assert.equal(p.busiest.when, "mon 09:00-10:00");
    assert.ok(!p.warnings.some((w) => /maxSize/.test(w)), p.warnings.join("\n"));
  });
  it("bills the user nodes by the hour of the week they run", () => {
    const p = plan(capacityFleet([alpha({ schedule: [at("mon", "09:00", "10:00", 60)] })]));
    // 20 nodes for 1 h a week, none otherwise: 20 node-hours × 730 / 168 weeks.
    const line = p.cost?.lines.find((l) => l.item.startsWith("EC2 jhusers"));
    assert.equal(line?.quantity, 86.9048);
    assert.equal(line?.monthlyUsd, 6.54);
  });
  it("cuts the week where any session starts or ends, with idle users on top", () => {
    const fleet = fleetFrom(
      capacityFleet([
        alpha({
          idleUsers: 2,
          schedule: [at("mon", "09:00", "10:00", 5), at("mon", "09:30", "10:30", 3)],
        }),
        beta({ peakUsers: 4 }),
      ]),
    );
    assert.deepEqual(
      weeklyTimeline(fleet.hubs).map((s) => [s.start, s.end, ...s.users]),
      [
        [0, 540, 2, 4],
        [540, 570, 7, 4],
        [570, 600, 10, 4],
        [600, 630, 5, 4],
        [630, 10080, 2, 4],
      ],
    );
  });
  it("refuses a session that ends before it starts, and ignores peakUsers beside a schedule", () => {
    const r = parseFleet(
      capacityFleet([alpha({ peakUsers: 3, schedule: [at("mon", "10:00", "09:00", 5)] })]),
      "f.yaml",
    );
    assert.equal(r.fleet, undefined);
    const byPath = Object.fromEntries(r.problems.map((x) => [x.path, x]));
    assert.match(
      byPath["hubs[0].schedule[0].end"]?.message ?? "",
      /ends at 09:00, not after it starts/,
    );
    assert.equal(byPath["hubs[0].peakUsers"]?.severity, "warning");
  });
});

describe("plan-capacity: warnings", () => {
  it("warns when one user's guarantee leaves over 30 % of a node unusable", () => {
    const p = plan(capacityFleet([beta()]));
    // 1 user of 1000m, 2Gi per 1904m, 7444Mi of room: 47 % of the CPU and 72 % of the memory left over.
    const [w] = p.warnings;
    assert.match(
      w ?? "",
      /hub beta: a t3a\.large user node holds 1 of its users \(CPU runs out first\), leaving 47 % of its CPU and 72 % of its memory unusable/,
    );
  });
  it("does not warn for guarantees in the node's proportion", () => {
    const balanced = {
      cpu: { guarantee: "475m", limit: "1" },
      memory: { guarantee: "1800Mi", limit: "2Gi" },
    };
    const p = plan(capacityFleet([alpha({ resources: balanced })]));
    assert.deepEqual(p.warnings, []);
  });
  it("refuses core pods that need more nodes than the group may have", () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `h${i}` }));
    const p = plan(
      capacityFleet(many, {
        nodeGroups: {
          jhusers: { instanceType: "t3a.large", maxSize: 20 },
          jhcontrolplane: { instanceType: "t3a.medium", minSize: 1, maxSize: 1 },
        },
      }),
    );
    // 5 hubs × 3 core pods + the fleet's 2 user-schedulers = 17 > the 14 a t3a.medium has room
    // for after 3 agents.
    assert.match(
      p.errors.join("\n"),
      /^cluster\.nodeGroups\.jhcontrolplane\.maxSize: the 17 jhcontrolplane pods need 2 t3a\.medium nodes, maxSize is 1: hubs, proxies and drives beyond that stay pending \(the pod limit runs out first: a node has room for 14 pods/,
    );
    assert.equal(group(p, "jhcontrolplane").peak.nodes, 1);
  });
});

describe("plan-capacity: prices", () => {
  it("takes a price file's figures over the shipped ones, with their source", () => {
    const { file, problems } = parsePriceFile({
      regions: {
        "us-east-1": { ec2Hourly: { "t3a.large": { usd: 0.1, date: "2026-11-01" } } },
      },
    });
    assert.deepEqual(problems, []);
    assert.ok(file);
    const prices = overlayPrices(SHIPPED_PRICES, file, "price file p.yaml");
    const line = plan(capacityFleet([alpha(), beta()]), prices).cost?.lines.find((l) =>
      l.item.startsWith("EC2 jhusers"),
    );
    assert.equal(line?.monthlyUsd, 730); // 10 nodes × 730 h × $0.10
    assert.equal(line?.source, "price file p.yaml");
    assert.equal(line?.date, "2026-11-01");
    // Untouched figures stay the shipped ones.
    assert.equal(prices.regions["us-east-1"]?.ec2Hourly["t3a.medium"]?.usd, 0.0376);
  });
  it("prices spot user nodes at on-demand unless a discount is given", () => {
    const text = capacityFleet([alpha(), beta()], {
      nodeGroups: { jhusers: { instanceType: "t3a.large", maxSize: 20, spot: true } },
    });
    const upper = plan(text).cost?.lines.find((l) => l.item.startsWith("EC2 jhusers"));
    assert.equal(upper?.monthlyUsd, 548.96);
    assert.match(upper?.note ?? "", /upper bound/);
    const { file } = parsePriceFile({ spotDiscount: { fraction: 0.5, source: "my guess" } });
    assert.ok(file);
    const spot = plan(text, overlayPrices(SHIPPED_PRICES, file, "f")).cost?.lines.find((l) =>
      l.item.startsWith("EC2 jhusers"),
    );
    assert.equal(spot?.monthlyUsd, 274.48);
  });
  it("names every problem of a price file with its path", () => {
    const { file, problems } = parsePriceFile({
      regions: { "us-east-1": { ec2Hourly: { "t3a.large": { usd: -1 } }, ebs: {} } },
      spot: 1,
    });
    assert.equal(file, undefined);
    assert.deepEqual(
      problems.map((p) => p.split(":")[0]),
      ["regions.us-east-1.ec2Hourly.t3a.large.usd", "regions.us-east-1", "(top)"],
    );
  });
  it("places every problem of a price file's text at its file:line:col", () => {
    const text = [
      "regions:",
      "  us-east-1:",
      "    ec2Hourly:",
      "      t3a.large: { usd: -1 }",
      "    ebs: {}",
      "spot: 1",
      "",
    ].join("\n");
    const { file, problems } = parsePriceText(text, "p.yaml");
    assert.equal(file, undefined);
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`),
      [
        'p.yaml:4:25 regions.us-east-1.ec2Hourly["t3a.large"].usd: must be at least 0 (got number -1)',
        'p.yaml:5:5 regions.us-east-1.ebs: unknown field "ebs" in regions.us-east-1',
        'p.yaml:6:1 spot: unknown field "spot"',
      ],
    );
    const json = parsePriceText('{"regions": {"x": {"ec2Hourly": {"a": {"usd": "1"}}}}}', "p.json");
    assert.deepEqual(
      json.problems.map((p) => [p.line, p.column, p.message]),
      [[1, 47, 'must be a number, not the text "1"']],
    );
  });
  it("names a region missing from the table and the --prices option", () => {
    // ap-east-2 is a region the generated table has no prices for.
    const text = capacityFleet([alpha()], { region: "ap-east-2" });
    assert.throws(
      () => plan(text),
      (err: Error & { hint?: string }) =>
        /no prices for region ap-east-2 \(it has: af-south-1, .*us-east-1, .*us-west-2\)/.test(
          err.message,
        ) && /--prices FILE/.test(err.hint ?? ""),
    );
  });
  it("names a missing instance type's price", () => {
    const { file } = parsePriceFile({
      regions: { "ap-east-2": { ec2Hourly: { "t3a.large": { usd: 0.08 } } } },
    });
    assert.ok(file);
    const prices = overlayPrices(SHIPPED_PRICES, file, "f");
    assert.throws(
      () => plan(capacityFleet([alpha()], { region: "ap-east-2" }), prices),
      /no price for t3a\.medium for region ap-east-2/,
    );
  });
});

describe("packing and backups, directly", () => {
  const node = { cpuMillis: 1000, memoryMiB: 1000, pods: 10 };
  const batch = (key: string, count: number, cpuMillis: number, memoryMiB: number) => ({
    key,
    count,
    request: { cpuMillis, memoryMiB },
  });
  const cases: Array<[string, ReturnType<typeof batch>[], number, number]> = [
    ["nothing", [], 0, 0],
    ["one size, exact fit", [batch("a", 6, 500, 100)], 3, 3],
    ["the pod limit binds", [batch("a", 25, 10, 10)], 3, 3],
    ["big first, small in the gaps", [batch("s", 4, 300, 100), batch("b", 2, 700, 100)], 3, 3],
    ["memory binds", [batch("a", 5, 100, 400)], 3, 2],
  ];
  for (const [name, batches, nodes, bound] of cases) {
    it(`packs: ${name}`, () => {
      assert.equal(packNodes(node, batches).nodes, nodes);
      assert.equal(lowerBound(node, batches).nodes, bound);
    });
  }
  it("reports pods that fit on no node", () => {
    assert.deepEqual(packNodes(node, [batch("huge", 2, 2000, 1)]).unplaceable, [
      { key: "huge", count: 2 },
    ]);
  });
  const backups: Array<[string, string, number, number]> = [
    ["0 3 * * *", "720h", 90, 30],
    ["@daily", "720h", 7, 7], // S3 expires them first
    ["0 */6 * * *", "48h", 90, 8],
    ["0 3 * * mon", "720h", 90, 4],
    ["@every 12h", "24h", 90, 2],
    ["0 3 1 * *", "24h", 90, 1], // monthly, kept a day: at least the one
  ];
  for (const [schedule, ttl, days, copies] of backups) {
    it(`keeps ${copies} backups for "${schedule}", ttl ${ttl}, expiry ${days} d`, () => {
      assert.equal(retainedBackups(schedule, ttl, days), copies);
    });
  }
});

describe("hubfleet plan-capacity", () => {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-capacity-"));
  writeFileSync(join(dir, "fleet.yaml"), capacityFleet([alpha(), beta()]));
  // ap-east-2: a region the shipped table has no prices for.
  writeFileSync(join(dir, "west.yaml"), capacityFleet([alpha(), beta()], { region: "ap-east-2" }));
  it("prints the groups, the busiest moment, the hubs, the cost by line and its sources", async () => {
    const r = await runCli(["plan-capacity", "fleet.yaml"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^jhusers\s+t3a\.large\s+1904m 7\.3Gi 31 pods\s+10\s+8\s+10\s+0\.\.20$/m,
    );
    assert.match(r.stdout, /^Busiest moment: all week$/m);
    assert.match(r.stdout, /^beta\s+5\s+5\s+5\s+0\s+1000m 2Gi\s+1 \(cpu\)$/m);
    assert.match(
      r.stdout,
      /^EC2 jhusers \(t3a\.large, 10 node\(s\) on average\)\s+7300 node-hour\s+× \$0\.0752\s+\$548\.96\s+\[1\]$/m,
    );
    assert.match(r.stdout, /^total\s+\$707\.42$/m);
    assert.match(
      r.stdout,
      /\[1\] AWS on-demand Linux price, us-east-1, from github\.com\/aws\/karpenter-provider-aws@v1\.15\.2 .* \(figure dated 2026-07-20\)/,
    );
    assert.match(r.stdout, /^Warnings:\n\s+- hub alpha: .*\n\s+- hub beta: /m);
  });
  // `cost` was an alias of plan-capacity until it became the measured report (docs/cost.md).
  it("gives the same as JSON with -o json", async () => {
    const r = await runCli(["plan-capacity", "fleet.yaml", "-o", "json"], dir);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.cost.totalUsd, 707.42);
    assert.equal(plan.groups[2].peak.needed, 10);
    assert.equal(plan.cost.lines[0].date, "2026-07-20");
  });
  it("prices a region the table lacks from a price file (YAML or JSON)", async () => {
    const west = {
      regions: {
        "ap-east-2": {
          ec2Hourly: {
            "t3a.medium": { usd: 0.04, date: "2026-11-01", source: "my quote" },
            "t3a.large": { usd: 0.08, date: "2026-11-01", source: "my quote" },
          },
          ebsGp3GbMonth: { usd: 0.08 },
          s3StandardGbMonth: { usd: 0.023 },
          eksClusterHourly: { usd: 0.1 },
        },
      },
    };
    writeFileSync(join(dir, "west-prices.yaml"), stringify(west));
    writeFileSync(join(dir, "west-prices.json"), JSON.stringify(west));
    for (const file of ["west-prices.yaml", "west-prices.json"]) {
      const r = await runCli(["plan-capacity", "west.yaml", "--prices", file, "-o", "json"], dir);
      assert.equal(r.code, 0, r.stderr);
      const plan = JSON.parse(r.stdout);
      const users = plan.cost.lines.find((l: { item: string }) => l.item.startsWith("EC2 jhusers"));
      assert.equal(users.monthlyUsd, 584); // 10 × 730 h × $0.08
      assert.equal(users.source, "my quote");
      const ebs = plan.cost.lines.find((l: { item: string }) =>
        l.item.startsWith("EBS gp3: hub drives"),
      );
      assert.equal(ebs.source, `price file ${file}`);
    }
  });
  it("takes the fleet file's own prices, and a --prices file over them", async () => {
    const own = {
      regions: {
        "ap-east-2": {
          ec2Hourly: {
            "t3a.medium": { usd: 0.03, source: "EDU rate" },
            "t3a.large": { usd: 0.05, source: "EDU rate" },
          },
          ebsGp3GbMonth: { usd: 0.08 },
          s3StandardGbMonth: { usd: 0.023 },
          eksClusterHourly: { usd: 0.1 },
        },
      },
    };
    const text = `${readFileSync(join(dir, "west.yaml"), "utf8")}prices: ${JSON.stringify(own)}\n`;
    writeFileSync(join(dir, "west-own.yaml"), text);
    const line = (stdout: string) =>
      JSON.parse(stdout).cost.lines.find((l: { item: string }) => l.item.startsWith("EC2 jhusers"));
    const r = await runCli(["plan-capacity", "west-own.yaml", "-o", "json"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([line(r.stdout).monthlyUsd, line(r.stdout).source], [365, "EDU rate"]); // 10 × 730 h × $0.05
    const over = await runCli(
      ["plan-capacity", "west-own.yaml", "--prices", "west-prices.yaml", "-o", "json"],
      dir,
    );
    assert.equal(over.code, 0, over.stderr);
    assert.deepEqual([line(over.stdout).monthlyUsd, line(over.stdout).source], [584, "my quote"]);
  });
  it("prices a cluster region the table lacks with us-east-1's figures, saying so", async () => {
    const r = await runCli(["plan-capacity", "west.yaml"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /note: the price table has no figures for ap-east-2; priced with us-east-1's \(the cost is an estimate\)\. For exact figures give --prices FILE with regions\.ap-east-2/,
    );
    assert.match(r.stdout, /us-east-1 prices \(the cluster is in ap-east-2\)/);
  });
  const bad: Array<[string, string[], RegExp]> = [
    [
      "a --region missing from the table",
      ["plan-capacity", "west.yaml", "--region", "ap-east-2"],
      /error: the price table has no prices for region ap-east-2 \(it has: af-south-1, .*\)\n\s+hint: .*--prices FILE.*--region REGION/,
    ],
    [
      "a missing price file",
      ["plan-capacity", "fleet.yaml", "--prices", "nope.yaml"],
      /price file nope\.yaml cannot be read \(not found\)/,
    ],
    [
      "a price file with wrong fields",
      ["plan-capacity", "fleet.yaml", "--prices", "bad-prices.yaml"],
      /price file bad-prices\.yaml has 2 problem\(s\):\n {2}bad-prices\.yaml:4:25: error: regions\.us-east-1\.ec2Hourly\["t3a\.large"\]\.usd: must be a number, not the text "cheap"\n {2}bad-prices\.yaml:5:5: error: regions\.us-east-1\.ebs: unknown field "ebs"/,
    ],
    [
      "a price file that is not YAML",
      ["plan-capacity", "fleet.yaml", "--prices", "broken.yaml"],
      /price file broken\.yaml has 1 problem\(s\):\n {2}broken\.yaml:2:1: error: not valid JSON or YAML: /,
    ],
    [
      "a drive fill that is no fraction",
      ["plan-capacity", "fleet.yaml", "--drive-fill", "2"],
      /--drive-fill "2" is not a fraction/,
    ],
  ];
  writeFileSync(
    join(dir, "bad-prices.yaml"),
    "regions:\n  us-east-1:\n    ec2Hourly:\n      t3a.large: { usd: cheap }\n    ebs: { usd: 1 }\n",
  );
  writeFileSync(join(dir, "broken.yaml"), "regions: [\n");
  for (const [name, args, message] of bad) {
    it(`exits 1 on ${name}, naming it without a stack trace`, async () => {
      const r = await runCli(args, dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)/);
    });
  }
  it("prices in another region with --region, saying so", async () => {
    const r = await runCli(["plan-capacity", "west.yaml", "--region", "us-east-1"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Monthly cost, us-east-1 prices \(the cluster is in ap-east-2\)/);
    assert.match(r.stdout, /^total\s+\$707\.42$/m);
  });
  it("plans the bundled example: its classes overlap on Monday at 10:00", async () => {
    const r = await runCli(["plan-capacity", EXAMPLE, "--region", "us-east-1", "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    assert.equal(plan.busiest.when, "mon 10:00-10:30");
    assert.deepEqual(plan.busiest.sessions, ["stat101 mon 09:00-10:30", "cs480 mon 10:00-11:30"]);
  });
});
