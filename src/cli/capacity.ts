/**
 * `hubfleet plan-capacity FILE`: nodes per group at the busiest and quietest
 * moments of the week and the monthly cost, as tables or -o json/yaml. Reads the price file here.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CostLine } from "../capacity/cost.js";
import type { GroupPlan } from "../capacity/nodes.js";
import { type CapacityPlan, planCapacity } from "../capacity/plan.js";
import { overlayPrices, type PriceTable, parsePriceText } from "../capacity/prices.js";
import { UsageError } from "../errors.js";
import { fleetPriceTable } from "../fleet/priceTable.js";
import { formatProblem } from "../fleet/problems.js";
import { loadValidFleet } from "./fleetFile.js";
import type { Io } from "./io.js";
import { OUTPUT_OPTION, parseOutputFormat, writeStructured } from "./options.js";

export function capacityCommand(program: Command, io: Io): void {
  program
    .command("plan-capacity")
    .description("nodes per group at peak and idle, and the monthly cost, before you deploy")
    .argument("<file>", "fleet file (- reads it from standard input)")
    .option(...OUTPUT_OPTION)
    .option("--prices <file>", "JSON or YAML price file laid over the shipped table")
    .option("--region <region>", "price the fleet in this region instead of cluster.region")
    .option(
      "--drive-fill <fraction>",
      "share of each drive holding data, for the backup estimate",
      "0.5",
    )
    .action(
      async (
        file: string,
        options: { output: string; prices?: string; region?: string; driveFill: string },
      ) => {
        const format = parseOutputFormat(options.output);
        const driveFill = Number(options.driveFill);
        if (!(driveFill >= 0 && driveFill <= 1)) {
          throw new UsageError(
            `--drive-fill "${options.driveFill}" is not a fraction`,
            "give a number from 0 to 1, e.g. --drive-fill 0.5",
          );
        }
        const fleet = await loadValidFleet(io, file);
        // The fleet file's own prices, then a --prices file's over them.
        const fleetPrices = fleetPriceTable(fleet.spec);
        const prices = options.prices
          ? await loadPrices(io, options.prices, fleetPrices)
          : fleetPrices;
        const priceRegion = options.region ?? fallbackRegion(prices, fleet.cluster.region);
        if (priceRegion !== undefined && options.region === undefined) {
          io.err(
            `note: the price table has no figures for ${fleet.cluster.region}; priced with ${priceRegion}'s (the cost is an estimate). ` +
              `For exact figures give --prices FILE with regions.${fleet.cluster.region}.\n`,
          );
        }
        const plan = planCapacity(fleet, {
          prices,
          driveFill,
          ...(priceRegion ? { priceRegion } : {}),
        });
        if (format === "text") io.out(formatPlan(plan));
        else writeStructured(io, format, plan);
        if (plan.errors.length > 0) {
          io.err(
            `error: the fleet cannot run on its node groups (${plan.errors.length} reason(s), listed under "Cannot run"); hubfleet validate, render and apply refuse it\n`,
          );
          io.setExitCode(1);
        }
      },
    );
}

/**
 * The region to price with when the table lacks the cluster's: the one region the shipped table
 * has (us-east-1), said out loud. Undefined when the cluster's region is priced.
 */
function fallbackRegion(prices: PriceTable, clusterRegion: string): string | undefined {
  if (prices.regions[clusterRegion] !== undefined) return undefined;
  return prices.regions["us-east-1"] !== undefined ? "us-east-1" : undefined;
}

