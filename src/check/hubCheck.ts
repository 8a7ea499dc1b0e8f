/**
 * One hub's check, through its own REST API with hubfleet's service token: the hub answers, a
 * test user's server starts and JupyterHub reports it ready, the server's API answers through
 * the proxy, the server is stopped and the test user removed — each step timed, and the test
 * user removed even when a step fails.
 */
import type { CheckRecord, CheckStep } from "../apply/checkRecord.js";
import { HubHttpError, type HubHttpPort, type HubHttpResponse } from "../ports/hubHttp.js";
import { hubMessage, progressOutcome } from "./messages.js";

/** The steps, in order, as the table and the record name them. */
export const CHECK_STEPS = [
  "hub answers",
  "create test user",
  "start server",
  "server ready",
  "server API via proxy",
  "stop server",
  "delete test user",
] as const;

export interface HubCheckInput {
  readonly hub: string;
  /** The hub's URL with its base path, ending in "/". */
  readonly url: string;
  readonly token: string;
  readonly user: string;
  /** How long the server may take to become ready. */
  readonly readyTimeoutMs: number;
  /** Each plain request's timeout. */
  readonly requestTimeoutMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A step that failed: its message is what the record and the table show. */
class StepFailure extends Error {}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runHubCheck(http: HubHttpPort, input: HubCheckInput): Promise<CheckRecord> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? defaultSleep;
  const timeoutMs = input.requestTimeoutMs ?? 30_000;
  const started = now();
  const steps: CheckStep[] = [];
  const user = encodeURIComponent(input.user);
  const api = (path: string) => `${input.url}hub/api/${path}`;

