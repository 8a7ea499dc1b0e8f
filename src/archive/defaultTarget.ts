/**
 * Where `archive` writes when no `--to` is given: the fleet's backup bucket, under
 * `<prefix>/archives/<hub>/<UTC stamp>/`, or, when an earlier run of the same hub's archive
 * there stopped before its manifest, that run's folder, so a re-run continues it.
 */
import { UsageError } from "../errors.js";
import { backupSettings } from "../fleet/backupSettings.js";
import type { FleetModel } from "../fleet/model.js";
import type { S3Port } from "../ports/s3.js";
import {
  hubArchivesPrefix,
  MANIFEST_NAME,
  PARTIAL_MANIFEST_NAME,
  type S3Location,
  utcStamp,
} from "./layout.js";

/** The backup bucket and the folder of a hub's archives in it, or a UsageError saying to use --to. */
export function hubArchivesFolder(fleet: FleetModel, hub: string): S3Location {
  const settings = backupSettings(fleet);
  if (settings?.bucket === undefined) {
    throw new UsageError(
      `fleet ${fleet.name} has no backup bucket (tools.backups.bucket, on provider eks) to archive into`,
      "give the target: --to s3://BUCKET/PREFIX",
    );
  }
  return { bucket: settings.bucket, prefix: hubArchivesPrefix(settings.prefix, hub) };
}

/** The latest folder under `folder` with a partial manifest and no manifest, if any. */
export async function unfinishedArchive(
  s3: S3Port,
  folder: S3Location,
): Promise<S3Location | undefined> {
  const keys = await s3.list({ bucket: folder.bucket, prefix: `${folder.prefix}/` });
  const folders = (name: string) =>
    new Set(
      keys
        .filter((k) => k.endsWith(`/${name}`))
        .map((k) => k.slice(0, -name.length - 1))
        .filter((k) => k.slice(folder.prefix.length + 1).split("/").length === 1),
    );
  const finished = folders(MANIFEST_NAME);
  const open = [...folders(PARTIAL_MANIFEST_NAME)].filter((f) => !finished.has(f)).sort();
  const latest = open.at(-1);
  return latest === undefined ? undefined : { bucket: folder.bucket, prefix: latest };
}

/** The default target: an unfinished archive of the hub to continue, or a new stamped folder. */
export async function defaultTarget(
  s3: S3Port,
  folder: S3Location,
  now: Date,
): Promise<{ target: S3Location; continued: boolean }> {
  const open = await unfinishedArchive(s3, folder);
  if (open) return { target: open, continued: true };
  return {
    target: { bucket: folder.bucket, prefix: `${folder.prefix}/${utcStamp(now)}` },
    continued: false,
  };
}

/** The region of the S3 client: the backup settings' region, else the cluster's. */
export function archiveRegion(fleet: FleetModel): string {
  return fleet.tools.backups.region ?? fleet.cluster.region;
}
