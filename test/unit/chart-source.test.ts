/** Where apply takes a chart from: a local directory for its name or name@version, else its repository. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chartSource } from "../../src/apply/charts.js";
import { z2jhChart } from "../../src/vocabulary/charts.js";

describe("chartSource", () => {
  const overrides = new Map([
    ["jupyterhub", "/charts/any"],
    ["jupyterhub@4.3.3", "/charts/433"],
  ]);
  const cases: Array<[string, ReadonlyMap<string, string>, unknown]> = [
    ["4.3.3", overrides, { kind: "dir", path: "/charts/433" }],
    ["4.4.0", overrides, { kind: "dir", path: "/charts/any" }],
    [
      "4.4.0",
      new Map([["jupyterhub@4.3.3", "/charts/433"]]),
      {
        kind: "repo",
        repo: "https://hub.jupyter.org/helm-chart/",
        name: "jupyterhub",
        version: "4.4.0",
      },
    ],
  ];
  for (const [version, map, expected] of cases) {
    it(`${version} with ${[...map.keys()].join(", ")}`, () =>
      assert.deepEqual(chartSource(z2jhChart(version), map), expected));
  }
});
