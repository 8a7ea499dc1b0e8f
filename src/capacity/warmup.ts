/**
 * How many user placeholders each hub holds, when: its idle level outside sessions and its warm
 * headroom from each session's warm-up until the session ends, from the same model as
 * plan-capacity (the hub's user request packed on the user group's instance type). Pure: the
 * warm-up renderer, plan-capacity, status and the class-start bench all read it from here.
 */
import type { FleetModel, Hub, Session } from "../fleet/model.js";
import { type SessionWindow, sessionWindows } from "../fleet/sessionClock.js";
import type { Bundle, Manifest } from "../render/bundle.js";
import { hubWarmsUp, renderWarmUp } from "../render/hub/warmUp.js";
import { type RenderOptions, renderFleet } from "../render/index.js";
import { arrivedShare } from "./arrivals.js";
import { podsPerNode } from "./binpack.js";
import { type NodePlan, planNodes } from "./model.js";
import type { GroupPlan } from "./nodes.js";
import type { PodRequest } from "./workloads.js";

/** What warmHeadroom needs to know about one session of one hub. */
export interface HeadroomInput {
  /** The session's users (they all log in within `loginWindowMinutes`). */
  readonly users: number;
  /** How many of the hub's user servers one empty user node holds (plan-capacity's usersPerNode). */
  readonly usersPerNode: number;
  /** Minutes from a preempted placeholder's new-node request until a server runs on that node. */
  readonly nodeStartupMinutes: number;
  /** Minutes over which the session's users log in. */
  readonly loginWindowMinutes: number;
  /** The user group's maxSize: more placeholders than its nodes hold would only sit pending. */
  readonly maxNodes: number;
  /** The hub's `placeholders` setting: never fewer than that, in a session or not. */
  readonly idle: number;
}

export interface Headroom {
  /** Placeholders to hold from the warm-up until the session ends. */
  readonly placeholders: number;
  /** Logins expected within one node start-up, before rounding to whole nodes and capping. */
  readonly loginsPerStartup: number;
  /** Nodes the placeholders fill. */
  readonly nodes: number;
  /** What set the number: the rate rule, the session's users, the group's size or the idle level. */
  readonly limit: "rate" | "users" | "maxSize" | "idle";
}

/**
 * The warm headroom of one session. Logins preempt placeholders; each preempted placeholder goes
 * pending and the autoscaler starts a node for it, which takes nodeStartup. So the headroom need
 * not hold the whole class, only the logins that arrive before the nodes they triggered are up:
 * the class's logins in the first nodeStartup of its loginWindow, on the front-loaded arrival
 * curve (src/capacity/arrivals.ts: most students log in at the start, so that first stretch is
 * the busiest), rounded up to whole nodes (a node the placeholders bring up costs the same full
 * or not), at most the session's users (more is never used), at most what maxSize nodes hold,
 * and never below the idle level.
 */
export function warmHeadroom(input: HeadroomInput): Headroom {
  const perNode = Math.max(0, Math.floor(input.usersPerNode));
  const share = arrivedShare(input.nodeStartupMinutes, input.loginWindowMinutes);
  const loginsPerStartup = Math.ceil(input.users * share - 1e-9);
  let placeholders = loginsPerStartup;
  let limit: Headroom["limit"] = "rate";
  if (perNode >= 1) placeholders = Math.ceil(placeholders / perNode) * perNode;
  if (placeholders >= input.users) {
    placeholders = input.users;
    limit = "users";
  }
  const groupRoom = perNode * Math.max(0, input.maxNodes);
  if (placeholders > groupRoom) {
    placeholders = groupRoom;
    limit = "maxSize";
  }
  if (placeholders <= input.idle) {
    placeholders = input.idle;
    limit = "idle";
  }
  return {
    placeholders,
    loginsPerStartup,
    nodes: perNode >= 1 ? Math.ceil(placeholders / perNode) : 0,
    limit,
  };
}

/** One session's warm level, as plan-capacity and the renderer show it. */
export interface SessionHeadroom extends Headroom {
  /** Position in the hub's schedule. */
  readonly index: number;
  readonly session: Session;
}

/** A hub's placeholder levels through the week. */
export interface HubWarmUp {
  readonly hub: string;
  /** False for a hub without a schedule or with warmUp.enabled false: it stays at `idle`. */
  readonly enabled: boolean;
  readonly idle: number;
  readonly leadMinutes: number;
  readonly sessions: readonly SessionHeadroom[];
}

