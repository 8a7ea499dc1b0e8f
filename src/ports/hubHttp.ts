/**
 * The HTTP a hub check needs: JSON requests to a hub's REST API with a token, and the hub's
 * server-sent progress events. Node's fetch underneath; every failure to get an answer becomes
 * a HubHttpError that says which URL and why.
 */

export interface HubHttpResponse {
  readonly status: number;
  readonly text: string;
  /** The Retry-After header, when the hub sent one (JupyterHub's spawn limit answers 429 with it). */
  readonly retryAfter?: string;
}

export interface HubHttpRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly url: string;
  /** A JupyterHub API token (sent as `Authorization: token …`, never logged). */
  readonly token?: string;
  readonly body?: unknown;
  readonly timeoutMs: number;
}

export interface HubHttpPort {
  request(request: HubHttpRequest): Promise<HubHttpResponse>;
  /**
   * Reads a text/event-stream, handing each event's data to `onEvent` until it returns true,
   * the stream ends or the time is up. Resolves with how it ended; a non-200 answer resolves
   * with its status and body.
   */
  events(
    request: Omit<HubHttpRequest, "method" | "body">,
    onEvent: (data: string) => boolean,
  ): Promise<{ ended: "done" | "closed" | "timeout"; status: number; text?: string }>;
}

/** No answer at all: refused, unresolvable, TLS, timeout. */
export class HubHttpError extends Error {
  constructor(
    readonly url: string,
    /** Why there was no answer, without the URL: "ECONNREFUSED (…)", "no answer within 5s". */
    readonly reason: string,
  ) {
    super(`${url}: ${reason}`);
    this.name = "HubHttpError";
  }
}

function headers(token: string | undefined, json: boolean): Record<string, string> {
  return {
    Accept: "application/json",
    ...(token ? { Authorization: `token ${token}` } : {}),
    ...(json ? { "Content-Type": "application/json" } : {}),
  };
}

/** fetch says "fetch failed"; the reason is in its cause. Pure; exported for tests. */
export function reason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") {
      return `no answer within ${timeoutMs / 1000}s`;
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
    return cause?.message ?? err.message;
  }
  return String(err);
}

/** Splits a growing text/event-stream buffer into complete events' data and the rest. */
export function splitEvents(buffer: string): { data: string[]; rest: string } {
  const blocks = buffer.replace(/\r\n/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  const data = blocks.flatMap((block) => {
    const lines = block
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, ""));
    return lines.length > 0 ? [lines.join("\n")] : [];
  });
  return { data, rest };
}

export function fetchHubHttp(): HubHttpPort {
  return {
    async request(request) {
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: headers(request.token, request.body !== undefined),
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          signal: AbortSignal.timeout(request.timeoutMs),
          redirect: "manual",
        });
        const retryAfter = response.headers.get("retry-after");
        return {
          status: response.status,
          text: await response.text(),
          ...(retryAfter !== null ? { retryAfter } : {}),
        };
      } catch (err) {
        throw new HubHttpError(request.url, reason(err, request.timeoutMs));
      }
    },
    async events(request, onEvent) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), request.timeoutMs);
      try {
        const response = await fetch(request.url, {
          headers: { ...headers(request.token, false), Accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (response.status !== 200 || !response.body) {
          return { ended: "closed", status: response.status, text: await response.text() };
        }
        const decoder = new TextDecoder();
        let buffer = "";
        for await (const chunk of response.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          const { data, rest } = splitEvents(buffer);
          buffer = rest;
          for (const event of data) {
            if (onEvent(event)) {
              controller.abort();
              return { ended: "done", status: 200 };
            }
          }
        }
        return { ended: "closed", status: 200 };
      } catch (err) {
        if (controller.signal.aborted) return { ended: "timeout", status: 200 };
        throw new HubHttpError(request.url, reason(err, request.timeoutMs));
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
