/**
 * Rows about what the hubs run on, from kube-state-metrics and the kubelets: user server
 * resources, node groups and drives. Which questions an operator asks, and the PromQL that
 * answers each; layout and JSON shape live in grafana.ts.
 */
import { HOME_USAGE_INTERVAL_SECONDS, HOME_USED_METRIC } from "../homeUsage.js";
import { DRIVE_DATA_CLAIM } from "../hub/drive.js";
import type { RowSpec } from "./grafana.js";
import {
  allocatablePerGroup,
  CONTAINERS,
  IN_SELECTED_HUBS,
  NODE_GROUP,
  onUserServers,
  selector,
  sumBy,
  withNodeGroup,
  withPodNode,
} from "./promql.js";
import { HUB_LEGEND, RATE } from "./windows.js";

const GROUP_LEGEND = `{{${NODE_GROUP}}}`;

export function userServers(): RowSpec {
  const usedAndRequested = (used: string, resource: "cpu" | "memory") => [
    { expr: sumBy(["namespace"], onUserServers(used)), legend: "{{namespace}} used" },
    {
      expr: sumBy(
        ["namespace"],
        onUserServers(
          selector(
            "kube_pod_container_resource_requests",
            IN_SELECTED_HUBS,
            `resource="${resource}"`,
            'node!=""',
          ),
        ),
      ),
      legend: "{{namespace}} requested",
    },
  ];
  return {
    title: "User servers",
    panels: [
      {
        kind: "timeseries",
        title: "User server CPU (cores): used vs requested",
        description:
          "CPU cores used by user server containers (cAdvisor) against the cores their scheduled pods request (the hub's CPU guarantee).",
        unit: "short",
        width: 12,
        queries: usedAndRequested(
          `rate(${selector("container_cpu_usage_seconds_total", IN_SELECTED_HUBS, ...CONTAINERS)}[${RATE}])`,
          "cpu",
        ),
      },
      {
        kind: "timeseries",
        title: "User server memory: working set vs requested",
        description:
          "Working-set memory of user server containers (what the OOM killer looks at) against the memory their scheduled pods request.",
        unit: "bytes",
        width: 12,
        queries: usedAndRequested(
          selector("container_memory_working_set_bytes", IN_SELECTED_HUBS, ...CONTAINERS),
          "memory",
        ),
      },
    ],
  };
}

export function nodes(): RowSpec {
  // Scheduled, unfinished pods hold their requests on a node; finished ones do not.
  const requested = (resource: "cpu" | "memory") =>
    `${selector("kube_pod_container_resource_requests", `resource="${resource}"`)} and on (namespace, pod) (${selector("kube_pod_status_phase", 'phase=~"Pending|Running"')} == 1)`;
  const requestedShare = (resource: "cpu" | "memory") =>
    `${sumBy([NODE_GROUP], withNodeGroup(requested(resource)))} / ${allocatablePerGroup(resource)}`;
  const usedShare = (resource: "cpu" | "memory", perContainer: string) =>
    `${sumBy([NODE_GROUP], withNodeGroup(withPodNode(sumBy(["namespace", "pod"], perContainer))))} / ${allocatablePerGroup(resource)}`;
  return {
    title: "Nodes",
    panels: [
      {
        kind: "timeseries",
        title: "Nodes per group",
        description: "Nodes in each hubfleet node group (the autoscaler at work).",
        unit: "short",
        width: 8,
        queries: [
          {
            expr: `count by (${NODE_GROUP}) (${selector("kube_node_labels", `${NODE_GROUP}!=""`)})`,
            legend: GROUP_LEGEND,
          },
        ],
      },
      {
        kind: "bargauge",
        title: "Requested share of allocatable per group",
        description:
          "Resources requested by scheduled pods over what the group's nodes can allocate: what the scheduler and the autoscaler see.",
        unit: "percentunit",
        width: 8,
        ratio: true,
        queries: (["cpu", "memory"] as const).map((resource) => ({
          expr: requestedShare(resource),
          legend: `${GROUP_LEGEND} ${resource}`,
        })),
      },
      {
        kind: "timeseries",
        title: "Used share of allocatable per group",
        description:
          "CPU and working-set memory used by pods (cAdvisor, joined to nodes through kube_pod_info) over the group's allocatable resources. Node exporter's figures are per host address, not per node name, so they are not joined here.",
        unit: "percentunit",
        width: 8,
        ratio: true,
        queries: [
          {
            expr: usedShare(
              "cpu",
              `rate(${selector("container_cpu_usage_seconds_total", ...CONTAINERS)}[${RATE}])`,
            ),
            legend: `${GROUP_LEGEND} cpu`,
          },
          {
            expr: usedShare(
              "memory",
              selector("container_memory_working_set_bytes", ...CONTAINERS),
            ),
            legend: `${GROUP_LEGEND} memory`,
          },
        ],
      },
    ],
  };
}

export function drives(): RowSpec {
  // max: a claim is reported by the kubelet of each node that mounts it, with the same numbers.
  const volume = (stat: "used" | "capacity") =>
    `max by (namespace) (${selector(`kubelet_volume_stats_${stat}_bytes`, IN_SELECTED_HUBS, `persistentvolumeclaim="${DRIVE_DATA_CLAIM}"`)})`;
  return {
    title: "Drives",
    panels: [
      {
        kind: "bargauge",
        title: "Drive usage per hub",
        description: `Used share of each hub's drive volume (PVC ${DRIVE_DATA_CLAIM}, kubelet volume stats).`,
        unit: "percentunit",
        width: 8,
        ratio: true,
        queries: [{ expr: `${volume("used")} / ${volume("capacity")}`, legend: HUB_LEGEND }],
      },
      {
        kind: "timeseries",
        title: "Drive space per hub",
        description: `Bytes used on and size of each hub's drive volume (PVC ${DRIVE_DATA_CLAIM}).`,
        unit: "bytes",
        width: 16,
        queries: [
          { expr: volume("used"), legend: "{{namespace}} used" },
          { expr: volume("capacity"), legend: "{{namespace}} size" },
        ],
      },
      {
        kind: "bargauge",
        title: "Largest homes",
        description: `The ten largest home directories of the selected hubs, measured by each drive's home-usage sidecar with du every ${HOME_USAGE_INTERVAL_SECONDS / 60} minutes.`,
        unit: "bytes",
        width: 24,
        queries: [
          {
            expr: `topk(10, max by (namespace, user) (${selector(HOME_USED_METRIC, IN_SELECTED_HUBS)}))`,
            legend: "{{namespace}} {{user}}",
          },
        ],
      },
    ],
  };
}
