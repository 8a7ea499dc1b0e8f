/**
 * The Kubernetes port: server-side apply with one field manager, reads, lists and deletes,
 * with the API's status code and message kept in a typed error. Nothing else in hubfleet talks
 * to the API server. Requests go over plain HTTPS (kubeHttp.ts); a kubeconfig that needs what
 * only @kubernetes/client-node implements gets that client, loaded on first use (kubeFull.ts).
 */
import { ClusterError } from "../errors.js";
import type { KubeObject } from "../vocabulary/objects.js";
import { type KubeConnection, loadKubeConnection } from "./kubeconfig.js";
import { HttpKubePort } from "./kubeHttp.js";

export { ClusterError };

export const FIELD_MANAGER = "hubfleet";

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
}

export interface KubePort {
  /** Server-side apply as field manager `hubfleet`, taking over fields from other managers. */
  apply(
    object: KubeObject,
    options?: { dryRun?: boolean; fieldManager?: string },
  ): Promise<KubeObject>;
  /** The live object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Creates an object; fails with a 409 ClusterError when it exists. */
  create(object: KubeObject): Promise<KubeObject>;
  /** Replaces an object (optimistic concurrency through metadata.resourceVersion). */
  replace(object: KubeObject): Promise<KubeObject>;
  /**
   * Deletes; true when it was there. With `uid`, only the object with that uid: a same-named
   * object created since fails with a 409 ClusterError.
   */
  delete(
    ref: ObjectRef,
    options?: { propagation?: "Background" | "Foreground" | "Orphan"; uid?: string },
  ): Promise<boolean>;
  /**
   * A JSON merge patch (RFC 7386) of the fields given; `null` removes a field. With
   * metadata.resourceVersion in the patch, fails with a 409 when the object changed since.
   */
  mergePatch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: { fieldManager?: string },
  ): Promise<KubeObject>;
  /**
   * GET `path` from a Service's port through the API server's proxy (how status reads a drive's
   * metrics without a network path of its own into the cluster).
   */
  proxyGet(target: ServiceTarget): Promise<string>;
  /**
   * Sets a Deployment's or StatefulSet's replicas through its scale subresource (as
   * `kubectl scale` does), leaving the rest of the object and its field owners as they are.
   */
  scale(ref: ObjectRef, replicas: number): Promise<void>;
  /** Where the port is connected (for messages). */
  readonly server: string;
}

export interface ServiceTarget {
  readonly namespace: string;
  readonly service: string;
  /** The Service port's name or number. */
  readonly port: string;
  readonly path: string;
  /** Query parameters for the proxied request (Prometheus' HTTP API takes its query so). */
  readonly query?: Readonly<Record<string, string>>;
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/**
 * Connects like kubectl: `kubeconfig` (one file), else $KUBECONFIG (its files merged), else
 * ~/.kube/config, else the pod's service account; optionally another context.
 */
export function kubePortFromConfig(
  options: { kubeconfig?: string; context?: string } = {},
): KubePort & { readonly context: string } {
  const connection = loadKubeConnection({
    ...(options.kubeconfig ? { files: [options.kubeconfig] } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  if (connection.needsFullClient) return new FullClientPort(connection, options);
  return new HttpKubePort(connection);
}

/**
 * The port for kubeconfigs the small client does not cover (a legacy auth-provider, a
 * proxy-url): @kubernetes/client-node, imported when the first request is made.
 */
class FullClientPort implements KubePort {
  readonly server: string;
  readonly context: string;
  private port: Promise<KubePort> | undefined;

  constructor(
    connection: KubeConnection,
    private readonly options: { kubeconfig?: string; context?: string },
  ) {
    this.server = connection.server;
    this.context = connection.context;
  }

  private load(): Promise<KubePort> {
    this.port ??= import("./kubeFull.js").then((m) => m.clientNodePort(this.options));
    return this.port;
  }

  async apply(object: KubeObject, options?: { dryRun?: boolean; fieldManager?: string }) {
    return (await this.load()).apply(object, options);
  }
  async proxyGet(target: ServiceTarget) {
    return (await this.load()).proxyGet(target);
  }
  async get(ref: ObjectRef) {
    return (await this.load()).get(ref);
  }
  async list(apiVersion: string, kind: string, options?: ListOptions) {
    return (await this.load()).list(apiVersion, kind, options);
  }
  async create(object: KubeObject) {
    return (await this.load()).create(object);
  }
  async replace(object: KubeObject) {
    return (await this.load()).replace(object);
  }
  async delete(
    ref: ObjectRef,
    options?: { propagation?: "Background" | "Foreground" | "Orphan"; uid?: string },
  ) {
    return (await this.load()).delete(ref, options);
  }
  async mergePatch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options?: { fieldManager?: string },
  ) {
    return (await this.load()).mergePatch(ref, patch, options);
  }
  async scale(ref: ObjectRef, replicas: number) {
    return (await this.load()).scale(ref, replicas);
  }
}

/** The body of a write to a scale subresource: autoscaling/v1 Scale, no resourceVersion. */
export function scaleBody(ref: ObjectRef, replicas: number): Record<string, unknown> {
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
    spec: { replicas },
  };
}

/** client-node's ApiException, recognised by shape so that this module need not load it. */
function isApiException(err: unknown): err is { code: number; body: unknown; message: string } {
  return (
    err instanceof Error && typeof (err as { code?: unknown }).code === "number" && "body" in err
  );
}

/**
 * Maps client-node's errors (and network failures) to ClusterError (the full client's port
 * uses it). Pure; exported for tests.
 */
export function toClusterError(err: unknown, object: string): ClusterError {
  if (err instanceof ClusterError) return err;
  if (isApiException(err)) {
    const status = parseStatus(err.body);
    return new ClusterError({
      status: err.code,
      reason: status.reason ?? "Unknown",
      message: status.message ?? (err.message.split("\n")[0] || `HTTP ${err.code}`),
      object,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  // client-node's discovery found no such kind: the cluster does not serve it (a CRD is gone).
  if (/^Unrecognized API version and kind/.test(message)) {
    return new ClusterError({
      status: 404,
      reason: "NotFound",
      message: `the cluster does not serve this kind (${message})`,
      object,
    });
  }
  const code = (err as { code?: string } | undefined)?.code;
  return new ClusterError({
    status: 0,
    reason: code ?? "NetworkError",
    message: `cannot reach the Kubernetes API: ${message}`,
    object,
  });
}

export function parseStatus(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { message: value as string };
    }
  }
  if (value && typeof value === "object") {
    const { reason, message } = value as { reason?: unknown; message?: unknown };
    return {
      ...(typeof reason === "string" ? { reason } : {}),
      ...(typeof message === "string" ? { message } : {}),
    };
  }
  return {};
}
