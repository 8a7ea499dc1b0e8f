/**
 * Stopping and restarting the test control plane's kube-apiserver, which the control plane has
 * no call for (yet). The apiserver is started again with the command line the control plane
 * logged for it (first line of its log), in its own process group, registered with the control
 * plane's watchdog so that it dies with the run.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ControlPlane, waitFor } from "../../sim/index.js";
import { ManagedProcess } from "../../sim/processes.js";

export interface ApiserverControl {
  /**
   * SIGTERM to the running apiserver's process group, SIGKILL after 10 s as a kubelet would
   * after a grace period (it stops listening at once but can take longer to exit); resolves
   * once it has exited.
   */
  stop(): Promise<void>;
  /** Starts it again with the same flags; resolves once /readyz answers. */
  start(): Promise<void>;
  /** Stops a restarted apiserver (call before the control plane's own stop). */
  dispose(): Promise<void>;
}

const GRACE_MS = 10_000;

function commandLine(logPath: string): { command: string; args: string[] } {
  const first = readFileSync(logPath, "utf8").split("\n", 1)[0] ?? "";
  if (!first.startsWith("# ")) throw new Error(`no command line at the top of ${logPath}`);
  const [command, ...args] = first.slice(2).split(" ");
  if (!command) throw new Error(`empty command line in ${logPath}`);
  return { command, args };
}

export function apiserverControl(cp: ControlPlane): ApiserverControl {
  const original = cp.processes().find((p) => p.name === "kube-apiserver");
  if (!original) throw new Error("the control plane has no kube-apiserver");
  const { command, args } = commandLine(original.logPath);
  let restarted: ManagedProcess | undefined;
  let starts = 0;
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(cp.dir, "home") };
  delete env.KUBECONFIG;
  return {
    async stop() {
      if (restarted) {
        await restarted.stop(GRACE_MS);
        return;
      }
      const exited = async () => !cp.processes().find((p) => p.pid === original.pid)?.running;
      process.kill(-original.pid, "SIGTERM");
      try {
        await waitFor("kube-apiserver exited", exited, { timeoutMs: GRACE_MS, intervalMs: 100 });
      } catch {
        process.kill(-original.pid, "SIGKILL");
        await waitFor("kube-apiserver killed", exited, { timeoutMs: 30_000, intervalMs: 100 });
      }
    },
    async start() {
      starts += 1;
      restarted = new ManagedProcess({
        name: `kube-apiserver-restart-${starts}`,
        command,
        args,
        logPath: join(cp.logDir, `kube-apiserver-restart-${starts}.log`),
        env,
        cwd: cp.dir,
      });
      // The control plane's watchdog kills every group listed here if this process dies.
      appendFileSync(join(cp.dir, "pgids"), `${restarted.pid}\n`);
      const proc = restarted;
      await waitFor(
        "restarted kube-apiserver /readyz",
        async () => {
          if (!proc.running) throw new Error(`kube-apiserver ${proc.describeExit()}`);
          return (await cp.client.request("GET", "/readyz")).status === 200;
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
    },
    async dispose() {
      await restarted?.stop(GRACE_MS);
    },
  };
}

/**
 * Runs `fn` with the test-only provisioner's connection errors (one line per poll while the
 * apiserver is down) counted instead of printed.
 */
export async function quietProvisioner<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; muted: number }> {
  const write = process.stderr.write.bind(process.stderr);
  let muted = 0;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (
      typeof chunk === "string" &&
      /^\[sim test-provisioner\] .*(ECONNREFUSED|ECONNRESET|socket hang up)/.test(chunk)
    ) {
      muted += 1;
      return true;
    }
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), muted };
  } finally {
    process.stderr.write = write;
  }
}
