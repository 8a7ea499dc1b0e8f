/**
 * The login burst: each student logs in at their moment of the arrival curve as a test user the
 * driver creates through the hub's REST API, starts a server (retrying after a 429 from the
 * spawn limit as a browser's user would, after Retry-After), and waits until JupyterHub reports
 * it ready. Afterwards, also after a failure or an interrupt, every test user is stopped and
 * deleted. Timing comes from an injected clock; HTTP from the hub port.
 */
import { hubMessage } from "../check/messages.js";
import { HubHttpError, type HubHttpPort, type HubHttpResponse } from "../ports/hubHttp.js";
import type { BurstResult, StudentResult } from "./report.js";

/** Test users are named `loadtest-<run>-<n>`: never a real student's name. */
export const TEST_USER_PREFIX = "loadtest-";

export function testUserName(run: string, n: number, width: number): string {
  return `${TEST_USER_PREFIX}${run}-${String(n).padStart(width, "0")}`;
}

/** Scopes the token must hold unfiltered: create and delete users, start and stop servers. */
export const LOAD_TEST_SCOPES = ["admin:users", "servers"] as const;

export interface BurstProgress {
  readonly loggedIn: number;
  readonly ready: number;
  readonly failed: number;
  readonly throttled429: number;
  readonly removed: number;
  readonly phase: "burst" | "cleanup" | "done";
}