  const call = async (
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<HubHttpResponse> => {
    try {
      return await http.request({
        method,
        url: api(path),
        token: input.token,
        timeoutMs,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (err) {
      if (err instanceof HubHttpError) throw new StepFailure(err.message);
      throw err;
    }
  };
  const expect = (response: HubHttpResponse, ok: readonly number[], what: string) => {
    if (!ok.includes(response.status)) {
      throw new StepFailure(`${what}: ${hubMessage(response.status, response.text)}`);
    }
  };

  const step = async (name: string, work: () => Promise<void>): Promise<boolean> => {
    const t0 = now();
    try {
      await work();
      steps.push({ name, ok: true, durationMs: now() - t0 });
      return true;
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      steps.push({ name, ok: false, durationMs: now() - t0, message: err.message });
      return false;
    }
  };

  /** The user's model, or undefined when there is no such user. */
  const userModel = async (): Promise<UserModel | undefined> => {
    const response = await call("GET", `users/${user}`);
    if (response.status === 404) return undefined;
    expect(response, [200], "reading the test user");
    return JSON.parse(response.text) as UserModel;
  };

  /** Stops the server (if any) and waits until JupyterHub has it stopped. */
  const stopServer = async () => {
    const response = await call("DELETE", `users/${user}/server`);
    // 400 when nothing runs; 404 when there is no such user.
    if (response.status === 400 || response.status === 404) return;
    expect(response, [202, 204], "stopping the server");
    const deadline = now() + input.readyTimeoutMs;
    for (;;) {
      const model = await userModel();
      const server = model?.servers?.[""];
      if (!model || !server || (server.stopped !== false && !server.pending)) return;
      if (now() > deadline) throw new StepFailure("the server did not stop in time");
      await sleep(500);
    }
  };

  const deleteUser = async () => {
    // A server still stopping makes JupyterHub refuse (400 "in the process of stopping").
    const deadline = now() + input.readyTimeoutMs;
    for (;;) {
      const response = await call("DELETE", `users/${user}`);
      if (response.status === 204 || response.status === 404) return;
      const stopping = response.status === 400 && /stopping/.test(response.text);
      if (!stopping || now() > deadline) expect(response, [204], "deleting the test user");
      await sleep(500);
    }
  };

  let created = false;
  try {
    const answered = await step("hub answers", async () => {
      const response = await call("GET", "");
      expect(response, [200], "the hub's API");
    });
    const made =
      answered &&
      (await step("create test user", async () => {
        // A check killed half-way leaves its user behind: remove it first.
        if (await userModel()) {
          await stopServer();
          await deleteUser();
        }
        const response = await call("POST", `users/${user}`);
        expect(response, [201], "creating the test user");
        created = true;
      }));
    const startedServer =
      made &&
      (await step("start server", async () => {
        const response = await call("POST", `users/${user}/server`);
        expect(response, [201, 202], "starting the server");
      }));
    const ready =
      startedServer &&
      (await step("server ready", async () => {
        await waitReady(http, {
          url: api(`users/${user}/server/progress`),
          token: input.token,
          timeoutMs: input.readyTimeoutMs,
        });
        // JupyterHub's own view of the server, not only the progress stream's last word.
        const server = (await userModel())?.servers?.[""];
        if (!server?.ready) throw new StepFailure("JupyterHub does not report the server ready");
      }));
    if (ready) {
      await step("server API via proxy", async () => {
        let response: HubHttpResponse;
        const url = `${input.url}user/${user}/api`;
        try {
          response = await http.request({ method: "GET", url, token: input.token, timeoutMs });
        } catch (err) {
          if (err instanceof HubHttpError) throw new StepFailure(err.message);
          throw err;
        }
        expect(response, [200], `GET ${url}`);
        const version = safeJson(response.text)?.version;
        if (typeof version !== "string") {
          throw new StepFailure(`GET ${url} answered without the server's version`);
        }
      });
    }
  } finally {
    // Cleanup runs whatever failed above, and its failures are reported as steps too.
    if (created) {
      await step("stop server", stopServer);
      await step("delete test user", deleteUser);
    }
  }
  const failed = steps.find((s) => !s.ok);
  return {
    hub: input.hub,
    time: new Date(started).toISOString(),
    ok: failed === undefined && steps.length === CHECK_STEPS.length,
    durationMs: now() - started,
    steps,
    ...(failed?.message ? { message: `${failed.name}: ${failed.message}` } : {}),
  };
}

interface UserModel {
  readonly servers?: Record<
    string,
    { ready?: boolean; pending?: string | null; stopped?: boolean } | undefined
  >;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Follows the progress stream until JupyterHub says ready or failed. */
async function waitReady(
  http: HubHttpPort,
  request: { url: string; token: string; timeoutMs: number },
): Promise<void> {
  let outcome: ReturnType<typeof progressOutcome> = { kind: "progress" };
  const messages: string[] = [];
  let result: Awaited<ReturnType<HubHttpPort["events"]>>;
  try {
    result = await http.events(request, (data) => {
      outcome = progressOutcome(data);
      if (outcome.message) messages.push(outcome.message);
      return outcome.kind !== "progress";
    });
  } catch (err) {
    if (err instanceof HubHttpError) throw new StepFailure(err.message);
    throw err;
  }
  if (result.status !== 200) {
    throw new StepFailure(`progress: ${hubMessage(result.status, result.text ?? "")}`);
  }
  const final = outcome as ReturnType<typeof progressOutcome>;
  if (final.kind === "ready") return;
  // JupyterHub's failure can be terse ("Spawn failed: " after its own start timeout); the
  // spawner's last event (e.g. the scheduler's "0/4 nodes are available: …") says why.
  const events = final.kind === "failed" ? messages.slice(0, -1) : messages;
  const last = events.length > 0 ? ` (last event: ${events[events.length - 1]})` : "";
  if (final.kind === "failed") {
    throw new StepFailure(`${(final.message ?? "Spawn failed").replace(/:\s*$/, "")}${last}`);
  }
  throw new StepFailure(
    result.ended === "timeout"
      ? `not ready after ${Math.round(request.timeoutMs / 1000)} s${last}`
      : `the progress stream ended before the server was ready${last}`,
  );
}
