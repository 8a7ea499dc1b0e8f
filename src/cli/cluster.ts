/** Options and helpers shared by the commands that talk to a cluster. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { type HelmPort, helmPort } from "../ports/helm.js";
import { type KubePort, kubePortFromConfig } from "../ports/kube.js";
import { loadValidFleet } from "./fleetFile.js";
import type { Io } from "./io.js";

export { loadValidFleet };

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  helm?: string;
  chartDir?: string[];
}

export function addClusterOptions(command: Command): Command {
  return command
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubeconfig context to use")
    .option("--helm <binary>", "helm binary (default: helm on PATH, or $HUBFLEET_HELM)")
    .option(
      "--chart-dir <name=dir>",
      "use a local chart directory instead of the repository (air-gapped sites, tests); NAME@VERSION=DIR for one chart version only; repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

export function connect(io: Io, options: ClusterOptions): { kube: KubePort; helm: HelmPort } {
  const kubeconfig = kubeconfigFile(io, options.kubeconfig);
  const kube = connectKube(io, kubeconfig, options.context);
  const helm = helmPort({
    ...(options.helm ? { binary: options.helm } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  return { kube, helm };
}

/** The Kubernetes API alone (for commands without helm), named on stderr before any call. */
export function connectKube(
  io: Io,
  kubeconfig: string | undefined,
  context: string | undefined,
): KubePort {
  const kube = kubePortFromConfig({
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(context ? { context } : {}),
  });
  // Said before anything is read or written, so a wrong cluster is noticed at once.
  io.err(`using context ${kube.context} (${kube.server})\n`);
  return kube;
}

/**
 * The kubeconfig as kubectl finds it: --kubeconfig, else $KUBECONFIG, else ~/.kube/config.
 * Undefined means "let the client decide": several files in $KUBECONFIG (it merges them) or a
 * pod's service account. Finding none of these is an error here, because the client would
 * otherwise quietly talk to http://localhost:8080.
 */
export function kubeconfigFile(io: Io, flag: string | undefined): string | undefined {
  if (flag) {
    const file = resolve(io.cwd, flag);
    if (!existsSync(file)) {
      throw new UsageError(
        `--kubeconfig ${flag}: no such file (${file})`,
        "name the kubeconfig of the cluster, or leave --kubeconfig out to use $KUBECONFIG or ~/.kube/config",
      );
    }
    return file;
  }
  const fromEnv = (io.env.KUBECONFIG ?? "").split(delimiter).filter((f) => f !== "");
  if (fromEnv.length > 0) {
    const found = fromEnv.map((f) => resolve(io.cwd, f)).filter((f) => existsSync(f));
    if (found.length === 0) {
      throw new UsageError(
        `KUBECONFIG names no file that exists (${fromEnv.join(delimiter)})`,
        "point KUBECONFIG at the cluster's kubeconfig, or use --kubeconfig FILE",
      );
    }
    return found.length === 1 ? found[0] : undefined;
  }
  const home = join(io.env.HOME || homedir(), ".kube", "config");
  if (existsSync(home)) return home;
  if (io.env.KUBERNETES_SERVICE_HOST && io.env.KUBERNETES_SERVICE_PORT) return undefined;
  throw new UsageError(
    `no kubeconfig: KUBECONFIG is not set and ${home} does not exist`,
    "use --kubeconfig FILE or set KUBECONFIG to the cluster's kubeconfig (as for kubectl)",
  );
}

export function chartOverrides(io: Io, values: readonly string[] = []): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const [name, dir] = value.split("=", 2);
    if (!name || !dir)
      throw new UsageError(
        `--chart-dir "${value}" is not NAME=DIR`,
        "e.g. --chart-dir jupyterhub=./charts/jupyterhub",
      );
    map.set(name, resolve(io.cwd, dir));
  }
  return map;
}