/** The users of the hub's requests one empty user node holds (0 when none fit). */
export function usersPerNode(users: GroupPlan, request: PodRequest): number {
  const k = podsPerNode(users.room, request).count;
  return Number.isFinite(k) ? k : users.room.pods;
}

/** Every hub's warm-up plan, from the fleet and the user group's plan (planNodes). */
export function hubWarmUps(
  fleet: FleetModel,
  users: GroupPlan,
  requests: readonly PodRequest[],
): HubWarmUp[] {
  return fleet.hubs.map((hub, i) => {
    const perNode = usersPerNode(users, requests[i] ?? { cpuMillis: 0, memoryMiB: 0 });
    return hubWarmUp(hub, perNode, users.maxSize);
  });
}

export function hubWarmUp(hub: Hub, perNode: number, maxNodes: number): HubWarmUp {
  const enabled = hub.warmUp.enabled && hub.schedule.length > 0;
  return {
    hub: hub.name,
    enabled,
    idle: hub.placeholders,
    leadMinutes: hub.warmUp.leadMinutes,
    sessions: enabled
      ? hub.schedule.map((session, index) => ({
          index,
          session,
          ...warmHeadroom({
            users: session.users,
            usersPerNode: perNode,
            nodeStartupMinutes: hub.warmUp.nodeStartupMinutes,
            loginWindowMinutes: hub.warmUp.loginWindowMinutes,
            maxNodes,
            idle: hub.placeholders,
          }),
        }))
      : [],
  };
}

/**
 * Placeholders the schedule wants at `now`: the warm level of the session whose warm-up or
 * session holds `now` (the highest, if sessions overlap), else the idle level.
 */
export function wantedPlaceholders(
  hub: Hub,
  plan: HubWarmUp,
  now: Date,
): { readonly placeholders: number; readonly window?: SessionWindow } {
  if (!plan.enabled) return { placeholders: plan.idle };
  const open = sessionWindows(hub, now, new Date(now.getTime() + 1)).filter(
    (w) => w.warmFrom.getTime() <= now.getTime() && now < w.end,
  );
  const first = open[0];
  if (!first) return { placeholders: plan.idle };
  const levels = open.map((w) => plan.sessions[w.index]?.placeholders ?? plan.idle);
  return { placeholders: Math.max(plan.idle, ...levels), window: first };
}

/**
 * Each warming hub's ScaledObject (render/hub/warmUp.ts) with its levels from this model, as
 * manifests applied after the hub's release (the StatefulSet it scales is the release's).
 */
export function warmUpManifests(fleet: FleetModel, nodes: NodePlan = planNodes(fleet)): Manifest[] {
  const plans = hubWarmUps(
    fleet,
    nodes.users,
    nodes.workloads.users.map((u) => u.request),
  );
  return fleet.hubs.flatMap((hub, i): Manifest[] => {
    const plan = plans[i];
    if (!plan?.enabled || !hubWarmsUp(fleet, hub)) return [];
    const levels = { idle: plan.idle, sessions: plan.sessions.map((s) => s.placeholders) };
    return [{ phase: "after-release", hub: hub.name, object: renderWarmUp(fleet, hub, levels) }];
  });
}

/**
 * The fleet's bundle with the warm-up objects: what render, plan and apply should work from. The
 * warm-up needs the capacity model, which itself reads the rendered bundle, so it is added here
 * rather than in renderFleet.
 */
export function renderFleetWithWarmUp(fleet: FleetModel, options: RenderOptions = {}): Bundle {
  const bundle = renderFleet(fleet, options);
  // A sleeping hub warms nothing up: no ScaledObject while it sleeps.
  const asleep = new Set(bundle.hubs.filter((u) => u.asleep !== undefined).map((u) => u.name));
  const extra = warmUpManifests(fleet, planNodes(fleet, bundle)).filter(
    (m) => m.hub === undefined || !asleep.has(m.hub),
  );
  if (extra.length === 0) return bundle;
  const hubs = bundle.hubs.map((unit) => ({
    ...unit,
    manifests: [...unit.manifests, ...extra.filter((m) => m.hub === unit.name)],
  }));
  return {
    ...bundle,
    hubs,
    // In renderFleet's order: cluster, data sets, shared parts, tools, hubs.
    manifests: [
      ...bundle.clusterManifests,
      ...bundle.datasetManifests,
      ...bundle.sharedManifests,
      ...[...bundle.tools, ...hubs].flatMap((unit) => unit.manifests),
    ],
  };
}
