/**
 * Writes data/instance-types.json: every current general-purpose, compute, memory and GPU
 * instance type (the m, c, r, t, x, z, g and p families) with vCPU, memory, architecture, GPUs,
 * the VPC CNI's max pods without and with prefix delegation, and on-demand Linux prices per
 * region, each part from a pinned, dated Go module read through the Go module proxy:
 *
 * - github.com/aws/amazon-vpc-cni-k8s: misc/eni-max-pods.txt (max pods per type) and
 *   pkg/vpc/vpc_ip_resource_limit.go (ENIs, IPv4 addresses per ENI, hypervisor);
 * - github.com/cristim/ec2-instances-info: data/instances.json (the ec2instances.info data set:
 *   vCPU, memory, architecture, GPUs; on-demand prices for every region);
 * - github.com/aws/karpenter-provider-aws: pkg/providers/pricing/zz_generated.pricing_aws.go
 *   (on-demand prices for us-east-1 from the AWS Price List API, newer than the data set's).
 *
 * Run: `npm run gen:instance-types` (needs `go` and `unzip`; module versions below).
 * The output is committed; this script is how it is remade when a pin moves.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const VPC_CNI = "github.com/aws/amazon-vpc-cni-k8s@v1.23.2";
const SPECS = "github.com/cristim/ec2-instances-info@v0.0.0-20250528091325-32acf84f42eb";
const PRICING = "github.com/aws/karpenter-provider-aws@v1.15.2";

const OUT = fileURLToPath(new URL("../data/instance-types.json", import.meta.url));

/** Families kept: general purpose (m, t), compute (c), memory (r, x, z), GPU (g, p). */
const FAMILY = /^(m|t|c|r|x|z|g|p)\d/;
const CATEGORIES: Readonly<Record<string, string>> = {
  "General purpose": "general",
  "Compute optimized": "compute",
  "Memory optimized": "memory",
  "GPU instance": "gpu",
};

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** EKS's ceiling on max pods (amazon-eks-ami max-pods-calculator.sh): 110, or 250 above 30 vCPUs. */
export const podCeiling = (vcpu: number): number => (vcpu > 30 ? 250 : 110);

interface Module {
  readonly path: string;
  readonly version: string;
  readonly time: string;
  read(file: string): string;
}