/** The shipped table with FILE's figures over it; a UsageError naming the file and each problem. */
/** A --prices file laid over `base` (the shipped table with the fleet file's prices). */
export async function loadPrices(io: Io, file: string, base: PriceTable): Promise<PriceTable> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `price file ${file} cannot be read (${code === "ENOENT" ? "not found" : code})`,
      "check the path given to --prices",
    );
  }
  const { file: prices, problems } = parsePriceText(text, file);
  if (!prices) {
    throw new UsageError(
      `price file ${file} has ${problems.length} problem(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
      'each price is { usd: NUMBER, date: "YYYY-MM-DD", source: TEXT } under regions.<region>.ec2Hourly.<type>, .ebsGp3GbMonth, .s3StandardGbMonth or .eksClusterHourly',
    );
  }
  return overlayPrices(base, prices, `price file ${file}`);
}

/** Columns padded to their widest cell; `rightAligned` columns (numbers) padded on the left. */
export function table(
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) =>
          rightAligned.includes(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const mem = (mib: number) =>
  mib >= 1024 ? `${Number((mib / 1024).toFixed(1))}Gi` : `${Math.round(mib)}Mi`;
const usd = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function groupRow(g: GroupPlan): string[] {
  const over = g.peak.needed > g.peak.nodes ? ` (needs ${g.peak.needed})` : "";
  return [
    g.name,
    `${g.instanceType}${g.spot ? " spot" : ""}`,
    `${g.room.cpuMillis}m ${mem(g.room.memoryMiB)} ${g.room.pods} pods`,
    `${g.peak.nodes}${over}`,
    `${g.peak.lowerBound.nodes}`,
    `${g.idle.nodes}`,
    `${g.minSize}..${g.maxSize}`,
  ];
}

export function formatPlan(plan: CapacityPlan): string {
  const out: string[] = [];
  out.push(`Capacity plan for fleet ${plan.fleet}\n`);
  out.push(
    table(
      [
        ["NODE GROUP", "TYPE", "ROOM PER NODE", "PEAK", "LOWER BOUND", "IDLE", "MIN..MAX"],
        ...plan.groups.map(groupRow),
      ],
      [3, 4, 5],
    ),
  );
  out.push(
    "(room per node: allocatable less the per-node agents; peak and idle: nodes the autoscaler runs)\n",
  );
  const sessions = plan.busiest.sessions.length > 0 ? `: ${plan.busiest.sessions.join(", ")}` : "";
  out.push(`Busiest moment: ${plan.busiest.when}${sessions}\n`);
  out.push(
    table(
      [
        ["HUB", "PEAK USERS", "AT BUSIEST", "IDLE USERS", "PLACEHOLDERS", "PER USER", "USERS/NODE"],
        ...plan.hubs.map((h) => [
          h.name,
          `${h.peakUsers}`,
          `${h.usersAtFleetPeak}`,
          `${h.idleUsers}`,
          `${h.placeholders}`,
          `${Math.round(h.request.cpuMillis)}m ${mem(h.request.memoryMiB)}`,
          `${h.usersPerNode.count} (${h.usersPerNode.limit})`,
        ]),
      ],
      [1, 2, 3, 4],
    ),
  );
  out.push("");
  if (plan.terms) out.push(formatTerms(plan));
  const warm = formatWarmUp(plan);
  if (warm) out.push(warm);
  out.push(formatFootprint(plan.footprint));
  if (plan.cost) out.push(formatCost(plan.cost, plan.region));
  else out.push("No cloud cost: the cluster is local.\n");
  if (plan.errors.length > 0) {
    out.push(`Cannot run:\n${plan.errors.map((e) => `  - ${e}`).join("\n")}\n`);
  }
  if (plan.warnings.length > 0) {
    out.push(`Warnings:\n${plan.warnings.map((w) => `  - ${w}`).join("\n")}\n`);
  }
  return `${out.join("\n")}\n`.replace(/\n{3,}/g, "\n\n");
}

/** The periods between term boundaries: who is awake and the nodes at each one's busiest. */
function formatTerms(plan: CapacityPlan): string {
  const rows = (plan.terms ?? []).map((t) => [
    t.from ?? "…",
    t.until ?? "…",
    t.awake.length > 0 ? t.awake.join(", ") : "(none)",
    `${t.nodes.jhcontrolplane}`,
    `${t.nodes.jhusers}`,
    ...(t.monthlyUsd !== undefined ? [`$${t.monthlyUsd.toFixed(2)}`] : []),
  ]);
  const priced = plan.terms?.some((t) => t.monthlyUsd !== undefined) ?? false;
  const head = ["FROM", "UNTIL", "AWAKE HUBS", "CORE NODES", "USER NODES AT PEAK"];
  return `Terms (the tables above count every hub awake; asleep hubs run nothing${
    priced ? "; a month at each period's rate keeps every hub's storage and backups" : ""
  }):\n${table([priced ? [...head, "USD PER MONTH"] : head, ...rows], priced ? [3, 4, 5] : [3, 4])}\n`;
}

/** Each scheduled hub's warm headroom per session (placeholders from warm-up to session end). */
function formatWarmUp(plan: CapacityPlan): string | undefined {
  const rows = plan.hubs.flatMap((h) =>
    h.warmUp.sessions.map((s) => [
      h.name,
      `${s.session.days.join("/")} ${s.session.start}-${s.session.end}`,
      `${s.session.users}`,
      `${h.warmUp.leadMinutes}m`,
      `${h.warmUp.idle} -> ${s.placeholders}`,
      `${s.nodes}`,
      s.limit === "rate" ? `logins in one node start-up (${s.loginsPerStartup})` : s.limit,
    ]),
  );
  if (rows.length === 0) return undefined;
  return `Warm-up (placeholders from the lead before each session to its end):\n${table(
    [["HUB", "SESSION", "USERS", "LEAD", "PLACEHOLDERS", "NODES", "SET BY"], ...rows],
    [2, 5],
  )}\n`;
}

const perPod = (r: { cpuMillis: number; memoryMiB: number }) =>
  `${Math.round(r.cpuMillis)}m ${mem(r.memoryMiB)}`;

/** Each hub's fixed pods, then the parts the fleet runs once for all hubs. */
function formatFootprint(footprint: CapacityPlan["footprint"]): string {
  const short = (name: string) => name.slice(name.indexOf("/") + 1);
  const rows = footprint.hubs.map((h) => [
    h.hub,
    `${h.core.pods} (${h.core.parts.map((p) => short(p.name)).join(", ")})`,
    perPod(h.core),
    `${h.userIdle.podsPerNode}`,
    `${h.userIdle.placeholders}`,
  ]);
  const shared = footprint.shared.map(
    (p) =>
      `  ${p.name}: ${p.pods} pod${p.pods === 1 ? "" : "s"} ${p.perNode ? "on every" : "on"} ${p.group}${p.perNode ? " node" : ""} (${perPod(p.request)} each)`,
  );
  return [
    "Per-hub footprint (from the rendered objects and chart values; requests on jhcontrolplane):",
    table(
      [["HUB", "CORE PODS", "CORE REQUESTS", "USER PODS PER NODE, IDLE", "PLACEHOLDERS"], ...rows],
      [3, 4],
    ),
    ...(shared.length > 0 ? ["Once for the whole fleet:", ...shared] : []),
    "",
  ].join("\n");
}

function formatCost(cost: NonNullable<CapacityPlan["cost"]>, clusterRegion: string): string {
  const cite = (l: CostLine) =>
    `${l.source} (${l.date === "not stated" ? "date not stated" : `figure dated ${l.date}`})`;
  const sources = [...new Set(cost.lines.map(cite))];
  const ref = (l: CostLine) => `[${sources.indexOf(cite(l)) + 1}]`;
  const rows = cost.lines.map((l) => [
    l.item,
    `${Number(l.quantity.toFixed(2))} ${l.unit}`,
    `× $${l.unitPriceUsd}`,
    usd(l.monthlyUsd),
    `${ref(l)}${l.note ? ` ${l.note}` : ""}`,
  ]);
  const lines = table(
    [
      ["MONTHLY COST", "QUANTITY", "PRICE", "USD", "SOURCE"],
      ...rows,
      ["total", "", "", usd(cost.totalUsd), ""],
    ],
    [1, 3],
  );
  const where =
    cost.region === clusterRegion
      ? cost.region
      : `${cost.region} prices (the cluster is in ${clusterRegion})`;
  return `Monthly cost, ${where} (on-demand, a month = 730 h):\n${lines}\n\nPrices:\n${sources.map((s, i) => `  [${i + 1}] ${s}`).join("\n")}\n`;
}
