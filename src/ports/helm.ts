/**
 * The Helm port: runs the real `helm` binary (found on PATH or configured) and parses its
 * JSON output with the pure functions in helmParse.ts. Values, secrets included, go to helm on
 * stdin, never into a file.
 */
import { spawn } from "node:child_process";
import { ToolError } from "../errors.js";
import {
  type HelmHistoryEntry,
  type HelmReleaseInfo,
  isReleaseNotFound,
  parseHelmHistory,
  parseHelmList,
  parseHelmRelease,
  parseHelmValues,
} from "./helmParse.js";

/** Where a chart comes from: a repository and version (real use) or a local directory. */
export type ChartSource =
  | {
      readonly kind: "repo";
      readonly repo: string;
      readonly name: string;
      readonly version: string;
    }
  | { readonly kind: "dir"; readonly path: string };

export interface HelmOptions {
  /** The helm binary (default: `helm` on PATH, or HUBFLEET_HELM). */
  readonly binary?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Extra environment (HELM_CACHE_HOME etc.). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface HelmPort {
  upgradeInstall(options: {
    release: string;
    namespace: string;
    chart: ChartSource;
    values: Record<string, unknown>;
    timeoutSeconds?: number;
    wait?: boolean;
  }): Promise<HelmReleaseInfo>;
  status(release: string, namespace: string): Promise<HelmReleaseInfo | undefined>;
  listAll(): Promise<HelmReleaseInfo[]>;
  getValues(release: string, namespace: string): Promise<Record<string, unknown>>;
  history(release: string, namespace: string): Promise<HelmHistoryEntry[]>;
  rollback(release: string, namespace: string, revision: number): Promise<void>;
  uninstall(release: string, namespace: string): Promise<void>;
}

export function helmPort(options: HelmOptions = {}): HelmPort {
  const binary = options.binary ?? process.env.HUBFLEET_HELM ?? "helm";
  const common = [
    ...(options.kubeconfig ? ["--kubeconfig", options.kubeconfig] : []),
    ...(options.context ? ["--kube-context", options.context] : []),
  ];
  const run = (args: string[], input?: string) =>
    runHelm(binary, [...args, ...common], { ...process.env, ...options.env }, input);
  return {
    async upgradeInstall({
      release,
      namespace,
      chart,
      values,
      timeoutSeconds = 600,
      wait = false,
    }) {
      // An OCI registry (Karpenter's chart) is not a chart repository: helm takes the chart's
      // full reference instead of --repo.
      const chartArgs =
        chart.kind === "repo"
          ? chart.repo.startsWith("oci://")
            ? [`${chart.repo}/${chart.name}`, "--version", chart.version]
            : [chart.name, "--repo", chart.repo, "--version", chart.version]
          : [chart.path];
      const out = await run(
        [
          "upgrade",
          "--install",
          release,
          ...chartArgs,
          "--namespace",
          namespace,
          "--values",
          "-",
          "--timeout",
          `${timeoutSeconds}s`,
          ...(wait ? ["--wait"] : []),
          "--output",
          "json",
        ],
        JSON.stringify(values),
      );
      return parseHelmRelease(out);
    },
    async status(release, namespace) {
      try {
        return parseHelmRelease(
          await run(["status", release, "--namespace", namespace, "--output", "json"]),
        );
      } catch (err) {
        if (err instanceof ToolError && isReleaseNotFound(err.stderr)) return undefined;
        throw err;
      }
    },
    async listAll() {
      return parseHelmList(
        await run(["list", "--all-namespaces", "--all", "--output", "json", "--max", "0"]),
      );
    },
    async getValues(release, namespace) {
      return parseHelmValues(
        await run(["get", "values", release, "--namespace", namespace, "--output", "json"]),
      );
    },
    async history(release, namespace) {
      return parseHelmHistory(
        await run(["history", release, "--namespace", namespace, "--output", "json"]),
      );
    },
    async rollback(release, namespace, revision) {
      await run(["rollback", release, String(revision), "--namespace", namespace]);
    },
    async uninstall(release, namespace) {
      await run(["uninstall", release, "--namespace", namespace]);
    },
  };
}

function runHelm(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      reject(
        new ToolError({
          message:
            err.code === "ENOENT"
              ? `helm not found ("${binary}"): install helm 3 or set HUBFLEET_HELM`
              : `cannot run helm: ${err.message}`,
          command: [binary, args[0] ?? ""],
          stderr: "",
          exitCode: null,
        }),
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else {
        reject(
          new ToolError({
            message: `helm ${args[0]} failed: ${helmMessage(stderr)}`,
            command: [binary, ...args.slice(0, 3)],
            stderr,
            exitCode: code,
          }),
        );
      }
    });
    child.stdin.end(input ?? "");
  });
}

/** helm prints "Error: ..." as its last meaningful line; that is the message worth showing. */
export function helmMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith("Error:"));
  return (error ?? lines[lines.length - 1] ?? "no output").replace(/^Error:\s*/, "");
}
