/**
 * `hubfleet cost FILE --by hub [--month YYYY-MM] [-o text|csv|json] [--prometheus URL]`: what
 * each hub cost in a month, measured by the cluster's Prometheus (the cost recording rules,
 * docs/cost.md), grouped by charge code, with idle servers and the culling setting.
 */
import type { Command } from "commander";
import { measuredHubCost } from "../apply/hubCost.js";
import { prometheusAt, prometheusThroughKube } from "../apply/prometheusQuery.js";
import { monthWindow } from "../capacity/costQueries.js";
import { type CostReport, cents, costCsv, idleLines, UNASSIGNED } from "../capacity/costReport.js";
import { UsageError } from "../errors.js";
import { COST_PARTS } from "../render/tools/costRules.js";
import { table } from "./capacity.js";
import { type ClusterOptions, connectKube, kubeconfigFile, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";

type CostFormat = "text" | "csv" | "json";

function parseFormat(value: string): CostFormat {
  if (value === "text" || value === "csv" || value === "json") return value;
  throw new UsageError(`unknown output format "${value}"`, "use -o text, -o csv or -o json");
}

export function costCommand(program: Command, io: Io): void {
  program
    .command("cost")
    .description("what each hub cost in a month, measured by the cluster's Prometheus")
    .argument("<file>", "fleet file (- reads it from standard input)")
    .option("--by <grouping>", "group the lines by: hub (with its chargeCode)", "hub")
    .option("--month <YYYY-MM>", "calendar month in UTC (default: this month so far)")
    .option("-o, --output <format>", "text, csv or json", "text")
    .option(
      "--prometheus <url>",
      "ask this Prometheus (e.g. a port-forward) instead of the monitoring release's through the API server",
    )
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .action(
      async (
        file: string,
        options: Pick<ClusterOptions, "kubeconfig" | "context"> & {
          by: string;
          month?: string;
          output: string;
          prometheus?: string;
        },
      ) => {
        if (options.by !== "hub") {
          throw new UsageError(`--by ${options.by} is not a grouping`, "use --by hub");
        }
        const format = parseFormat(options.output);
        const window = monthWindow(options.month, new Date());
        const fleet = await loadValidFleet(io, file);
        const source = options.prometheus
          ? prometheusAt(checkedUrl(options.prometheus))
          : prometheusThroughKube(
              connectKube(io, kubeconfigFile(io, options.kubeconfig), options.context),
            );
        const { report, empty } = await measuredHubCost(source, fleet, window);
        if (empty) {
          io.err(
            `note: Prometheus at ${source.where} has no hubfleet:hub_cost_usd_per_hour for ${window.month}: ` +
              "the cost rules come with tools.monitoring (hubfleet apply) and count from when they were installed.\n",
          );
        }
        if (format === "json") io.out(`${JSON.stringify(report, null, 2)}\n`);
        else if (format === "csv") io.out(costCsv(report));
        else io.out(costText(report));
      },
    );
}

function checkedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === "http:" || url.protocol === "https:") return text;
  } catch {
    // reported below
  }
  throw new UsageError(
    `--prometheus ${text} is not an http(s) URL`,
    "give Prometheus' address, e.g. --prometheus http://127.0.0.1:9090 after kubectl port-forward",
  );
}

export function costText(report: CostReport): string {
  const head = ["CHARGE CODE", "HUB", ...COST_PARTS.map((p) => p.toUpperCase()), "TOTAL"];
  const rows: string[][] = [head];
  for (const g of report.groups) {
    for (const h of g.hubs) {
      rows.push([
        g.chargeCode,
        h.inFleet ? h.hub : `${h.hub} (not in the fleet file)`,
        ...COST_PARTS.map((p) => cents(h.parts[p])),
        cents(h.totalUsd),
      ]);
    }
    if (g.hubs.length > 1) {
      rows.push([g.chargeCode, "(all)", ...COST_PARTS.map(() => ""), cents(g.totalUsd)]);
    }
  }
  rows.push(["total", "", ...COST_PARTS.map(() => ""), cents(report.totalUsd)]);
  const numeric = head.map((_, i) => i).filter((i) => i >= 2);
  const to = report.partial ? `${report.to} (month not over)` : report.to;
  const idle = idleLines(report);
  const unassigned = report.groups.some((g) => g.chargeCode === UNASSIGNED)
    ? `\nHubs without hubs[].chargeCode are under "${UNASSIGNED}".\n`
    : "";
  return (
    `Cost by hub, ${report.month}: ${report.from} to ${to}, USD at on-demand prices (docs/cost.md)\n\n` +
    `${table(rows, numeric)}\n${unassigned}` +
    `\nIdle user servers (${report.idleRule}):\n` +
    (idle.length > 0 ? idle.map((l) => `  ${l}\n`).join("") : "  none\n")
  );
}
