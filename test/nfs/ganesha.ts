/**
 * A real NFS Ganesha server (Debian's nfs-ganesha, nfs-ganesha-vfs) for the tests, and real
 * NFSv4 clients (Debian's libnfs through test/nfs/libnfs_client.py). Each server runs in a
 * network namespace of its own whose only interface is `lo` with the test's 127.0.0.x
 * addresses: Ganesha binds port 2049 there without touching the machine's, and a client that
 * connects to one of those addresses is seen by the server as coming from it, which is how the
 * tests speak from several source addresses. Namespaces, processes and files are removed by
 * `stop()`; namespaces left by a killed test run are removed by the next one.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const CLIENT_SCRIPT = fileURLToPath(new URL("./libnfs_client.py", import.meta.url));
const NETNS_PREFIX = "hubfleet-nfs-";

/** The programs the tests run, with the Debian package that brings each. */
const PROGRAMS: ReadonlyArray<[string, string]> = [
  ["ganesha.nfsd", "nfs-ganesha"],
  ["nfs-ls", "libnfs-utils"],
  ["ip", "iproute2"],
  ["python3", "python3"],
];

/**
 * Fails, never skips, when a program is missing: a test that quietly skipped would prove nothing.
 */
export function requireNfsPrograms(): void {
  const missing = PROGRAMS.filter(([program]) => !onPath(program));
  const noVfs = !vfsFound();
  const packages = [...missing.map(([, pkg]) => pkg), ...(noVfs ? ["nfs-ganesha-vfs"] : [])];
  if (packages.length > 0) {
    throw new Error(
      `the NFS tests need ${packages.join(", ")} (Debian packages): run .ci/run, which installs them`,
    );
  }
  try {
    execFileSync("python3", ["-c", "import ctypes, ctypes.util; ctypes.CDLL('libnfs.so.13')"]);
  } catch {
    throw new Error("the NFS tests need libnfs13 (comes with libnfs-utils): run .ci/run");
  }
}

