/**
 * The HTTP port: one GET with a deadline, for asking a hub whether it answers. Nothing else in
 * hubfleet opens HTTP connections to hubs.
 */

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpPort {
  /** The answer, or a thrown Error saying why there was none (refused, unknown host, timeout). */
  get(url: string, options: { timeoutMs: number }): Promise<HttpAnswer>;
}

/** Node's own fetch. */
export function httpPort(): HttpPort {
  return {
    async get(url, { timeoutMs }) {
      let response: Response;
      try {
        response = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
          headers: { accept: "application/json, text/plain" },
        });
      } catch (err) {
        throw new Error(describeFetchError(err, timeoutMs));
      }
      const body = await response.text().catch(() => "");
      return { status: response.status, body: body.slice(0, 2000) };
    },
  };
}

/** fetch's errors say "fetch failed"; the reason is in their cause. Pure; exported for tests. */
export function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const cause =
    err instanceof Error
      ? (err.cause as { code?: string; message?: string } | undefined)
      : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return err instanceof Error ? (cause?.message ?? err.message) : String(err);
}
