/**
 * The cost recording rules: what each hub costs per hour, worked out by Prometheus from
 * kube-state-metrics (nodes, pod requests, claims), cAdvisor (CPU use, for idle servers) and the
 * fleet's prices rendered as constant series. `hubfleet cost` and the dashboard's cost panel
 * read the results; docs/cost.md states every rule in words, and
 * test/integration/cost-promtool.test.ts checks them with hand-computed dollars.
 */

import type { FleetModel } from "../../fleet/model.js";
import { fleetPriceTable, HOURS_PER_MONTH } from "../../fleet/priceTable.js";
import { INSTANCE_TYPE_LABEL } from "../../vocabulary/labels.js";
import { promLabelName } from "./monitoring.js";

/** Prometheus metric names the rules record; the report and the dashboard query them. */
export const COST_METRICS = {
  instancePrice: "hubfleet:instance_price_usd_per_hour",
  nodePrice: "hubfleet:node_price_usd_per_hour",
  podShare: "hubfleet:pod_node_share",
  podCost: "hubfleet:pod_cost_usd_per_hour",
  hubCost: "hubfleet:hub_cost_usd_per_hour",
  hubDirect: "hubfleet:hub_direct_cost_usd_per_hour",
  clusterShared: "hubfleet:cluster_shared_cost_usd_per_hour",
  serverIdle: "hubfleet:user_server_idle",
  hubIdleCost: "hubfleet:hub_idle_cost_usd_per_hour",
  hubIdleServers: "hubfleet:hub_idle_servers",
} as const;

/** The parts of a hub's cost, as the `part` label of hubfleet:hub_cost_usd_per_hour. */
export const COST_PARTS = ["servers", "placeholders", "core", "storage", "shared"] as const;
export type CostPart = (typeof COST_PARTS)[number];

/**
 * Dollars over a period are summed from the $/h series sampled every this many seconds, each
 * sample standing for the seconds before it (docs/cost.md, "From rates to dollars").
 */
export const COST_SAMPLE_SECONDS = 300;

/** A user server below this many cores of CPU use, over IDLE_CPU_WINDOW, is idle. */
export const IDLE_CPU_CORES = 0.01;
export const IDLE_CPU_WINDOW = "10m";

/** z2jh's component label on user servers and on user placeholders. */
const SERVER_COMPONENT = "singleuser-server";
const PLACEHOLDER_COMPONENT = "user-placeholder";

const GiB = 1024 ** 3;

/** One Prometheus recording rule, as a rule file writes it. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RecordingRuleGroup {
  readonly name: string;
  readonly rules: readonly RecordingRule[];
}

/** The fleet's node instance types, each with its on-demand price in the fleet's region. */
export function fleetInstancePrices(fleet: FleetModel): Array<[string, number]> {
  const groups = [...Object.values(fleet.nodeGroups), ...(fleet.gpuGroup ? [fleet.gpuGroup] : [])];
  const prices = fleetPriceTable(fleet.spec).regions[fleet.cluster.region]?.ec2Hourly ?? {};
  const types = [...new Set(groups.map((g) => g.instanceType))].sort();
  return types.flatMap((t): Array<[string, number]> => {
    const usd = prices[t]?.usd;
    return usd === undefined ? [] : [[t, usd]];
  });
}

/** The fleet's region's prices, or us-east-1's for a region the table lacks (as plan-capacity). */
function regionOrUsEast(fleet: FleetModel) {
  const table = fleetPriceTable(fleet.spec);
  return table.regions[fleet.cluster.region] ?? table.regions["us-east-1"];
}

/** EBS gp3 per GiB-month in the fleet's region (AWS bills provisioned GiB as "GB"). */
export function storagePricePerGiBMonth(fleet: FleetModel): number {
  return regionOrUsEast(fleet)?.ebsGp3GbMonth?.usd ?? 0;
}

/** The EKS cluster fee per hour, part of the shared cost. */
export function clusterFeePerHour(fleet: FleetModel): number {
  return regionOrUsEast(fleet)?.eksClusterHourly?.usd ?? 0;
}

/** PromQL number: shortest exact decimal JavaScript prints. */
const num = (n: number) => String(n);

/** A matcher for the fleet's hub namespaces (hub name = namespace). */
function hubMatcher(fleet: FleetModel, op: "=~" | "!~"): string {
  const names = fleet.hubs.map((h) => h.name).sort();
  return `namespace${op}"${names.join("|")}"`;
}

