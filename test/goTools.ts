/** Locates (building on first use) the Go programs the tests use; builds are cached in ~/.cache/hubfleet. */
import { execFileSync } from "node:child_process";
import { REPO } from "./helpers.js";

let gocheck: string | undefined;

/** Path of the eksctl/kind config checker (test/gocheck), built by scripts/gocheck-build. */
export function gocheckBinary(): string {
  if (process.env.HUBFLEET_GOCHECK) return process.env.HUBFLEET_GOCHECK;
  if (!gocheck) {
    const out = execFileSync("bash", [`${REPO}scripts/gocheck-build`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, GOTOOLCHAIN: "local" },
    });
    gocheck = out.trim().split("\n").pop() ?? "";
  }
  return gocheck;
}

let nodeExporter: string | undefined;

/** Path of Prometheus' node_exporter (the drive's metrics sidecar), built by scripts/node-exporter-build. */
export function nodeExporterBinary(): string {
  if (process.env.HUBFLEET_NODE_EXPORTER) return process.env.HUBFLEET_NODE_EXPORTER;
  if (!nodeExporter) {
    const out = execFileSync("bash", [`${REPO}scripts/node-exporter-build`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, GOTOOLCHAIN: "local" },
    });
    nodeExporter = out.trim().split("\n").pop() ?? "";
  }
  return nodeExporter;
}

let amtool: string | undefined;

/** Path of Alertmanager's amtool, built by scripts/amtool-build at the version in tools/amtool. */
export function amtoolBinary(): string {
  if (process.env.HUBFLEET_AMTOOL) return process.env.HUBFLEET_AMTOOL;
  if (!amtool) {
    const out = execFileSync("bash", [`${REPO}scripts/amtool-build`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, GOTOOLCHAIN: "local" },
    });
    amtool = out.trim().split("\n").pop() ?? "";
  }
  return amtool;
}
