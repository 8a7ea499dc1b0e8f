/**
 * The Kubernetes port over plain node:https: JSON as the API server sends it, resource paths
 * from the server's own discovery documents, credentials from the kubeconfig (kubeconfig.ts,
 * execCredential.ts). It loads in milliseconds where @kubernetes/client-node takes about a
 * second (docs/design.md, "A small Kubernetes client").
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { ClusterError } from "../errors.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { credentialIsFresh, type ExecCredential, runExecPlugin } from "./execCredential.js";
import {
  FIELD_MANAGER,
  type KubePort,
  type ListOptions,
  type ObjectRef,
  type ServiceTarget,
  scaleBody,
  toClusterError,
} from "./kube.js";
import type { KubeAuth, KubeConnection } from "./kubeconfig.js";

interface Resource {
  readonly name: string;
  readonly namespaced: boolean;
}

interface Response {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

interface RequestOptions {
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  readonly contentType?: string;
}

const describe = (ref: ObjectRef) =>
  `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;

/** The API's Status (reason, message) out of an error response. Pure. */
export function statusOf(body: unknown, text: string): { reason?: string; message?: string } {
  if (body && typeof body === "object") {
    const { reason, message } = body as { reason?: unknown; message?: unknown };
    return {
      ...(typeof reason === "string" ? { reason } : {}),
      ...(typeof message === "string" ? { message } : {}),
    };
  }
  return text.trim() ? { message: text.trim().split("\n")[0] as string } : {};
}

export class HttpKubePort implements KubePort {
  readonly server: string;
  readonly context: string;
  private readonly base: URL;
  private readonly discovery = new Map<string, Promise<Map<string, Resource>>>();
  private readonly agents = new Map<string, http.Agent>();
  private credential: Promise<ExecCredential> | undefined;

  constructor(
    private readonly connection: KubeConnection,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly readFile: (path: string) => string = defaultReadFile,
  ) {
    this.server = connection.server;
    this.context = connection.context;
    this.base = new URL(connection.server.replace(/\/+$/, ""));
  }

