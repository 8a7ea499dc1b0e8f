/**
 * Whether each hub really has a backup: Velero can report a Backup "Completed" while the
 * file-system backup of a volume failed or never ran (velero#6212), so this looks at the
 * PodVolumeBackups themselves — per hub, the latest completed copy of the drive's data volume
 * and of the hub database, and a failure since.
 */
import type { FleetModel } from "../fleet/model.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import { VELERO_BACKUP_NAME_LABEL } from "../vocabulary/labels.js";
import { VELERO_NAMESPACE } from "../vocabulary/namespaces.js";
import type { KubeObject } from "../vocabulary/objects.js";

/** The volumes each hub opts into Velero's file-system backup (pod annotations). */
const HUB_VOLUMES = [
  { what: "drive", pod: /^drive-\d+$/, volume: "data" },
  { what: "database", pod: /^hub-/, volume: "pvc" },
] as const;

export interface VolumeBackupCheck {
  readonly what: "drive" | "database";
  /** Completion time of the latest completed volume backup. */
  readonly lastCompleted?: string;
  readonly backup?: string;
  /** What is wrong, if anything. */
  readonly problem?: string;
}

export interface HubBackupCheck {
  readonly hub: string;
  readonly ok: boolean;
  readonly volumes: readonly VolumeBackupCheck[];
}

interface PodVolumeBackup {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { volume?: string; pod?: { namespace?: string; name?: string } };
  status?: {
    phase?: string;
    completionTimestamp?: string;
    startTimestamp?: string;
    message?: string;
  };
}

const when = (p: PodVolumeBackup) =>
  Date.parse(p.status?.completionTimestamp ?? p.status?.startTimestamp ?? "") || 0;

/** Pure: the verdict per hub from the PodVolumeBackups Velero recorded. */
export function checkHubBackups(
  hubs: readonly string[],
  backups: readonly KubeObject[],
  options: { now: number; maxAgeHours: number },
): HubBackupCheck[] {
  const all = backups as unknown as PodVolumeBackup[];
  return hubs.map((hub) => {
    const volumes = HUB_VOLUMES.map(({ what, pod, volume }): VolumeBackupCheck => {
      const mine = all
        .filter(
          (b) =>
            b.spec?.pod?.namespace === hub &&
            pod.test(b.spec?.pod?.name ?? "") &&
            b.spec?.volume === volume,
        )
        .sort((a, b) => when(b) - when(a));
      const completed = mine.find((b) => b.status?.phase === "Completed");
      const failed = mine.find((b) => b.status?.phase === "Failed");
      const base = {
        what,
        ...(completed?.status?.completionTimestamp
          ? { lastCompleted: completed.status.completionTimestamp }
          : {}),
        ...(completed?.metadata.labels?.[VELERO_BACKUP_NAME_LABEL]
          ? { backup: completed.metadata.labels[VELERO_BACKUP_NAME_LABEL] }
          : {}),
      };
      if (!completed) {
        return {
          ...base,
          problem: failed
            ? `its volume backup failed: ${failed.status?.message ?? "no message"}`
            : "no completed volume backup of it",
        };
      }
      if (failed && when(failed) > when(completed)) {
        return {
          ...base,
          problem: `the latest volume backup failed: ${failed.status?.message ?? "no message"}`,
        };
      }
      const ageHours = (options.now - when(completed)) / 3_600_000;
      if (ageHours > options.maxAgeHours) {
        return {
          ...base,
          problem: `the latest completed volume backup is ${Math.floor(ageHours)} h old (more than ${options.maxAgeHours} h)`,
        };
      }
      return base;
    });
    return { hub, ok: volumes.every((v) => !v.problem), volumes };
  });
}

/** Reads Velero's PodVolumeBackups and checks every hub of the fleet. */
export async function checkBackups(
  kube: KubePort,
  fleet: FleetModel,
  options: { now?: number; maxAgeHours?: number } = {},
): Promise<HubBackupCheck[]> {
  let backups: KubeObject[] = [];
  try {
    backups = await kube.list("velero.io/v1", "PodVolumeBackup", { namespace: VELERO_NAMESPACE });
  } catch (err) {
    // Velero not installed: no volume backup exists, which every hub then reports.
    if (!(err instanceof ClusterError && err.notFound)) throw err;
  }
  return checkHubBackups(
    fleet.hubs.map((h) => h.name),
    backups,
    { now: options.now ?? Date.now(), maxAgeHours: options.maxAgeHours ?? 48 },
  );
}
