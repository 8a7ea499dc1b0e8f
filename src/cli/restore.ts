/**
 * `hubfleet restore s3://BUCKET/PREFIX -f FILE --into HUB [--user NAME] [--as-readonly]`: an
 * archive's homes (and shared folder) laid into a hub's drive through the archiver pod, each
 * object and file checked against the manifest, nothing overwritten.
 */
import type { Command } from "commander";
import { archiveRegion } from "../archive/defaultTarget.js";
import { parseS3Url, s3Url } from "../archive/layout.js";
import { describePart } from "../archive/manifest.js";
import { PodDrive } from "../archive/podDrive.js";
import { PREVIOUS_TERM, restoreArchive } from "../archive/restore.js";
import { UsageError } from "../errors.js";
import { AwsError } from "../ports/aws.js";
import { kubeExecPort } from "../ports/kubeExec.js";
import { s3Port } from "../ports/s3.js";
import { FLEET_LABEL, HUB_LABEL } from "../vocabulary/labels.js";
import {
  addClusterOptions,
  type ClusterOptions,
  connectKube,
  kubeconfigFile,
  loadValidFleet,
} from "./cluster.js";
import type { Io } from "./io.js";
import { bytes } from "./progress.js";

interface RestoreOptions extends ClusterOptions {
  file: string;
  into: string;
  user?: string;
  asReadonly?: boolean;
  endpoint?: string;
}

export function restoreCommand(program: Command, io: Io): void {
  addClusterOptions(
    program
      .command("restore")
      .description(
        "lay an archive's homes (and shared folder) into a hub's drive, checked file by file; never overwrites",
      )
      .argument("<archive>", "the archive's folder: s3://BUCKET/PREFIX (it holds manifest.json)")
      .requiredOption("-f, --file <fleet>", "fleet file (- reads it from standard input)")
      .requiredOption("--into <hub>", "the hub whose drive receives the files")
      .option("--user <name>", "only this user's home")
      .option("--as-readonly", `under each home's ~/${PREVIOUS_TERM}/, files and folders read-only`)
      .option("--endpoint <url>", "an S3-compatible endpoint instead of AWS (path-style)"),
  ).action(async (archive: string, options: RestoreOptions) => {
    const source = parseS3Url("<archive>", archive);
    const fleet = await loadValidFleet(io, options.file);
    const kubeconfig = kubeconfigFile(io, options.kubeconfig);
    const kube = connectKube(io, kubeconfig, options.context);
    const namespace = await kube.get({ apiVersion: "v1", kind: "Namespace", name: options.into });
    const labels = namespace?.metadata.labels ?? {};
    if (!namespace || labels[FLEET_LABEL] !== fleet.name || labels[HUB_LABEL] !== options.into) {
      throw new UsageError(
        `--into ${options.into}: fleet ${fleet.name} has no hub ${options.into} in this cluster`,
        `apply the new hub first (hubs of ${options.file}: ${fleet.hubs.map((h) => h.name).join(", ")})`,
      );
    }
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const s3 = s3Port({
      region: archiveRegion(fleet),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    try {
      const drive = await PodDrive.open(
        {
          kube,
          exec: kubeExecPort({
            ...(kubeconfig ? { kubeconfig } : {}),
            ...(options.context ? { context: options.context } : {}),
          }),
        },
        { fleet: fleet.name, hub: options.into },
      );
      try {
        const result = await restoreArchive(
          { s3, drive },
          {
            source,
            asReadonly: options.asReadonly === true,
            ...(options.user ? { user: options.user } : {}),
            onEvent: (e) => {
              if (e.type === "object-start")
                io.err(`  restoring ${describePart(e.object.part)} into ${e.into}\n`);
            },
          },
        );
        for (const r of result.restored) {
          io.out(
            `  ${describePart(r.object.part).padEnd(24)} → ${r.into.padEnd(40)} ${String(r.object.fileCount).padStart(7)} files ${bytes(r.object.uncompressedBytes).padStart(10)}  checked\n`,
          );
        }
        io.out(
          `restored ${result.restored.length} folder(s) of hub ${result.manifest.hub}'s archive (${result.manifest.createdAt}) from ${s3Url(source)} into hub ${options.into}; every file's sha256 matched the manifest\n`,
        );
      } finally {
        await drive.close();
      }
    } catch (err) {
      if (err instanceof AwsError) throw new UsageError(err.message, err.hint);
      throw err;
    }
  });
}
