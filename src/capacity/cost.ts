/**
 * The monthly bill, line by line: node-hours per group at on-demand prices, the EKS fee, EBS
 * gp3 volumes (drives, hub databases, node disks, Prometheus) and S3 for the backups.
 */
import type { FleetModel } from "../fleet/model.js";
import { HOURS_PER_MONTH } from "../fleet/priceTable.js";
import { parseQuantity } from "../fleet/quantity.js";
import type { HelmRelease } from "../render/bundle.js";
import { retainedBackups } from "./backups.js";
import type { GroupPlan } from "./nodes.js";
import { type Price, type PriceTable, regionPrices, requirePrice } from "./prices.js";

export { HOURS_PER_MONTH };
export const WEEKS_PER_MONTH = HOURS_PER_MONTH / 168;

/** The share of each drive that holds data, for the backup estimate (an assumption). */
export const DEFAULT_DRIVE_FILL = 0.5;

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  /** Rounded to the cent. */
  readonly monthlyUsd: number;
  readonly source: string;
  readonly date: string;
  readonly note?: string;
}

export interface CostEstimate {
  readonly currency: "USD";
  /** The region whose prices were used (the cluster's unless asked otherwise). */
  readonly region: string;
  readonly lines: readonly CostLine[];
  /** The sum of the rounded lines. */
  readonly totalUsd: number;
}

const cents = (usd: number): number => Math.round(usd * 100) / 100;
const round = (n: number, digits = 4): number => Number(n.toFixed(digits));

function line(item: string, quantity: number, unit: string, price: Price, note?: string): CostLine {
  return {
    item,
    quantity: round(quantity),
    unit,
    unitPriceUsd: price.usd,
    monthlyUsd: cents(quantity * price.usd),
    source: price.source,
    date: price.date,
    ...(note ? { note } : {}),
  };
}

const gib = (quantity: string | undefined): number =>
  quantity === undefined ? 0 : (parseQuantity(quantity) ?? 0) / 2 ** 30;

/** The hub database claim's size, as the rendered values ask for it. */
function databaseGiB(release: HelmRelease): number {
  const pvc = (release.values.hub as { db?: { pvc?: { storage?: unknown } } } | undefined)?.db?.pvc;
  return typeof pvc?.storage === "string" ? gib(pvc.storage) : 0;
}

export interface CostInputs {
  readonly fleet: FleetModel;
  readonly groups: readonly GroupPlan[];
  readonly hubReleases: readonly HelmRelease[];
  readonly prices: PriceTable;
  readonly driveFill: number;
  /** Price in this region rather than the cluster's. */
  readonly priceRegion?: string;
}

export function estimateCost(inputs: CostInputs): CostEstimate {
  const { fleet, groups, prices } = inputs;
  const region = inputs.priceRegion ?? fleet.cluster.region;
  const table = regionPrices(prices, region);
  const lines: CostLine[] = [];
  for (const g of groups) {
    const onDemand = requirePrice(
      table.ec2Hourly[g.instanceType],
      `price for ${g.instanceType}`,
      region,
    );
    const hours = g.nodeHoursPerWeek * WEEKS_PER_MONTH;
    const average = hours / HOURS_PER_MONTH;
    const spot = g.spot && prices.spotDiscount;
    const price = spot ? { ...onDemand, usd: round(onDemand.usd * (1 - spot.usd), 6) } : onDemand;
    const note = g.spot
      ? spot
        ? `spot at ${Math.round(spot.usd * 100)} % off on-demand (${spot.source}): an estimate`
        : "spot nodes priced at on-demand: an upper bound (set prices.spotDiscount in the fleet file, or in a price file)"
      : undefined;
    lines.push(
      line(
        `EC2 ${g.name} (${g.instanceType}, ${round(average, 2)} node(s) on average)`,
        hours,
        "node-hour",
        price,
        note,
      ),
    );
  }
  lines.push(
    line(
      "EKS cluster fee",
      HOURS_PER_MONTH,
      "hour",
      requirePrice(table.eksClusterHourly, "EKS cluster fee", region),
    ),
  );
  const ebs = requirePrice(table.ebsGp3GbMonth, "EBS gp3 price", region);
  const drives = fleet.hubs.reduce((sum, h) => sum + gib(h.drive.size), 0);
  const otherClass = fleet.hubs.filter((h) => h.drive.storageClass !== "hubfleet-drive");
  lines.push(
    line(
      `EBS gp3: hub drives (${fleet.hubs.length})`,
      drives,
      "GB-month",
      ebs,
      otherClass.length > 0
        ? `priced as gp3, though ${otherClass.map((h) => h.name).join(", ")} use another StorageClass`
        : undefined,
    ),
  );
  const databases = inputs.hubReleases.reduce((sum, r) => sum + databaseGiB(r), 0);
  lines.push(
    line(`EBS gp3: hub databases (${inputs.hubReleases.length})`, databases, "GB-month", ebs),
  );
  const rootDisks = groups.reduce(
    (sum, g) => sum + (g.volumeSize * g.nodeHoursPerWeek * WEEKS_PER_MONTH) / HOURS_PER_MONTH,
    0,
  );
  lines.push(
    line("EBS gp3: node root volumes", rootDisks, "GB-month", ebs, "volumeSize × nodes on average"),
  );
  if (fleet.tools.monitoring.enabled) {
    lines.push(
      line("EBS gp3: Prometheus volume", gib(fleet.tools.monitoring.storageSize), "GB-month", ebs),
    );
  }
  const backups = fleet.tools.backups;
  if (backups.enabled) {
    const copies = retainedBackups(backups.schedule, backups.ttl, backups.expireAfterDays);
    const data = (drives + databases) * inputs.driveFill;
    lines.push(
      line(
        "S3 Standard: backups",
        data * copies,
        "GB-month",
        requirePrice(table.s3StandardGbMonth, "S3 Standard price", region),
        `${copies} backups kept × ${Math.round(inputs.driveFill * 100)} % of drives and databases filled: an upper bound (Kopia stores unchanged data once)`,
      ),
    );
  }
  return {
    currency: "USD",
    region,
    lines,
    totalUsd: cents(lines.reduce((sum, l) => sum + l.monthlyUsd, 0)),
  };
}
