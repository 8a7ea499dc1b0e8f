/**
 * A real JupyterHub for tests: the hub image's programs (JupyterHub, KubeSpawner and the
 * authenticators from PyPI, installed by scripts/hub-build) and configurable-http-proxy (npm),
 * run as local processes against the test control plane and configured from a hub's installed
 * z2jh values through the named stand-in for the chart's glue (test/hub/z2jh_config.py). User
 * pods get loopback addresses from kwok; one local listener stands in for every notebook
 * server. What is real and what is not: test/hub/README.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePorts } from "../../sim/controlPlane.js";
import type { ControlPlane } from "../../sim/index.js";
import {
  ManagedProcess,
  registerForCleanup,
  removeDir,
  tailFile,
  unregisterForCleanup,
} from "../../sim/processes.js";
import { REPO } from "../helpers.js";

/** The pod range that makes every user pod's address local (notes/real-hub.md). */
export const LOOPBACK_POD_CIDR = "127.64.0.0/16";

const Z2JH_CONFIG = fileURLToPath(new URL("./z2jh_config.py", import.meta.url));
const NODE_BIN = join(REPO, "node_modules", ".bin");

let venvDir: string | undefined;

/** The venv of scripts/hub-build: $HUBFLEET_HUB_VENV (set by scripts/test.sh), or built now. */
export function hubVenv(): string {
  if (venvDir) return venvDir;
  const fromEnv = process.env.HUBFLEET_HUB_VENV;
  if (fromEnv) {
    venvDir = fromEnv;
    return fromEnv;
  }
  const out = execFileSync("bash", [join(REPO, "scripts", "hub-build")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const dir = out.trim().split("\n").pop();
  if (!dir) throw new Error("scripts/hub-build printed no venv directory");
  venvDir = dir;
  return dir;
}

/** One request the stand-in notebook server answered. */
export interface UserServerRequest {
  /** The pod address it was sent to (the listener's own address for the connection). */
  readonly podIP: string;
  readonly method: string;
  readonly path: string;
  /** Set when the request came through configurable-http-proxy. */
  readonly forwardedFor?: string;
}

/**
 * STAND-IN for the notebook servers (jupyter-server in the user image, which cannot run here):
 * one HTTP listener on 0.0.0.0:<port> answers for every pod address in 127.64.0.0/16, as a
 * Jupyter server's API would enough for JupyterHub's readiness check and for
 * `GET /user/<name>/api` through the proxy: 200 with {"version": ...}. It checks no token.
 */
export interface UserServersStandIn {
  readonly port: number;
  readonly requests: readonly UserServerRequest[];
  stop(): Promise<void>;
}

export const STANDIN_SERVER_VERSION = "2.99.0-hubfleet-standin";

export async function startUserServersStandIn(): Promise<UserServersStandIn> {
  const requests: UserServerRequest[] = [];
  const server = http.createServer((req, res) => {
    const forwarded = req.headers["x-forwarded-for"];
    requests.push({
      podIP: (req.socket.localAddress ?? "").replace(/^::ffff:/, ""),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      ...(typeof forwarded === "string" ? { forwardedFor: forwarded } : {}),
    });
    const body = JSON.stringify({ version: STANDIN_SERVER_VERSION });
    res.writeHead(200, {
      "Content-Type": "application/json",
      // jupyter-server sends it; JupyterHub warns about a server that does not.
      "X-JupyterHub-Version": "5.4.4",
    });
    res.end(body);
  });
  const port = (await freePorts(1))[0] ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // 0.0.0.0, not 127.0.0.1: a socket bound to one address does not answer the others.
    server.listen(port, "0.0.0.0", () => resolve());
  });
  return {
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RealHubOptions {
  readonly controlPlane: ControlPlane;
  /** The hub's release name (= its namespace). */
  readonly release: string;
  /**
   * The release's values. Default: the values installed with it (`helm get values -o json`),
   * which hubfleet's apply passed with the secrets filled in — the hub sees what its pod would.
   */
  readonly values?: Record<string, unknown>;
  /** The notebook-server stand-in to point user pods at (default: one of the hub's own). */
  readonly userServers?: UserServersStandIn;
  /** How long to wait for the hub to answer (default 60 s). */
  readonly startTimeoutMs?: number;
}

export interface RealHub {
  readonly release: string;
  /** Where the proxy answers, with the hub's base URL, ending in "/" (the hub's public URL). */
  readonly url: string;
  /** A token with admin scopes for the test itself (service hubfleet-test-harness). */
  readonly harnessToken: string;
  readonly userServers: UserServersStandIn;
  readonly logPath: string;
  readonly values: Record<string, unknown>;
  /** The hub's REST API (`/hub/api/<path>`) with the harness token; JSON in and out. */
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; text: string }>;
  /** The last lines of the hub's log (JupyterHub, KubeSpawner and the proxy). */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** The installed values of a release, as `helm get values` gives them (secrets included). */
export async function installedValues(
  cp: ControlPlane,
  release: string,
): Promise<Record<string, unknown>> {
  const result = await cp.run("helm", ["get", "values", release, "-n", release, "-o", "json"]);
  if (result.code !== 0) {
    throw new Error(`helm get values ${release} failed: ${result.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/**
 * hub.extraEnv as the hub container would get it: plain values as they are, secretKeyRef read
 * from the Secret in the hub's namespace (what kubelet does).
 */
async function hubEnv(
  cp: ControlPlane,
  namespace: string,
  values: Record<string, unknown>,
): Promise<Record<string, string>> {
  const hub = (values.hub ?? {}) as { extraEnv?: Record<string, unknown> };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(hub.extraEnv ?? {})) {
    if (typeof value === "string") {
      env[name] = value;
      continue;
    }
    const ref = (value as { valueFrom?: { secretKeyRef?: { name: string; key: string } } })
      ?.valueFrom?.secretKeyRef;
    if (!ref)
      throw new Error(`hub.extraEnv.${name}: the harness maps values and secretKeyRef only`);
    const secret = (await cp.client.get(`/api/v1/namespaces/${namespace}/secrets/${ref.name}`)) as {
      data?: Record<string, string>;
    };
    const encoded = secret.data?.[ref.key];
    if (encoded === undefined) {
      throw new Error(
        `hub.extraEnv.${name}: Secret ${namespace}/${ref.name} has no key ${ref.key}`,
      );
    }
    env[name] = Buffer.from(encoded, "base64").toString("utf8");
  }
  return env;
}

export async function startRealHub(options: RealHubOptions): Promise<RealHub> {
  const { controlPlane: cp, release } = options;
  const venv = hubVenv();
  const values = options.values ?? (await installedValues(cp, release));
  const ownServers = options.userServers === undefined;
  const userServers = options.userServers ?? (await startUserServersStandIn());
  const dir = mkdtempSync(join(tmpdir(), `hubfleet-hub-${release}-`));
  const valuesPath = join(dir, "values.json");
  writeFileSync(valuesPath, JSON.stringify(values), { mode: 0o600 });
  const [hubPort, proxyApiPort, hubApiPort] = await freePorts(3);
  const harnessToken = `harness-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const baseUrl = ((values.hub as { baseUrl?: string } | undefined)?.baseUrl ?? "/").replace(
    /\/?$/,
    "/",
  );
  const url = `http://127.0.0.1:${hubPort}${baseUrl}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(await hubEnv(cp, release, values)),
    PATH: `${NODE_BIN}:${join(venv, "bin")}:${process.env.PATH ?? ""}`,
    KUBECONFIG: cp.kubeconfigPath,
    HUBFLEET_Z2JH_VALUES: valuesPath,
    HUBFLEET_Z2JH_RELEASE: release,
    HUBFLEET_HUB_DIR: dir,
    HUBFLEET_HUB_PORT: String(hubPort),
    HUBFLEET_PROXY_API_PORT: String(proxyApiPort),
    HUBFLEET_HUB_API_PORT: String(hubApiPort),
    HUBFLEET_USER_SERVER_PORT: String(userServers.port),
    HUBFLEET_HARNESS_TOKEN: harnessToken,
  };
  // KubeSpawner would take an in-cluster config and talk to another cluster.
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  const logPath = join(dir, "jupyterhub.log");
  const process_ = new ManagedProcess({
    name: `jupyterhub-${release}`,
    command: join(venv, "bin", "jupyterhub"),
    args: ["-f", Z2JH_CONFIG, "--debug"],
    logPath,
    env,
    cwd: dir,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregisterForCleanup(cleanup);
    await process_.stop(15_000);
    if (ownServers) await userServers.stop();
    if (process.env.HUBFLEET_SIM_KEEP !== "1") removeDir(dir);
  };
  const cleanup = { stop, killNow: () => process_.killNow() };
  registerForCleanup(cleanup);

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}hub/api/${path}`, {
      method,
      headers: {
        Authorization: `token ${harnessToken}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (!process_.running) {
        throw new Error(
          `JupyterHub for ${release} ${process_.describeExit()} before it answered:\n${tailFile(logPath, 60)}`,
        );
      }
      const answered = await fetch(`${url}hub/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (answered) break;
      if (Date.now() > deadline) {
        throw new Error(`JupyterHub for ${release} did not answer:\n${tailFile(logPath, 60)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    release,
    url,
    harnessToken,
    userServers,
    logPath,
    values,
    api,
    logTail: (lines = 60) => tailFile(logPath, lines),
    stop,
  };
}