/** The cost rules of a fleet on EKS; none on a local cluster (no prices) or without hubs. */
export function costRuleGroups(fleet: FleetModel): RecordingRuleGroup[] {
  if (fleet.cluster.provider !== "eks" || fleet.hubs.length === 0) return [];
  const hubs = hubMatcher(fleet, "=~");
  const notHubs = hubMatcher(fleet, "!~");
  const m = COST_METRICS;
  const typeLabel = `label_${promLabelName(INSTANCE_TYPE_LABEL)}`;
  const storagePerMonth = storagePricePerGiBMonth(fleet);
  const running = `max by (namespace, pod) (kube_pod_status_phase{phase="Running"} == 1)`;
  const component = (matcher: string) =>
    `max by (namespace, pod) (kube_pod_labels{${hubs}, label_component${matcher}})`;
  const partOfHub = (part: CostPart, matcher: string): RecordingRule => ({
    record: m.hubCost,
    expr: `sum by (namespace) (${m.podCost}{${hubs}} * on (namespace, pod) group_left () ${component(matcher)})`,
    labels: { part },
  });
  const claimsCost = (selector: string) =>
    `sum by (namespace) (kube_persistentvolumeclaim_resource_requests_storage_bytes{${selector}}) / ${GiB} * ${num(storagePerMonth)} / ${HOURS_PER_MONTH}`;

  const prices: RecordingRule[] = fleetInstancePrices(fleet).map(([type, usd]) => ({
    record: m.instancePrice,
    expr: `vector(${num(usd)})`,
    labels: { instance_type: type },
  }));
  const rules: RecordingRule[] = [
    ...prices,
    {
      // kube_node_labels is 1; a node whose type has no price gets no series (and costs 0).
      record: m.nodePrice,
      expr: `max by (node, instance_type) (label_replace(kube_node_labels, "instance_type", "$1", "${typeLabel}", "(.+)")) * on (instance_type) group_left () ${m.instancePrice}`,
    },
    {
      // A running pod's share of its node: the larger of its CPU and memory requests as a
      // fraction of the node's allocatable (what it keeps others from using).
      record: m.podShare,
      expr: `max by (namespace, pod, node) (sum by (namespace, pod, node, resource) (kube_pod_container_resource_requests{resource=~"cpu|memory", node!=""}) / on (node, resource) group_left () max by (node, resource) (kube_node_status_allocatable{resource=~"cpu|memory"})) * on (namespace, pod) group_left () ${running}`,
    },
    {
      record: m.podCost,
      expr: `${m.podShare} * on (node) group_left () ${m.nodePrice}`,
    },
    partOfHub("servers", `="${SERVER_COMPONENT}"`),
    partOfHub("placeholders", `="${PLACEHOLDER_COMPONENT}"`),
    partOfHub("core", `!~"${SERVER_COMPONENT}|${PLACEHOLDER_COMPONENT}"`),
    { record: m.hubCost, expr: claimsCost(hubs), labels: { part: "storage" } },
    {
      // The shared part (recorded below) is left out: its series from the previous evaluation
      // is still within the lookback window.
      record: m.hubDirect,
      expr: `sum by (namespace) (${m.hubCost}{part!="shared"})`,
    },
    {
      // Everything no hub asked for: nodes' unrequested capacity, the tools' and data sets'
      // pods, claims outside the hubs, the EKS fee.
      record: m.clusterShared,
      expr: `(sum(${m.nodePrice}) or vector(0)) - (sum(${m.hubCost}{part=~"servers|placeholders|core"}) or vector(0)) + (sum(${claimsCost(notHubs)}) or vector(0)) + ${num(clusterFeePerHour(fleet))}`,
    },
    {
      // Split in proportion to each hub's direct cost.
      record: m.hubCost,
      expr: `${m.hubDirect} / scalar(sum(${m.hubDirect})) * scalar(${m.clusterShared})`,
      labels: { part: "shared" },
    },
    {
      // 1 for a user server whose containers used less than IDLE_CPU_CORES, else 0.
      record: m.serverIdle,
      expr: `(sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{${hubs}, container!=""}[${IDLE_CPU_WINDOW}])) < bool ${num(IDLE_CPU_CORES)}) * on (namespace, pod) group_left () ${component(`="${SERVER_COMPONENT}"`)}`,
    },
    {
      record: m.hubIdleCost,
      expr: `sum by (namespace) (${m.podCost} * on (namespace, pod) group_left () ${m.serverIdle})`,
    },
    {
      record: m.hubIdleServers,
      expr: `sum by (namespace) (${m.serverIdle} * on (namespace, pod) group_left () ${running})`,
    },
  ];
  return [{ name: "hubfleet.cost", rules }];
}
