/**
 * A hub's values for the zero-to-jupyterhub chart: typed, with nothing secret in them. The
 * secrets z2jh would otherwise generate with Helm `lookup`, and Prometheus' token for
 * /hub/metrics, are named here as references and filled in by apply from Secrets.
 */
import { lookupInstanceType } from "../../fleet/instanceTypes.js";
import type { FleetModel, Hub } from "../../fleet/model.js";
import { deepMerge } from "../../fleet/model.js";
import { parseQuantity } from "../../fleet/quantity.js";
import {
  DO_NOT_DISRUPT,
  HELM_RESOURCE_POLICY,
  SAFE_TO_EVICT,
  VELERO_BACKUP_VOLUMES,
} from "../../vocabulary/labels.js";
import { TOOLS_NAMESPACE } from "../../vocabulary/namespaces.js";
import type { SecretValue } from "../bundle.js";
import { DRIVE_STORAGE_CLASS } from "../cluster/storage.js";
import {
  type DatasetMount,
  datasetUserServerValues,
  WRITABLE_MOUNTS_CONFIG,
  writableMountsHook,
} from "../datasets/userServers.js";
import { PRIORITY, SHARED_SCHEDULER_NAME } from "../shared/names.js";
import { usesKarpenter } from "../tools/karpenter.js";
import { METRICS_TOKEN_KEY, METRICS_TOKEN_SECRET } from "../tools/monitoring.js";
import { authenticatorValues } from "./authenticator.js";
import { DRIVE_CLIENT_CLAIM } from "./drive.js";
import { type GpuNodes, gpuProfileList } from "./gpuProfile.js";
import { fromIngressController, fromPrometheus } from "./network.js";
import { hubIngressValues, hubUrl, type Route } from "./routing.js";
import { userServerEgress } from "./userEgress.js";
import { hubWarmsUp } from "./warmUp.js";

/** The per-hub Secret apply creates once (random values) and never rotates unless asked. */
export const HUB_SECRET = "hubfleet-hub-secrets";
/** `hubfleet check`'s JupyterHub service, its token's key in HUB_SECRET, and its test user. */
export const CHECK_SERVICE = "hubfleet-check";
export const CHECK_TOKEN_KEY = "check-token";
// Not the service's name: JupyterHub refuses a token deleting a user of its own name.
export const CHECK_USER = "hubfleet-check-user";
/** `hubfleet load-test`'s JupyterHub service and its token's key in HUB_SECRET. */
export const LOAD_TEST_SERVICE = "hubfleet-load-test";
export const LOAD_TEST_TOKEN_KEY = "load-test-token";

export type { SecretValue };

/** The values z2jh would generate with `lookup`, and where apply reads each of them from. */
export const HUB_SECRET_VALUES: readonly SecretValue[] = [
  {
    valuePath: ["hub", "config", "JupyterHub", "cookie_secret"],
    secretName: HUB_SECRET,
    key: "cookie-secret",
  },
  // Both hub and proxy read the proxy token from the chart's own Secret, fed from this value.
  { valuePath: ["proxy", "secretToken"], secretName: HUB_SECRET, key: "proxy-token" },
  {
    valuePath: ["hub", "config", "CryptKeeper", "keys"],
    secretName: HUB_SECRET,
    key: "crypt-keeper-key",
    asList: true,
  },
  // The API token of `hubfleet check` (a JupyterHub service, never a user's password).
  {
    valuePath: ["hub", "services", CHECK_SERVICE, "apiToken"],
    secretName: HUB_SECRET,
    key: CHECK_TOKEN_KEY,
  },
  // The API token of `hubfleet load-test` (test users only; see loadTestServiceValues).
  {
    valuePath: ["hub", "services", LOAD_TEST_SERVICE, "apiToken"],
    secretName: HUB_SECRET,
    key: LOAD_TEST_TOKEN_KEY,
  },
];

/**
 * The service `hubfleet check` calls the hub's REST API as, its role, and the one user it may
 * touch. The scopes are the least that let it create and delete that user, start and stop its
 * server, read the server's status and progress, and reach the server through the proxy;
 * JupyterHub has no narrower scope than admin:users for creating a user.
 */
function checkServiceValues(): ServiceValues {
  const only = `!user=${CHECK_USER}`;
  return {
    services: { [CHECK_SERVICE]: { name: CHECK_SERVICE } },
    loadRoles: {
      [CHECK_SERVICE]: {
        description: "hubfleet check: starts and removes a test user's server",
        scopes: [`admin:users${only}`, `servers${only}`, `access:servers${only}`],
        services: [CHECK_SERVICE],
      },
    },
  };
}

