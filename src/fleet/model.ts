/**
 * The fleet after defaults: every hub resolved against hubDefaults, every derived default
 * (zones, the core group's zone) filled in. Renderers take this, never the raw file.
 */
import type { FieldPath } from "./problems.js";
import {
  type Authenticator,
  type FleetSpec,
  HUB_SETTING_DEFAULTS,
  type HubSpec,
  type NodeGroupName,
  type Weekday,
} from "./schema.js";

/** A weekly class session with its users resolved (default: the hub's expectedUsers). */
export interface Session {
  readonly days: readonly Weekday[];
  /** "HH:MM" */
  readonly start: string;
  /** "HH:MM"; "24:00" is midnight at the end of the day. */
  readonly end: string;
  readonly users: number;
}

export interface Hub {
  /** Position in hubs[] (for error paths). */
  readonly index: number;
  readonly name: string;
  readonly title: string;
  readonly admins: readonly string[];
  readonly authenticator: Authenticator | undefined;
  readonly image: { readonly name: string; readonly tag: string };
  readonly resources: {
    readonly cpu: { readonly guarantee: string; readonly limit: string };
    readonly memory: { readonly guarantee: string; readonly limit: string };
  };
  readonly drive: {
    readonly size: string;
    readonly storageClass: string;
    readonly sharedFolder: boolean;
    /** Pinned ClusterIP, if the fleet file sets one. */
    readonly clusterIP?: string;
  };
  readonly internetAccess: boolean;
  readonly placeholders: number;
  readonly culling: { readonly timeout: number; readonly every: number };
  readonly expectedUsers: number;
  /** Concurrent users at the busiest moment when the hub has no schedule (default: expectedUsers). */
  readonly peakUsers: number;
  /** Weekly class sessions; empty when the hub has none. */
  readonly schedule: readonly Session[];
  /** With a schedule: servers running all week on top of the sessions' users. */
  readonly idleUsers: number;
  readonly extraValues: Readonly<Record<string, unknown>>;
}

export interface NodeGroupModel {
  readonly name: NodeGroupName;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly volumeSize: number;
  /** Zones the group's nodes may be in. */
  readonly availabilityZones: readonly string[];
  readonly spot: boolean;
}

export interface FleetModel {
  /** The fleet's name: the cluster name. */
  readonly name: string;
  readonly spec: FleetSpec;
  readonly cluster: FleetSpec["cluster"] & {
    readonly availabilityZones: readonly string[];
    readonly nodeCIDR: string;
  };
  readonly nodeGroups: Readonly<Record<NodeGroupName, NodeGroupModel>>;
  readonly domain: FleetSpec["domain"];
  readonly tools: FleetSpec["tools"];
  readonly hubs: readonly Hub[];
}

export function buildModel(spec: FleetSpec): FleetModel {
  const zones = spec.cluster.availabilityZones ?? [
    `${spec.cluster.region}a`,
    `${spec.cluster.region}b`,
  ];
  const groups = spec.cluster.nodeGroups;
  const coreZone = groups.jhcontrolplane.availabilityZone ?? zones[0] ?? `${spec.cluster.region}a`;
  const group = (
    name: NodeGroupName,
    g: (typeof groups)[NodeGroupName],
    extra: { availabilityZones: readonly string[]; spot?: boolean; core: boolean },
  ): NodeGroupModel => ({
    name,
    instanceType: g.instanceType,
    minSize: g.minSize,
    maxSize: g.maxSize,
    desiredCapacity: g.desiredCapacity ?? Math.max(g.minSize, extra.core ? 1 : 0),
    volumeSize: g.volumeSize,
    availabilityZones: extra.availabilityZones,
    spot: extra.spot ?? false,
  });
  return {
    name: spec.cluster.name,
    spec,
    cluster: {
      ...spec.cluster,
      availabilityZones: zones,
      nodeCIDR:
        spec.cluster.nodeCIDR ??
        (spec.cluster.provider === "local" ? "172.16.0.0/12" : "192.168.0.0/16"),
    },
    nodeGroups: {
      clustertools: group("clustertools", groups.clustertools, {
        availabilityZones: zones,
        core: true,
      }),
      jhcontrolplane: group("jhcontrolplane", groups.jhcontrolplane, {
        availabilityZones: [coreZone],
        core: true,
      }),
      jhusers: group("jhusers", groups.jhusers, {
        availabilityZones: zones,
        spot: groups.jhusers.spot,
        core: false,
      }),
    },
    domain: spec.domain,
    tools: spec.tools,
    hubs: spec.hubs.map((hub, index) => resolveHub(hub, index, spec.hubDefaults)),
  };
}

type Settings = FleetSpec["hubDefaults"];

function resolveHub(hub: HubSpec, index: number, defaults: Settings): Hub {
  const merged = deepMerge(
    deepMerge(HUB_SETTING_DEFAULTS, defaults),
    hub,
  ) as typeof HUB_SETTING_DEFAULTS & HubSpec;
  return {
    index,
    name: hub.name,
    title: hub.title ?? hub.name,
    admins: merged.admins,
    // An authenticator is taken whole: merging a github one into an oidc one means nothing.
    authenticator: hub.authenticator ?? defaults.authenticator,
    image: merged.image,
    resources: merged.resources,
    drive: merged.drive,
    placeholders: merged.placeholders,
    internetAccess: merged.internetAccess,
    culling: merged.culling,
    expectedUsers: merged.expectedUsers,
    peakUsers: merged.peakUsers ?? merged.expectedUsers,
    schedule: merged.schedule.map((session) => ({
      days: session.days,
      start: session.start,
      end: session.end,
      users: session.users ?? merged.expectedUsers,
    })),
    idleUsers: merged.idleUsers,
    extraValues: merged.extraValues,
  };
}

/**
 * Where a hub's setting was written: in the hub itself, in hubDefaults, or nowhere (a
 * built-in default, reported at the hub). Errors point there.
 */
export function hubFieldPath(spec: FleetSpec, hub: Hub, field: FieldPath): FieldPath {
  const own = spec.hubs[hub.index];
  if (has(own, field)) return ["hubs", hub.index, ...field];
  if (has(spec.hubDefaults, field)) return ["hubDefaults", ...field];
  return ["hubs", hub.index];
}

function has(value: unknown, path: FieldPath): boolean {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== "object") return false;
    if (!Object.hasOwn(current, part)) return false;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current !== undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Merges mappings key by key; anything else (lists included) is replaced. Never mutates. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = deepMerge(base[key], value);
  }
  return out;
}