function onPath(program: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function vfsFound(): boolean {
  try {
    return (
      execFileSync("sh", ["-c", "find /usr/lib -path '*/ganesha/libfsalvfs*' | head -1"], {
        encoding: "utf8",
      }).trim().length > 0
    );
  } catch {
    return false;
  }
}

/** The Ganesha version this machine runs, from `ganesha.nfsd -v`. */
export function ganeshaVersion(): string {
  const out = execFileSync("ganesha.nfsd", ["-v"], { encoding: "utf8" });
  return /Release = (\S+)/.exec(out)?.[1] ?? out.trim();
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" });
}

/** Removes namespaces of test runs whose process is gone (a run killed before its cleanup). */
function removeStaleNamespaces(): void {
  for (const line of ip("netns", "list").split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const pid = Number(new RegExp(`^${NETNS_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      ip("netns", "delete", name);
    }
  }
}

let namespaces = 0;

/** A network namespace with only `lo`, holding the given 127.0.0.x addresses. */
export class LoopbackNamespace {
  readonly name: string;
  private constructor(name: string) {
    this.name = name;
  }

  static create(addresses: readonly string[]): LoopbackNamespace {
    removeStaleNamespaces();
    const ns = new LoopbackNamespace(`${NETNS_PREFIX}${process.pid}-${++namespaces}`);
    ip("netns", "add", ns.name);
    ip("-n", ns.name, "link", "set", "lo", "up");
    // An address of its own on lo makes the kernel pick it as the source of connections to it.
    for (const a of addresses) ip("-n", ns.name, "addr", "add", `${a}/32`, "dev", "lo");
    return ns;
  }

  /** The argument list that runs `command` inside the namespace. */
  exec(command: string, ...args: string[]): [string, string[]] {
    return ["ip", ["netns", "exec", this.name, command, ...args]];
  }

  delete(): void {
    try {
      ip("netns", "delete", this.name);
    } catch {
      // already gone
    }
  }
}

export interface GaneshaOptions {
  /** The adapted configuration (see ganeshaConfig.ts). */
  readonly config: string;
  /** Where the configuration, log and pid file go. */
  readonly dir: string;
  readonly namespace: LoopbackNamespace;
}

/** One `ganesha.nfsd -F` in the foreground, as the drive's container runs it. */
export class GaneshaServer {
  private process: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly configFile: string;
  readonly logFile: string;
  /** The exit codes of every process this server ran, in order (null: killed by a signal). */
  readonly exits: Array<number | null> = [];

  constructor(private readonly options: GaneshaOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.configFile = join(options.dir, "ganesha.conf");
    this.logFile = join(options.dir, "ganesha.log");
    writeFileSync(this.configFile, options.config);
  }

  /** Starts the server and waits until it listens on port 2049 (or exits, with its log). */
  async start(timeoutMs = 20_000): Promise<void> {
    const [cmd, args] = this.options.namespace.exec(
      "ganesha.nfsd",
      "-F",
      "-f",
      this.configFile,
      "-L",
      this.logFile,
      "-p",
      join(this.options.dir, "ganesha.pid"),
      "-N",
      "NIV_EVENT",
    );
    const child = spawn(cmd, args, { stdio: "pipe" });
    this.process = child;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    void this.exited.then((code) => this.exits.push(code));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `ganesha.nfsd exited with ${child.exitCode ?? child.signalCode}: ${stderr}\n${this.log().slice(-3000)}`,
        );
      }
      if (this.listening()) return;
      await sleep(100);
    }
    throw new Error(`ganesha.nfsd did not listen on 2049 within ${timeoutMs} ms\n${this.log()}`);
  }

  private listening(): boolean {
    const [cmd, args] = this.options.namespace.exec("ss", "-Hltn", "sport = :2049");
    return execFileSync(cmd, args, { encoding: "utf8" }).trim().length > 0;
  }

  /** Stops the server with `signal` (SIGKILL: a crash, SIGTERM: a clean stop) and waits. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }
}

/** What a client session answers; `error` is libnfs's message. */
export interface NfsAnswer {
  readonly ok: boolean;
  readonly error?: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly mode?: number;
}

export interface Identity {
  readonly uid: number;
  readonly gid: number;
}

/**
 * One NFSv4 client (one libnfs context: one client id, one connection) inside a namespace,
 * connected from `address` to the server there, alive until `close()`.
 */
export class NfsSession {
  private readonly answers: AsyncIterator<string>;
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly address: string,
  ) {
    this.answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async open(
    namespace: LoopbackNamespace,
    address: string,
    identity: Identity,
  ): Promise<{ session: NfsSession; mount: NfsAnswer }> {
    const [cmd, args] = namespace.exec("python3", CLIENT_SCRIPT);
    const session = new NfsSession(spawn(cmd, args, { stdio: "pipe" }), address);
    const mount = await session.request({ op: "mount", server: address, export: "/", ...identity });
    return { session, mount };
  }

  async request(req: Record<string, unknown>): Promise<NfsAnswer> {
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const line = await this.answers.next();
    if (line.done)
      throw new Error(`NFS client for ${this.address} exited before answering ${req.op}`);
    return JSON.parse(line.value) as NfsAnswer;
  }

  as(identity: Identity): Promise<NfsAnswer> {
    return this.request({ op: "identity", ...identity });
  }

  write(path: string, size: number, seed = 1): Promise<NfsAnswer> {
    return this.request({ op: "write", path, size, seed });
  }

  read(path: string): Promise<NfsAnswer> {
    return this.request({ op: "read", path });
  }

  stat(path: string): Promise<NfsAnswer> {
    return this.request({ op: "stat", path });
  }

  mkdir(path: string): Promise<NfsAnswer> {
    return this.request({ op: "mkdir", path });
  }

  chown(path: string, owner: Identity): Promise<NfsAnswer> {
    return this.request({ op: "chown", path, ...owner });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/**
 * Ganesha starts in its grace period, when it refuses new opens (NFS4ERR_GRACE) so that clients
 * of the previous run can reclaim theirs. Retries `attempt` until it stops answering that.
 */
export async function afterGrace(
  attempt: () => Promise<NfsAnswer>,
  timeoutMs = 60_000,
): Promise<{ answer: NfsAnswer; refusals: string[] }> {
  const refusals: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await attempt();
    if (answer.ok || !isGraceOrReconnect(answer.error) || Date.now() > deadline) {
      return { answer, refusals };
    }
    refusals.push(answer.error ?? "");
    await sleep(1000);
  }
}

/** The answers a client gets from a server that is (re)starting: grace, or no connection yet. */
export function isGraceOrReconnect(error: string | undefined): boolean {
  return /NFS4ERR_GRACE|NFS4ERR_STALE_CLIENTID|NFS4ERR_EXPIRED|nfs_service failed|reconnect|connect|ECONNREFUSED|timed out/i.test(
    error ?? "",
  );
}
