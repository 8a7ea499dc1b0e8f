/**
 * The fleet after defaults: every hub resolved against hubDefaults, every derived default
 * (zones, the core group's zone) filled in. Renderers take this, never the raw file.
 */
import { durationHours } from "../vocabulary/durations.js";
import type { PodNetwork } from "./instanceTypes.js";
import type { FieldPath } from "./problems.js";
import {
  type AnyNodeGroupName,
  type Authenticator,
  type DatasetSpec,
  type FleetSpec,
  type FreezeSpec,
  GPU_GROUP,
  HUB_SETTING_DEFAULTS,
  type HubSpec,
  type NodeGroupName,
  type TermSpec,
  type WaveSize,
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
  /** The account finance charges the hub's cost to (hubs[].chargeCode). */
  readonly chargeCode?: string;
  /** The z2jh chart the hub's release is installed from (hubs[].chart, hubDefaults.chart). */
  readonly chart: { readonly version: string };
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
  /** Names of the data sets mounted into the hub's user servers. */
  readonly datasets: readonly string[];
  readonly placeholders: number;
  readonly culling: { readonly timeout: number; readonly every: number };
  readonly expectedUsers: number;
  /** Concurrent users at the busiest moment when the hub has no schedule (default: expectedUsers). */
  readonly peakUsers: number;
  /** Weekly class sessions; empty when the hub has none. */
  readonly schedule: readonly Session[];
  /** With a schedule: servers running all week on top of the sessions' users. */
  readonly idleUsers: number;
  /** IANA time zone the schedule's times are in. */
  readonly timeZone: string;
  /** How long before each session capacity is warmed up and changes are frozen. */
  readonly warmUp: {
    readonly leadMinutes: number;
    /** Whether placeholders follow the schedule (only meaningful with a schedule). */
    readonly enabled: boolean;
    /** Minutes from a new node's request until a user server runs on it. */
    readonly nodeStartupMinutes: number;
    /** Minutes over which a session's users log in. */
    readonly loginWindowMinutes: number;
  };
  /**
   * The term the hub is used in (inclusive local dates), resolved from a term name; absent: the
   * hub is always awake.
   */
  readonly term?: HubTerm;
  /** How long before its term's first day the hub wakes ("2d", "36h"). */
  readonly wakeBeforeTerm: string;
  /** The GPU server the hub offers beside the standard one, if any. */
  readonly gpu?: {
    readonly gpus: number;
    readonly displayName?: string;
    readonly description?: string;
  };
  readonly extraValues: Readonly<Record<string, unknown>>;
}

/** A hub's term: its first and last day ("YYYY-MM-DD", inclusive, in the hub's zone). */
export interface HubTerm {
  /** The fleet term's name, when the hub names one. */
  readonly name?: string;
  readonly start: string;
  readonly end: string;
}

/** Where a data set's files live. */
export type DatasetSource =
  | { readonly kind: "volume"; readonly storageClass: string }
  | { readonly kind: "existingVolume"; readonly volumeName: string; readonly storageClass: string }
  | { readonly kind: "nfs"; readonly server: string; readonly path: string };

export interface Dataset {
  /** Position in datasets[] (for error paths). */
  readonly index: number;
  readonly name: string;
  readonly title: string;
  readonly size: string;
  readonly source: DatasetSource;
  /** User names (lower case) whose mount is read-write. */
  readonly owners: readonly string[];
  /** Pinned ClusterIP of the data set's server, if the fleet file sets one. */
  readonly clusterIP?: string;
  /** The hubs that list the data set, in fleet order. */
  readonly hubs: readonly string[];
}

export interface NodeGroupModel {
  readonly name: AnyNodeGroupName;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly volumeSize: number;
  /** kubelet's maxPods when the fleet file sets it; otherwise the instance type's VPC CNI limit. */
  readonly maxPodsPerNode?: number;
  /** Zones the group's nodes may be in. */
  readonly availabilityZones: readonly string[];
  readonly spot: boolean;
  /** Where the group's pods take addresses: custom on EKS with cluster.podCIDR. */
  readonly podNetwork: PodNetwork;
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
  /** cluster.nodeGroups.jhgpu, when the fleet has GPU nodes. */
  readonly gpuGroup?: NodeGroupModel;
  readonly domain: FleetSpec["domain"];
  readonly tools: FleetSpec["tools"];
  readonly hubs: readonly Hub[];
  readonly datasets: readonly Dataset[];
  /** How apply rolls changes out (canaries, waves); absent: every hub at once. */
  readonly rollout?: RolloutSettings;
  /** Fleet-wide change freezes (inclusive local dates). */
  readonly freeze: readonly FreezeSpec[];
  /** The fleet's named terms (hubs[].term names one). */
  readonly terms: readonly TermSpec[];
}

export interface RolloutSettings {
  readonly canary: readonly string[];
  readonly waves?: WaveSize | readonly WaveSize[];
  readonly pauseMs: number;
}

