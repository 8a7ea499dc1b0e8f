/**
 * The Velero release: backups of every hub namespace to S3, drive and hub database included,
 * by file-system backup (the node agent copies the opted-in volumes of running pods with
 * Kopia), on a schedule per hub. Snapshots are off. backup-setup makes the bucket, the IAM
 * policy and the credentials this release expects.
 */
import {
  backupSettings,
  VELERO_CREDENTIALS_KEY,
  VELERO_CREDENTIALS_SECRET,
  VELERO_SERVER_SERVICE_ACCOUNT,
} from "../../fleet/backupSettings.js";
import type { FleetModel } from "../../fleet/model.js";
import { VELERO_CHART } from "../../vocabulary/charts.js";
import {
  FLEET_LABEL,
  HUB_LABEL,
  NODE_GROUP_LABEL,
  ROLE_ARN_ANNOTATION,
} from "../../vocabulary/labels.js";
import { DATASETS_NAMESPACE, VELERO_NAMESPACE } from "../../vocabulary/namespaces.js";
import { servedDatasets } from "../datasets/server.js";
import { clusterToolsNodeSelector, EVERY_NODE_TOLERATIONS, type RenderedTool } from "./tool.js";

export const VELERO_RELEASE = "velero";

/**
 * The AWS object-store plugin, copied into the server pod by an init container. Plugin v1.14.x
 * goes with Velero v1.18.x (the plugin's compatibility table, branch release-1.14).
 */
export const VELERO_AWS_PLUGIN_IMAGE = "velero/velero-plugin-for-aws:v1.14.4";

/** The one storage location: every schedule writes there. */
export const BACKUP_STORAGE_LOCATION = "default";

/** Key of a hub's entry in the chart's `schedules`; the chart names the Schedule velero-<key>. */
export const scheduleKey = (hub: string): string => `hub-${hub}`;

/** Name of a hub's Schedule object (the chart prefixes the release's full name, "velero"). */
export const scheduleName = (hub: string): string => `${VELERO_RELEASE}-${scheduleKey(hub)}`;

/** Key of the data set servers' entry in `schedules` (namespace datasets, when it has servers). */
export const DATASETS_SCHEDULE_KEY = "datasets";

function schedules(fleet: FleetModel, schedule: string, ttl: string): Record<string, unknown> {
  const units: Array<{ key: string; namespace: string; labels: Record<string, string> }> = [
    ...[...fleet.hubs]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((hub) => ({
        key: scheduleKey(hub.name),
        namespace: hub.name,
        labels: { [FLEET_LABEL]: fleet.name, [HUB_LABEL]: hub.name },
      })),
    // The data set servers' volumes (new or existing), like the drives; nfs sources are not ours.
    ...(servedDatasets(fleet).length > 0
      ? [
          {
            key: DATASETS_SCHEDULE_KEY,
            namespace: DATASETS_NAMESPACE,
            labels: { [FLEET_LABEL]: fleet.name },
          },
        ]
      : []),
  ];
  return Object.fromEntries(
    units.map((unit) => [
      unit.key,
      {
        labels: unit.labels,
        schedule,
        // Backups outlive their schedule: removing a hub keeps its last backups until ttl.
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [unit.namespace],
          storageLocation: BACKUP_STORAGE_LOCATION,
          ttl,
          snapshotVolumes: false,
          // Opt-in: only volumes named in a pod's backup.velero.io/backup-volumes (the drive's
          // data, the hub database). User servers mount the drive over NFS: copying it again
          // from every user pod would store each home directory once per running server.
          defaultVolumesToFsBackup: false,
        },
      },
    ]),
  );
}

