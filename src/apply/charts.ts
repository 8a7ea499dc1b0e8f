/** Where each chart comes from: its repository (real use) or a local directory (tests, air-gapped sites). */

import type { ChartSource } from "../ports/helm.js";
import type { ChartRef } from "../vocabulary/charts.js";

/**
 * Chart name → local chart directory; a key `name@version` serves that version only and wins
 * over the plain name, so hubs on two chart versions (an upgrade under way) each get theirs.
 */
export type ChartOverrides = ReadonlyMap<string, string>;

export function chartSource(chart: ChartRef, overrides: ChartOverrides): ChartSource {
  const dir = overrides.get(`${chart.name}@${chart.version}`) ?? overrides.get(chart.name);
  return dir
    ? { kind: "dir", path: dir }
    : { kind: "repo", repo: chart.repo, name: chart.name, version: chart.version };
}