/** A module from the Go proxy (the module cache), by `go mod download -json`. */
function goModule(spec: string): Module {
  let out: string;
  try {
    out = execFileSync("go", ["mod", "download", "-json", spec], {
      encoding: "utf8",
      env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    // A module whose go.mod asks for a newer toolchain is still downloaded: the zip is there.
    out = String((err as { stdout?: unknown }).stdout ?? "");
  }
  const info = JSON.parse(out) as {
    Path: string;
    Version: string;
    Time?: string;
    Dir?: string;
    Zip?: string;
    Info?: string;
  };
  const time =
    info.Time ??
    (info.Info ? (JSON.parse(readFileSync(info.Info, "utf8")) as { Time: string }).Time : "");
  const prefix = `${info.Path}@${info.Version}`;
  return {
    path: info.Path,
    version: info.Version,
    time,
    read(file) {
      if (info.Dir && existsSync(join(info.Dir, file))) {
        return readFileSync(join(info.Dir, file), "utf8");
      }
      if (!info.Zip) throw new Error(`${spec}: not downloaded (${out.trim()})`);
      return execFileSync("unzip", ["-p", info.Zip, `${prefix}/${file}`], {
        encoding: "utf8",
        maxBuffer: 1 << 30,
      });
    },
  };
}

export function eniMaxPods(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z0-9-]+\.[a-z0-9-]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

export interface EniLimits {
  readonly enis: number;
  readonly ipv4PerEni: number;
  readonly nitro: boolean;
}

export function eniLimits(goSource: string): Map<string, EniLimits> {
  const out = new Map<string, EniLimits>();
  const entry =
    /"([a-z0-9-]+\.[a-z0-9-]+)":\s*\{\s*ENILimit:\s*(\d+),\s*IPv4Limit:\s*(\d+),[\s\S]*?HypervisorType:\s*"([^"]*)"/g;
  for (const m of goSource.matchAll(entry)) {
    out.set(m[1] as string, {
      enis: Number(m[2]),
      ipv4PerEni: Number(m[3]),
      nitro: m[4] === "nitro" || m[4] === "",
    });
  }
  return out;
}

/** Karpenter's generated on-demand prices: region → type → USD per hour, and when made. */
export function karpenterPrices(goSource: string): {
  generated: string;
  prices: Map<string, Map<string, number>>;
} {
  const generated = /generated at (\S+)/.exec(goSource)?.[1] ?? "";
  const prices = new Map<string, Map<string, number>>();
  let region: Map<string, number> | undefined;
  for (const line of goSource.split("\n")) {
    const header = /^\s*"([a-z]{2}(?:-gov)?-[a-z]+-\d)":\s*\{/.exec(line);
    if (header) {
      region = new Map();
      prices.set(header[1] as string, region);
      continue;
    }
    if (!region) continue;
    for (const m of line.matchAll(/"([a-z0-9-]+\.[a-z0-9-]+)":\s*([0-9.]+)/g)) {
      region.set(m[1] as string, Number(m[2]));
    }
  }
  return { generated, prices };
}

/**
 * Pods with prefix delegation: each ENI address slot but the primary one takes a /28 prefix (16
 * addresses), plus 2 for host-network pods, capped at EKS's ceiling; Nitro types only.
 */
export function prefixDelegationPods(
  vcpu: number,
  maxPods: number,
  eni: EniLimits | undefined,
): number {
  if (eni?.nitro !== true) return maxPods;
  return Math.min(podCeiling(vcpu), eni.enis * (eni.ipv4PerEni - 1) * 16 + 2);
}

interface SpecRecord {
  instance_type: string;
  family: string;
  generation: string;
  vCPU: number;
  memory: number;
  arch: string[];
  GPU?: number;
  GPU_model?: string | null;
  GPU_memory?: number;
  pricing?: Record<string, { linux?: { ondemand?: string } }>;
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

function main(): void {
  const cni = goModule(VPC_CNI);
  const specs = goModule(SPECS);
  const pricing = goModule(PRICING);
  const maxPods = eniMaxPods(cni.read("misc/eni-max-pods.txt"));
  const limits = eniLimits(cni.read("pkg/vpc/vpc_ip_resource_limit.go"));
  const karpenter = karpenterPrices(
    pricing.read("pkg/providers/pricing/zz_generated.pricing_aws.go"),
  );
  const records = JSON.parse(specs.read("data/instances.json")) as SpecRecord[];
  const dataSetDate = specs.time.slice(0, 10);

  const regionSource: Record<string, string> = {};
  const types = records
    .filter(
      (r) =>
        r.generation === "current" &&
        CATEGORIES[r.family] !== undefined &&
        FAMILY.test(r.instance_type) &&
        maxPods.has(r.instance_type),
    )
    .sort((a, b) => a.instance_type.localeCompare(b.instance_type, "en", { numeric: true }))
    .map((r) => {
      const name = r.instance_type;
      const eni = limits.get(name);
      const pods = maxPods.get(name) as number;
      // Prefix delegation hands out /28 prefixes (16 addresses) per ENI slot; Nitro types only.
      const prefixPods = prefixDelegationPods(r.vCPU, pods, eni);
      const prices: Record<string, number> = {};
      for (const [region, p] of Object.entries(r.pricing ?? {})) {
        // Regions only: Local Zones and Wavelength zones are priced apart, and EKS node groups
        // of a fleet live in the region's own zones.
        if (!REGION.test(region)) continue;
        const usd = Number(p.linux?.ondemand);
        if (Number.isFinite(usd) && usd > 0) {
          prices[region] = round(usd, 6);
          regionSource[region] ??= "ec2-instances-info";
        }
      }
      for (const [region, table] of karpenter.prices) {
        const usd = table.get(name);
        if (usd !== undefined) {
          prices[region] = round(usd, 6);
          regionSource[region] = "karpenter-provider-aws";
        }
      }
      const arch = r.arch.includes("arm64") ? "arm64" : "x86_64";
      const gpus = r.GPU ?? 0;
      return {
        name,
        category: CATEGORIES[r.family],
        arch,
        vcpu: r.vCPU,
        memoryMiB: Math.round(r.memory * 1024),
        // Custom networking's limit is (ENIs − 1) × (addresses − 1) + 2: the table keeps both.
        ...(eni ? { enis: eni.enis, ipv4PerEni: eni.ipv4PerEni } : {}),
        maxPods: pods,
        maxPodsPrefixDelegation: prefixPods,
        ...(gpus > 0
          ? {
              gpus,
              gpuModel: r.GPU_model ?? "unknown",
              ...(r.GPU_memory ? { gpuMemoryGiB: r.GPU_memory } : {}),
            }
          : {}),
        prices: Object.fromEntries(Object.entries(prices).sort(([a], [b]) => a.localeCompare(b))),
      };
    });

  const sources = {
    "amazon-vpc-cni-k8s": {
      module: `${cni.path}@${cni.version}`,
      date: cni.time.slice(0, 10),
      files: ["misc/eni-max-pods.txt", "pkg/vpc/vpc_ip_resource_limit.go"],
      gives: "maxPods (eni-max-pods.txt); ENIs and IPv4 addresses per ENI for prefix delegation",
    },
    "ec2-instances-info": {
      module: `${specs.path}@${specs.version}`,
      date: dataSetDate,
      files: ["data/instances.json"],
      gives:
        "vCPU, memory, architecture, GPUs; on-demand Linux prices of every region but us-east-1 (the ec2instances.info data set)",
    },
    "karpenter-provider-aws": {
      module: `${pricing.path}@${pricing.version}`,
      date: karpenter.generated.slice(0, 10),
      files: ["pkg/providers/pricing/zz_generated.pricing_aws.go"],
      gives: `on-demand Linux prices of us-east-1 (AWS Price List API, generated ${karpenter.generated})`,
    },
  };
  const header = {
    generatedBy: "scripts/gen-instance-types.ts",
    sources,
    prefixDelegation:
      "maxPodsPrefixDelegation = min(ENIs × (IPv4 per ENI − 1) × 16 + 2, 110 for ≤ 30 vCPUs else 250), the amazon-eks-ami max-pods-calculator.sh rule; Nitro types only (others keep maxPods)",
    priceSourceByRegion: Object.fromEntries(
      Object.entries(regionSource).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
  // One type per line: a regenerated table diffs line by line.
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, "");
  const body = types.map((t) => `    ${JSON.stringify(t)}`).join(",\n");
  writeFileSync(OUT, `${head},\n  "types": [\n${body}\n  ]\n}\n`);
  console.log(`${OUT}: ${types.length} instance types`);
}

// Run as a script (not when a test imports the parsers above).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
