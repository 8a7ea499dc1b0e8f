/**
 * The building blocks of hubfleet's NFS servers (the hubs' drives, the shared data sets): an
 * NFS Ganesha server as a StatefulSet of one on the core group (never two pods on one EBS
 * volume), its data claim, its Service at a fixed ClusterIP, and the volume and claim through
 * which user servers mount an export.
 */
import { createHash } from "node:crypto";
import { CONFIG_HASH_ANNOTATION, DATA_LABEL, NODE_GROUP_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { homeUsageContainer, TEXTFILE_DIR, TEXTFILE_VOLUME } from "./homeUsage.js";

/** NFS Ganesha, user-space NFS server built by 2i2c for per-hub JupyterHub home directories. */
export const DRIVE_IMAGE = "ghcr.io/2i2c-org/nfs-ganesha:0.0.7";
/** Reports the drive's free space (filesystem collector only) for the fleet dashboard. */
export const DRIVE_METRICS_IMAGE = "quay.io/prometheus/node-exporter:v1.9.1";

import { SAFE_TO_EVICT, VELERO_BACKUP_VOLUMES } from "../vocabulary/labels.js";
export const NFS_PORT = 2049;
export const DRIVE_METRICS_PORT = 9100;
/** Where the server mounts its data claim, and what it exports. */
export const EXPORT_PATH = "/export";

/** Required placement on the core group (`jhcontrolplane`), where the volumes attach. */
export function coreGroupNodeAffinity(): Record<string, unknown> {
  return {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        {
          matchExpressions: [{ key: NODE_GROUP_LABEL, operator: "In", values: ["jhcontrolplane"] }],
        },
      ],
    },
  };
}

/** How Ganesha's one export treats its clients. */
export interface ExportAccess {
  /** Access for every client not listed in `readWriteClients`: none, RO or RW. */
  readonly access: "None" | "RO" | "RW";
  readonly squash: "No_Root_Squash" | "Root_Squash";
  /** Clients (CIDRs) given read-write access on top of `access`. */
  readonly readWriteClients?: string;
}

/**
 * Who may speak NFS to hubfleet's servers: the nodes only. Kubelet mounts every drive and data
 * set from the node's own network; no pod needs a path to an NFS server. Where pods have
 * addresses of their own (VPC CNI custom networking, `cluster.podCIDR`), the node range holds
 * no pod; with the VPC CNI's default networking it holds every pod (docs/design.md, "Network
 * isolation"). The servers' NetworkPolicies take this rule, and their exports give read-write
 * access to the same range and none to anyone else.
 */
export function kubeletNfsIngress(nodeCIDR: string): Record<string, unknown> {
  return {
    from: [{ ipBlock: { cidr: nodeCIDR } }],
    ports: [{ protocol: "TCP", port: NFS_PORT }],
  };
}

/**
 * NFSv4 only (one port), one export of the data claim at the root of the pseudo file system.
 * Checked by Debian's Ganesha 4.3 in test/integration/nfs-ganesha.test.ts: without
 * `Enable_NLM`/`Enable_RQUOTA = false` it exits when no portmapper runs (both are NFSv3-side
 * services the drive never offers), and without `Only_Numeric_Owners` it names owners
 * `user@domain`, which a client of another idmap domain shows as nobody (65534).
 */
export function ganeshaConfig(exportAccess: ExportAccess): string {
  const clients = exportAccess.readWriteClients
    ? [
        "  CLIENT {",
        `    Clients = ${exportAccess.readWriteClients};`,
        "    Access_Type = RW;",
        "  }",
      ]
    : [];
  return [
    "NFS_CORE_PARAM {",
    "  Protocols = 4;",
    `  NFS_Port = ${NFS_PORT};`,
    "  Enable_NLM = false;",
    "  Enable_RQUOTA = false;",
    "}",
    "NFSv4 {",
    "  Grace_Period = 30;",
    "  Lease_Lifetime = 20;",
    "  Delegations = false;",
    // sec=sys clients send numeric ids; answering in kind needs no shared idmap domain.
    "  Only_Numeric_Owners = true;",
    "}",
    "EXPORT {",
    "  Export_Id = 1;",
    `  Path = ${EXPORT_PATH};`,
    "  Pseudo = /;",
    `  Access_Type = ${exportAccess.access};`,
    `  Squash = ${exportAccess.squash};`,
    "  SecType = sys;",
    "  Protocols = 4;",
    "  Transports = TCP;",
    ...clients,
    "  FSAL { Name = VFS; }",
    "}",
    "",
  ].join("\n");
}

/** The claim an NFS server exports: on a StorageClass, or bound to an existing volume. */
export interface DataClaimSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly storageClass: string;
  readonly size: string;
  /** An existing PersistentVolume to bind to. */
  readonly volumeName?: string;
}

export function dataClaim(spec: DataClaimSpec): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { ...spec.labels, [DATA_LABEL]: "true" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: spec.storageClass,
      ...(spec.volumeName === undefined ? {} : { volumeName: spec.volumeName }),
      resources: { requests: { storage: spec.size } },
    },
  };
}

/** One NFS server: a StatefulSet of one on the core group, its config and its fixed address. */
export interface NfsServerSpec {
  readonly namespace: string;
  /** The StatefulSet's and the Service's name; the ConfigMap is `<name>-ganesha`. */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly dataClaim: string;
  readonly clusterIP: string;
  readonly exportAccess: ExportAccess;
  /** A node-exporter sidecar reporting the volume's free space. */
  readonly metrics: boolean;
  /** With `metrics`: a sidecar measuring each home directory, reported by node-exporter too. */
  readonly homeUsage?: boolean;
  /** Run before the server, with the data volume mounted at /export. */
  readonly initContainers?: readonly Record<string, unknown>[];
}

