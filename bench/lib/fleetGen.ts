/**
 * Generated fleet files of any size for the bench: valid, deterministic (seeded), hubs of mixed
 * sizes like a university's classes and research groups.
 */
import { stringify } from "yaml";
import { parseFleet } from "../../src/fleet/load.js";
import type { FleetModel } from "../../src/fleet/model.js";

/** Per-user guarantees and limits of the hub sizes the generator mixes. */
export const HUB_SIZES = [
  { cpu: ["0.25", "1"], memory: ["512Mi", "1Gi"], weight: 4 },
  { cpu: ["0.5", "2"], memory: ["1Gi", "2Gi"], weight: 3 },
  { cpu: ["1", "2"], memory: ["2Gi", "4Gi"], weight: 2 },
  { cpu: ["0.5", "2"], memory: ["4Gi", "6Gi"], weight: 1 },
  { cpu: ["2", "4"], memory: ["8Gi", "12Gi"], weight: 1 },
] as const;

export interface FleetShape {
  readonly name: string;
  readonly hubs: number;
  readonly seed?: number;
  readonly coreInstanceType?: string;
  readonly userInstanceType?: string;
  /** "cycle": hub i gets size class i mod 5 (every size present); default: weighted random. */
  readonly sizes?: "weighted" | "cycle";
  /** Placeholders per hub (warm capacity): every `placeholderEvery`-th hub gets one. */
  readonly placeholderEvery?: number;
  /** Override hub i's memory limit (to change one hub between applies). */
  readonly memoryLimitOf?: ReadonlyMap<number, string>;
  /** Pinned drive addresses (hub index -> ClusterIP), for hubs whose derived ones collide. */
  readonly driveAddressOf?: ReadonlyMap<number, string>;
}

/**
 * A small deterministic generator (mulberry32), so every bench run uses the same fleets. The
 * seed is scrambled first: nearby seeds (hub 0, hub 1, ...) must not give nearby sequences.
 */
export function seeded(seed: number): () => number {
  let state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function pickWeighted<T extends { readonly weight: number }>(
  items: readonly T[],
  random: () => number,
): T {
  const total = items.reduce((sum, i) => sum + i.weight, 0);
  let at = random() * total;
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item;
  }
  return items[items.length - 1] as T;
}

export function hubName(fleet: string, index: number): string {
  return `${fleet}-${String(index).padStart(3, "0")}`;
}

/** The size class of hub `index` of a generated fleet. */
export function hubSize(shape: Pick<FleetShape, "seed" | "sizes">, index: number) {
  if (shape.sizes === "cycle")
    return HUB_SIZES[index % HUB_SIZES.length] as (typeof HUB_SIZES)[number];
  return pickWeighted(HUB_SIZES, seeded((shape.seed ?? 1) * 7919 + index));
}

export function generateFleet(shape: FleetShape): string {
  const hubs = Array.from({ length: shape.hubs }, (_, i) => {
    const size = hubSize(shape, i);
    const every = shape.placeholderEvery ?? 0;
    return {
      name: hubName(shape.name, i),
      title: `Generated hub ${i}`,
      admins: [`admin-${i}`],
      expectedUsers: 10 + (i % 90),
      ...(every > 0 && i % every === 0 ? { placeholders: 1 } : {}),
      resources: {
        cpu: { guarantee: size.cpu[0], limit: size.cpu[1] },
        memory: {
          guarantee: size.memory[0],
          limit: shape.memoryLimitOf?.get(i) ?? size.memory[1],
        },
      },
      drive: {
        size: `${10 * (1 + (i % 5))}Gi`,
        ...(shape.driveAddressOf?.has(i) ? { clusterIP: shape.driveAddressOf.get(i) } : {}),
      },
    };
  });
  const doc = {
    apiVersion: "hubfleet/v1alpha1",
    kind: "Fleet",
    cluster: {
      name: shape.name,
      provider: "eks",
      region: "us-west-2",
      availabilityZones: ["us-west-2a", "us-west-2b"],
      nodeGroups: {
        clustertools: { instanceType: "t3a.medium", minSize: 1, maxSize: 2 },
        jhcontrolplane: {
          instanceType: shape.coreInstanceType ?? "m5.4xlarge",
          minSize: 1,
          // Enough core nodes for every hub's core pods (at most five a hub, ~230 pods a node):
          // validate refuses a fleet whose core pods do not fit at maxSize.
          maxSize: Math.max(10, Math.ceil((shape.hubs * 5) / 200)),
          availabilityZone: "us-west-2a",
        },
        jhusers: {
          instanceType: shape.userInstanceType ?? "m5.4xlarge",
          minSize: 0,
          // The hubs' users all week need about 2.7 nodes a hub: room for them, or validate
          // refuses the fleet.
          maxSize: Math.max(200, shape.hubs * 4),
        },
      },
    },
    domain: { host: "hubs.bench.example.edu", routing: "subdomain" },
    // Hubs only: the cluster tools' charts cannot be fetched here, and these figures are about hubs.
    tools: {
      ingress: { enabled: false },
      certManager: { enabled: false },
      autoscaler: { enabled: false },
      monitoring: { enabled: false },
      backups: { enabled: false },
    },
    hubDefaults: {
      authenticator: {
        type: "github",
        clientId: "Iv1.0123456789abcdef",
        clientSecret: { secretName: "github-oauth", key: "client-secret" },
        allowedOrganizations: ["example-university"],
      },
    },
    hubs,
  };
  return `# Generated by bench/lib/fleetGen.ts (${shape.hubs} hubs, seed ${shape.seed ?? 1}).\n${stringify(doc)}`;
}

/**
 * A generated fleet that validates: hubs whose derived drive addresses collide get pinned ones
 * from the start of the service range, as validate's hint tells an operator to do.
 */
export function validGeneratedFleet(shape: FleetShape): {
  text: string;
  fleet: FleetModel;
  pins: ReadonlyMap<number, string>;
} {
  const pinned = new Map(shape.driveAddressOf ?? []);
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const text = generateFleet({ ...shape, driveAddressOf: pinned });
    const result = parseFleet(text, `${shape.name}.yaml`);
    if (result.fleet) return { text, fleet: result.fleet, pins: pinned };
    const colliding = result.problems.flatMap((p) => {
      const m = /^hubs\[(\d+)\]$/.exec(p.path);
      return m && /drive address/.test(p.message) ? [Number(m[1])] : [];
    });
    if (colliding.length === 0) {
      throw new Error(
        `generated fleet ${shape.name} does not validate:\n${result.problems
          .map((p) => `${p.path}: ${p.message}`)
          .join("\n")}`,
      );
    }
    for (const index of colliding) pinned.set(index, `10.100.0.${100 + pinned.size}`);
  }
  throw new Error(`generated fleet ${shape.name}: drive addresses keep colliding`);
}
