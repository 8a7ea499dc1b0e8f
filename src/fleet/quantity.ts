/**
 * Kubernetes resource quantities ("500m", "2", "1.5Gi", "1e3"): parsing to numbers so that
 * guarantees, limits and node capacity can be compared before anything reaches a cluster.
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|n|u|m|k|M|G|T|P|E)?$/;

/** The value of a quantity in base units (cores, bytes), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? "";
  if (suffix in BINARY) return number * (BINARY[suffix] as number);
  if (suffix in DECIMAL) return number * (DECIMAL[suffix] as number);
  return number * 10 ** Number(suffix.slice(1));
}

/** Formats bytes the way a person reads them: "3.5 GiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}

export function formatCpu(cores: number): string {
  return Number.isInteger(cores) ? `${cores}` : `${Math.round(cores * 1000)}m`;
}

/** What a quantity in the fleet file measures; each is worded and hinted in its own terms. */
export type QuantityKind = "cpu" | "memory" | "storage";

const WHAT: Record<QuantityKind, { name: string; example: string; hint: string }> = {
  cpu: {
    name: "a CPU amount",
    example: '"2", "0.5" or "500m"',
    hint: "write cores as a number (2, 0.5) or thousandths of a core with m (500m)",
  },
  memory: {
    name: "a memory amount",
    example: '"512Mi" or "4Gi"',
    hint: "write a number with a suffix: Mi, Gi (powers of 1024) or M, G (powers of 1000)",
  },
  storage: {
    name: "a storage size",
    example: '"50Gi"',
    hint: "write a number with a suffix: Gi, Ti (powers of 1024) or G, T (powers of 1000)",
  },
};

/** "10GB", "500 MB": the way people write sizes, which Kubernetes does not read. */
const BYTE_SUFFIX = /^\s*[0-9.]+\s*([kKMGTPE])i?B\s*$/;

/**
 * Why `text` is not a usable quantity of this kind (not one, or not above zero), with a hint;
 * undefined when it is fine.
 */
export function quantityProblem(
  text: string,
  kind: QuantityKind,
  zeroAllowed: boolean,
): { message: string; hint: string } | undefined {
  const what = WHAT[kind];
  const value = parseQuantity(text);
  if (value === undefined) {
    const unit = BYTE_SUFFIX.exec(text)?.[1];
    return {
      message: `${JSON.stringify(text)} is not ${what.name}: write a Kubernetes quantity such as ${what.example}`,
      hint:
        kind !== "cpu" && unit !== undefined
          ? `"${unit}B" is not a Kubernetes suffix: use ${unit.toUpperCase()} (powers of 1000) or ${unit.toUpperCase()}i (powers of 1024), without a space`
          : what.hint,
    };
  }
  if (value < 0 || (value === 0 && !zeroAllowed)) {
    return {
      message: `${JSON.stringify(text)} is not ${what.name}: it must be ${zeroAllowed ? "zero or more" : "above zero"}`,
      hint:
        kind === "storage"
          ? `give the size the volume should have, e.g. ${what.example}`
          : zeroAllowed
            ? "a guarantee of 0 reserves nothing; a negative one means nothing"
            : `give the most one user may use, e.g. ${what.example}`,
    };
  }
  return undefined;
}
