/**
 * What the fleet asks of each node group, pod by pod: read from the rendered bundle where
 * hubfleet sets requests (drives, tools, user guarantees), from the pinned charts' defaults
 * where it does not, plus the EKS add-ons every node runs.
 */
import type { FleetModel } from "../fleet/model.js";
import { parseQuantity } from "../fleet/quantity.js";
import type { NodeGroupName } from "../fleet/schema.js";
import type { Bundle, HelmRelease, Manifest } from "../render/bundle.js";
import { NODE_GROUP_LABEL, NODE_PURPOSE_LABEL } from "../vocabulary/labels.js";
import { valueAtPath } from "../vocabulary/values.js";

/** What one pod requests: millicores, MiB, and the one pod slot it takes. */
export interface PodRequest {
  readonly cpuMillis: number;
  readonly memoryMiB: number;
}

export const NO_REQUEST: PodRequest = { cpuMillis: 0, memoryMiB: 0 };

/** Identical pods of one workload. */
export interface Workload {
  /** e.g. "stat101/drive", "traefik", "eks/aws-node". */
  readonly name: string;
  readonly group: NodeGroupName;
  /** Pods, or for a per-node agent 1 (one on every node of the group). */
  readonly replicas: number;
  readonly request: PodRequest;
  /** Where the request comes from. */
  readonly source: string;
  /** The hub the pods belong to (its release or its own objects). */
  readonly hub?: string;
  /** Fleet-level pods hubfleet renders once for all hubs (shared parts, data set servers). */
  readonly fleetLevel?: boolean;
}

/** A hub's user servers and placeholders, all on jhusers. */
export interface HubUserPods {
  readonly hub: string;
  readonly request: PodRequest;
  readonly placeholders: number;
}

export interface FleetWorkloads {
  /** Per-node agents (DaemonSets), by group: one pod of each on every node. */
  readonly perNode: Readonly<Record<NodeGroupName, readonly Workload[]>>;
  /** Pods that exist whatever the number of users, by group (hubs' core pods, tools). */
  readonly fixed: Readonly<Record<NodeGroupName, readonly Workload[]>>;
  readonly users: readonly HubUserPods[];
}

/** The chart's values.yaml leaves these without requests in every supported version (data/z2jh/). */
export const Z2JH_SOURCE = "zero-to-jupyterhub values.yaml default (no requests)";
const BUNDLE_SOURCE = "rendered values";
const EKS_SOURCE = "EKS add-on; requests not established here, counted as a pod only";

type Values = Readonly<Record<string, unknown>>;

const at = valueAtPath;

function cpuMillis(value: unknown): number {
  if (typeof value === "number") return value * 1000;
  if (typeof value === "string") return (parseQuantity(value) ?? 0) * 1000;
  return 0;
}

function memoryMiB(value: unknown): number {
  if (typeof value === "number") return value / 2 ** 20;
  if (typeof value === "string") return (parseQuantity(value) ?? 0) / 2 ** 20;
  return 0;
}

/** `resources.requests` of a container or a chart component. */
export function requestsOf(resources: unknown): PodRequest {
  const requests = at(resources, ["requests"]);
  return {
    cpuMillis: cpuMillis(at(requests, ["cpu"])),
    memoryMiB: memoryMiB(at(requests, ["memory"])),
  };
}

const add = (a: PodRequest, b: PodRequest): PodRequest => ({
  cpuMillis: a.cpuMillis + b.cpuMillis,
  memoryMiB: a.memoryMiB + b.memoryMiB,
});
const max = (a: PodRequest, b: PodRequest): PodRequest => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryMiB: Math.max(a.memoryMiB, b.memoryMiB),
});

/** A pod's effective request: its containers together, or its largest init container if larger. */
function podRequest(containers: unknown, initContainers: unknown): PodRequest {
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const running = list(containers).reduce<PodRequest>(
    (sum, c) => add(sum, requestsOf(at(c, ["resources"]))),
    NO_REQUEST,
  );
  return list(initContainers).reduce<PodRequest>(
    (m, c) => max(m, requestsOf(at(c, ["resources"]))),
    running,
  );
}

