/**
 * `hubfleet archive HUB -f FILE [--to s3://BUCKET/PREFIX] [--dry-run] [--then-delete]`: a
 * hub's homes, shared folder and database to S3 through the archiver pod, verified; with
 * `--then-delete`, the hub and its data removed afterwards by delete-hub's own path.
 */
import type { Command } from "commander";
import { deleteHub } from "../apply/deleteHub.js";
import { type ArchiveResult, archiveHub } from "../archive/archive.js";
import { archiveRegion, defaultTarget, hubArchivesFolder } from "../archive/defaultTarget.js";
import { parseS3Url, type S3Location, s3Url } from "../archive/layout.js";
import { describePart } from "../archive/manifest.js";
import { PodDrive } from "../archive/podDrive.js";
import { checkBucketExists, checkNoUserServers } from "../archive/target.js";
import { UsageError } from "../errors.js";
import type { FleetModel } from "../fleet/model.js";
import { AwsError } from "../ports/aws.js";
import type { KubePort } from "../ports/kube.js";
import { kubeExecPort } from "../ports/kubeExec.js";
import { MIN_PART_SIZE, s3Port } from "../ports/s3.js";
import { FLEET_LABEL, HUB_LABEL } from "../vocabulary/labels.js";
import {
  addClusterOptions,
  type ClusterOptions,
  connect,
  kubeconfigFile,
  loadValidFleet,
} from "./cluster.js";
import type { Io } from "./io.js";
import { bytes, transferProgress } from "./progress.js";

interface ArchiveOptions extends ClusterOptions {
  file: string;
  to?: string;
  dryRun?: boolean;
  thenDelete?: boolean;
  partSize: string;
  endpoint?: string;
}

/** `--part-size` in MiB, at least S3's 5. */
function partSize(text: string): number {
  const mib = Number(text);
  if (!Number.isInteger(mib) || mib * 1024 * 1024 < MIN_PART_SIZE || mib > 5120) {
    throw new UsageError(
      `--part-size ${text}: expected whole MiB from ${MIN_PART_SIZE / 1024 / 1024} to 5120`,
      "S3's multipart parts are at least 5 MiB (all but the last) and at most 5 GiB",
    );
  }
  return mib * 1024 * 1024;
}

/** The hub in the fleet file, or one this fleet still has in the cluster (removed from the file). */
async function resolveHub(
  kube: KubePort,
  fleet: FleetModel,
  file: string,
  hub: string,
): Promise<{ chartVersion: string }> {
  const inFile = fleet.hubs.find((h) => h.name === hub);
  const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: hub });
  const labels = namespace?.metadata.labels ?? {};
  if (!namespace || labels[FLEET_LABEL] !== fleet.name || labels[HUB_LABEL] !== hub) {
    throw new UsageError(
      `fleet ${fleet.name} has no hub ${hub} in this cluster${inFile ? " (it is in the fleet file but not applied)" : ""}`,
      `check the hub name and --context; hubs of ${file}: ${fleet.hubs.map((h) => h.name).join(", ")}`,
    );
  }
  return { chartVersion: inFile?.chart.version ?? "unknown" };
}

