/**
 * Reads kubeconfig files the way kubectl does (several files merged, a chosen context, paths
 * relative to the file that names them, a pod's service account when there is no file) and says
 * how to reach and authenticate to the current context's cluster. No request is made here.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { ClusterError, UsageError } from "../errors.js";

/** A credential plugin (`users[].user.exec`), e.g. `aws eks get-token` on EKS. */
export interface ExecConfig {
  readonly apiVersion: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly provideClusterInfo: boolean;
  /** Where a relative command is looked up (the kubeconfig's folder, as kubectl does). */
  readonly baseDir: string;
}

export type KubeAuth =
  | { readonly kind: "none" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "tokenFile"; readonly path: string }
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "exec"; readonly exec: ExecConfig };

export interface KubeConnection {
  readonly context: string;
  /** The context's namespace: where a namespaced object without one goes (as for kubectl). */
  readonly namespace: string;
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  readonly auth: KubeAuth;
  /**
   * Set when the context needs what only @kubernetes/client-node implements (a legacy
   * `auth-provider`, a `proxy-url`): the port then hands its requests to that client.
   */
  readonly needsFullClient?: string;
}

type Entry = Record<string, unknown>;
interface Named {
  readonly name: string;
  readonly value: Entry;
  /** The folder of the file it came from (relative paths resolve against it). */
  readonly dir: string;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

const kubeconfigError = (message: string, reason = "BadKubeconfig") =>
  new ClusterError({ status: 0, reason, message, object: "kubeconfig" });

function record(value: unknown): Entry {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Entry) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

interface Merged {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext?: string;
}

/** kubectl's merge: the first file that names an entry (or the current context) wins. */
function mergeFiles(files: readonly string[]): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let doc: Entry;
    try {
      doc = record(parse(readFileSync(file, "utf8")));
    } catch (err) {
      throw kubeconfigError(
        `${file} is not a readable kubeconfig: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const dir = dirname(resolve(file));
    const add = (into: Map<string, Named>, list: unknown, key: string) => {
      for (const item of Array.isArray(list) ? list : []) {
        const name = str(record(item).name);
        if (name && !into.has(name))
          into.set(name, { name, value: record(record(item)[key]), dir });
      }
    };
    add(merged.clusters, doc.clusters, "cluster");
    add(merged.users, doc.users, "user");
    add(merged.contexts, doc.contexts, "context");
    merged.currentContext ??= str(doc["current-context"]);
  }
  return merged;
}

/** A file path from the kubeconfig, relative to the folder of the file that named it. */
function pathIn(dir: string, path: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

/** `<field>-data` (base64) or `<field>` (a file): the bytes, or undefined when neither is set. */
function dataOrFile(entry: Named, field: string): Buffer | undefined {
  const data = str(entry.value[`${field}-data`]);
  if (data) return Buffer.from(data, "base64");
  const file = str(entry.value[field]);
  if (!file) return undefined;
  const path = pathIn(entry.dir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw kubeconfigError(
      `${field} ${path} of "${entry.name}" cannot be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function execConfig(user: Named): ExecConfig {
  const exec = record(user.value.exec);
  const command = str(exec.command);
  if (!command) throw kubeconfigError(`user "${user.name}": exec has no command`);
  return {
    apiVersion: str(exec.apiVersion) ?? "client.authentication.k8s.io/v1beta1",
    command,
    args: (Array.isArray(exec.args) ? exec.args : []).map(String),
    env: (Array.isArray(exec.env) ? exec.env : []).map((e) => ({
      name: String(record(e).name ?? ""),
      value: String(record(e).value ?? ""),
    })),
    provideClusterInfo: exec.provideClusterInfo === true,
    baseDir: user.dir,
  };
}

function authOf(user: Named | undefined): KubeAuth {
  if (!user) return { kind: "none" };
  const u = user.value;
  // kubectl's order: a token (or token file) wins over basic auth; exec supplies its own.
  if (u.exec) return { kind: "exec", exec: execConfig(user) };
  const token = str(u.token);
  if (token) return { kind: "token", token };
  const tokenFile = str(u.tokenFile);
  if (tokenFile) return { kind: "tokenFile", path: pathIn(user.dir, tokenFile) };
  const username = str(u.username);
  if (username) return { kind: "basic", username, password: String(u.password ?? "") };
  return { kind: "none" };
}

/** A pod's own service account (no kubeconfig anywhere, as client-go's in-cluster config). */
function inCluster(env: NodeJS.ProcessEnv): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const nsFile = join(SERVICE_ACCOUNT, "namespace");
  return {
    context: "inClusterContext",
    namespace: existsSync(nsFile) ? readFileSync(nsFile, "utf8").trim() || "default" : "default",
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ...(existsSync(join(SERVICE_ACCOUNT, "ca.crt"))
      ? { ca: readFileSync(join(SERVICE_ACCOUNT, "ca.crt")) }
      : {}),
    insecureSkipTlsVerify: false,
    auth: { kind: "tokenFile", path: join(SERVICE_ACCOUNT, "token") },
  };
}

/**
 * The connection of the chosen (or current) context. `files`: the kubeconfig files in merge
 * order; empty means $KUBECONFIG, then ~/.kube/config, then the pod's service account.
 */
export function loadKubeConnection(
  options: {
    files?: readonly string[];
    context?: string;
    env?: NodeJS.ProcessEnv;
    home?: string;
  } = {},
): KubeConnection {
  const env = options.env ?? process.env;
  let files = options.files ?? [];
  if (files.length === 0) {
    const fromEnv = (env.KUBECONFIG ?? "").split(process.platform === "win32" ? ";" : ":");
    files = fromEnv.filter((f) => f !== "" && existsSync(f));
    if (files.length === 0) {
      const home = join(options.home ?? env.HOME ?? "", ".kube", "config");
      if (existsSync(home)) files = [home];
      else if (env.KUBERNETES_SERVICE_HOST) return inCluster(env);
      else {
        throw new UsageError(
          "no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist",
          "use --kubeconfig FILE or set KUBECONFIG to the cluster's kubeconfig (as for kubectl)",
        );
      }
    }
  }
  const missing = files.find((f) => !existsSync(f));
  if (missing) {
    throw new UsageError(
      `kubeconfig ${missing}: no such file`,
      "name an existing file with --kubeconfig or KUBECONFIG",
    );
  }
  const merged = mergeFiles(files);
  const contextName = options.context ?? merged.currentContext;
  const context = contextName ? merged.contexts.get(contextName) : undefined;
  if (options.context && !context) {
    throw kubeconfigError(
      `context "${options.context}" is not in the kubeconfig (${[...merged.contexts.keys()].join(", ") || "none"})`,
      "NoSuchContext",
    );
  }
  const cluster = context ? merged.clusters.get(String(context.value.cluster ?? "")) : undefined;
  const server = cluster ? str(cluster.value.server) : undefined;
  if (!context || !cluster || !server) {
    throw kubeconfigError(
      "no current cluster in the kubeconfig; set KUBECONFIG or use --kubeconfig/--context",
      "NoCluster",
    );
  }
  const user = merged.users.get(String(context.value.user ?? ""));
  const needs = [
    user?.value["auth-provider"] ? `user "${user.name}" uses auth-provider` : undefined,
    str(cluster.value["proxy-url"]) ? `cluster "${cluster.name}" uses proxy-url` : undefined,
  ].filter((n): n is string => n !== undefined);
  const ca = dataOrFile(cluster, "certificate-authority");
  const clientCert = user ? dataOrFile(user, "client-certificate") : undefined;
  const clientKey = user ? dataOrFile(user, "client-key") : undefined;
  const tlsServerName = str(cluster.value["tls-server-name"]);
  return {
    context: context.name,
    namespace: str(context.value.namespace) ?? "default",
    server,
    ...(ca ? { ca } : {}),
    insecureSkipTlsVerify: cluster.value["insecure-skip-tls-verify"] === true,
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(clientCert ? { clientCert } : {}),
    ...(clientKey ? { clientKey } : {}),
    auth: authOf(user),
    ...(needs.length > 0 ? { needsFullClient: needs.join(", ") } : {}),
  };
}
