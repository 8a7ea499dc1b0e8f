/**
 * The Secrets apply creates: each hub's generated secrets (created once, never rotated) and the
 * TLS Secret read from the fleet file's certificate files. Their values never leave this module
 * except as helm values passed on stdin.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { FleetModel } from "../fleet/model.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import type { SecretRequest, SecretValue } from "../render/bundle.js";
import { hubLabels } from "../render/labels.js";
import { toolLabels } from "../render/tools/tool.js";
import { COMPONENT_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";

export async function ensureSecret(
  kube: KubePort,
  fleet: FleetModel,
  request: SecretRequest,
  options: { fleetDir: string },
): Promise<"created" | "kept" | "updated"> {
  const labels = request.tool
    ? { ...toolLabels(fleet, request.tool), [COMPONENT_LABEL]: "secrets" }
    : hubLabels(fleet, request.hub ?? request.namespace, "secrets");
  if (request.type === "generated") {
    const ref = {
      apiVersion: "v1",
      kind: "Secret",
      namespace: request.namespace,
      name: request.name,
    };
    const existing = await kube.get(ref);
    const data = (existing?.data ?? {}) as Record<string, string>;
    const missing = request.keys.filter((k) => !data[k]);
    if (existing && missing.length === 0) return "kept";
    const object: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: request.name, namespace: request.namespace, labels },
      type: "Opaque",
      // Keep every value already there; add only keys that are missing.
      data: {
        ...data,
        ...Object.fromEntries(
          missing.map((k) => [
            k,
            Buffer.from(request.literals?.[k] ?? randomBytes(32).toString("hex")).toString(
              "base64",
            ),
          ]),
        ),
      },
    };
    if (existing) {
      await kube.replace({
        ...object,
        metadata: {
          ...object.metadata,
          resourceVersion: (existing.metadata as { resourceVersion?: string }).resourceVersion,
        },
      } as KubeObject);
      return "updated";
    }
    try {
      await kube.create(object);
      return "created";
    } catch (err) {
      // Another writer created it first: theirs is as good as ours, and must not be replaced.
      if (err instanceof ClusterError && err.conflict) return "kept";
      throw err;
    }
  }
  if (request.type === "external") {
    const problem = await readExternalSecretProblem(kube, request);
    if (problem) throw new Error(problem);
    return "kept";
  }
  const tls = fleet.domain.tls;
  if (!tls?.certFile || !tls.keyFile)
    throw new Error("TLS Secret requested without certFile/keyFile");
  const [cert, key] = await Promise.all([
    readFile(resolve(options.fleetDir, tls.certFile)),
    readFile(resolve(options.fleetDir, tls.keyFile)),
  ]);
  await kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: request.name, namespace: request.namespace, labels },
    type: "kubernetes.io/tls",
    data: { "tls.crt": cert.toString("base64"), "tls.key": key.toString("base64") },
  });
  return "updated";
}

/** Pure: what is wrong with a Secret someone else provides (missing, or a key missing), if anything. */
export function externalSecretProblem(
  request: SecretRequest,
  live: KubeObject | undefined,
): string | undefined {
  const data = (live?.data ?? {}) as Record<string, string>;
  const missing = request.keys.filter((k) => !data[k]);
  if (live && missing.length === 0) return undefined;
  return `Secret ${request.namespace}/${request.name} ${live ? `has no key ${missing.join(", ")}` : "does not exist"}${request.hint ? `: ${request.hint}` : ""}`;
}

/** The chart values that come from Secrets, read from the cluster (for helm, in memory). */
export async function secretValues(
  kube: KubePort,
  namespace: string,
  refs: readonly SecretValue[],
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const cache = new Map<string, Record<string, string>>();
  for (const ref of refs) {
    const secretNamespace = ref.namespace ?? namespace;
    const cacheKey = `${secretNamespace}/${ref.secretName}`;
    let data = cache.get(cacheKey);
    if (!data) {
      const secret = await kube.get({
        apiVersion: "v1",
        kind: "Secret",
        namespace: secretNamespace,
        name: ref.secretName,
      });
      data = (secret?.data ?? {}) as Record<string, string>;
      cache.set(cacheKey, data);
    }
    const encoded = data[ref.key];
    if (!encoded)
      throw new Error(
        `Secret ${cacheKey} has no key ${ref.key}${ref.namespace ? " (is the tool that creates it enabled and applied?)" : ""}`,
      );
    const value = Buffer.from(encoded, "base64").toString("utf8");
    setPath(out, ref.valuePath, ref.asList ? [value] : value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next && typeof next === "object") node = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      node[part] = created;
      node = created;
    }
  }
  node[path[path.length - 1] as string] = value;
}

/** Reads the operator's Secret a request names and says what is wrong with it, if anything. */
export async function readExternalSecretProblem(
  kube: KubePort,
  request: SecretRequest,
): Promise<string | undefined> {
  const live = await kube.get({
    apiVersion: "v1",
    kind: "Secret",
    namespace: request.namespace,
    name: request.name,
  });
  return externalSecretProblem(request, live);
}
