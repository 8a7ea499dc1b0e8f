// The one place that locates the simulated control plane's binaries. They live in the build
// cache of scripts/sim/build (outside the repo); when any is missing it runs the build
// (which takes a long time once, then seconds) instead of skipping tests.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SIM_BINARIES = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
  "helm",
  "promtool",
] as const;
export type SimBinary = (typeof SIM_BINARIES)[number];

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const buildScript = join(repoRoot, "scripts", "sim", "build");

let cached: string | undefined;

/**
 * The directory holding all SIM_BINARIES, building them first if any is missing.
 * Build progress goes to stderr.
 */
export function simBinDir(): string {
  if (cached !== undefined) return cached;
  const dir = execFileSync(buildScript, ["--print-bin-dir"], { encoding: "utf8" }).trim();
  const missing = SIM_BINARIES.filter((b) => !existsSync(join(dir, b)));
  if (missing.length > 0) {
    process.stderr.write(
      `[sim] missing ${missing.join(", ")} in ${dir}: running scripts/sim/build (the first build takes long)\n`,
    );
    const res = spawnSync(buildScript, [], { stdio: ["ignore", "ignore", "inherit"] });
    if (res.status !== 0) {
      throw new Error(
        `scripts/sim/build failed (${res.error?.message ?? `exit ${res.status}`}); see the messages above`,
      );
    }
    const still = SIM_BINARIES.filter((b) => !existsSync(join(dir, b)));
    if (still.length > 0) throw new Error(`scripts/sim/build did not produce ${still.join(", ")}`);
  }
  cached = dir;
  return dir;
}

/** Absolute path of one binary (builds if needed). */
export function simBinary(name: SimBinary): string {
  return join(simBinDir(), name);
}
