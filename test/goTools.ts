/** Locates (building on first use) the Go programs the tests use; builds are cached in ~/.cache/hubfleet. */
import { execFileSync } from "node:child_process";
import { REPO } from "./helpers.js";

const built = new Map<string, string>();

/**
 * The binary a build script prints on its last line, or the path scripts/test.sh already put in
 * `envVar` (it builds every tool once before the tests run).
 */
function toolBinary(envVar: string, script: string): string {
  const given = process.env[envVar];
  if (given) return given;
  let path = built.get(script);
  if (path === undefined) {
    const out = execFileSync("bash", [`${REPO}scripts/${script}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, GOTOOLCHAIN: "local" },
    });
    path = out.trim().split("\n").pop() ?? "";
    built.set(script, path);
  }
  return path;
}

/** Path of the eksctl/kind config checker (test/gocheck), built by scripts/gocheck-build. */
export const gocheckBinary = (): string => toolBinary("HUBFLEET_GOCHECK", "gocheck-build");

/** Path of Prometheus' node_exporter (the drive's metrics sidecar), built by scripts/node-exporter-build. */
export const nodeExporterBinary = (): string =>
  toolBinary("HUBFLEET_NODE_EXPORTER", "node-exporter-build");

/** The Prometheus server at promtool's version, built by scripts/prometheus-build. */
export const prometheusBinary = (): string => toolBinary("HUBFLEET_PROMETHEUS", "prometheus-build");

/** Path of Alertmanager's amtool, built by scripts/amtool-build at the version in tools/amtool. */
export const amtoolBinary = (): string => toolBinary("HUBFLEET_AMTOOL", "amtool-build");

/** KEDA's operator, metrics API server and CRDs (a directory), built by scripts/keda-build. */
export const kedaDir = (): string => toolBinary("HUBFLEET_KEDA", "keda-build");