export function buildModel(spec: FleetSpec): FleetModel {
  const zones = spec.cluster.availabilityZones ?? [
    `${spec.cluster.region}a`,
    `${spec.cluster.region}b`,
  ];
  const groups = spec.cluster.nodeGroups;
  const coreZone = groups.jhcontrolplane.availabilityZone ?? zones[0] ?? `${spec.cluster.region}a`;
  // flatMap skips holes: a hub left out for its own schema errors (see partial.ts).
  const hubs = spec.hubs.flatMap((hub, index) => [
    resolveHub(hub, index, spec.hubDefaults, spec.terms),
  ]);
  const podNetwork: PodNetwork =
    spec.cluster.provider === "eks" && spec.cluster.podCIDR !== undefined ? "custom" : "default";
  const group = (
    name: AnyNodeGroupName,
    g: (typeof groups)[NodeGroupName],
    extra: { availabilityZones: readonly string[]; spot?: boolean; core: boolean },
  ): NodeGroupModel => ({
    name,
    instanceType: g.instanceType,
    minSize: g.minSize,
    maxSize: g.maxSize,
    desiredCapacity: g.desiredCapacity ?? Math.max(g.minSize, extra.core ? 1 : 0),
    volumeSize: g.volumeSize,
    ...(g.maxPodsPerNode !== undefined ? { maxPodsPerNode: g.maxPodsPerNode } : {}),
    availabilityZones: extra.availabilityZones,
    spot: extra.spot ?? false,
    podNetwork,
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
    ...(groups.jhgpu
      ? {
          gpuGroup: group(GPU_GROUP, groups.jhgpu, {
            availabilityZones: zones,
            spot: groups.jhgpu.spot,
            core: false,
          }),
        }
      : {}),
    domain: spec.domain,
    tools: spec.tools,
    hubs,
    datasets: spec.datasets.flatMap((dataset, index) => [resolveDataset(dataset, index, hubs)]),
    ...(spec.rollout
      ? {
          rollout: {
            canary: spec.rollout.canary,
            ...(spec.rollout.waves !== undefined ? { waves: spec.rollout.waves } : {}),
            pauseMs: Math.round((durationHours(spec.rollout.pause) ?? 0) * 3_600_000),
          },
        }
      : {}),
    freeze: spec.freeze,
    terms: spec.terms,
  };
}

function resolveDataset(dataset: DatasetSpec, index: number, hubs: readonly Hub[]): Dataset {
  return {
    index,
    name: dataset.name,
    title: dataset.title ?? dataset.name,
    size: dataset.size,
    source: datasetSource(dataset.source),
    owners: dataset.owners.map((owner) => owner.toLowerCase()),
    ...(dataset.clusterIP === undefined ? {} : { clusterIP: dataset.clusterIP }),
    hubs: hubs.filter((hub) => hub.datasets.includes(dataset.name)).map((hub) => hub.name),
  };
}

/** The source a data set names; validate reports a source naming more than one. */
function datasetSource(source: DatasetSpec["source"]): DatasetSource {
  if (source.existingVolume) {
    const { name, storageClass } = source.existingVolume;
    return { kind: "existingVolume", volumeName: name, storageClass };
  }
  if (source.nfs) return { kind: "nfs", server: source.nfs.server, path: source.nfs.path };
  return { kind: "volume", storageClass: source.volume?.storageClass ?? "hubfleet-drive" };
}

type Settings = FleetSpec["hubDefaults"];

/** A duration from the fleet file in whole minutes (validated before; the fallback is its default). */
function minutesOf(text: string | undefined, fallback: number): number {
  const hours = text === undefined ? undefined : durationHours(text);
  return hours === undefined ? fallback : Math.round(hours * 60);
}

/**
 * A hub's term from what it (or hubDefaults) wrote; a name the fleet does not define resolves to
 * none (validate reports it, so such a fleet is never rendered).
 */
function resolveTerm(written: HubSpec["term"], terms: readonly TermSpec[]): HubTerm | undefined {
  if (written === undefined) return undefined;
  if (typeof written !== "string") return { start: written.start, end: written.end };
  const named = terms.find((t) => t.name === written);
  return named ? { name: named.name, start: named.start, end: named.end } : undefined;
}

function resolveHub(
  hub: HubSpec,
  index: number,
  defaults: Settings,
  terms: readonly TermSpec[],
): Hub {
  const merged = deepMerge(
    deepMerge(HUB_SETTING_DEFAULTS, defaults),
    hub,
  ) as typeof HUB_SETTING_DEFAULTS & HubSpec;
  return {
    index,
    name: hub.name,
    title: hub.title ?? hub.name,
    ...(hub.chargeCode !== undefined ? { chargeCode: hub.chargeCode } : {}),
    chart: { version: merged.chart.version },
    admins: merged.admins,
    // An authenticator is taken whole: merging a github one into an oidc one means nothing.
    authenticator: hub.authenticator ?? defaults.authenticator,
    image: merged.image,
    resources: {
      // A CPU amount may be written as a number (cpu: 2); the model holds the quantity text.
      cpu: {
        guarantee: String(merged.resources.cpu.guarantee),
        limit: String(merged.resources.cpu.limit),
      },
      memory: merged.resources.memory,
    },
    drive: merged.drive,
    datasets: merged.datasets,
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
    timeZone: merged.timeZone,
    warmUp: {
      leadMinutes: minutesOf(merged.warmUp.lead, 30),
      enabled: merged.warmUp.enabled ?? true,
      nodeStartupMinutes: minutesOf(merged.warmUp.nodeStartup, 3),
      loginWindowMinutes: minutesOf(merged.warmUp.loginWindow, 8),
    },
    ...termField(resolveTerm(hub.term ?? defaults.term, terms)),
    wakeBeforeTerm: merged.wakeBeforeTerm,
    ...(merged.gpu ? { gpu: merged.gpu } : {}),
    extraValues: merged.extraValues,
  };
}

const termField = (term: HubTerm | undefined) => (term ? { term } : {});

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
