/**
 * The Kubernetes port on @kubernetes/client-node, for the kubeconfigs the small client
 * (kubeHttp.ts) does not cover: a legacy `auth-provider` (oidc), a `proxy-url`. Loaded only
 * then: the client takes about a second to load.
 */
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Scale,
} from "@kubernetes/client-node";
// client-node returns typed model objects whose field names differ from the wire format
// (`from` becomes `_from`); its serializer turns them back into what the API server sent.
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import { ClusterError } from "../errors.js";
import type { KubeObject } from "../vocabulary/objects.js";
import {
  describeRef,
  FIELD_MANAGER,
  type KubePort,
  type ListOptions,
  type ObjectRef,
  refOf,
  type ServiceTarget,
  scaleBody,
  toClusterError,
} from "./kube.js";

/** The port for the kubeconfig kubePortFromConfig already read (names checked there). */
export function clientNodePort(options: { kubeconfig?: string; context?: string }): KubePort {
  const config = new KubeConfig();
  if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
  else config.loadFromDefault();
  if (options.context) config.setCurrentContext(options.context);
  return new ClientNodePort(
    KubernetesObjectApi.makeApiClient(config),
    config.makeApiClient(CoreV1Api),
    config.makeApiClient(AppsV1Api),
    config.getCurrentCluster()?.server ?? "",
  );
}

class ClientNodePort implements KubePort {
  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly core: CoreV1Api,
    private readonly apps: AppsV1Api,
    readonly server: string,
  ) {}

  async scale(ref: ObjectRef, replicas: number): Promise<void> {
    const request = {
      name: ref.name,
      namespace: ref.namespace ?? "default",
      body: scaleBody(ref, replicas) as V1Scale,
      fieldManager: FIELD_MANAGER,
    };
    if (ref.apiVersion !== "apps/v1" || (ref.kind !== "Deployment" && ref.kind !== "StatefulSet")) {
      throw new Error(`${describeRef(ref)}: hubfleet scales only Deployments and StatefulSets`);
    }
    await this.call(ref, () =>
      ref.kind === "Deployment"
        ? this.apps.replaceNamespacedDeploymentScale(request)
        : this.apps.replaceNamespacedStatefulSetScale(request),
    );
  }

  async proxyGet(target: ServiceTarget): Promise<string> {
    const ref = { apiVersion: "v1", kind: "Service", ...target, name: target.service };
    if (target.query !== undefined) {
      // The generated client escapes "?" in the proxied path and takes no query parameters.
      throw new ClusterError({
        status: 0,
        reason: "Unsupported",
        message:
          "this kubeconfig needs @kubernetes/client-node, whose Service proxy cannot pass query parameters; port-forward the Service and name it directly (for `hubfleet cost`: --prometheus URL)",
        object: `Service ${target.namespace}/${target.service}`,
      });
    }
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
