/**
 * The fleet's health in one table: a few listings (releases, pods, nodes, check records) and
 * one question to each hub's API, then a pure summary.
 */

import { DateTime } from "luxon";
import { backupsPerYear } from "../capacity/backups.js";
import { planNodes } from "../capacity/model.js";
import { type HubWarmUp, hubWarmUps, wantedPlaceholders } from "../capacity/warmup.js";
import type { FleetModel, Hub } from "../fleet/model.js";
import { NODE_GROUP_NAMES } from "../fleet/schema.js";
import { describeSession, nextSession } from "../fleet/sessionClock.js";
import { asleepHubs, sleepCell } from "../fleet/terms.js";
import type { HelmPort } from "../ports/helm.js";
import type { HelmReleaseInfo } from "../ports/helmParse.js";
import type { HubHttpPort } from "../ports/hubHttp.js";
import type { KubePort } from "../ports/kube.js";
import { hubRoute, hubUrl } from "../render/hub/routing.js";
import { hubWarmsUp } from "../render/hub/warmUp.js";
import { renderTools } from "../render/tools/index.js";
import type { RenderedTool } from "../render/tools/tool.js";
import { VELERO_RELEASE } from "../render/tools/velero.js";
import { COMPONENT_LABEL, INSTANCE_LABEL, NODE_GROUP_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { checkBackups, type HubBackupCheck } from "./backupCheck.js";
import type { CheckRecord } from "./checkRecord.js";
import { type DriveReading, readDriveUsage } from "./driveUsage.js";
import { type ApiHealth, probeHubApis, readCheckRecords } from "./hubHealth.js";

export interface HubStatus {
  readonly hub: string;
  readonly url: string;
  readonly release: string;
  readonly chart: string;
  readonly hubReady: boolean;
  readonly proxyReady: boolean;
  readonly driveReady: boolean;
  readonly userServers: number;
  readonly placeholders: { readonly running: number; readonly total: number };
  /** Whether JupyterHub answers at `<url>hub/health`; absent when status did not ask. */
  readonly api?: ApiHealth;
  /** The last `hubfleet check` of the hub; null when it was never checked. */
  readonly lastCheck: LastCheck | null;
  /** How full the drive is and each home's size (its metrics sidecar); absent when not asked. */
  readonly drive?: DriveReading;
  /** The schedule-driven warm-up (hubs with a schedule and warmUp.enabled); absent otherwise. */
  readonly warmUp?: WarmUpStatus;
  /**
   * Set when the hub is asleep (outside its term): "asleep until 2027-01-17" or "asleep, no
   * later term". A sleeping hub runs no pods on purpose; it is not unhealthy.
   */
  readonly asleep?: string;
}

export interface WarmUpStatus {
  /** Placeholders the schedule wants now (the warm level in a window, else the idle level). */
  readonly wanted: number;
  /** Placeholder pods running now. */
  readonly running: number;
  /** The session whose warm-up or session holds now, as the fleet file says it. */
  readonly current?: string;
  /** The next warm-up start: the instant, the hub's local time and zone, and its session. */
  readonly next?: {
    readonly at: string;
    readonly local: string;
    readonly placeholders: number;
    readonly session: string;
  };
}

/**
 * Pure: a hub's warm-up at `now` from the capacity model's levels (what KEDA is told to hold)
 * and the placeholder pods running.
 */
export function warmUpStatus(hub: Hub, plan: HubWarmUp, running: number, now: Date): WarmUpStatus {
  const { placeholders, window } = wantedPlaceholders(hub, plan, now);
  const next = nextSession(hub, now);
  const local = (d: Date) =>
    `${DateTime.fromJSDate(d, { zone: hub.timeZone }).toFormat("ccc yyyy-MM-dd HH:mm")} ${hub.timeZone}`;
  return {
    wanted: placeholders,
    running,
    ...(window ? { current: describeSession(hub, window) } : {}),
    ...(next
      ? {
          next: {
            at: next.warmFrom.toISOString(),
            local: local(next.warmFrom),
            placeholders: plan.sessions[next.index]?.placeholders ?? plan.idle,
            session: describeSession(hub, next),
          },
        }
      : {}),
  };
}

/** Pure: the sleeping hubs at `now` marked on their rows. */
export function withTerms(status: FleetStatus, fleet: FleetModel, now: Date): FleetStatus {
  const sleeping = asleepHubs(fleet, now);
  if (sleeping.size === 0) return status;
  return {
    ...status,
    hubs: status.hubs.map((row) => {
      const state = sleeping.get(row.hub);
      return state ? { ...row, asleep: sleepCell(state) } : row;
    }),
  };
}

/** Pure: the warm-up of every warming hub added to its row (a sleeping hub warms nothing). */
export function withWarmUp(status: FleetStatus, fleet: FleetModel, now: Date): FleetStatus {
  const sleeping = asleepHubs(fleet, now);
  const warming = fleet.hubs.filter((h) => hubWarmsUp(fleet, h) && !sleeping.has(h.name));
  if (warming.length === 0) return status;
  const nodes = planNodes(fleet);
  const plans = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  );
  return {
    ...status,
    hubs: status.hubs.map((row) => {
      const i = fleet.hubs.findIndex((h) => h.name === row.hub);
      const hub = fleet.hubs[i];
      const plan = plans[i];
      if (!hub || !plan || !warming.includes(hub)) return row;
      return { ...row, warmUp: warmUpStatus(hub, plan, row.placeholders.running, now) };
    }),
  };
}