export function archiveCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("archive")
      .description(
        "copy a hub's homes, shared folder and database to S3 (tar+zstd per user, manifest, verified); --then-delete removes the hub after",
      )
      .argument("<hub>", "the hub to archive")
      .requiredOption("-f, --file <fleet>", "fleet file (- reads it from standard input)")
      .option(
        "--to <s3-url>",
        "s3://BUCKET/PREFIX (default: the fleet's backup bucket, <prefix>/archives/<hub>/<UTC time>/)",
      )
      .option("--dry-run", "list users, sizes and keys; write nothing")
      .option("--then-delete", "once the archive is verified in S3, delete the hub and its data")
      .option("--part-size <MiB>", "multipart upload part size", "64")
      .option("--endpoint <url>", "an S3-compatible endpoint instead of AWS (path-style)"),
  ).action(async (hub: string, options: ArchiveOptions) => {
    const file = options.file;
    const size = partSize(options.partSize);
    const given = options.to === undefined ? undefined : parseS3Url("--to", options.to);
    const fleet = await loadValidFleet(io, file);
    if (options.thenDelete && fleet.hubs.some((h) => h.name === hub)) {
      throw new UsageError(
        `hub ${hub} is still in ${file}: after --then-delete the next apply would create it again, empty; nothing was done`,
        `remove hub ${hub} from ${file} first (do not apply in between), then run archive --then-delete`,
      );
    }
    const kubeconfig = kubeconfigFile(io, options.kubeconfig);
    const cluster = connect(io, options);
    const { chartVersion } = await resolveHub(cluster.kube, fleet, file, hub);
    if (!options.dryRun) await checkNoUserServers(cluster.kube, hub);
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const s3 = s3Port({
      region: archiveRegion(fleet),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    const now = new Date();
    try {
      let target: S3Location;
      if (given) target = given;
      else {
        const folder = hubArchivesFolder(fleet, hub);
        await checkBucketExists(s3, folder);
        const chosen = await defaultTarget(s3, folder, now);
        if (chosen.continued) io.err(`continuing the unfinished archive ${s3Url(chosen.target)}\n`);
        target = chosen.target;
      }
      io.err(
        `archiving hub ${hub} to ${s3Url(target)}${options.dryRun ? " (dry run: nothing is written)" : ""}\n`,
      );
      const drive = await PodDrive.open(
        {
          kube: cluster.kube,
          exec: kubeExecPort({
            ...(kubeconfig ? { kubeconfig } : {}),
            ...(options.context ? { context: options.context } : {}),
          }),
        },
        { fleet: fleet.name, hub: hub },
      );
      let result: ArchiveResult;
      try {
        result = await archiveHub(
          { s3, drive },
          {
            fleet: fleet.name,
            hub: hub,
            chartVersion,
            target,
            partSize: size,
            now,
            dryRun: options.dryRun === true,
            onEvent: transferProgress(io),
            ...(options.thenDelete
              ? {
                  thenDelete: async () => {
                    // The verified archive exists; the hub and its data go as delete-hub --purge does it.
                    await drive.close();
                    const report = await deleteHub(cluster, fleet, hub, {
                      purge: true,
                      today: now.toISOString().slice(0, 10),
                      onProgress: (line) => io.err(`${line}\n`),
                    });
                    for (const d of report.deleted) io.out(`deleted ${d}\n`);
                  },
                }
              : {}),
          },
        );
      } finally {
        await drive.close().catch(() => {});
      }
      printResult(io, hub, result, options.thenDelete === true);
    } catch (err) {
      if (err instanceof AwsError) throw new UsageError(err.message, err.hint);
      throw err;
    }
  });
}

function printResult(io: Io, hub: string, result: ArchiveResult, deleted: boolean): void {
  if (result.dryRun) {
    io.out(`would archive hub ${hub} to ${s3Url(result.target)}:\n`);
    for (const e of result.entries) {
      io.out(
        `  ${s3Url(result.target, e.key).padEnd(60)} ${describePart(e.part).padEnd(24)} ${String(e.fileCount).padStart(7)} files ${bytes(e.uncompressedBytes).padStart(10)}\n`,
      );
    }
    const total = result.entries.reduce((n, e) => n + e.uncompressedBytes, 0);
    io.out(
      `${result.entries.length} objects, ${bytes(total)} before compression; nothing was written\n`,
    );
    return;
  }
  const m = result.manifest;
  const before = m.objects.reduce((n, o) => n + o.uncompressedBytes, 0);
  const after = m.objects.reduce((n, o) => n + o.objectBytes, 0);
  io.out(
    `archived hub ${hub}: ${m.objects.length} objects (${result.uploaded} uploaded, ${result.skipped} already there), ${m.objects.reduce((n, o) => n + o.fileCount, 0)} files, ${bytes(before)} → ${bytes(after)} zstd\n`,
  );
  io.out(
    `manifest: ${s3Url(result.target, "manifest.json")} (read back and verified: ${result.verification.objects} objects, sizes and checksums)\n`,
  );
  io.out(
    deleted
      ? `hub ${hub} and its data are deleted; restore with: hubfleet restore ${s3Url(result.target)} -f FLEET --into NEW-HUB\n`
      : `restore with: hubfleet restore ${s3Url(result.target)} -f FLEET --into HUB\n`,
  );
}