export interface BurstInput {
  readonly hub: string;
  /** The hub's URL with its base path, ending in "/". */
  readonly url: string;
  readonly token: string;
  /** A short id in the test users' names. */
  readonly run: string;
  /** Login moments, ms from the burst's start, one per student (arrivals.ts). */
  readonly arrivals: readonly number[];
  readonly overMs: number;
  /** How long a student waits for a ready server before counting it a failure. */
  readonly readyTimeoutMs: number;
  /** How often a waiting student asks the hub (default 1 s). */
  readonly pollMs?: number;
  readonly requestTimeoutMs?: number;
  /** Retry-After is multiplied by this (the bench's time compression; default 1). */
  readonly retryScale?: number;
  /** Test users removed at once afterwards (default 8). */
  readonly cleanupConcurrency?: number;
  /** Cut the burst short: no more logins, waiting students give up, cleanup still runs. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BurstProgress) => void;
  /** Reads from the cluster how many distinct nodes the given users' servers run on. */
  readonly observeNodes?: (users: readonly string[]) => Promise<number>;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The token cannot do what the burst needs, or the hub does not answer: nothing was created. */
export class BurstPreflightError extends Error {}

/** Resolves after ms, or early when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Retry-After in ms (seconds or an HTTP date); JupyterHub's default range when absent. */
export function retryAfterMs(header: string | undefined, now: number): number {
  if (header !== undefined) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  // JupyterHub's spawn_throttle_retry_range default is 30-60 s: its middle.
  return 45_000;
}

interface UserModel {
  readonly servers?: Record<string, { ready?: boolean; pending?: string | null } | undefined>;
}

type ServerState = "ready" | "pending" | "none";

function serverState(text: string): ServerState | undefined {
  let model: UserModel;
  try {
    model = JSON.parse(text) as UserModel;
  } catch {
    return undefined;
  }
  const server = model.servers?.[""];
  if (!server) return "none";
  if (server.ready === true) return "ready";
  return "pending";
}

export async function runBurst(http: HubHttpPort, input: BurstInput): Promise<BurstResult> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? abortableSleep;
  const timeoutMs = input.requestTimeoutMs ?? 30_000;
  const pollMs = input.pollMs ?? 1000;
  const retryScale = input.retryScale ?? 1;
  const signal = input.signal;
  const api = (path: string) => `${input.url}hub/api/${path}`;
  const call = (
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<HubHttpResponse> =>
    http.request({
      method,
      url: api(path),
      token: input.token,
      timeoutMs,
      ...(body !== undefined ? { body } : {}),
    });

  await preflight(call);

  const width = String(input.arrivals.length).length;
  const names = input.arrivals.map((_, i) => testUserName(input.run, i + 1, width));
  const attempted = new Set<string>();
  const counts = { loggedIn: 0, ready: 0, failed: 0, throttled429: 0, removed: 0 };
  const report = (phase: BurstProgress["phase"]) => input.onProgress?.({ ...counts, phase });

  const student = async (user: string, arrivalMs: number, start: number) => {
    await sleep(start + arrivalMs - now(), signal);
    if (signal?.aborted) return undefined;
    const t0 = now();
    counts.loggedIn++;
    let throttled = 0;
    const fail = (failure: string): StudentResult => {
      counts.failed++;
      report("burst");
      return { user, arrivalMs, throttled, failure };
    };
    try {
      attempted.add(user);
      // Login: the authenticator would create the user; the test creates it through the API.
      const created = await call("POST", `users/${encodeURIComponent(user)}`);
      if (created.status !== 201 && created.status !== 409) {
        return fail(`creating the user: ${hubMessage(created.status, created.text)}`);
      }
      // The spawn, retried after each 429 as the spawn page tells a student to.
      for (;;) {
        const started = await call("POST", `users/${encodeURIComponent(user)}/server`);
        if (started.status === 201 || started.status === 202) break;
        if (started.status === 400 && /already|pending/i.test(started.text)) break;
        if (started.status !== 429) {
          return fail(`starting the server: ${hubMessage(started.status, started.text)}`);
        }
        throttled++;
        counts.throttled429++;
        report("burst");
        await sleep(retryAfterMs(started.retryAfter, now()) * retryScale, signal);
        if (signal?.aborted) return fail("interrupted while waiting to retry after a 429");
        if (now() - t0 > input.readyTimeoutMs) {
          return fail(`still refused (429) after ${throttled} tries`);
        }
      }
      // JupyterHub's own view: the user model's server, ready or pending.
      for (;;) {
        const model = await call("GET", `users/${encodeURIComponent(user)}`);
        if (model.status !== 200) {
          return fail(`reading the user: ${hubMessage(model.status, model.text)}`);
        }
        const state = serverState(model.text);
        if (state === undefined)
          return fail("the hub answered the user model with something not JSON");
        if (state === "ready") break;
        if (state === "none") return fail("the spawn failed (JupyterHub has no server for it)");
        if (now() - t0 > input.readyTimeoutMs) {
          return fail(`not ready after ${Math.round(input.readyTimeoutMs / 1000)} s`);
        }
        await sleep(pollMs, signal);
        if (signal?.aborted) return fail("interrupted while waiting for the server");
      }
      counts.ready++;
      report("burst");
      return { user, arrivalMs, readyMs: now() - t0, throttled } satisfies StudentResult;
    } catch (err) {
      if (err instanceof HubHttpError) return fail(err.message);
      throw err;
    }
  };

  let students: StudentResult[] = [];
  let nodesUsed: number | undefined;
  let cleanup: Awaited<ReturnType<typeof removeUsers>> = { removed: 0, leftBehind: [] };
  try {
    const start = now();
    report("burst");
    const results = await Promise.all(
      names.map((u, i) => student(u, input.arrivals[i] ?? 0, start)),
    );
    students = results.filter((r): r is StudentResult => r !== undefined);
    if (input.observeNodes && !signal?.aborted) {
      const served = students.filter((s) => s.readyMs !== undefined).map((s) => s.user);
      nodesUsed = await input.observeNodes(served);
    }
  } finally {
    // Cleanup runs whatever happened above, interrupt included.
    report("cleanup");
    cleanup = await removeUsers(call, [...attempted], {
      concurrency: input.cleanupConcurrency ?? 8,
      deadlineMs: input.readyTimeoutMs,
      now,
      sleep: (ms) => sleep(ms),
      onRemoved: () => {
        counts.removed++;
        report("cleanup");
      },
    });
    report("done");
  }
  return {
    hub: input.hub,
    run: input.run,
    users: input.arrivals.length,
    overMs: input.overMs,
    students,
    ...(nodesUsed !== undefined ? { nodesUsed } : {}),
    removed: cleanup.removed,
    leftBehind: cleanup.leftBehind,
    ...(signal?.aborted ? { interrupted: true } : {}),
  };
}

type Call = (method: "GET" | "POST" | "DELETE", path: string) => Promise<HubHttpResponse>;

/** The hub answers and the token holds the scopes the burst needs, before anything is made. */
async function preflight(call: Call): Promise<void> {
  let whoami: HubHttpResponse;
  try {
    whoami = await call("GET", "user");
  } catch (err) {
    if (err instanceof HubHttpError)
      throw new BurstPreflightError(`the hub does not answer: ${err.message}`);
    throw err;
  }
  if (whoami.status !== 200) {
    throw new BurstPreflightError(
      `the hub refused the token: ${hubMessage(whoami.status, whoami.text)}`,
    );
  }
  let scopes: unknown;
  try {
    scopes = (JSON.parse(whoami.text) as { scopes?: unknown }).scopes;
  } catch {
    throw new BurstPreflightError(
      "the hub's answer to GET /hub/api/user is not JSON: is the URL a JupyterHub?",
    );
  }
  const held = Array.isArray(scopes) ? scopes.filter((s) => typeof s === "string") : [];
  const missing = LOAD_TEST_SCOPES.filter((s) => !held.includes(s));
  if (missing.length > 0) {
    throw new BurstPreflightError(
      `the token lacks the scope(s) ${missing.join(", ")} (unfiltered: the test users' names are new), so it cannot create test users and start their servers`,
    );
  }
}

/** Stops and deletes each user, a few at a time; a user already gone counts as removed. */
export async function removeUsers(
  call: Call,
  users: readonly string[],
  options: {
    concurrency: number;
    deadlineMs: number;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    onRemoved?: () => void;
  },
): Promise<{ removed: number; leftBehind: { user: string; message: string }[] }> {
  const leftBehind: { user: string; message: string }[] = [];
  let removed = 0;
  const queue = [...users];
  const one = async (user: string) => {
    const path = `users/${encodeURIComponent(user)}`;
    const deadline = options.now() + options.deadlineMs;
    try {
      // Stop first (a pending spawn is cancelled); deleting a user whose server is stopping is
      // refused with 400 until it has stopped.
      await call("DELETE", `${path}/server`);
      for (;;) {
        const response = await call("DELETE", path);
        if (response.status === 204 || response.status === 404) break;
        if (response.status !== 400 || options.now() > deadline) {
          throw new Error(hubMessage(response.status, response.text));
        }
        await options.sleep(1000);
      }
      removed++;
      options.onRemoved?.();
    } catch (err) {
      leftBehind.push({ user, message: err instanceof Error ? err.message : String(err) });
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency, queue.length) }, async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) await one(user);
  });
  await Promise.all(workers);
  return { removed, leftBehind };
}