export interface LastCheck {
  /** When it started (ISO 8601, UTC). */
  readonly time: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** The first failure's message. */
  readonly message?: string;
}

export interface NodeGroupStatus {
  readonly group: string;
  readonly nodes: number;
  readonly ready: number;
}

/** A cluster tool: its release, and how many of its pods are ready. */
export interface ToolStatus {
  readonly tool: string;
  readonly namespace: string;
  readonly release: string;
  readonly chart: string;
  readonly podsReady: number;
  readonly pods: number;
}

export interface FleetStatus {
  readonly tools: readonly ToolStatus[];
  readonly hubs: readonly HubStatus[];
  readonly nodeGroups: readonly NodeGroupStatus[];
  /** Per hub, whether Velero really copied its drive and database lately (when backups are on). */
  readonly backups?: readonly HubBackupCheck[];
}

interface PodLike {
  metadata: { namespace?: string; labels?: Record<string, string> };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

export function podReady(pod: PodLike): boolean {
  return (
    pod.status?.phase === "Running" &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

function nodeReady(node: KubeObject): boolean {
  const conditions = (
    node.status as { conditions?: Array<{ type: string; status: string }> } | undefined
  )?.conditions;
  return (conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * A tool's pods: in its namespace, labelled with its release as instance (charts label their
 * pods app.kubernetes.io/instance=<release>, sometimes with a suffix such as
 * "<release>-prometheus") or with release=<release>.
 */
function belongsToTool(pod: PodLike, tool: { name: string; namespace: string }): boolean {
  if (pod.metadata.namespace !== tool.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  const instance = labels[INSTANCE_LABEL];
  return (
    instance === tool.name ||
    (instance?.startsWith(`${tool.name}-`) ?? false) ||
    labels.release === tool.name
  );
}

/** Pure: the table from what was listed. */
export function summarizeStatus(
  fleet: FleetModel,
  releases: readonly HelmReleaseInfo[],
  pods: readonly KubeObject[],
  nodes: readonly KubeObject[],
  rendered: readonly RenderedTool[] = renderTools(fleet),
): FleetStatus {
  const tools = rendered.map((tool): ToolStatus => {
    const release = releases.find((r) => r.namespace === tool.namespace && r.name === tool.name);
    const own = (pods as unknown as PodLike[]).filter((p) => belongsToTool(p, tool));
    return {
      tool: tool.name,
      namespace: tool.namespace,
      release: release?.status ?? "not installed",
      chart: release ? `${release.chartName}-${release.chartVersion}` : "-",
      podsReady: own.filter(podReady).length,
      pods: own.length,
    };
  });
  const hubs = fleet.hubs.map((hub): HubStatus => {
    const own = (pods as unknown as PodLike[]).filter((p) => p.metadata.namespace === hub.name);
    const byComponent = (c: string) => own.filter((p) => p.metadata.labels?.component === c);
    const anyReady = (c: string) => byComponent(c).some(podReady);
    const release = releases.find((r) => r.namespace === hub.name && r.name === hub.name);
    const placeholders = byComponent("user-placeholder");
    return {
      hub: hub.name,
      url: hubUrl(hubRoute(fleet, hub)),
      release: release?.status ?? "not installed",
      chart: release ? `${release.chartName}-${release.chartVersion}` : "-",
      hubReady: anyReady("hub"),
      proxyReady: anyReady("proxy"),
      driveReady: own.some((p) => p.metadata.labels?.[COMPONENT_LABEL] === "drive" && podReady(p)),
      userServers: byComponent("singleuser-server").filter(podReady).length,
      placeholders: { running: placeholders.filter(podReady).length, total: hub.placeholders },
      lastCheck: null,
    };
  });
  const nodeGroups = NODE_GROUP_NAMES.map((group) => {
    const members = nodes.filter((n) => n.metadata.labels?.[NODE_GROUP_LABEL] === group);
    return { group, nodes: members.length, ready: members.filter(nodeReady).length };
  });
  return { tools, hubs, nodeGroups };
}

/** Pure: the hubs' API answers and last checks added to their rows. */
export function withHubHealth(
  status: FleetStatus,
  api: ReadonlyMap<string, ApiHealth> | undefined,
  checks: ReadonlyMap<string, CheckRecord>,
): FleetStatus {
  return {
    ...status,
    hubs: status.hubs.map((h) => {
      const check = checks.get(h.hub);
      const health = api?.get(h.hub);
      return {
        ...h,
        ...(health ? { api: health } : {}),
        lastCheck: check
          ? {
              time: check.time,
              ok: check.ok,
              durationMs: check.durationMs,
              ...(check.message ? { message: check.message } : {}),
            }
          : null,
      };
    }),
  };
}

/**
 * Whether a hub looks healthy: release deployed, core pods ready, API answering, last check not
 * failed. A sleeping hub only needs its release deployed: it runs no pods on purpose.
 */
export function hubHealthy(h: HubStatus): boolean {
  if (h.asleep !== undefined) return h.release === "deployed";
  return (
    h.release === "deployed" &&
    h.hubReady &&
    h.proxyReady &&
    h.driveReady &&
    (h.api?.answering ?? true) &&
    (h.lastCheck?.ok ?? true)
  );
}

export interface StatusOptions {
  /** Only these hubs (default: all). */
  readonly hubs?: readonly string[];
  /** Where to reach a hub instead of its public URL (--url HUB=URL). */
  readonly urls?: ReadonlyMap<string, string>;
  readonly apiTimeoutMs?: number;
  /** The moment the schedule is read at (default: the clock). */
  readonly now?: Date;
}

export async function fleetStatus(
  ports: { kube: KubePort; helm: HelmPort; http?: HubHttpPort },
  fleet: FleetModel,
  options: StatusOptions = {},
): Promise<FleetStatus> {
  // Rendered once: the tools' releases are what status looks for, Velero's decides backups.
  const rendered = renderTools(fleet);
  const backedUp = rendered.some((t) => t.name === VELERO_RELEASE);
  const [releases, pods, nodes, backups] = await Promise.all([
    ports.helm.listAll(),
    ports.kube.list("v1", "Pod"),
    ports.kube.list("v1", "Node"),
    backedUp
      ? checkBackups(ports.kube, fleet, { maxAgeHours: backupMaxAgeHours(fleet) })
      : undefined,
  ]);
  const only = options.hubs ? new Set(options.hubs) : undefined;
  const now = options.now ?? new Date();
  const summary = withTerms(summarizeStatus(fleet, releases, pods, nodes, rendered), fleet, now);
  const hubs = summary.hubs.filter((h) => !only || only.has(h.hub));
  const [api, checks, drives] = await Promise.all([
    ports.http
      ? probeHubApis(
          ports.http,
          // A sleeping hub's URL answers with the asleep page: no API to ask.
          new Map(
            hubs.filter((h) => !h.asleep).map((h) => [h.hub, options.urls?.get(h.hub) ?? h.url]),
          ),
          options.apiTimeoutMs,
        )
      : undefined,
    readCheckRecords(ports.kube, fleet.name),
    // Only running drives: a drive that is not ready has no metrics to give.
    readDriveUsage(
      ports.kube,
      hubs.filter((h) => h.driveReady).map((h) => h.hub),
    ),
  ]);
  const withDrives = hubs.map((h) => {
    const drive = drives.get(h.hub);
    return drive ? { ...h, drive } : h;
  });
  const status = withWarmUp(
    withHubHealth({ ...summary, hubs: withDrives }, api, checks),
    fleet,
    now,
  );
  const ownBackups = backups?.filter((b) => !only || only.has(b.hub));
  return ownBackups ? { ...status, backups: ownBackups } : status;
}

/** A backup counts as missing when two scheduled runs have passed without one (at least a day). */
export function backupMaxAgeHours(fleet: FleetModel): number {
  const perYear = backupsPerYear(fleet.tools.backups.schedule);
  const period = perYear ? (365 * 24) / perYear : 24;
  return Math.max(24, Math.ceil(2 * period));
}