/** One user's server: the singleuser guarantees (z2jh's requests) and the init containers. */
function userServerRequest(values: Values): PodRequest {
  const guarantee: PodRequest = {
    cpuMillis: cpuMillis(at(values, ["singleuser", "cpu", "guarantee"])),
    memoryMiB: memoryMiB(at(values, ["singleuser", "memory", "guarantee"])),
  };
  return max(guarantee, podRequest([], at(values, ["singleuser", "initContainers"])));
}

function hubWorkloads(release: HelmRelease, hub: string) {
  const v = release.values;
  const fromValues = (path: string[]): { request: PodRequest; source: string } => {
    const resources = at(v, path);
    return resources === undefined
      ? { request: NO_REQUEST, source: Z2JH_SOURCE }
      : { request: requestsOf(resources), source: BUNDLE_SOURCE };
  };
  const core: Workload[] = [
    {
      hub,
      name: `${hub}/hub`,
      group: "jhcontrolplane",
      replicas: 1,
      ...fromValues(["hub", "resources"]),
    },
    {
      hub,
      name: `${hub}/proxy`,
      group: "jhcontrolplane",
      replicas: 1,
      ...fromValues(["proxy", "chp", "resources"]),
    },
  ];
  if (at(v, ["scheduling", "userScheduler", "enabled"]) !== false) {
    const replicas = at(v, ["scheduling", "userScheduler", "replicas"]);
    core.push({
      hub,
      name: `${hub}/user-scheduler`,
      group: "jhcontrolplane",
      // z2jh (4.3.x, 4.4.0) runs two user-scheduler replicas by default.
      replicas: typeof replicas === "number" ? replicas : 2,
      ...fromValues(["scheduling", "userScheduler", "resources"]),
    });
  }
  const puller: Workload[] =
    at(v, ["prePuller", "continuous", "enabled"]) === false
      ? []
      : [
          {
            hub,
            name: `${hub}/continuous-image-puller`,
            group: "jhusers",
            replicas: 1,
            ...fromValues(["prePuller", "resources"]),
          },
        ];
  const placeholders =
    at(v, ["scheduling", "userPlaceholder", "enabled"]) === false
      ? 0
      : Number(at(v, ["scheduling", "userPlaceholder", "replicas"]) ?? 0);
  return { core, puller, user: { hub, request: userServerRequest(v), placeholders } };
}

/** The group a rendered workload is pinned to (nodeSelector or required node affinity). */
function pinnedGroup(podSpec: unknown): NodeGroupName | undefined {
  const selector = at(podSpec, ["nodeSelector"]) as Values | undefined;
  const purpose: Record<string, NodeGroupName> = { core: "jhcontrolplane", user: "jhusers" };
  const byLabel = selector?.[NODE_GROUP_LABEL] ?? purpose[String(selector?.[NODE_PURPOSE_LABEL])];
  if (typeof byLabel === "string") return byLabel as NodeGroupName;
  const terms = at(podSpec, [
    "affinity",
    "nodeAffinity",
    "requiredDuringSchedulingIgnoredDuringExecution",
    "nodeSelectorTerms",
  ]);
  for (const term of Array.isArray(terms) ? terms : []) {
    for (const e of (at(term, ["matchExpressions"]) as unknown[] | undefined) ?? []) {
      const values = at(e, ["values"]);
      if (at(e, ["key"]) === NODE_GROUP_LABEL && Array.isArray(values)) return values[0];
    }
  }
  return undefined;
}

/**
 * Workloads hubfleet applies itself: the drives, the data set servers and the fleet's shared
 * parts (Deployments and StatefulSets, and DaemonSets: one pod on every node of their group).
 */