export function nfsServerObjects(spec: NfsServerSpec): {
  configMap: KubeObject;
  service: KubeObject;
  statefulSet: KubeObject;
} {
  const { namespace, name, labels } = spec;
  const config = ganeshaConfig(spec.exportAccess);
  const configName = `${name}-ganesha`;
  const homeUsage = spec.metrics && spec.homeUsage === true;
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: configName, namespace, labels },
    data: { "ganesha.conf": config },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels },
    spec: {
      type: "ClusterIP",
      clusterIP: spec.clusterIP,
      selector: spec.selector,
      ports: [
        { name: "nfs", port: NFS_PORT, targetPort: "nfs", protocol: "TCP" },
        ...(spec.metrics
          ? [{ name: "metrics", port: DRIVE_METRICS_PORT, targetPort: "metrics", protocol: "TCP" }]
          : []),
      ],
    },
  };
  const statefulSet: KubeObject = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: spec.selector },
      template: {
        metadata: {
          labels,
          annotations: {
            // The autoscaler must never evict an NFS server: everyone mounting it loses their files.
            [SAFE_TO_EVICT]: "false",
            // Velero's file-system backup copies this volume (it reads only volumes of running
            // pods: the server always runs, which is one reason it is a StatefulSet).
            [VELERO_BACKUP_VOLUMES]: "data",
            [CONFIG_HASH_ANNOTATION]: shortHash(config),
          },
        },
        spec: {
          affinity: { nodeAffinity: coreGroupNodeAffinity() },
          terminationGracePeriodSeconds: 30,
          ...(spec.initContainers ? { initContainers: spec.initContainers } : {}),
          containers: [
            nfsServerContainer(),
            ...(spec.metrics ? [metricsContainer(homeUsage)] : []),
            ...(homeUsage ? [homeUsageContainer(DRIVE_IMAGE, EXPORT_PATH)] : []),
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: spec.dataClaim } },
            { name: "config", configMap: { name: configName } },
            ...(homeUsage ? [{ name: TEXTFILE_VOLUME, emptyDir: { sizeLimit: "10Mi" } }] : []),
          ],
        },
      },
    },
  };
  return { configMap, service, statefulSet };
}

function nfsServerContainer() {
  return {
    name: "nfs-server",
    image: DRIVE_IMAGE,
    ports: [{ name: "nfs", containerPort: NFS_PORT, protocol: "TCP" }],
    // Ganesha's VFS backend needs file-handle syscalls that only a privileged container has.
    securityContext: { privileged: true },
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    readinessProbe: {
      tcpSocket: { port: "nfs" },
      initialDelaySeconds: 5,
      periodSeconds: 10,
    },
    livenessProbe: {
      tcpSocket: { port: "nfs" },
      initialDelaySeconds: 30,
      periodSeconds: 20,
      failureThreshold: 6,
    },
    volumeMounts: [
      { name: "data", mountPath: EXPORT_PATH },
      { name: "config", mountPath: "/etc/ganesha/ganesha.conf", subPath: "ganesha.conf" },
    ],
  };
}

/** Where the metrics sidecar mounts the data volume (read-only): its filesystem is the drive's. */
export const METRICS_DATA_MOUNT = "/shared-volume";

function metricsContainer(homeUsage: boolean) {
  return {
    name: "metrics",
    image: DRIVE_METRICS_IMAGE,
    args: [
      "--collector.disable-defaults",
      "--collector.filesystem",
      "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|etc)($|/)",
      ...(homeUsage
        ? ["--collector.textfile", `--collector.textfile.directory=${TEXTFILE_DIR}`]
        : []),
      `--web.listen-address=:${DRIVE_METRICS_PORT}`,
    ],
    ports: [{ name: "metrics", containerPort: DRIVE_METRICS_PORT, protocol: "TCP" }],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65534,
      allowPrivilegeEscalation: false,
    },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: [
      { name: "data", mountPath: METRICS_DATA_MOUNT, readOnly: true },
      ...(homeUsage ? [{ name: TEXTFILE_VOLUME, mountPath: TEXTFILE_DIR, readOnly: true }] : []),
    ],
  };
}

/** The volume (cluster-scoped) and claim through which user servers mount an NFS export. */
export interface NfsClientSpec {
  readonly volumeName: string;
  readonly namespace: string;
  readonly claimName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly size: string;
  readonly server: string;
  readonly path: string;
  readonly mountOptions: readonly string[];
}

/** Mount options for hubfleet's own (Ganesha, NFSv4.1) servers. */
export const NFS_MOUNT_OPTIONS = ["nfsvers=4.1", "hard", "timeo=600", "retrans=3", "noresvport"];

export function nfsClientObjects(spec: NfsClientSpec): { volume: KubeObject; claim: KubeObject } {
  const volume: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: spec.volumeName, labels: spec.labels },
    spec: {
      capacity: { storage: spec.size },
      accessModes: ["ReadWriteMany"],
      // This volume only points at the server; deleting it never deletes data, but keep it explicit.
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      mountOptions: spec.mountOptions,
      nfs: { server: spec.server, path: spec.path },
      claimRef: { namespace: spec.namespace, name: spec.claimName },
    },
  };
  const claim: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: spec.claimName, namespace: spec.namespace, labels: spec.labels },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: "",
      volumeName: spec.volumeName,
      resources: { requests: { storage: spec.size } },
    },
  };
  return { volume, claim };
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
