/**
 * Whether a fleet can run on its node groups, judged on the node plan (model.ts) that
 * plan-capacity prints: per-node agents that leave no pod slot, a busiest moment that needs more
 * user nodes than maxSize, core pods that do not fit the core groups at maxSize. Findings carry
 * the field to change, the numbers, and the fix; validate reports them, plan-capacity lists them.
 */
import { error, warning } from "../fleet/findings.js";
import { lookupInstanceType } from "../fleet/instanceTypes.js";
import type { FleetModel } from "../fleet/model.js";
import type { Finding } from "../fleet/problems.js";
import type { NodeGroupName } from "../fleet/schema.js";
import { packNodes } from "./binpack.js";
import { type NodePlan, planNodes } from "./model.js";
import { formatStretch, type GroupPlan, type NodeCount, type UserLoad } from "./nodes.js";
import type { Workload } from "./workloads.js";

/** A busiest moment this far above the user group's maxSize is a warning, beyond it an error. */
export const MAX_SIZE_TOLERANCE = 0.1;

/** The findings for a fleet, from its own node plan: validate's capacity check. */
export function checkFleetFits(fleet: FleetModel): Finding[] {
  return fleet.cluster.provider === "eks" ? fitFindings(fleet, planNodes(fleet)) : [];
}

export function fitFindings(fleet: FleetModel, nodes: NodePlan): Finding[] {
  // A local (kind) cluster has one worker per group, as large as the machine: no instance
  // types, no autoscaler, nothing to judge here.
  if (fleet.cluster.provider !== "eks") return [];
  return nodes.groups.flatMap((g) => {
    const slots = podSlotFinding(g, nodes.workloads.perNode[g.name]);
    // With no slot left, every other count of the group is meaningless.
    if (slots) return [slots];
    return g.name === "jhusers"
      ? userGroupFindings(g, nodes.loads)
      : coreGroupFindings(g, nodes.workloads.fixed[g.name]);
  });
}

const groupPath = (name: NodeGroupName, field: string) => ["cluster", "nodeGroups", name, field];