function manifestWorkload(
  manifest: Manifest,
): { workload: Workload; perNode: boolean } | undefined {
  const { object } = manifest;
  const perNode = object.kind === "DaemonSet";
  if (object.kind !== "StatefulSet" && object.kind !== "Deployment" && !perNode) return undefined;
  const podSpec = at(object, ["spec", "template", "spec"]);
  const replicas = at(object, ["spec", "replicas"]);
  const owner = manifest.hub ?? manifest.tool ?? "fleet";
  const workload: Workload = {
    name: `${owner}/${object.metadata.name.replace(/^hubfleet-/, "")}`,
    group: pinnedGroup(podSpec) ?? "jhcontrolplane",
    replicas: perNode || typeof replicas !== "number" ? 1 : replicas,
    request: podRequest(at(podSpec, ["containers"]), at(podSpec, ["initContainers"])),
    source: BUNDLE_SOURCE,
    ...(manifest.hub !== undefined ? { hub: manifest.hub } : {}),
    ...(manifest.hub === undefined && manifest.tool === undefined ? { fleetLevel: true } : {}),
  };
  return { workload, perNode };
}

interface ToolComponent {
  readonly name: string;
  /** Path of the component's `resources` in the chart's values. */
  readonly resources: readonly string[];
  /** Path of its replica count, and the chart's default. */
  readonly replicas?: readonly string[];
  readonly defaultReplicas?: number;
  /** A per-node agent (DaemonSet) rather than a set of replicas. */
  readonly perNode?: boolean;
  /** Path of a switch that turns the component off, and whether it is on by default. */
  readonly enabled?: readonly string[];
  readonly enabledByDefault?: boolean;
}

/**
 * The pods of each tool chart hubfleet installs, and where their values are. Every tool pod
 * runs on clustertools (hubfleet pins them there); per-node agents run on every node.
 */
const TOOL_COMPONENTS: Readonly<Record<string, readonly ToolComponent[]>> = {
  "kube-prometheus-stack": [
    { name: "prometheus", resources: ["prometheus", "prometheusSpec", "resources"] },
    { name: "prometheus-operator", resources: ["prometheusOperator", "resources"] },
    { name: "grafana", resources: ["grafana", "resources"] },
    { name: "kube-state-metrics", resources: ["kube-state-metrics", "resources"] },
    {
      name: "alertmanager",
      resources: ["alertmanager", "alertmanagerSpec", "resources"],
      enabled: ["alertmanager", "enabled"],
      enabledByDefault: true,
    },
    { name: "node-exporter", resources: ["prometheus-node-exporter", "resources"], perNode: true },
  ],
  traefik: [{ name: "traefik", resources: ["resources"], replicas: ["deployment", "replicas"] }],
  "cluster-autoscaler": [
    { name: "cluster-autoscaler", resources: ["resources"], replicas: ["replicaCount"] },
  ],
  karpenter: [
    { name: "karpenter", resources: ["controller", "resources"], replicas: ["replicas"] },
  ],
  "cert-manager": [
    { name: "cert-manager", resources: ["resources"], replicas: ["replicaCount"] },
    { name: "webhook", resources: ["webhook", "resources"], replicas: ["webhook", "replicaCount"] },
    {
      name: "cainjector",
      resources: ["cainjector", "resources"],
      replicas: ["cainjector", "replicaCount"],
    },
  ],
  velero: [
    { name: "velero", resources: ["resources"] },
    {
      name: "node-agent",
      resources: ["nodeAgent", "resources"],
      perNode: true,
      enabled: ["deployNodeAgent"],
      enabledByDefault: false,
    },
  ],
};