  async apply(
    object: KubeObject,
    options: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const ref = refOf(object);
    const res = await this.send("PATCH", ref, await this.objectPath(ref), {
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: "true",
        dryRun: options.dryRun ? "All" : undefined,
      },
      // Server-side apply takes YAML; JSON is YAML.
      body: object,
      contentType: "application/apply-patch+yaml",
    });
    return res.body as KubeObject;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return (await this.send("GET", ref, await this.objectPath(ref))).body as KubeObject;
    } catch (err) {
      if (err instanceof ClusterError && err.notFound) return undefined;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const ref: ObjectRef = {
      apiVersion,
      kind,
      name: "(list)",
      ...(options.namespace ? { namespace: options.namespace } : {}),
    };
    const path = await this.collectionPath(ref);
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const res = await this.send("GET", ref, path, {
        query: { labelSelector: options.labelSelector, limit: "500", continue: token },
      });
      const page = res.body as { items?: KubeObject[]; metadata?: { continue?: string } };
      // List items carry neither apiVersion nor kind on the wire; callers expect both.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    const resource = await this.resource(ref);
    const path = this.pathOf(ref, resource, ref.namespace ?? this.connection.namespace);
    const res = await this.send("POST", ref, path, {
      query: { fieldManager: FIELD_MANAGER },
      body: object,
    });
    return res.body as KubeObject;
  }

  async scale(ref: ObjectRef, replicas: number): Promise<void> {
    // A PUT of the Scale without a resourceVersion: unconditional, as kubectl scale.
    await this.send("PUT", ref, `${await this.objectPath(ref)}/scale`, {
      query: { fieldManager: FIELD_MANAGER },
      body: scaleBody(ref, replicas),
    });
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    const res = await this.send("PUT", ref, await this.objectPath(ref), {
      query: { fieldManager: FIELD_MANAGER },
      body: object,
    });
    return res.body as KubeObject;
  }

  async delete(
    ref: ObjectRef,
    options: { propagation?: "Background" | "Foreground" | "Orphan"; uid?: string } = {},
  ): Promise<boolean> {
    try {
      await this.send("DELETE", ref, await this.objectPath(ref), {
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          propagationPolicy: options.propagation ?? "Background",
          ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
        },
      });
      return true;
    } catch (err) {
      if (err instanceof ClusterError && err.notFound) return false;
      throw err;
    }
  }

  /** GET through the API server's Service proxy; the answer's text as the Service sent it. */
  async proxyGet(target: ServiceTarget): Promise<string> {
    const ref = {
      apiVersion: "v1",
      kind: "Service",
      namespace: target.namespace,
      name: target.service,
    };
    const service = encodeURIComponent(`${target.service}:${target.port}`);
    const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${service}/proxy/${target.path.replace(/^\//, "")}`;
    return (await this.send("GET", ref, path, target.query ? { query: target.query } : {})).text;
  }

  async mergePatch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options: { fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const res = await this.send("PATCH", ref, await this.objectPath(ref), {
      query: { fieldManager: options.fieldManager ?? FIELD_MANAGER },
      body: patch,
      contentType: "application/merge-patch+json",
    });
    return res.body as KubeObject;
  }

  /** The resource (plural name, namespaced or not) of a kind, from the server's discovery. */
  private async resource(ref: ObjectRef): Promise<Resource> {
    const groupVersion = ref.apiVersion;
    let pending = this.discovery.get(groupVersion);
    if (!pending) {
      pending = this.discover(ref);
      this.discovery.set(groupVersion, pending);
      // A failed discovery is asked again next time, not remembered.
      pending.catch(() => this.discovery.delete(groupVersion));
    }
    const resource = (await pending).get(ref.kind);
    if (!resource) throw notServed(ref);
    return resource;
  }

  private async discover(ref: ObjectRef): Promise<Map<string, Resource>> {
    const path = ref.apiVersion.includes("/")
      ? `/apis/${ref.apiVersion}`
      : `/api/${ref.apiVersion}`;
    let res: Response;
    try {
      res = await this.send("GET", ref, path);
    } catch (err) {
      if (err instanceof ClusterError && err.notFound) throw notServed(ref);
      throw err;
    }
    const list = res.body as { resources?: { name: string; kind: string; namespaced: boolean }[] };
    const kinds = new Map<string, Resource>();
    for (const r of list.resources ?? []) {
      // Subresources (pods/status) share their parent's kind; the parent comes first.
      if (r.name.includes("/") || kinds.has(r.kind)) continue;
      kinds.set(r.kind, { name: r.name, namespaced: r.namespaced });
    }
    return kinds;
  }

  /** A list's path: without a namespace, every namespace's objects. */
  private async collectionPath(ref: ObjectRef): Promise<string> {
    return this.pathOf(ref, await this.resource(ref), ref.namespace);
  }

  /** An object's path; a namespaced one without a namespace is in the context's (kubectl's rule). */
  private async objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.resource(ref);
    const namespace = ref.namespace ?? this.connection.namespace;
    return `${this.pathOf(ref, resource, namespace)}/${encodeURIComponent(ref.name)}`;
  }

  private pathOf(ref: ObjectRef, resource: Resource, namespace: string | undefined): string {
    const prefix = ref.apiVersion.includes("/")
      ? `/apis/${ref.apiVersion}`
      : `/api/${ref.apiVersion}`;
    const ns =
      resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${prefix}${ns}/${resource.name}`;
  }

  /** One request; a 401 with a plugin's credential fetches a new one and tries once more. */
  private async send(
    method: string,
    ref: ObjectRef,
    path: string,
    options: RequestOptions = {},
  ): Promise<Response> {
    let res = await this.request(method, ref, path, options);
    if (res.status === 401 && this.connection.auth.kind === "exec") {
      this.credential = undefined;
      res = await this.request(method, ref, path, options);
    }
    if (res.status >= 200 && res.status < 300) return res;
    const status = statusOf(res.body, res.text);
    throw new ClusterError({
      status: res.status,
      reason: status.reason ?? "Unknown",
      message: status.message ?? `HTTP ${res.status}`,
      object: describe(ref),
    });
  }

  private async request(
    method: string,
    ref: ObjectRef,
    path: string,
    options: RequestOptions,
  ): Promise<Response> {
    const { headers, cert, key } = await this.authentication();
    const url = new URL(this.base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, v);
    }
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const allHeaders: Record<string, string> = { Accept: "application/json", ...headers };
    if (payload !== undefined) {
      allHeaders["Content-Type"] = options.contentType ?? "application/json";
      allHeaders["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const secure = url.protocol === "https:";
    const transport = secure ? https : http;
    const agent = this.agent(secure, cert, key);
    const once = () =>
      new Promise<Response>((resolve, reject) => {
        const req = transport.request(url, { method, headers: allHeaders, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            if (text !== "" && /json/.test(res.headers["content-type"] ?? "")) {
              try {
                body = JSON.parse(text);
              } catch {
                body = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body, text });
          });
        });
        req.on("error", (err: NodeJS.ErrnoException) =>
          // A kept-alive connection the server closed as the request went out: the server never
          // read it, so it is sent once more on a new connection (Node's documented pattern).
          reject(req.reusedSocket && err.code === "ECONNRESET" ? new StaleSocket(err) : err),
        );
        req.end(payload);
      });
    return once()
      .catch((err: unknown) => {
        if (err instanceof StaleSocket) return once();
        throw err;
      })
      .catch((err: unknown) => {
        throw toClusterError(err instanceof StaleSocket ? err.cause : err, describe(ref));
      });
  }

  /** One keep-alive agent per client certificate (a plugin may hand out a new one). */
  private agent(secure: boolean, cert?: Buffer | string, key?: Buffer | string): http.Agent {
    const id = `${secure}:${cert ? String(cert).slice(-64) : ""}`;
    let agent = this.agents.get(id);
    if (!agent) {
      const c = this.connection;
      agent = secure
        ? new https.Agent({
            keepAlive: true,
            ...(c.ca ? { ca: c.ca } : {}),
            ...(cert && key ? { cert, key } : {}),
            ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
            rejectUnauthorized: !c.insecureSkipTlsVerify,
          })
        : new http.Agent({ keepAlive: true });
      this.agents.set(id, agent);
    }
    return agent;
  }

  private async authentication(): Promise<{
    headers: Record<string, string>;
    cert?: Buffer | string;
    key?: Buffer | string;
  }> {
    const c = this.connection;
    const staticTls = {
      ...(c.clientCert ? { cert: c.clientCert } : {}),
      ...(c.clientKey ? { key: c.clientKey } : {}),
    };
    const auth: KubeAuth = c.auth;
    switch (auth.kind) {
      case "none":
        return { headers: {}, ...staticTls };
      case "token":
        return { headers: { Authorization: `Bearer ${auth.token}` }, ...staticTls };
      case "tokenFile": {
        // Read each time: projected service-account tokens are rotated on disk.
        const token = this.readFile(auth.path).trim();
        return { headers: { Authorization: `Bearer ${token}` }, ...staticTls };
      }
      case "basic": {
        const basic = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
        return { headers: { Authorization: `Basic ${basic}` }, ...staticTls };
      }
      case "exec": {
        const credential = await this.execCredential(auth.exec);
        return {
          headers: credential.token ? { Authorization: `Bearer ${credential.token}` } : {},
          ...(credential.clientCertificateData && credential.clientKeyData
            ? { cert: credential.clientCertificateData, key: credential.clientKeyData }
            : staticTls),
        };
      }
    }
  }

  private async execCredential(
    exec: Extract<KubeAuth, { kind: "exec" }>["exec"],
  ): Promise<ExecCredential> {
    const current = this.credential;
    if (current) {
      const credential = await current;
      if (credentialIsFresh(credential, Date.now())) return credential;
    }
    // One plugin run for all the requests that are waiting for a credential.
    const fresh = runExecPlugin(
      exec,
      {
        server: this.server,
        ...(this.connection.ca ? { caData: this.connection.ca.toString("base64") } : {}),
        insecureSkipTlsVerify: this.connection.insecureSkipTlsVerify,
      },
      this.env,
    );
    this.credential = fresh;
    fresh.catch(() => {
      if (this.credential === fresh) this.credential = undefined;
    });
    return fresh;
  }
}

/** ECONNRESET on a reused keep-alive socket (see request()). */
class StaleSocket extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

function defaultReadFile(path: string): string {
  return readFileSync(path, "utf8");
}

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** The cluster does not serve the kind (a CRD is gone, an API group is off): a 404. */
function notServed(ref: ObjectRef): ClusterError {
  return new ClusterError({
    status: 404,
    reason: "NotFound",
    message: `the cluster does not serve this kind (${ref.apiVersion} ${ref.kind})`,
    object: describe(ref),
  });
}
