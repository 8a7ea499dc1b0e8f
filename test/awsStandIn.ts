/**
 * The AWS stand-in for tests: moto in server mode (PyPI moto[server], installed by
 * scripts/moto-build), serving S3, IAM and STS on a free 127.0.0.1 port. AWS itself cannot be
 * reached from here; moto implements the same HTTP APIs, so hubfleet's AWS port runs unchanged
 * against it (through --endpoint). It does not enforce IAM or bucket policies.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../sim/controlPlane.js";
import {
  ManagedProcess,
  registerForCleanup,
  tailFile,
  unregisterForCleanup,
} from "../sim/processes.js";
import { REPO } from "./helpers.js";

let motoServer: string | undefined;

/** Path of moto_server: $HUBFLEET_MOTO_SERVER, or installed (once, cached) by the script. */
export function motoServerBinary(): string {
  if (process.env.HUBFLEET_MOTO_SERVER) return process.env.HUBFLEET_MOTO_SERVER;
  if (!motoServer) {
    const out = execFileSync("bash", [`${REPO}scripts/moto-build`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    motoServer = out.trim().split("\n").pop() ?? "";
    if (!motoServer) throw new Error("scripts/moto-build printed no path");
  }
  return motoServer;
}

export interface AwsStandIn {
  /** http://127.0.0.1:<port>: pass as --endpoint. */
  readonly endpoint: string;
  /** Credentials moto accepts (any), for the SDK's environment provider. */
  readonly env: Readonly<Record<string, string>>;
  /** Forgets every bucket, user and policy (moto's /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The stand-in's fixed test credentials (not secrets: moto accepts anything). */
export const STAND_IN_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
} as const;

export async function startAwsStandIn(
  options: {
    timeoutMs?: number;
    /**
     * Extra environment of the server. `INITIAL_NO_AUTH_ACTION_COUNT: "N"` makes moto check IAM
     * credentials and policies after its first N requests (off by default).
     */
    env?: Readonly<Record<string, string>>;
  } = {},
): Promise<AwsStandIn> {
  const binary = motoServerBinary();
  const [port] = await freePorts(1);
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-moto-"));
  const logPath = join(dir, "moto.log");
  const server = new ManagedProcess({
    name: "moto_server",
    command: binary,
    args: ["-H", "127.0.0.1", "-p", String(port)],
    logPath,
    env: { ...process.env, ...STAND_IN_CREDENTIALS, ...options.env },
  });
  const stoppable = {
    stop: () => server.stop(),
    killNow: () => server.killNow(),
  };
  registerForCleanup(stoppable);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (!server.running) {
      throw new Error(`moto_server ${server.describeExit()}:\n${tailFile(logPath)}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`moto_server did not answer on ${endpoint}:\n${tailFile(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    env: { ...STAND_IN_CREDENTIALS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
    },
    async stop() {
      await server.stop();
      unregisterForCleanup(stoppable);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
