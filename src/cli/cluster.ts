/** Options and helpers shared by the commands that talk to a cluster. */
import { resolve } from "node:path";
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
      "use a local chart directory instead of the repository (air-gapped sites, tests); repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    );
}

export function connect(io: Io, options: ClusterOptions): { kube: KubePort; helm: HelmPort } {
  const kubeconfig = options.kubeconfig ? resolve(io.cwd, options.kubeconfig) : undefined;
  const kube = kubePortFromConfig({
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const helm = helmPort({
    ...(options.helm ? { binary: options.helm } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  return { kube, helm };
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
