/** The real kubectl for the apply baseline, built once by bench/kubectl/build. */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BenchContext } from "./context.js";

export interface Kubectl {
  readonly path: string;
  readonly version: string;
  /** Wall time of its one cold build, when this machine built it. */
  readonly buildSeconds?: number;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${command} failed: ${String(stderr)}`)) : resolve(String(stdout)),
    ),
  );
}

export async function kubectlBinary(ctx: BenchContext): Promise<Kubectl> {
  const script = join(ctx.repo, "bench", "kubectl", "build");
  const known = (await run(script, ["--print-path"])).trim();
  if (!existsSync(known)) ctx.log("building kubectl for the baseline (once; a few minutes)");
  const path = (await run(script, [])).trim().split("\n").pop() ?? known;
  const version = (await run(path, ["version", "--client"])).match(/v\d+\.\d+\.\d+/)?.[0] ?? "?";
  const secondsFile = join(dirname(dirname(path)), "build-seconds");
  const buildSeconds = existsSync(secondsFile)
    ? Number(readFileSync(secondsFile, "utf8").trim())
    : undefined;
  return { path, version, ...(buildSeconds !== undefined ? { buildSeconds } : {}) };
}
