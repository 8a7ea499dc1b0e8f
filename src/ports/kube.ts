/**
 * The Kubernetes port: server-side apply with one field manager, reads, lists and deletes,
 * with the API's status code and message kept in a typed error. Built on
 * @kubernetes/client-node; nothing else in hubfleet talks to the API server.
 */
import { existsSync } from "node:fs";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
// client-node returns typed model objects whose field names differ from the wire format
// (`from` becomes `_from`); its serializer turns them back into what the API server sent.
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import { ClusterError, UsageError } from "../errors.js";
import type { KubeObject } from "../vocabulary/objects.js";

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
  /** Where the port is connected (for messages). */
  readonly server: string;
}

export interface ServiceTarget {
  readonly namespace: string;
  readonly service: string;
  /** The Service port's name or number. */
  readonly port: string;
  readonly path: string;
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

/** Connects like kubectl: KUBECONFIG (or ~/.kube/config), optionally another context. */
export function kubePortFromConfig(
  options: { kubeconfig?: string; context?: string } = {},
): KubePort & { readonly context: string } {
  const config = new KubeConfig();
  if (options.kubeconfig) {
    // The client would report a missing file as a bare ENOENT from deep inside it.
    if (!existsSync(options.kubeconfig)) {
      throw new UsageError(
        `kubeconfig ${options.kubeconfig}: no such file`,
        "name an existing file with --kubeconfig or KUBECONFIG",
      );
    }
    config.loadFromFile(options.kubeconfig);
  } else config.loadFromDefault();
  if (options.context) {
    if (!config.getContexts().some((c) => c.name === options.context)) {
      throw new ClusterError({
        status: 0,
        reason: "NoSuchContext",
        message: `context "${options.context}" is not in the kubeconfig (${
          config
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
        object: "kubeconfig",
      });
    }
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new ClusterError({
      status: 0,
      reason: "NoCluster",
      message: "no current cluster in the kubeconfig; set KUBECONFIG or use --kubeconfig/--context",
      object: "kubeconfig",
    });
  }
  return new ClientNodePort(
    KubernetesObjectApi.makeApiClient(config),
    config.makeApiClient(CoreV1Api),
    cluster.server,
    config.getCurrentContext(),
  );
}

class ClientNodePort implements KubePort {
  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly core: CoreV1Api,
    readonly server: string,
    readonly context: string,
  ) {}

  async proxyGet(target: ServiceTarget): Promise<string> {
    const ref = { apiVersion: "v1", kind: "Service", ...target, name: target.service };
    return this.call<string>(ref, () =>
      this.core.connectGetNamespacedServiceProxyWithPath({
        name: `${target.service}:${target.port}`,
        namespace: target.namespace,
        path: target.path.replace(/^\//, ""),
      }),
    );
  }

  async apply(
    object: KubeObject,
    options: { dryRun?: boolean; fieldManager?: string } = {},
  ): Promise<KubeObject> {
    return this.call(refOf(object), () =>
      this.api.patch(
        model(object),
        undefined,
        options.dryRun ? "All" : undefined,
        options.fieldManager ?? FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      const live = await this.call<KubeObject>(ref, () => this.api.read(header(ref)));
      return wire(live, ref.apiVersion, ref.kind);
    } catch (err) {
      if (err instanceof ClusterError && err.notFound) return undefined;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const ref = {
      apiVersion,
      kind,
      name: "(list)",
      ...(options.namespace ? { namespace: options.namespace } : {}),
    };
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call<{
        items: KubernetesObject[];
        metadata?: { _continue?: string };
      }>(ref, () =>
        this.api.list(
          apiVersion,
          kind,
          options.namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          options.labelSelector,
          500,
          token,
        ),
      );
      for (const item of page.items) items.push(wire(item, apiVersion, kind));
      token = page.metadata?._continue || undefined;
    } while (token);
    return items;
  }

  async create(object: KubeObject): Promise<KubeObject> {
    return this.call(refOf(object), () =>
      this.api.create(model(object), undefined, undefined, FIELD_MANAGER),
    );
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    return this.call(refOf(object), () =>
      this.api.replace(model(object), undefined, undefined, FIELD_MANAGER),
    );
  }

  async delete(
    ref: ObjectRef,
    options: { propagation?: "Background" | "Foreground" | "Orphan"; uid?: string } = {},
  ): Promise<boolean> {
    try {
      await this.call(ref, () =>
        this.api.delete(
          header(ref),
          undefined,
          undefined,
          undefined,
          undefined,
          options.propagation ?? "Background",
          options.uid ? { preconditions: { uid: options.uid } } : undefined,
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof ClusterError && err.notFound) return false;
      throw err;
    }
  }

  async mergePatch(
    ref: ObjectRef,
    patch: Record<string, unknown>,
    options: { fieldManager?: string } = {},
  ): Promise<KubeObject> {
    const metadata = (patch.metadata ?? {}) as Record<string, unknown>;
    const body = {
      ...patch,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...metadata, ...header(ref).metadata },
    };
    // Sent as is: the model round trip of model() would drop nulls and unknown fields.
    const live = await this.call<KubeObject>(ref, () =>
      this.api.patch(
        body as KubernetesObject,
        undefined,
        undefined,
        options.fieldManager ?? FIELD_MANAGER,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
    return wire(live, ref.apiVersion, ref.kind);
  }

  private async call<T = KubeObject>(ref: ObjectRef, fn: () => Promise<unknown>): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (err) {
      throw toClusterError(err, describeRef(ref));
    }
  }
}

function modelType(apiVersion: string, kind: string): string {
  const version = apiVersion.split("/").pop() ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** The object as the API server sent it (wire field names). */
function wire(object: unknown, apiVersion: string, kind: string): KubeObject {
  const data = ObjectSerializer.serialize(object, modelType(apiVersion, kind)) as Record<
    string,
    unknown
  >;
  return { ...data, apiVersion, kind } as KubeObject;
}

/** client-node serializes what it sends from its model classes: hand it one, not wire JSON. */
function model(object: KubeObject): KubernetesObject {
  return ObjectSerializer.deserialize(
    object,
    modelType(object.apiVersion, object.kind),
  ) as KubernetesObject;
}

function header(ref: ObjectRef): KubernetesObject & { metadata: { name: string } } {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

/** Maps client-node's errors (and network failures) to ClusterError. Pure; exported for tests. */
export function toClusterError(err: unknown, object: string): ClusterError {
  if (err instanceof ClusterError) return err;
  if (err instanceof ApiException) {
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
