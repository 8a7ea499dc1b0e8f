/**
 * The z2jh stand-in chart (test/fixtures/charts/z2jh-standin, a named stand-in) packaged as any
 * chart version hubfleet has data for: a copy in a temporary folder with Chart.yaml's version and
 * appVersion (the hub image's JupyterHub, from data/z2jh/<version>.json) set, so tests can apply
 * a fleet at one version and upgrade it to another.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireZ2jhVersion } from "../src/vocabulary/z2jhVersions.js";
import { STANDIN } from "./safetyHelpers.js";

const made = new Map<string, string>();

/** The stand-in chart's folder at `version` (one copy per version and process). */
export function standinAt(version: string): string {
  const existing = made.get(version);
  if (existing) return existing;
  const { appVersion } = requireZ2jhVersion(version);
  const dir = join(mkdtempSync(join(tmpdir(), "hubfleet-standin-")), "jupyterhub");
  cpSync(STANDIN, dir, { recursive: true });
  const chartFile = join(dir, "Chart.yaml");
  const chart = readFileSync(chartFile, "utf8")
    .replace(/^version: .*$/m, `version: ${version}`)
    .replace(/^appVersion: .*$/m, `appVersion: "${appVersion}"`);
  writeFileSync(chartFile, chart);
  made.set(version, dir);
  return dir;
}

/** Chart overrides serving each version from its own copy (`jupyterhub@<version>` keys). */
export function standinVersions(versions: readonly string[]): Map<string, string> {
  return new Map(versions.map((v) => [`jupyterhub@${v}`, standinAt(v)]));
}