/**
 * The service `hubfleet load-test` calls the hub's REST API as: it creates test users, starts
 * and stops their servers and deletes them. The scopes are unfiltered because JupyterHub's
 * filters cannot name users that do not exist yet. The token sits in the hub's Secret beside
 * the cookie secret and the proxy token, each of which already gives whoever reads it the hub,
 * so it opens nothing new to someone who can read that Secret.
 */
function loadTestServiceValues(): ServiceValues {
  return {
    services: { [LOAD_TEST_SERVICE]: { name: LOAD_TEST_SERVICE } },
    loadRoles: {
      [LOAD_TEST_SERVICE]: {
        description: "hubfleet load-test: test users' logins, servers and removal",
        scopes: ["admin:users", "servers"],
        services: [LOAD_TEST_SERVICE],
      },
    },
  };
}

/** The JupyterHub service Prometheus reads /hub/metrics as (token auth, `read:metrics` only). */
export const PROMETHEUS_SERVICE = "prometheus";
const METRICS_ROLE = "hubfleet-read-metrics";

/** What renderHubValues needs to know about the rest of the fleet. */
export interface HubValuesOptions {
  /** Register Prometheus as a service allowed to read /hub/metrics (when monitoring is on). */
  readonly prometheusService?: boolean;
  /** The data sets the hub's user servers mount, in fleet order. */
  readonly datasets?: readonly DatasetMount[];
  /** The fleet's GPU nodes, for the hubs that offer a GPU server. */
  readonly gpuNodes?: GpuNodes;
  /** The pods' own address range (VPC CNI custom networking), kept out of user servers' egress. */
  readonly podCIDR?: string;
  /** Karpenter is the autoscaler: user servers carry its do-not-disrupt annotation. */
  readonly doNotDisrupt?: boolean;
  /** Hubs whose placeholders KEDA raises before sessions: their StatefulSet exists even at 0. */
  readonly warmUpHubs?: ReadonlySet<string>;
  /** The hub is asleep (outside its term): no placeholders, no Ingress of the chart's. */
  readonly asleep?: boolean;
}

export function hubValuesOptions(fleet: FleetModel): HubValuesOptions {
  const gpuType = fleet.gpuGroup && lookupInstanceType(fleet.gpuGroup.instanceType);
  const custom = fleet.nodeGroups.jhusers.podNetwork === "custom";
  return {
    prometheusService: fleet.tools.monitoring.enabled,
    ...(gpuType
      ? { gpuNodes: { instanceType: gpuType.name, gpuModel: gpuType.gpuModel ?? "GPU" } }
      : {}),
    ...(custom && fleet.cluster.podCIDR !== undefined ? { podCIDR: fleet.cluster.podCIDR } : {}),
    ...(usesKarpenter(fleet) ? { doNotDisrupt: true } : {}),
    warmUpHubs: new Set(fleet.hubs.filter((h) => hubWarmsUp(fleet, h)).map((h) => h.name)),
  };
}

/**
 * The values apply fills in from Secrets for every hub: the hub's own, plus Prometheus' token
 * (one Secret in cluster-tools shared by all hubs) when monitoring is on.
 */
export function hubSecretValues(fleet: FleetModel): readonly SecretValue[] {
  if (!hubValuesOptions(fleet).prometheusService) return HUB_SECRET_VALUES;
  return [
    ...HUB_SECRET_VALUES,
    {
      valuePath: ["hub", "services", PROMETHEUS_SERVICE, "apiToken"],
      secretName: METRICS_TOKEN_SECRET,
      key: METRICS_TOKEN_KEY,
      namespace: TOOLS_NAMESPACE,
    },
  ];
}

/** The service (its token comes from hubSecretValues) and a role granting it `read:metrics`. */
function prometheusServiceValues(): ServiceValues {
  return {
    services: { [PROMETHEUS_SERVICE]: { name: PROMETHEUS_SERVICE } },
    loadRoles: {
      [METRICS_ROLE]: {
        description: "Prometheus (hubfleet monitoring) reads /hub/metrics",
        scopes: ["read:metrics"],
        services: [PROMETHEUS_SERVICE],
      },
    },
  };
}

interface ServiceValues {
  readonly services: Record<string, unknown>;
  readonly loadRoles: Record<string, unknown>;
}

