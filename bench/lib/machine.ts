/** The machine and checkout a bench run came from, for results.json. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  /** 1-minute load average when the bench started (a busy machine makes figures slower). */
  readonly loadAverageAtStart: number;
  readonly gitCommit: string;
  /** Uncommitted changes in the checkout when the bench ran. */
  readonly gitDirty: boolean;
  readonly date: string;
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync("git", args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

export function machineInfo(repo: string): MachineInfo {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    gitCommit: git(["rev-parse", "HEAD"], repo),
    gitDirty: git(["status", "--porcelain"], repo) !== "",
    date: new Date().toISOString(),
  };
}
