/**
 * The fleet's one user-scheduler: a second kube-scheduler, two replicas on the core group with
 * leader election, whose one profile packs every hub's user servers and placeholders onto the
 * fullest user nodes (z2jh's MostAllocated configuration), so the autoscaler can empty the rest.
 */
import { createHash } from "node:crypto";
import type { FleetModel } from "../../fleet/model.js";
import type { SUPPORTED_KUBERNETES_VERSIONS } from "../../fleet/schema.js";
import { CONFIG_HASH_ANNOTATION } from "../../vocabulary/labels.js";
import { SHARED_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { KubeObject } from "../../vocabulary/objects.js";
import { requireNodeGroup } from "../cluster/nodeGroups.js";
import { fleetLabels } from "../labels.js";
import { toYaml } from "../yaml.js";
import { PRIORITY, SHARED_SCHEDULER_LOCK, SHARED_SCHEDULER_NAME } from "./names.js";
import { RESTRICTED_CONTAINER } from "./restricted.js";

type KubernetesMinor = (typeof SUPPORTED_KUBERNETES_VERSIONS)[number];

export const SCHEDULER_IMAGE = "registry.k8s.io/kube-scheduler";

/**
 * The newest kube-scheduler patch of each supported minor: the Go module proxy's version list of
 * k8s.io/kube-scheduler (v0.x.y is published with Kubernetes v1.x.y), read 2026-12-05. The
 * scheduler runs the control plane's own minor: its built-in RBAC roles (bound below) are made
 * for that minor's scheduler, and a scheduler must never be newer than its API server. Typed by
 * the supported minors: adding one to the schema fails to compile until it is here.
 */
export const SCHEDULER_IMAGE_TAGS: Readonly<Record<KubernetesMinor, string>> = {
  "1.32": "v1.32.13",
  "1.33": "v1.33.13",
  "1.34": "v1.34.13",
  "1.35": "v1.35.10",
  "1.36": "v1.36.6",
};

/** Where the configuration is mounted, and its file name (the ConfigMap's key). */
const CONFIG_DIR = "/etc/user-scheduler";
export const SCHEDULER_CONFIG_KEY = "config.yaml";
/** kube-scheduler's secure port, where /healthz answers. */
const HEALTH_PORT = 10259;

/**
 * The scheduler's configuration, as data. Scoring as z2jh (4.3.3 and 4.4.0 alike) configures
 * its user-scheduler: NodeResourcesFit with MostAllocated (CPU and memory weighed alike) so a new pod goes to the
 * busiest node that fits, balanced allocation off, and the other scores re-weighted so node
 * affinity dominates, then inter-pod affinity, then fit, then image locality.
 */
export function sharedSchedulerConfig(): Record<string, unknown> {
  const rescored = ["NodeAffinity", "InterPodAffinity", "NodeResourcesFit", "ImageLocality"];
  const weights = [14631, 1331, 121, 11];
  return {
    apiVersion: "kubescheduler.config.k8s.io/v1",
    kind: "KubeSchedulerConfiguration",
    leaderElection: {
      leaderElect: true,
      resourceLock: "leases",
      resourceName: SHARED_SCHEDULER_LOCK,
      resourceNamespace: SHARED_NAMESPACE,
    },
    profiles: [
      {
        schedulerName: SHARED_SCHEDULER_NAME,
        plugins: {
          score: {
            disabled: [
              { name: "NodeResourcesBalancedAllocation" },
              ...rescored.map((name) => ({ name })),
            ],
            enabled: rescored.map((name, i) => ({ name, weight: weights[i] })),
          },
        },
        pluginConfig: [
          {
            name: "NodeResourcesFit",
            args: {
              scoringStrategy: {
                type: "MostAllocated",
                resources: [
                  { name: "cpu", weight: 1 },
                  { name: "memory", weight: 1 },
                ],
              },
            },
          },
        ],
      },
    ],
  };
}

/**
 * The scheduler's rights: the cluster's own roles for kube-scheduler and for volume binding
 * (they come with the cluster, so they always match the scheduler of its minor), plus its
 * election Lease, which those roles grant under the default scheduler's lock name only.
 */
function rbac(fleet: FleetModel): KubeObject[] {
  const labels = fleetLabels(fleet);
  const subject = {
    kind: "ServiceAccount",
    name: SHARED_SCHEDULER_NAME,
    namespace: SHARED_NAMESPACE,
  };
  const clusterBinding = (role: string): KubeObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: `${SHARED_SCHEDULER_NAME}-${role.replace("system:", "")}`, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [subject],
  });
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
    },
    clusterBinding("system:kube-scheduler"),
    clusterBinding("system:volume-scheduler"),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
      rules: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: [SHARED_SCHEDULER_LOCK],
          verbs: ["get", "update"],
        },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: SHARED_SCHEDULER_NAME },
      subjects: [subject],
    },
  ];
}

export function schedulerImage(fleet: FleetModel): string {
  return `${SCHEDULER_IMAGE}:${SCHEDULER_IMAGE_TAGS[fleet.cluster.kubernetesVersion]}`;
}

const SELECTOR = { component: "user-scheduler" };

/** Two replicas on the core group, restarted when their configuration (`config`) changes. */
function schedulerDeployment(fleet: FleetModel, config: string): KubeObject {
  const labels = { ...fleetLabels(fleet), ...SELECTOR };
  const selector = SELECTOR;
  const healthz = { httpGet: { path: "/healthz", scheme: "HTTPS", port: HEALTH_PORT } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
    spec: {
      // Two replicas, one leader: when the leader's node goes, the other takes the Lease over.
      replicas: 2,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          // A changed configuration restarts the scheduler (it reads the file once).
          annotations: {
            [CONFIG_HASH_ANNOTATION]: createHash("sha256")
              .update(config)
              .digest("hex")
              .slice(0, 16),
          },
        },
        spec: {
          serviceAccountName: SHARED_SCHEDULER_NAME,
          priorityClassName: PRIORITY.userServers.name,
          affinity: {
            ...requireNodeGroup("jhcontrolplane"),
            // The two replicas on different nodes where there are two.
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: selector },
                    topologyKey: "kubernetes.io/hostname",
                  },
                },
              ],
            },
          },
          volumes: [{ name: "config", configMap: { name: SHARED_SCHEDULER_NAME } }],
          containers: [
            {
              name: "kube-scheduler",
              image: schedulerImage(fleet),
              command: [
                "/usr/local/bin/kube-scheduler",
                `--config=${CONFIG_DIR}/${SCHEDULER_CONFIG_KEY}`,
                // It need not read the API server's client-CA ConfigMap in kube-system.
                "--authentication-skip-lookup=true",
                "--v=2",
              ],
              volumeMounts: [{ name: "config", mountPath: CONFIG_DIR }],
              livenessProbe: { ...healthz, initialDelaySeconds: 15 },
              readinessProbe: healthz,
              resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              securityContext: RESTRICTED_CONTAINER,
            },
          ],
        },
      },
    },
  };
}

/** ServiceAccount, RBAC, ConfigMap, Deployment and PodDisruptionBudget of the scheduler. */
export function renderSharedScheduler(fleet: FleetModel): KubeObject[] {
  const labels = { ...fleetLabels(fleet), ...SELECTOR };
  const config = toYaml(sharedSchedulerConfig());
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
    data: { [SCHEDULER_CONFIG_KEY]: config },
  };
  const disruptionBudget: KubeObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: SHARED_SCHEDULER_NAME, namespace: SHARED_NAMESPACE, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } },
  };
  return [...rbac(fleet), configMap, schedulerDeployment(fleet, config), disruptionBudget];
}