function mergeServices(a: ServiceValues, b: ServiceValues | undefined): ServiceValues {
  if (!b) return a;
  return {
    services: { ...a.services, ...b.services },
    loadRoles: { ...a.loadRoles, ...b.loadRoles },
  };
}

export const NOTEBOOK_UID = 1000;
export const NOTEBOOK_GID = 100;
const HOME = "/home/jovyan";
const SHARED = `${HOME}/shared`;

/** The one pre_spawn_hook (KubeSpawner has exactly one): the shared folder and the data sets. */
function hubHook(hub: Hub, datasets: readonly DatasetMount[]): Record<string, string> {
  const hook = writableMountsHook({
    adminWritable: hub.drive.sharedFolder ? [SHARED] : [],
    datasets,
  });
  return hook === undefined ? {} : { [WRITABLE_MOUNTS_CONFIG]: hook };
}

function driveMounts(hub: Hub) {
  const mounts: Array<Record<string, unknown>> = [
    { name: "drive", mountPath: HOME, subPath: "home/{username}" },
  ];
  if (hub.drive.sharedFolder) {
    mounts.push({ name: "drive", mountPath: SHARED, subPath: "shared", readOnly: true });
  }
  return mounts;
}

/**
 * subPath directories are created by kubelet owned by root; before the server starts, hand
 * the user's home (and the shared folder) to the notebook user.
 */
function homeOwnerInitContainer(hub: Hub) {
  const paths = hub.drive.sharedFolder ? [HOME, SHARED] : [HOME];
  return {
    name: "drive-home-owner",
    image: `${hub.image.name}:${hub.image.tag}`,
    command: ["sh", "-c", `chown ${NOTEBOOK_UID}:${NOTEBOOK_GID} ${paths.join(" ")}`],
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
    },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: driveMounts(hub).map((m) => ({ ...m, readOnly: false })),
  };
}

/**
 * Memory as a whole number of bytes. JupyterHub reads singleuser.memory into KubeSpawner's
 * mem_guarantee/mem_limit, whose ByteSpecification accepts an integer or K/M/G/T suffixes only
 * (`512Mi` fails every spawn); Kubernetes reads the same integer as bytes for the placeholders,
 * so users and placeholders request exactly the same.
 */
function memoryBytes(quantity: string): number {
  const bytes = parseQuantity(quantity);
  if (bytes === undefined) throw new Error(`memory quantity ${quantity} was not validated`);
  return Math.ceil(bytes);
}

/** z2jh wants CPU as a number of cores (a float), not a quantity string. */
function cpuCores(quantity: string): number {
  const cores = parseQuantity(quantity);
  if (cores === undefined) throw new Error(`CPU quantity ${quantity} was not validated`);
  return Math.round(cores * 1000) / 1000;
}