function credentials(roleArn: string | undefined): Record<string, unknown> {
  if (roleArn !== undefined) {
    return {
      credentials: { useSecret: false },
      serviceAccount: {
        server: {
          create: true,
          name: VELERO_SERVER_SERVICE_ACCOUNT,
          annotations: { [ROLE_ARN_ANNOTATION]: roleArn },
        },
      },
      // The web-identity token is projected group-readable; a group lets the non-root server
      // read it (the node agent runs as root).
      podSecurityContext: { fsGroup: 65534 },
    };
  }
  return {
    credentials: { useSecret: true, existingSecret: VELERO_CREDENTIALS_SECRET },
    serviceAccount: { server: { create: true, name: VELERO_SERVER_SERVICE_ACCOUNT } },
  };
}

function veleroValues(fleet: FleetModel): Record<string, unknown> | undefined {
  const settings = backupSettings(fleet);
  // No bucket: validate reports it; there is nowhere to back up to.
  if (settings?.bucket === undefined) return undefined;
  return {
    initContainers: [
      {
        name: "velero-plugin-for-aws",
        image: VELERO_AWS_PLUGIN_IMAGE,
        imagePullPolicy: "IfNotPresent",
        volumeMounts: [{ mountPath: "/target", name: "plugins" }],
      },
    ],
    nodeSelector: clusterToolsNodeSelector(),
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    configuration: {
      backupStorageLocation: [
        {
          name: BACKUP_STORAGE_LOCATION,
          provider: "aws",
          bucket: settings.bucket,
          prefix: settings.prefix,
          default: true,
          config: { region: settings.region },
        },
      ],
      uploaderType: "kopia",
      defaultVolumesToFsBackup: false,
      // Repository maintenance jobs (Kopia's garbage collection) use memory in bursts; they
      // run beside the server, never beside hubs or user servers.
      repositoryMaintenanceJob: {
        repositoryConfigData: {
          global: {
            keepLatestMaintenanceJobs: 3,
            loadAffinity: [
              {
                nodeSelector: {
                  matchExpressions: [
                    { key: NODE_GROUP_LABEL, operator: "In", values: ["clustertools"] },
                  ],
                },
              },
            ],
          },
        },
      },
    },
    ...credentials(settings.roleArn),
    backupsEnabled: true,
    // File-system backup instead: see "Backups" in docs/design.md.
    snapshotsEnabled: false,
    deployNodeAgent: true,
    nodeAgent: {
      // On every node of every group, like every per-node agent: a volume to back up can only
      // be read on the node its pod runs on (today jhcontrolplane; a restore may land anywhere).
      tolerations: EVERY_NODE_TOLERATIONS.map((t) => ({ ...t })),
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } },
    },
    schedules: schedules(fleet, settings.schedule, settings.ttl),
    // Prometheus reads Velero's backup metrics (the backup alerts) through a ServiceMonitor.
    metrics: { enabled: true, serviceMonitor: { enabled: fleet.tools.monitoring.enabled } },
  };
}

/** The Velero release on EKS; nothing when backups are off, the cluster is local, or no bucket. */
export function renderVelero(fleet: FleetModel): RenderedTool[] {
  const values = veleroValues(fleet);
  if (values === undefined) return [];
  const settings = fleet.tools.backups;
  return [
    {
      name: VELERO_RELEASE,
      namespace: VELERO_NAMESPACE,
      release: {
        name: VELERO_RELEASE,
        namespace: VELERO_NAMESPACE,
        chart: { ...VELERO_CHART, version: settings.chartVersion ?? VELERO_CHART.version },
        values,
        tool: VELERO_RELEASE,
      },
      manifests: [],
      // Without IRSA, Velero reads its keys from the Secret backup-setup writes.
      secrets: settings.roleArn
        ? []
        : [
            {
              namespace: VELERO_NAMESPACE,
              name: VELERO_CREDENTIALS_SECRET,
              type: "external",
              keys: [VELERO_CREDENTIALS_KEY],
              tool: VELERO_RELEASE,
              hint: "run `hubfleet backup-setup FILE` first: it creates the S3 bucket, Velero's IAM user and this Secret",
            },
          ],
    },
  ];
}