function toolWorkloads(release: HelmRelease): { fixed: Workload[]; perNode: Workload[] } {
  const fixed: Workload[] = [];
  const perNode: Workload[] = [];
  for (const c of TOOL_COMPONENTS[release.chart.name] ?? []) {
    const switched = c.enabled ? at(release.values, c.enabled) : undefined;
    if (!(typeof switched === "boolean" ? switched : (c.enabledByDefault ?? true))) continue;
    const resources = at(release.values, c.resources);
    const replicas = c.replicas ? at(release.values, c.replicas) : undefined;
    const workload: Workload = {
      name: `${release.name}/${c.name}`,
      group: "clustertools",
      replicas: typeof replicas === "number" ? replicas : (c.defaultReplicas ?? 1),
      request: requestsOf(resources),
      source:
        resources === undefined
          ? `${release.chart.name} ${release.chart.version} default (no requests)`
          : BUNDLE_SOURCE,
    };
    (c.perNode ? perNode : fixed).push(workload);
  }
  return { fixed, perNode };
}

/**
 * The EKS add-ons the eksctl config installs: aws-node (VPC CNI; 25m CPU, the aws-vpc-cni
 * chart's default request), kube-proxy and the EBS CSI node plugin on every node; CoreDNS and
 * the EBS CSI controller (two replicas each) on an untainted node, counted on clustertools.
 */
function eksAddOns(): { perNode: Workload[]; fixed: Workload[] } {
  const agent = (name: string, request: PodRequest, source: string): Workload => ({
    name: `eks/${name}`,
    group: "clustertools",
    replicas: 1,
    request,
    source,
  });
  return {
    perNode: [
      agent("aws-node", { cpuMillis: 25, memoryMiB: 0 }, "aws-vpc-cni chart default request"),
      agent("kube-proxy", NO_REQUEST, EKS_SOURCE),
      agent("ebs-csi-node", NO_REQUEST, EKS_SOURCE),
    ],
    fixed: [
      { ...agent("coredns", NO_REQUEST, EKS_SOURCE), replicas: 2 },
      { ...agent("ebs-csi-controller", NO_REQUEST, EKS_SOURCE), replicas: 2 },
    ],
  };
}

const GROUPS: readonly NodeGroupName[] = ["clustertools", "jhcontrolplane", "jhusers"];

export function fleetWorkloads(fleet: FleetModel, bundle: Bundle): FleetWorkloads {
  const perNodeEverywhere: Workload[] = [];
  // Per-node agents pinned to one group (image pullers on the user nodes).
  const perNodePinned: Workload[] = [];
  const fixed: Workload[] = [];
  const users: HubUserPods[] = [];
  if (fleet.cluster.provider === "eks") {
    const eks = eksAddOns();
    perNodeEverywhere.push(...eks.perNode);
    fixed.push(...eks.fixed);
  }
  for (const release of bundle.releases) {
    if (release.hub !== undefined) {
      const hub = hubWorkloads(release, release.hub);
      fixed.push(...hub.core);
      perNodePinned.push(...hub.puller);
      users.push(hub.user);
    } else {
      const tool = toolWorkloads(release);
      fixed.push(...tool.fixed);
      perNodeEverywhere.push(...tool.perNode);
    }
  }
  for (const manifest of bundle.manifests) {
    const found = manifestWorkload(manifest);
    if (found) (found.perNode ? perNodePinned : fixed).push(found.workload);
  }
  const byGroup = (list: readonly Workload[], group: NodeGroupName) =>
    list.filter((w) => w.group === group);
  const perNode = Object.fromEntries(
    GROUPS.map((g) => [
      g,
      [...perNodeEverywhere.map((w) => ({ ...w, group: g })), ...byGroup(perNodePinned, g)],
    ]),
  ) as Record<NodeGroupName, Workload[]>;
  const fixedByGroup = Object.fromEntries(GROUPS.map((g) => [g, byGroup(fixed, g)])) as Record<
    NodeGroupName,
    Workload[]
  >;
  const order = new Map(fleet.hubs.map((h, i) => [h.name, i]));
  users.sort((a, b) => (order.get(a.hub) ?? 0) - (order.get(b.hub) ?? 0));
  return { perNode, fixed: fixedByGroup, users };
}
