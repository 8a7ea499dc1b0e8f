/**
 * The scrape configuration hubfleet gives Prometheus for the hubs and the drives, read by
 * Prometheus' own `promtool check config` (built from the Go module proxy by scripts/sim/build),
 * in path and subdomain routing.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { simBinary } from "../../sim/binaries.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { hubScrapeConfigs } from "../../src/render/tools/monitoring.js";
import { exampleFleet } from "../helpers.js";

const TOKEN_FILE = "/etc/prometheus/secrets/hubfleet-metrics-token/token";

describe("Prometheus' scrape configuration for the hubs", () => {
  const routings: Array<FleetModel["domain"]["routing"]> = ["path", "subdomain"];
  for (const routing of routings) {
    it(`is a configuration promtool accepts (${routing} routing)`, () => {
      const fleet = exampleFleet();
      const configured: FleetModel = { ...fleet, domain: { ...fleet.domain, routing } };
      const dir = mkdtempSync(join(tmpdir(), "hubfleet-prom-"));
      const token = join(dir, "token");
      writeFileSync(token, "x");
      // The token file exists only in Prometheus' pod; promtool checks that it can be read.
      const configs = JSON.parse(
        JSON.stringify(hubScrapeConfigs(configured)).replaceAll(TOKEN_FILE, token),
      );
      writeFileSync(join(dir, "prometheus.yml"), stringify({ scrape_configs: configs }));
      execFileSync(simBinary("promtool"), ["check", "config", join(dir, "prometheus.yml")], {
        stdio: "pipe",
      });
    });
  }
});
