/**
 * What JupyterHub says, in words: its JSON error bodies and its spawn progress events, turned
 * into the messages a check reports (JupyterHub's own message wherever it gave one).
 */

/** "HTTP 403: Action is not authorized with current scopes; requires any of [servers]". */
export function hubMessage(status: number, text: string): string {
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string" && body.message) message = body.message;
  } catch {
    // not JSON: an HTML error page from a proxy or load balancer in between
  }
  if (!message) {
    const plain = text
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    message = plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
  }
  return message ? `HTTP ${status}: ${message}` : `HTTP ${status}`;
}

export interface ProgressOutcome {
  readonly kind: "progress" | "ready" | "failed";
  readonly message?: string;
}

/**
 * One event of `GET /hub/api/users/{name}/server/progress`: `{"progress": 50, "message": …}`,
 * ending with `"ready": true` or `"failed": true` (whose message is the spawn's error).
 */
export function progressOutcome(data: string): ProgressOutcome {
  let event: { ready?: unknown; failed?: unknown; message?: unknown };
  try {
    event = JSON.parse(data) as typeof event;
  } catch {
    return { kind: "progress" };
  }
  const message = typeof event.message === "string" && event.message ? event.message : undefined;
  const kind = event.failed === true ? "failed" : event.ready === true ? "ready" : "progress";
  return message ? { kind, message } : { kind };
}