export function renderHubValues(
  hub: Hub,
  route: Route,
  options: HubValuesOptions = {},
): Record<string, unknown> {
  const auth = hub.authenticator
    ? authenticatorValues(hub.authenticator, {
        admins: hub.admins,
        callbackUrl: `${hubUrl(route)}hub/oauth_callback`,
        hubUrl: hubUrl(route),
      })
    : { config: {}, env: {}, extraConfig: {} };
  const datasets = datasetUserServerValues(options.datasets ?? []);
  const profiles = options.gpuNodes ? gpuProfileList(hub, options.gpuNodes) : [];
  const values: Record<string, unknown> = {
    // fullnameOverride "" names the chart's objects after the release alone. No nameOverride:
    // the chart's hub config takes user pods' `app` label from that key whenever it is present,
    // even blank, and its singleuser NetworkPolicy selects `app: jupyterhub`.
    fullnameOverride: "",
    hub: {
      baseUrl: route.baseUrl,
      config: {
        ...auth.config,
        // The chart sets these two only for its own per-hub scheduler and classes.
        KubeSpawner: {
          ...(auth.config.KubeSpawner ?? {}),
          scheduler_name: SHARED_SCHEDULER_NAME,
          priority_class_name: PRIORITY.userServers.name,
        },
        JupyterHub: {
          ...(auth.config.JupyterHub ?? {}),
          admin_access: true,
          // /hub/metrics needs a token with read:metrics (Prometheus' service, below); the
          // network policy further admits only Prometheus' pods.
          authenticate_prometheus: true,
        },
      },
      ...mergeServices(
        mergeServices(checkServiceValues(), loadTestServiceValues()),
        options.prometheusService ? prometheusServiceValues() : undefined,
      ),
      extraEnv: auth.env,
      // The autoscaler must never evict the hub (every user of the hub is logged out); Velero
      // backs up its database volume ("pvc" in the chart's hub Deployment) with the file-system backup.
      annotations: {
        [SAFE_TO_EVICT]: "false",
        [VELERO_BACKUP_VOLUMES]: "pvc",
      },
      extraConfig: { ...auth.extraConfig, ...hubHook(hub, options.datasets ?? []) },
      db: {
        type: "sqlite-pvc",
        pvc: {
          storage: "1Gi",
          storageClassName: DRIVE_STORAGE_CLASS,
          // The chart creates this claim; without "keep", helm uninstall would delete the hub's database.
          annotations: { [HELM_RESOURCE_POLICY]: "keep" },
        },
      },
      networkPolicy: {
        enabled: true,
        ingress: [{ from: [fromPrometheus], ports: [{ port: "http" }] }],
      },
    },
    proxy: {
      // On the proxy's pod: evicting it drops every open connection of the hub.
      annotations: { [SAFE_TO_EVICT]: "false" },
      service: { type: "ClusterIP" },
      chp: {
        networkPolicy: {
          // The chart opens the proxy's HTTP port to every namespace; only the ingress
          // controller needs it.
          allowedIngressPorts: [],
          ingress: [{ from: [fromIngressController], ports: [{ port: "http" }] }],
        },
      },
    },
    singleuser: {
      image: { name: hub.image.name, tag: hub.image.tag },
      // Karpenter never consolidates, drifts or expires a node while a user server runs on it.
      // Only servers: the placeholders (scheduling.userPlaceholder) must stay preemptible and
      // must not pin their nodes.
      ...(options.doNotDisrupt ? { extraAnnotations: { [DO_NOT_DISRUPT]: "true" } } : {}),
      ...(profiles.length > 0 ? { profileList: profiles } : {}),
      cpu: {
        guarantee: cpuCores(hub.resources.cpu.guarantee),
        limit: cpuCores(hub.resources.cpu.limit),
      },
      memory: {
        guarantee: memoryBytes(hub.resources.memory.guarantee),
        limit: memoryBytes(hub.resources.memory.limit),
      },
      uid: NOTEBOOK_UID,
      fsGid: NOTEBOOK_GID,
      storage: {
        type: "none",
        extraVolumes: [
          { name: "drive", persistentVolumeClaim: { claimName: DRIVE_CLIENT_CLAIM } },
          ...datasets.volumes,
        ],
        extraVolumeMounts: [...driveMounts(hub), ...datasets.mounts],
      },
      initContainers: [homeOwnerInitContainer(hub)],
      networkPolicy: {
        enabled: true,
        ...userServerEgress(hub.internetAccess, options.podCIDR),
      },
    },
    // The user-scheduler, the image puller and the priority classes are the fleet's, once for all
    // hubs (render/shared/); the chart's per-hub copies stay off.
    scheduling: {
      userScheduler: { enabled: false },
      podPriority: { enabled: false },
      userPlaceholder: {
        enabled: hub.placeholders > 0 || (options.warmUpHubs?.has(hub.name) ?? false),
        replicas: hub.placeholders,
        // The chart names its own scheduler and class only when it runs them; these keys reach
        // the placeholders' pod spec as they are.
        extraPodSpec: {
          schedulerName: SHARED_SCHEDULER_NAME,
          priorityClassName: PRIORITY.placeholders.name,
        },
      },
      corePods: { nodeAffinity: { matchNodePurpose: "require" } },
      userPods: { nodeAffinity: { matchNodePurpose: "require" } },
    },
    prePuller: {
      continuous: { enabled: false },
      // The hook pre-puller makes every helm upgrade wait for image pulls on all user nodes.
      hook: { enabled: false },
    },
    cull: { enabled: true, timeout: hub.culling.timeout, every: hub.culling.every },
    ingress: hubIngressValues(route),
  };
  const merged = deepMerge(values, hub.extraValues) as Record<string, unknown>;
  // Last, so that no extraValues wake a sleeping hub's placeholders or its Ingress.
  return options.asleep ? (deepMerge(merged, ASLEEP_VALUES) as Record<string, unknown>) : merged;
}

/**
 * A sleeping hub's values: no placeholders, and the chart's Ingress off (the asleep page's own
 * Ingress takes the hub's URL). Hub and proxy cannot be set to 0 here: the chart hard-codes one
 * replica of each; apply scales them down after the upgrade.
 */
const ASLEEP_VALUES = {
  scheduling: { userPlaceholder: { enabled: false, replicas: 0 } },
  ingress: { enabled: false },
};
