/**
 * A hub's drive: an NFS server (StatefulSet of one, never two pods on one EBS volume) on the
 * core group, its data claim, its Service at a fixed ClusterIP, and the volume through which
 * user servers mount it.
 */
import { createHash } from "node:crypto";
import type { FleetModel, Hub } from "../../fleet/model.js";
import { driveClientVolumeName } from "../../fleet/names.js";
import type { KubeObject, Manifest } from "../bundle.js";
import { NODE_GROUP_LABEL } from "../cluster/nodeGroups.js";
import { DATA_LABEL, hubLabels } from "../labels.js";
import { driveClusterIP } from "./driveAddress.js";

/** NFS Ganesha, user-space NFS server built by 2i2c for per-hub JupyterHub home directories. */
export const DRIVE_IMAGE = "ghcr.io/2i2c-org/nfs-ganesha:0.0.7";
/** Reports the drive's free space (filesystem collector only) for the fleet dashboard. */
export const DRIVE_METRICS_IMAGE = "quay.io/prometheus/node-exporter:v1.9.1";

export const DRIVE = "drive";
export const DRIVE_DATA_CLAIM = "drive-data";
/** Pod annotation the cluster-autoscaler honours: "false" means never evict this pod. */
export const SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/** Pod annotation naming the volumes Velero's file-system backup copies (opt-in mode). */
export const VELERO_BACKUP_VOLUMES = "backup.velero.io/backup-volumes";
/** The claim user servers mount (bound to the NFS PersistentVolume). */
export const DRIVE_CLIENT_CLAIM = "drive";
export const NFS_PORT = 2049;
export const DRIVE_METRICS_PORT = 9100;
const EXPORT_PATH = "/export";

/** NFSv4 only (one port), no root squash so the init container can hand homes to the notebook user. */
function ganeshaConfig(): string {
  return [
    "NFS_CORE_PARAM {",
    "  Protocols = 4;",
    `  NFS_Port = ${NFS_PORT};`,
    "}",
    "NFSv4 {",
    "  Grace_Period = 30;",
    "  Lease_Lifetime = 20;",
    "  Delegations = false;",
    "}",
    "EXPORT {",
    "  Export_Id = 1;",
    `  Path = ${EXPORT_PATH};`,
    "  Pseudo = /;",
    "  Access_Type = RW;",
    "  Squash = No_Root_Squash;",
    "  SecType = sys;",
    "  Protocols = 4;",
    "  Transports = TCP;",
    "  FSAL { Name = VFS; }",
    "}",
    "",
  ].join("\n");
}

export function renderDrive(fleet: FleetModel, hub: Hub): Manifest[] {
  const ns = hub.name;
  const labels = hubLabels(fleet, hub.name, DRIVE);
  const selector = { "hubfleet.io/hub": hub.name, "app.kubernetes.io/component": DRIVE };
  const config = ganeshaConfig();
  const dataClaim: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: DRIVE_DATA_CLAIM,
      namespace: ns,
      labels: { ...labels, [DATA_LABEL]: "true" },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: hub.drive.storageClass,
      resources: { requests: { storage: hub.drive.size } },
    },
  };
  const configMap: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${DRIVE}-ganesha`, namespace: ns, labels },
    data: { "ganesha.conf": config },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: DRIVE, namespace: ns, labels },
    spec: {
      type: "ClusterIP",
      clusterIP: driveClusterIP(fleet, hub),
      selector,
      ports: [
        { name: "nfs", port: NFS_PORT, targetPort: "nfs", protocol: "TCP" },
        { name: "metrics", port: DRIVE_METRICS_PORT, targetPort: "metrics", protocol: "TCP" },
      ],
    },
  };
  const statefulSet: KubeObject = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: DRIVE, namespace: ns, labels },
    spec: {
      replicas: 1,
      serviceName: DRIVE,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          annotations: {
            // The autoscaler must never evict a drive: every user of the hub loses their files.
            [SAFE_TO_EVICT]: "false",
            // Velero's file-system backup copies this volume (it reads only volumes of running
            // pods: the drive always runs, which is one reason it is a StatefulSet).
            [VELERO_BACKUP_VOLUMES]: "data",
            "hubfleet.io/config-hash": shortHash(config),
          },
        },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: NODE_GROUP_LABEL, operator: "In", values: ["jhcontrolplane"] },
                    ],
                  },
                ],
              },
            },
          },
          terminationGracePeriodSeconds: 30,
          containers: [
            {
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
            },
            {
              name: "metrics",
              image: DRIVE_METRICS_IMAGE,
              args: [
                "--collector.disable-defaults",
                "--collector.filesystem",
                "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|etc)($|/)",
                `--web.listen-address=:${DRIVE_METRICS_PORT}`,
              ],
              ports: [{ name: "metrics", containerPort: DRIVE_METRICS_PORT, protocol: "TCP" }],
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65534,
                allowPrivilegeEscalation: false,
              },
              resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
              volumeMounts: [{ name: "data", mountPath: "/shared-volume", readOnly: true }],
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: DRIVE_DATA_CLAIM } },
            { name: "config", configMap: { name: `${DRIVE}-ganesha` } },
          ],
        },
      },
    },
  };
  const clientVolume: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: driveClientVolumeName(hub.name), labels },
    spec: {
      capacity: { storage: hub.drive.size },
      accessModes: ["ReadWriteMany"],
      // This volume only points at the drive; deleting it never deletes data, but keep it explicit.
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      mountOptions: ["nfsvers=4.1", "hard", "timeo=600", "retrans=3", "noresvport"],
      nfs: { server: driveClusterIP(fleet, hub), path: "/" },
      claimRef: { namespace: ns, name: DRIVE_CLIENT_CLAIM },
    },
  };
  const clientClaim: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: DRIVE_CLIENT_CLAIM, namespace: ns, labels },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: "",
      volumeName: driveClientVolumeName(hub.name),
      resources: { requests: { storage: hub.drive.size } },
    },
  };
  return [
    { phase: "storage", hub: hub.name, object: dataClaim },
    { phase: "storage", hub: hub.name, object: clientVolume },
    { phase: "storage", hub: hub.name, object: clientClaim },
    { phase: "drive", hub: hub.name, object: configMap },
    { phase: "drive", hub: hub.name, object: service },
    { phase: "drive", hub: hub.name, object: statefulSet },
  ];
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
