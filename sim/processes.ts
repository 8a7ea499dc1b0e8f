// Child processes of a simulated control plane: each runs in its own process group
// (detached), logs to a file in the run's temp dir, and is killed as a group. A registry
// kills every live control plane when this process exits or is signalled, and a tiny shell
// watchdog does the same if this process dies without running its handlers (SIGKILL).
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, closeSync, openSync, readFileSync, rmSync } from "node:fs";

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process exits (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  constructor(opts: ManagedProcessOptions) {
    this.name = opts.name;
    this.logPath = opts.logPath;
    const fd = openSync(opts.logPath, "a");
    try {
      appendFileSync(fd, `# ${opts.command} ${opts.args.join(" ")}\n`);
      this.child = spawn(opts.command, opts.args, {
        detached: true, // own process group: stop() kills the whole group
        stdio: ["ignore", fd, fd],
        env: opts.env ?? process.env,
        cwd: opts.cwd,
      });
    } finally {
      closeSync(fd);
    }
    if (this.child.pid === undefined) {
      throw new Error(`${this.name}: failed to start ${opts.command}`);
    }
    this.pid = this.child.pid;
    // Do not keep the event loop alive just for this child.
    this.child.unref();
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitStatus = { code, signal };
        resolve({ code, signal });
      });
      this.child.once("error", (err) => {
        appendFileSync(this.logPath, `# spawn error: ${err.message}\n`);
        this.exitStatus = { code: -1, signal: null };
        resolve({ code: -1, signal: null });
      });
    });
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get stopRequested(): boolean {
    return this.stopping;
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    killGroup(this.pid, "SIGTERM");
    // A referenced timer: it also keeps the event loop alive while we wait (the child
    // itself is unref'd).
    let timeout: NodeJS.Timeout | undefined;
    const timer = new Promise<"timeout">((r) => {
      timeout = setTimeout(() => r("timeout"), graceMs);
    });
    const outcome = await Promise.race([this.exited, timer]);
    clearTimeout(timeout);
    if (outcome === "timeout") {
      killGroup(this.pid, "SIGKILL");
      const keepAlive = setInterval(() => {}, 1_000);
      await this.exited;
      clearInterval(keepAlive);
    }
    // Anything the component left behind in its group.
    killGroup(this.pid, "SIGKILL");
  }

  /** Synchronous hard kill (for exit handlers). */
  killNow(): void {
    this.stopping = true;
    killGroup(this.pid, "SIGKILL");
  }

  describeExit(): string {
    const s = this.exitStatus;
    if (!s) return "running";
    return s.signal ? `killed by ${s.signal}` : `exited with code ${s.code}`;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** The last `lines` lines of a file (empty string if unreadable). */
export function tailFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, "utf8");
    return text
      .split("\n")
      .slice(-lines - 1)
      .join("\n");
  } catch {
    return "";
  }
}

/**
 * A detached shell that waits for this process to die, then SIGKILLs the process groups
 * listed in `pgidFile` and removes `dir`. It is stopped by `stop()` on a normal shutdown.
 */
export function startWatchdog(pgidFile: string, dir: string): ManagedProcess {
  const script = [
    'parent="$1"; pgids="$2"; dir="$3"',
    'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
    'if [ -f "$pgids" ]; then for g in $(cat "$pgids"); do kill -KILL "-$g" 2>/dev/null; done; fi',
    'case "$dir" in */hubfleet-sim-*) rm -rf "$dir" ;; esac',
  ].join("\n");
  return new ManagedProcess({
    name: "watchdog",
    command: "/bin/sh",
    args: ["-c", script, "hubfleet-sim-watchdog", String(process.pid), pgidFile, dir],
    logPath: "/dev/null",
  });
}

/** Anything that must be torn down when the process goes away. */
export interface Stoppable {
  /** Graceful, async. */
  stop(): Promise<void>;
  /** Immediate, synchronous (exit handlers). */
  killNow(): void;
}

const live = new Set<Stoppable>();
let handlersInstalled = false;
let signalled = false;

export function registerForCleanup(s: Stoppable): void {
  installHandlers();
  live.add(s);
}

export function unregisterForCleanup(s: Stoppable): void {
  live.delete(s);
}

/** Stops every registered control plane (used by signal handlers and the CLI). */
export async function stopAllControlPlanes(): Promise<void> {
  await Promise.allSettled([...live].map((s) => s.stop()));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const s of live) s.killNow();
  });
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (signalled) {
      // Second signal: no more waiting.
      for (const s of live) s.killNow();
      process.exit(code);
    }
    signalled = true;
    const hard = setTimeout(() => {
      for (const s of live) s.killNow();
      process.exit(code);
    }, 15_000);
    hard.unref();
    void stopAllControlPlanes().finally(() => process.exit(code));
    void signal;
  };
  process.on("SIGINT", () => onSignal("SIGINT", 130));
  process.on("SIGTERM", () => onSignal("SIGTERM", 143));
  process.on("SIGHUP", () => onSignal("SIGHUP", 129));
}

/** Removes a directory, ignoring errors. */
export function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // best effort
  }
}
