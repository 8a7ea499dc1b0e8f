/**
 * The price table shipped with hubfleet: AWS on-demand prices (EC2 from the generated
 * instance-type table; EBS, S3 and the EKS fee read from public sources), each figure with the
 * date and the source it was read from. It sits in fleet/ because both the renderer (the cost
 * recording rules carry the fleet's prices) and plan-capacity read it. Also the shape of your
 * own figures laid over it, from the fleet file's `prices:` or a `--prices FILE` (reading and
 * placing a file's problems stays in capacity/prices.ts).
 */
import { z } from "zod";
import { instanceTypeTable } from "./instanceTypes.js";

/** One price, with where it comes from and the date its source gives for it. */
export interface Price {
  readonly usd: number;
  /** The date the source states the figure for (YYYY-MM-DD), or "not stated". */
  readonly date: string;
  readonly source: string;
}

export interface RegionPrices {
  /** On-demand Linux price per instance-hour, by instance type. */
  readonly ec2Hourly: Readonly<Record<string, Price>>;
  /** EBS gp3 storage per GB-month (AWS bills GiB of provisioned volume as "GB"). */
  readonly ebsGp3GbMonth?: Price;
  /** S3 Standard storage per GB-month (first 50 TB). */
  readonly s3StandardGbMonth?: Price;
  /** The EKS cluster fee per hour (standard Kubernetes version support). */
  readonly eksClusterHourly?: Price;
}