/** "aws-node, kube-proxy, node-exporter and 30 continuous-image-pullers": agents by kind. */
export function describeAgents(agents: readonly Workload[]): string {
  const counts = new Map<string, number>();
  for (const a of agents) {
    const kind = a.name.slice(a.name.lastIndexOf("/") + 1);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const parts = [...counts].map(([kind, n]) => (n === 1 ? kind : `${n} × ${kind}`));
  return parts.length <= 1
    ? (parts[0] ?? "none")
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** (a) The per-node agents take every pod slot a node of the group has. */
function podSlotFinding(g: GroupPlan, agents: readonly Workload[]): Finding | undefined {
  if (g.room.pods >= 1) return undefined;
  const type = lookupInstanceType(g.instanceType);
  const limit = g.allocatable.pods;
  const explicit = g.maxPodsPerNode !== undefined;
  const limitText = explicit
    ? `maxPodsPerNode is ${limit}`
    : g.podNetwork === "custom"
      ? `a ${g.instanceType} node runs at most ${limit} pods (the VPC CNI's limit for the type with custom networking, whose primary interface holds no pods)`
      : `a ${g.instanceType} node runs at most ${limit} pods (the VPC CNI's limit for the type)`;
  const what = g.name === "jhusers" ? "no user server fits" : `no ${g.name} pod fits`;
  const message =
    g.agents.pods > limit
      ? `${limitText}, below the ${g.agents.pods} per-node agents every ${g.name} node runs (${describeAgents(agents)}): ${what}`
      : `${limitText} and the ${g.agents.pods} per-node agents every ${g.name} node runs (${describeAgents(agents)}) take all of them: ${what}`;
  const prefix = type?.maxPodsPrefixDelegation ?? limit;
  const fixes = [
    prefix > limit
      ? `set cluster.nodeGroups.${g.name}.maxPodsPerNode to up to ${prefix} (hubfleet then turns on the VPC CNI's prefix delegation)`
      : undefined,
    `pick an instance type with more pods per node (maxPods in data/instance-types.json, e.g. m7i.xlarge: ${lookupInstanceType("m7i.xlarge")?.maxPods ?? 58})`,
    "or run fewer per-node agents",
  ].filter((f): f is string => f !== undefined);
  return error(
    groupPath(g.name, explicit ? "maxPodsPerNode" : "instanceType"),
    message,
    fixes.join(", "),
  );
}

/** Which of CPU, memory and the pod limit needs the most nodes: what binds the packing. */
function binding(count: NodeCount): "cpu" | "memory" | "pods" {
  const lb = count.lowerBound;
  return (["pods", "cpu", "memory"] as const).reduce((a, b) => (lb[b] > lb[a] ? b : a));
}

function bindingFix(g: GroupPlan, by: "cpu" | "memory" | "pods"): string {
  if (by !== "pods") return `pick an instance type with more ${by === "cpu" ? "CPU" : "memory"}`;
  const type = lookupInstanceType(g.instanceType);
  const prefix = type?.maxPodsPrefixDelegation ?? 0;
  return prefix > g.allocatable.pods
    ? `raise cluster.nodeGroups.${g.name}.maxPodsPerNode (up to ${prefix}, with prefix delegation), or pick an instance type with more pods per node`
    : "pick an instance type with more pods per node";
}

const RESOURCE = { cpu: "CPU", memory: "memory", pods: "the pod limit" } as const;

/** (b) The busiest moment needs more user nodes than maxSize: an error beyond the tolerance. */
function userGroupFindings(g: GroupPlan, loads: readonly UserLoad[]): Finding[] {
  if (g.peak.needed <= g.maxSize) return [];
  const peak = loads.find((l) => l.stretch.start === g.peak.start) ?? loads[0];
  if (!peak) return [];
  const over = loads.filter((l) => l.count.needed > g.maxSize).length;
  const sessions = peak.stretch.sessions;
  const who =
    sessions.length === 0
      ? ""
      : ` (${sessions.slice(0, 3).join(", ")}${sessions.length > 3 ? ` and ${sessions.length - 3} more sessions` : ""})`;
  const others = over > 1 ? ` (and at ${over - 1} other moment(s) of the week)` : "";
  const by = binding(peak.count);
  const within = g.peak.needed <= g.maxSize * (1 + MAX_SIZE_TOLERANCE);
  const message = `at ${formatStretch(peak.stretch.start, peak.stretch.end)}${who} the users need ${g.peak.needed} ${g.instanceType} nodes of jhusers, maxSize is ${g.maxSize}: servers beyond that stay pending${others}${
    within
      ? ` (within ${Math.round(MAX_SIZE_TOLERANCE * 100)} % of maxSize: a warning, as first-fit packing may count a node or two more than the scheduler needs)`
      : ""
  }`;
  const hint = `raise maxSize to ${g.peak.needed}, ${bindingFix(g, by)} (${RESOURCE[by]} runs out first), lower the guarantees or spread the sessions`;
  const path = groupPath(g.name, "maxSize");
  return [within ? warning(path, message, hint) : error(path, message, hint)];
}

/** (c) The core pods do not fit the group at maxSize, or a pod fits on no node at all. */
function coreGroupFindings(g: GroupPlan, fixed: readonly Workload[]): Finding[] {
  const out: Finding[] = [];
  const batches = fixed.map((w) => ({ key: w.name, count: w.replicas, request: w.request }));
  const pods = fixed.reduce((n, w) => n + w.replicas, 0);
  for (const p of packNodes(g.room, batches).unplaceable) {
    const w = fixed.find((x) => x.name === p.key);
    out.push(
      error(
        groupPath(g.name, "instanceType"),
        `${p.key} (${Math.round(w?.request.cpuMillis ?? 0)}m CPU, ${Math.round(w?.request.memoryMiB ?? 0)} MiB) fits on no ${g.instanceType} node: after its per-node agents a node has ${Math.round(g.room.cpuMillis)}m CPU and ${Math.round(g.room.memoryMiB)} MiB`,
        "pick a larger instance type, or lower that pod's requests",
      ),
    );
  }
  if (g.peak.needed > g.maxSize) {
    const by = binding(g.peak);
    out.push(
      error(
        groupPath(g.name, "maxSize"),
        `the ${pods} ${g.name} pods need ${g.peak.needed} ${g.instanceType} nodes, maxSize is ${g.maxSize}: ${
          g.name === "jhcontrolplane" ? "hubs, proxies and drives" : "cluster tools"
        } beyond that stay pending (${RESOURCE[by]} runs out first: a node has room for ${g.room.pods} pods, ${Math.round(g.room.cpuMillis)}m CPU and ${Math.round(g.room.memoryMiB)} MiB)`,
        `raise maxSize to ${g.peak.needed}, or ${bindingFix(g, by)}`,
      ),
    );
  }
  return out;
}
