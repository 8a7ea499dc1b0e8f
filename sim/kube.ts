// A deliberately small Kubernetes REST client for the simulated control plane: plain
// node:https with the run's CA and bearer token, JSON in and out. Enough for the helper,
// the test-only provisioner and the integration tests; not a general client.
import https from "node:https";

export interface KubeClientOptions {
  /** https://127.0.0.1:<port> */
  server: string;
  token: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  ca: string;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Defaults to application/json (a string body is sent as is). */
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  timeoutMs?: number;
}

export class KubeError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const message =
      typeof body === "object" && body !== null && "message" in body
        ? String((body as { message: unknown }).message)
        : JSON.stringify(body);
    super(`${method} ${path} -> ${status}: ${message}`);
    this.name = "KubeError";
  }

  get reason(): string | undefined {
    if (typeof this.body === "object" && this.body !== null && "reason" in this.body) {
      return String((this.body as { reason: unknown }).reason);
    }
    return undefined;
  }
}

/** Minimal shape shared by all Kubernetes objects we read back. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  // biome-ignore lint/suspicious/noExplicitAny: free-form API objects
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: free-form API objects
  status?: any;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
  metadata: { resourceVersion?: string; continue?: string };
}

export class KubeClient {
  readonly server: string;
  private readonly token: string;
  private readonly agent: https.Agent;

  constructor(opts: KubeClientOptions) {
    this.server = opts.server.replace(/\/+$/, "");
    this.token = opts.token;
    this.agent = new https.Agent({ ca: opts.ca, keepAlive: true, maxSockets: 16 });
  }

  /** Closes idle keep-alive sockets (call when done so the process can exit). */
  close(): void {
    this.agent.destroy();
  }

  /** Sends a request and returns status + parsed body; never throws on HTTP status. */
  request<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<KubeResponse<T>> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    }
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: "application/json",
    };
    if (payload !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method, headers, agent: this.agent, timeout: opts.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            if (text.length > 0 && /json/.test(res.headers["content-type"] ?? "")) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: body as T, text });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like request() but throws KubeError unless the status is 2xx. */
  async call<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.request<T>(method, path, opts);
    if (res.status < 200 || res.status > 299)
      throw new KubeError(method, path, res.status, res.body);
    return res.body;
  }

  get<T = KubeObject>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.call<T>("GET", path, { query });
  }

  /** GET that returns undefined on 404. */
  async getOrUndefined<T = KubeObject>(path: string): Promise<T | undefined> {
    const res = await this.request<T>("GET", path);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299)
      throw new KubeError("GET", path, res.status, res.body);
    return res.body;
  }

  list<T = KubeObject>(path: string, query?: RequestOptions["query"]): Promise<KubeList<T>> {
    return this.call<KubeList<T>>("GET", path, { query });
  }

  create<T = KubeObject>(collectionPath: string, obj: unknown): Promise<T> {
    return this.call<T>("POST", collectionPath, { body: obj });
  }

  put<T = KubeObject>(path: string, obj: unknown): Promise<T> {
    return this.call<T>("PUT", path, { body: obj });
  }

  /** Server-side apply (application/apply-patch+yaml; JSON is valid YAML). */
  apply<T = KubeObject>(
    path: string,
    obj: unknown,
    fieldManager: string,
    opts: { force?: boolean } = {},
  ): Promise<T> {
    return this.call<T>("PATCH", path, {
      body: obj,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager, force: opts.force ? true : undefined },
    });
  }

  patch<T = KubeObject>(
    path: string,
    patch: unknown,
    type: "merge" | "strategic" | "json" = "merge",
  ): Promise<T> {
    const contentType = {
      merge: "application/merge-patch+json",
      strategic: "application/strategic-merge-patch+json",
      json: "application/json-patch+json",
    }[type];
    return this.call<T>("PATCH", path, { body: patch, contentType });
  }

  /** DELETE; a 404 is not an error. */
  async delete(path: string, query?: RequestOptions["query"]): Promise<void> {
    const res = await this.request("DELETE", path, { query });
    if (res.status === 404) return;
    if (res.status < 200 || res.status > 299) {
      throw new KubeError("DELETE", path, res.status, res.body);
    }
  }

  /**
   * Polls `fn` until it returns a value other than undefined/false; throws with `what` and
   * the last seen state on timeout.
   */
  async waitFor<T>(
    what: string,
    fn: () => Promise<T | undefined | false>,
    opts: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
  ): Promise<T> {
    return waitFor(what, fn, opts);
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      let detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      if (opts.describe) {
        try {
          detail += `\n${await opts.describe()}`;
        } catch {
          // ignore: the description is best effort
        }
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when a Pod is Running with condition Ready=True. */
export function podIsRunningAndReady(pod: KubeObject): boolean {
  const conditions: { type: string; status: string }[] = pod.status?.conditions ?? [];
  return (
    pod.status?.phase === "Running" &&
    conditions.some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** True when a Node has condition Ready=True. */
export function nodeIsReady(node: KubeObject): boolean {
  const conditions: { type: string; status: string }[] = node.status?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}