export interface PriceTable {
  readonly currency: "USD";
  /**
   * Fraction taken off on-demand for spot user nodes. Absent in the shipped table: spot prices
   * move all the time, so spot nodes are priced at on-demand (an upper bound) unless a price
   * file states a discount.
   */
  readonly spotDiscount?: Price;
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

/** A month as AWS prices it: 730 hours, so 730 / 168 ≈ 4.345 weeks. */
export const HOURS_PER_MONTH = 730;

const READ_ON = "2026-11-26";

/** Storage and EKS figures: only us-east-1's were found with a date and a public source. */
const US_EAST_1_OTHERS: Omit<RegionPrices, "ec2Hourly"> = {
  ebsGp3GbMonth: {
    usd: 0.08,
    date: "2021-02-04",
    source:
      "Amazon EBS pricing page, US East (N. Virginia), gp3 storage, as quoted in saisci.com " +
      `"gp2 vs gp3 Cost Comparison" (updated 2021-02-04); read ${READ_ON}`,
  },
  s3StandardGbMonth: {
    usd: 0.023,
    date: "2022-07-07",
    source:
      "S3 Standard, first 50 TB per month, US East (N. Virginia), as tabulated in the GitHub gist " +
      `EverettBerry/a37438006529a55f42da6fdbc44a505c (2022-07-07); read ${READ_ON}`,
  },
  eksClusterHourly: {
    usd: 0.1,
    date: "not stated",
    source:
      "aws/agent-toolkit-for-aws, architect-for-startups/references/eks.md: EKS control plane " +
      `$73 a month (= $0.10 per hour × 730 h, standard support); read ${READ_ON}`,
  },
};

/** The same figure, said to be us-east-1's where it stands in for another region's. */
function borrowed(price: Price | undefined, region: string): Price | undefined {
  return price && { ...price, source: `us-east-1's figure, used for ${region}: ${price.source}` };
}

/**
 * The shipped prices: EC2 on-demand for every region of the generated instance-type table
 * (data/instance-types.json, each region's figures from the source it names); EBS, S3 and the
 * EKS fee from us-east-1, said so in every other region (pass yours with --prices FILE).
 */
function shippedPrices(): PriceTable {
  const table = instanceTypeTable();
  const regions: Record<string, RegionPrices> = {};
  for (const [region, sourceKey] of Object.entries(table.priceSourceByRegion)) {
    const source = table.sources[sourceKey];
    const base: Price = {
      usd: 0,
      date: source?.date ?? "not stated",
      source: `AWS on-demand Linux price, ${region}, from ${source?.module ?? sourceKey} (${source?.files.join(", ") ?? ""}) via ${table.generatedBy}`,
    };
    const ec2Hourly: Record<string, Price> = {};
    for (const type of table.types) {
      const usd = type.prices[region];
      if (usd !== undefined) ec2Hourly[type.name] = { ...base, usd };
    }
    const ebs =
      region === "us-east-1"
        ? US_EAST_1_OTHERS.ebsGp3GbMonth
        : borrowed(US_EAST_1_OTHERS.ebsGp3GbMonth, region);
    const s3 =
      region === "us-east-1"
        ? US_EAST_1_OTHERS.s3StandardGbMonth
        : borrowed(US_EAST_1_OTHERS.s3StandardGbMonth, region);
    const eks =
      region === "us-east-1"
        ? US_EAST_1_OTHERS.eksClusterHourly
        : borrowed(US_EAST_1_OTHERS.eksClusterHourly, region);
    regions[region] = {
      ec2Hourly,
      ...(ebs ? { ebsGp3GbMonth: ebs } : {}),
      ...(s3 ? { s3StandardGbMonth: s3 } : {}),
      ...(eks ? { eksClusterHourly: eks } : {}),
    };
  }
  return { currency: "USD", regions };
}

export const SHIPPED_PRICES: PriceTable = shippedPrices();

const priceEntry = z
  .object({
    usd: z.number().min(0).describe("Price in US dollars."),
    date: z.string().optional().describe("The date the source gives for the figure."),
    source: z.string().optional().describe("Where the figure comes from."),
  })
  .strict();

const regionEntry = z
  .object({
    ec2Hourly: z
      .record(z.string(), priceEntry)
      .optional()
      .describe("On-demand price per instance-hour by instance type."),
    ebsGp3GbMonth: priceEntry.optional().describe("EBS gp3 storage per GB-month."),
    s3StandardGbMonth: priceEntry.optional().describe("S3 Standard storage per GB-month."),
    eksClusterHourly: priceEntry.optional().describe("The EKS control plane fee per hour."),
  })
  .strict();

/** A `--prices FILE` (JSON or YAML): the shipped table's shape, every part optional. */
export const priceFileSchema = z
  .object({
    currency: z.literal("USD").optional().describe("Always USD (the only currency)."),
    spotDiscount: z
      .object({
        fraction: z
          .number()
          .min(0)
          .max(1)
          .describe("Share of the on-demand price saved on spot nodes (0.6: they cost 40 %)."),
        date: z.string().optional().describe("The date the source gives for the figure."),
        source: z.string().optional().describe("Where the figure comes from."),
      })
      .strict()
      .optional()
      .describe("How much cheaper spot user nodes are than on-demand ones."),
    regions: z
      .record(z.string(), regionEntry)
      .optional()
      .describe("Prices by AWS region (us-west-2, …)."),
  })
  .strict();

export type PriceFile = z.infer<typeof priceFileSchema>;

/** The shipped table with a price file's figures laid over it, entry by entry. */
export function overlayPrices(base: PriceTable, file: PriceFile, label: string): PriceTable {
  const stamp = (p: { usd: number; date?: string | undefined; source?: string | undefined }) => ({
    usd: p.usd,
    date: p.date ?? "not stated",
    source: p.source ?? label,
  });
  const regions: Record<string, RegionPrices> = { ...base.regions };
  for (const [name, entry] of Object.entries(file.regions ?? {})) {
    const old = regions[name];
    const ec2Hourly = { ...(old?.ec2Hourly ?? {}) };
    for (const [type, p] of Object.entries(entry.ec2Hourly ?? {})) ec2Hourly[type] = stamp(p);
    const pick = (key: "ebsGp3GbMonth" | "s3StandardGbMonth" | "eksClusterHourly") => {
      const p = entry[key];
      return p ? stamp(p) : old?.[key];
    };
    const ebs = pick("ebsGp3GbMonth");
    const s3 = pick("s3StandardGbMonth");
    const eks = pick("eksClusterHourly");
    regions[name] = {
      ec2Hourly,
      ...(ebs ? { ebsGp3GbMonth: ebs } : {}),
      ...(s3 ? { s3StandardGbMonth: s3 } : {}),
      ...(eks ? { eksClusterHourly: eks } : {}),
    };
  }
  const spot = file.spotDiscount;
  const spotDiscount = spot
    ? { usd: spot.fraction, date: spot.date ?? "not stated", source: spot.source ?? label }
    : base.spotDiscount;
  return { currency: "USD", regions, ...(spotDiscount ? { spotDiscount } : {}) };
}

/** The fleet's price table: the shipped one with the fleet file's `prices:` laid over it. */
export function fleetPriceTable(spec: { readonly prices?: PriceFile | undefined }): PriceTable {
  return spec.prices
    ? overlayPrices(SHIPPED_PRICES, spec.prices, "the fleet file's prices")
    : SHIPPED_PRICES;
}
