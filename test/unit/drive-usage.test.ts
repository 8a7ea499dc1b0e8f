/**
 * `status`'s reading of a drive's metrics sidecar, on recorded node_exporter output
 * (test/fixtures/node-exporter): the drive volume's size, use and free space, and each home.
 * The same parser reads a live node_exporter over a real NFS-served drive in
 * test/integration/nfs-home-usage.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { driveUsageFromMetrics, parseExposition } from "../../src/apply/driveUsage.js";
import type { HubStatus } from "../../src/apply/status.js";
import { driveCell } from "../../src/cli/status.js";

const recorded = readFileSync(
  new URL("../fixtures/node-exporter/drive-metrics.txt", import.meta.url),
  "utf8",
);

describe("a drive's usage from its metrics sidecar", () => {
  it("reads the data volume's figures, not another mount point's", () => {
    const usage = driveUsageFromMetrics(recorded);
    assert.ok(usage);
    assert.equal(usage.sizeBytes, 52428800);
    assert.equal(usage.availBytes, 49426432);
    assert.equal(usage.usedBytes, 52428800 - 49426432);
    assert.equal(usage.usedRatio, (52428800 - 49426432) / 52428800);
  });

  it("lists each home, largest first, with exponent notation read as numbers", () => {
    assert.deepEqual(driveUsageFromMetrics(recorded)?.homes, [
      { user: "alice", usedBytes: 1048576 },
      { user: "bob-40example-2eorg", usedBytes: 4096 },
    ]);
  });

  it("says nothing when the volume is not reported (a sidecar without the data mount)", () => {
    const other = recorded
      .split("\n")
      .filter((l) => !l.includes('mountpoint="/shared-volume"'))
      .join("\n");
    assert.equal(driveUsageFromMetrics(other), undefined);
  });

  it("reads escaped label values", () => {
    const [sample] = parseExposition('m{a="x\\"y\\\\z"} 1.5e+03');
    assert.deepEqual(sample, { name: "m", labels: { a: 'x"y\\z' }, value: 1500 });
  });

  it("status shows used of size and the share", () => {
    const usage = driveUsageFromMetrics(recorded);
    assert.ok(usage);
    const row = { drive: { usage } } as unknown as HubStatus;
    assert.equal(driveCell(row), "0.0 of 0.0 GiB (6%)");
    const big = {
      drive: {
        usage: { ...usage, usedBytes: 12.5 * 2 ** 30, sizeBytes: 50 * 2 ** 30, usedRatio: 0.25 },
      },
    };
    assert.equal(driveCell(big as unknown as HubStatus), "12.5 of 50.0 GiB (25%)");
    assert.equal(
      driveCell({ drive: { problem: "no endpoints" } } as unknown as HubStatus),
      "UNKNOWN: no endpoints",
    );
    assert.equal(driveCell({} as HubStatus), "-");
  });
});
