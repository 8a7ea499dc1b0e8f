/**
 * Starts a real JupyterHub (from scripts/hub-build's venv) for login tests only: configured
 * from a hub's rendered z2jh values through the z2jh stand-in glue (test/hub/z2jh_config.py,
 * same environment contract as the spawning harness), with the real configurable-http-proxy.
 * No server is ever spawned; KubeSpawner still loads a kubeconfig and watches pods when a
 * user logs in (JupyterHub creates the user's spawner in the login callback), so the hub is
 * pointed at a started test control plane.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "../../sim/controlPlane.js";
import {
  ManagedProcess,
  registerForCleanup,
  removeDir,
  tailFile,
  unregisterForCleanup,
} from "../../sim/processes.js";
import { renderFleet } from "../../src/render/index.js";
import { editedExample, fleetFrom, REPO } from "../helpers.js";
import { hubVenv } from "./realHub.js";

export interface LoginHub {
  /** The hub's local public origin (the proxy), e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  /** hub.baseUrl, e.g. /stat101/ */
  readonly baseUrl: string;
  /** The hub's REST API as the test's own service (admin:users): the user model or undefined. */
  user(name: string): Promise<{ name: string; admin: boolean; groups: string[] } | undefined>;
  log(lines?: number): string;
  stop(): Promise<void>;
}

/** The bundled example's hub stat101 (admins prof-lee, ta-garcia), served at this origin. */
export const PUBLIC_ORIGIN = "https://hubs.example.edu";
export const LOGIN_HUB = "stat101";

/** stat101's z2jh values as hubfleet renders them with `authenticator` (must validate). */
export function renderedValuesWith(
  authenticator: Record<string, unknown>,
): Record<string, unknown> {
  const fleet = fleetFrom(
    editedExample((d) => d.setIn(["hubs", 0, "authenticator"], d.createNode(authenticator))),
  );
  const release = renderFleet(fleet).releases.find((r) => r.hub && r.name === LOGIN_HUB);
  if (!release) throw new Error(`no release ${LOGIN_HUB}`);
  return release.values as Record<string, unknown>;
}

const TEST_SERVICE = "hubfleet-login-test";

/**
 * @param values the release's values as hubfleet rendered them
 * @param env what the hub pod's environment would hold (e.g. OAUTH_CLIENT_SECRET from its Secret)
 */
export async function startLoginHub(options: {
  release: string;
  values: Record<string, unknown>;
  /** The test control plane's kubeconfig (startControlPlane). */
  kubeconfig: string;
  env?: Record<string, string>;
}): Promise<LoginHub> {
  const dir = mkdtempSync(join(tmpdir(), "hubfleet-loginhub-"));
  const [hubPort, proxyApiPort, hubApiPort] = await freePorts(3);
  const token = `login-test-${process.pid}-${hubPort}`;
  // The test's own service token, added next to the rendered values (never rendered by hubfleet).
  const hub = (options.values.hub ?? {}) as Record<string, unknown>;
  const values = {
    ...options.values,
    hub: {
      ...hub,
      services: { ...(hub.services ?? {}), [TEST_SERVICE]: { apiToken: token } },
      loadRoles: {
        ...(hub.loadRoles ?? {}),
        [TEST_SERVICE]: { services: [TEST_SERVICE], scopes: ["admin:users", "read:groups"] },
      },
    },
  };
  const valuesFile = join(dir, "values.json");
  writeFileSync(valuesFile, JSON.stringify(values, null, 2));
  const bin = join(hubVenv(), "bin");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    PATH: `${bin}:${join(REPO, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    HUBFLEET_Z2JH_VALUES: valuesFile,
    HUBFLEET_Z2JH_RELEASE: options.release,
    HUBFLEET_HUB_DIR: dir,
    HUBFLEET_HUB_PORT: String(hubPort),
    HUBFLEET_PROXY_API_PORT: String(proxyApiPort),
    HUBFLEET_HUB_API_PORT: String(hubApiPort),
  };
  // KubeSpawner prefers in-cluster config; only the test control plane's kubeconfig counts.
  delete env.KUBERNETES_SERVICE_HOST;
  env.KUBECONFIG = options.kubeconfig;
  const process_ = new ManagedProcess({
    name: `jupyterhub-${options.release}`,
    command: join(bin, "jupyterhub"),
    args: ["-f", join(REPO, "test", "hub", "z2jh_config.py"), "--debug"],
    logPath: join(dir, "jupyterhub.log"),
    env,
    cwd: dir,
  });
  const stoppable = {
    stop: async () => {
      await process_.stop(10_000);
      removeDir(dir);
    },
    killNow: () => process_.killNow(),
  };
  registerForCleanup(stoppable);
  const baseUrl = String(hub.baseUrl ?? "/");
  const origin = `http://127.0.0.1:${hubPort}`;
  const stop = async () => {
    unregisterForCleanup(stoppable);
    await stoppable.stop();
  };
  try {
    await waitForHealth(`${origin}${baseUrl}hub/health`, process_);
  } catch (err) {
    const log = tailFile(process_.logPath, 60);
    await stop();
    throw new Error(`${(err as Error).message}\n--- jupyterhub log ---\n${log}`);
  }
  return {
    origin,
    baseUrl,
    async user(name) {
      const res = await fetch(`${origin}${baseUrl}hub/api/users/${encodeURIComponent(name)}`, {
        headers: { authorization: `token ${token}` },
      });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET user ${name}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { name: string; admin: boolean; groups: string[] };
    },
    log: (lines = 80) => tailFile(process_.logPath, lines),
    stop,
  };
}

/** Runs `run` on a started hub and always stops it; a failure carries the hub's log. */
export async function withLoginHub(
  options: Parameters<typeof startLoginHub>[0],
  run: (hub: LoginHub) => Promise<void>,
): Promise<void> {
  const hub = await startLoginHub(options);
  try {
    await run(hub);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- hub log ---\n${hub.log()}`);
  } finally {
    await hub.stop();
  }
}

/** Polls until the hub answers through the proxy; fails at once if the hub process exits. */
async function waitForHealth(url: string, hub: ManagedProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!hub.running) throw new Error(`jupyterhub ${hub.describeExit()} before it answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyterhub did not answer ${url} within ${timeoutMs / 1000} s`);
}
