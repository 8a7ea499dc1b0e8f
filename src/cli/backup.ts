/**
 * `hubfleet backup-setup FILE`: the S3 bucket, IAM policy and user (or role) and the cluster
 * credentials Velero needs, created or brought in line, each step reported. Safe to re-run;
 * `--dry-run` only looks.
 */
import type { Command } from "commander";
import type { Step } from "../backup/plan.js";
import { BackupRefusedError, type BackupSetupResult, backupSetup } from "../backup/setup.js";
import { UsageError } from "../errors.js";
import { BackupSettingsError, backupTarget } from "../fleet/backupSettings.js";
import { AwsError, awsPort } from "../ports/aws.js";
import { connectKube, kubeconfigFile, loadValidFleet } from "./cluster.js";
import type { Io } from "./io.js";

interface BackupSetupOptions {
  dryRun?: boolean;
  kubeconfig?: string;
  context?: string;
  endpoint?: string;
}

export function backupSetupCommand(program: Command, io: Io): void {
  program
    .command("backup-setup")
    .description(
      "create or check the S3 bucket, IAM policy and user/role and credentials Secret Velero needs (safe to re-run)",
    )
    .argument("<file>", "fleet file (- reads it from standard input)")
    .option("--dry-run", "show what would be created or changed; change nothing")
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .option(
      "--endpoint <url>",
      "an S3/IAM/STS-compatible endpoint instead of AWS (testing; path-style S3)",
    )
    .action(async (file: string, options: BackupSetupOptions) => {
      const fleet = await loadValidFleet(io, file);
      // The SDK warns on every run that its releases from 2027 need Node 22; the lockfile pins it.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
      try {
        const target = backupTarget(fleet);
        const aws = awsPort({
          region: target.region,
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        });
        const kube =
          target.identity.kind === "user"
            ? connectKube(io, kubeconfigFile(io, options.kubeconfig), options.context)
            : undefined;
        io.out(
          `backup-setup for ${fleet.name}: s3://${target.bucket}/${target.prefix}/ in ${target.region}, ${
            target.identity.kind === "role"
              ? `IAM role ${target.identity.roleName} (IRSA)`
              : `IAM user ${target.identity.userName}`
          }${options.dryRun ? " (dry run: nothing is changed)" : ""}\n`,
        );
        const result = await backupSetup({ aws, ...(kube ? { kube } : {}) }, fleet, {
          dryRun: options.dryRun === true,
          onStep: (step) => printStep(io, step, options.dryRun === true),
        });
        printSummary(io, result);
        if (result.steps.some((s) => s.action === "refuse")) io.setExitCode(1);
      } catch (err) {
        if (err instanceof BackupRefusedError) {
          for (const step of err.steps) printStep(io, step, false);
          io.err("error: backup-setup changed nothing: fix the refused steps above and re-run\n");
          io.setExitCode(1);
          return;
        }
        if (err instanceof BackupSettingsError) throw new UsageError(err.message, err.hint);
        if (err instanceof AwsError) throw new UsageError(err.message, err.hint);
        throw err;
      }
    });
}

const DONE: Record<Step["action"], string> = {
  create: "created",
  update: "updated",
  unchanged: "unchanged",
  refuse: "REFUSED",
  warn: "warning",
};
const WOULD: Record<Step["action"], string> = {
  create: "would create",
  update: "would update",
  unchanged: "unchanged",
  refuse: "REFUSED",
  warn: "warning",
};

function printStep(io: Io, step: Step, dryRun: boolean): void {
  const word = (dryRun ? WOULD : DONE)[step.action];
  const line = `  ${word.padEnd(12)} ${step.resource}: ${step.detail}\n`;
  const hint = step.hint ? `${" ".repeat(15)}hint: ${step.hint}\n` : "";
  if (step.action === "refuse" || step.action === "warn") io.err(line + hint);
  else io.out(line);
}

function printSummary(io: Io, result: BackupSetupResult): void {
  const count = (action: Step["action"]) => result.steps.filter((s) => s.action === action).length;
  const refused = count("refuse");
  const parts = [
    `${count("create")} to create`,
    `${count("update")} to update`,
    `${count("unchanged")} unchanged`,
  ];
  if (result.dryRun) {
    io.out(
      `dry run as ${result.caller}: ${parts.join(", ")}${refused ? `, ${refused} refused` : ""}\n`,
    );
    return;
  }
  io.out(
    `done as ${result.caller}: ${count("create")} created, ${count("update")} updated, ${count("unchanged")} unchanged\n`,
  );
}
