/**
 * Shared data sets in the fleet file: every bad declaration or reference is reported with its
 * field path, a place in the file, what is wrong and a hint — all at once — and the good ones
 * (each kind of source) validate cleanly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { driveClusterIP } from "../../src/fleet/addresses.js";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample, exampleFleet } from "../helpers.js";

const set = (path: unknown[], value: unknown) => (doc: Document) =>
  doc.setIn(path, doc.createNode(value));
const all =
  (...edits: Array<(doc: Document) => void>) =>
  (doc: Document) => {
    for (const e of edits) e(doc);
  };

const census = (extra: Record<string, unknown>) =>
  set(["datasets", 0], { name: "census", size: "20Gi", owners: ["prof-lee"], ...extra });
const stat101Drive = driveClusterIP(exampleFleet(), exampleFleet().hubs[0] ?? assert.fail());

interface Case {
  readonly name: string;
  readonly edit: (doc: Document) => void;
  readonly severity: "error" | "warning";
  readonly path: string;
  readonly message: RegExp;
  readonly hint?: RegExp;
}

const CASES: Case[] = [
  {
    name: "a name that is not a DNS label",
    edit: set(["datasets", 0, "name"], "Census_2020"),
    severity: "error",
    path: "datasets[0].name",
    message: /"Census_2020" is not a valid data set name/,
    hint: /lower-case letters/,
  },
  {
    name: "a name too long for the server's StatefulSet",
    edit: set(["datasets", 0, "name"], `c${"x".repeat(44)}`),
    severity: "error",
    path: "datasets[0].name",
    message:
      /too long: the data set server StatefulSet "dataset-cx+" would have 53 characters \(at most 52\)/,
  },
  {
    name: "two data sets with one name",
    edit: set(["datasets", 1], { name: "census", size: "1Gi", owners: ["a"] }),
    severity: "error",
    path: "datasets[1].name",
    message: /"census" is already used by datasets\[0\]/,
  },
  {
    name: "two sources",
    edit: set(["datasets", 0, "source"], { volume: {}, nfs: { server: "10.0.0.5", path: "/x" } }),
    severity: "error",
    path: "datasets[0].source",
    message: /names volume and nfs: a data set has exactly one source/,
    hint: /keep one of volume/,
  },
  {
    name: "a new volume nobody may write",
    edit: set(["datasets", 0, "owners"], []),
    severity: "error",
    path: "datasets[0].owners",
    message: /needs at least one owner/,
    hint: /owners: \[user-name\]/,
  },
  {
    name: "a new volume without owners (the source defaults to a new volume)",
    edit: set(["datasets", 0], { name: "census", size: "20Gi" }),
    severity: "error",
    path: "datasets[0].owners",
    message: /needs at least one owner/,
  },
  {
    name: "a size that is not a quantity",
    edit: set(["datasets", 0, "size"], "20 GB"),
    severity: "error",
    path: "datasets[0].size",
    message: /Kubernetes quantity/,
  },
  {
    name: "a misspelt source",
    edit: set(["datasets", 0, "source"], { volumes: {} }),
    severity: "error",
    path: "datasets[0].source.volumes",
    message: /unknown field "volumes"/,
    hint: /did you mean "volume"/,
  },
  {
    name: "an NFS server that is neither address nor host",
    edit: census({ source: { nfs: { server: "nfs://files.example.edu", path: "/census" } } }),
    severity: "error",
    path: "datasets[0].source.nfs.server",
    message: /neither an IPv4 address nor a host name/,
  },
  {
    name: "an NFS server address out of range",
    edit: census({ source: { nfs: { server: "10.0.300.1", path: "/census" } } }),
    severity: "error",
    path: "datasets[0].source.nfs.server",
    message: /neither an IPv4 address nor a host name/,
  },
  {
    name: "an NFS server named by cluster DNS",
    edit: census({ source: { nfs: { server: "nfs.storage.svc.cluster.local", path: "/" } } }),
    severity: "error",
    path: "datasets[0].source.nfs.server",
    message: /cluster DNS name, which nodes cannot resolve/,
    hint: /ClusterIP/,
  },
  {
    name: "a relative NFS path",
    edit: census({ source: { nfs: { server: "10.0.0.5", path: "exports/census" } } }),
    severity: "error",
    path: "datasets[0].source.nfs.path",
    message: /absolute path/,
  },
  {
    name: "an existing volume with an impossible name",
    edit: census({ source: { existingVolume: { name: "Census-2020" } } }),
    severity: "error",
    path: "datasets[0].source.existingVolume.name",
    message: /not a PersistentVolume name/,
  },
  {
    name: "a pinned server address for an export that has no server",
    edit: census({ clusterIP: "10.100.7.7", source: { nfs: { server: "10.0.0.5", path: "/" } } }),
    severity: "warning",
    path: "datasets[0].clusterIP",
    message: /clusterIP is ignored: an nfs data set has no server/,
  },
  {
    name: "a hub naming a data set that does not exist",
    edit: set(["hubs", 0, "datasets"], ["cencus"]),
    severity: "error",
    path: "hubs[0].datasets[0]",
    message: /there is no data set "cencus"/,
    hint: /did you mean "census"\?/,
  },
  {
    name: "hubDefaults naming a data set that does not exist (reported once, where written)",
    edit: set(["hubDefaults", "datasets"], ["weather"]),
    severity: "error",
    path: "hubDefaults.datasets[0]",
    message: /there is no data set "weather"/,
    hint: /use one of: census/,
  },
  {
    name: "a hub listing a data set twice",
    edit: set(["hubs", 0, "datasets"], ["census", "census"]),
    severity: "warning",
    path: "hubs[0].datasets[1]",
    message: /"census" is listed twice/,
  },
  {
    name: "a data set no hub lists",
    edit: all(set(["hubs", 0, "datasets"], []), set(["hubs", 1, "datasets"], [])),
    severity: "warning",
    path: "datasets[0].name",
    message: /no hub lists data set "census"/,
    hint: /datasets: \[census\]/,
  },
  {
    name: "a hub named like the data sets' namespace",
    edit: set(["hubs", 2, "name"], "datasets"),
    severity: "error",
    path: "hubs[2].name",
    message: /"datasets" is a reserved namespace/,
  },
  {
    name: "a pinned server address outside the service range",
    edit: set(["datasets", 0, "clusterIP"], "10.200.0.20"),
    severity: "error",
    path: "datasets[0].clusterIP",
    message: /not a usable address of the service range 10\.100\.0\.0\/16/,
  },
  {
    name: "a pinned server address below the reserved low addresses",
    edit: set(["datasets", 0, "clusterIP"], "10.100.0.10"),
    severity: "error",
    path: "datasets[0].clusterIP",
    message: /not a usable address/,
  },
  {
    name: "a server address a drive already has",
    edit: set(["datasets", 0, "clusterIP"], stat101Drive),
    severity: "error",
    path: "datasets[0].clusterIP",
    message: new RegExp(`${stat101Drive.replaceAll(".", "\\.")}, which hub "stat101"'s drive`),
    hint: /pin another address/,
  },
  {
    name: "two data sets pinned to one address",
    edit: all(
      set(["datasets", 0, "clusterIP"], "10.100.7.7"),
      set(["datasets", 1], {
        name: "weather",
        size: "1Gi",
        owners: ["a"],
        clusterIP: "10.100.7.7",
      }),
      set(["hubs", 2, "datasets"], ["weather"]),
    ),
    severity: "error",
    path: "datasets[1].clusterIP",
    message: /which data set "census" already has/,
  },
  {
    name: "a hub whose data set volume is named like another hub's",
    edit: all(
      set(["hubs", 2, "name"], "stat101-dataset-census"),
      set(["hubs", 0, "datasets"], ["census-dataset-census"]),
      set(["datasets", 1], {
        name: "census-dataset-census",
        size: "1Gi",
        owners: ["a"],
      }),
      set(["hubs", 2, "datasets"], ["census"]),
    ),
    severity: "error",
    path: "hubs[2].datasets[0]",
    message:
      /volume for data set "census" would be named "hubfleet-stat101-dataset-census-dataset-census"/,
  },
];

describe("data sets in the fleet file: bad input", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.severity} at ${c.path}`, () => {
      const result = parseFleet(editedExample(c.edit), "fleet.yaml");
      const found = result.problems.filter((p) => p.severity === c.severity);
      const match = found.find((p) => p.path === c.path && c.message.test(p.message));
      assert.ok(
        match,
        `expected a ${c.severity} at "${c.path}" matching ${c.message}; got:\n${result.problems.map((p) => `  ${p.severity} ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.ok(match.line >= 1 && match.column >= 1, `no position: ${match.line}:${match.column}`);
      if (c.hint) assert.match(match.hint ?? "", c.hint);
      assert.equal(result.fleet === undefined, c.severity === "error");
    });
  }

  it("reports every problem at once", () => {
    const text = editedExample(
      all(
        set(["datasets", 0, "owners"], []),
        set(["hubs", 0, "datasets"], ["cencus"]),
        set(["hubs", 1, "datasets"], ["weather"]),
      ),
    );
    const paths = parseFleet(text, "fleet.yaml")
      .problems.filter((p) => p.severity === "error")
      .map((p) => p.path)
      .sort();
    assert.deepEqual(paths, ["datasets[0].owners", "hubs[0].datasets[0]", "hubs[1].datasets[0]"]);
  });
});

describe("data sets in the fleet file: good input", () => {
  const GOOD: Array<[string, (doc: Document) => void]> = [
    ["the example (a new volume shared by two hubs)", () => {}],
    [
      "an existing volume nobody writes",
      set(["datasets", 0], {
        name: "census",
        size: "20Gi",
        source: { existingVolume: { name: "pv-census-2020", storageClass: "gp3" } },
      }),
    ],
    [
      "an NFS export by address",
      set(["datasets", 0], {
        name: "census",
        size: "1Ti",
        source: { nfs: { server: "10.0.12.7", path: "/exports/census" } },
      }),
    ],
    [
      "an NFS export by host name, with owners",
      census({ source: { nfs: { server: "files.example.edu", path: "/census" } } }),
    ],
    ["every hub takes the data set from hubDefaults", set(["hubDefaults", "datasets"], ["census"])],
    ["a pinned server address", set(["datasets", 0, "clusterIP"], "10.100.200.200")],
  ];
  for (const [name, edit] of GOOD) {
    it(`${name}: no errors, no data set warnings`, () => {
      const result = parseFleet(editedExample(edit), "fleet.yaml");
      assert.deepEqual(
        result.problems
          .filter((p) => p.severity === "error" || /data ?set/.test(p.message))
          .map((p) => `${p.path}: ${p.message}`),
        [],
      );
      assert.ok(result.fleet);
    });
  }

  it("resolves each hub's data sets (its own list replaces hubDefaults') and each data set's hubs", () => {
    const result = parseFleet(
      editedExample(
        all(
          set(["hubDefaults", "datasets"], ["census"]),
          set(["hubs", 1, "datasets"], []),
          set(["datasets", 0, "owners"], ["Prof-Lee"]),
        ),
      ),
      "fleet.yaml",
    );
    assert.ok(result.fleet);
    assert.deepEqual(
      result.fleet.hubs.map((h) => [h.name, h.datasets]),
      [
        ["stat101", ["census"]],
        ["cs480", []],
        ["genomics-lab", ["census"]],
      ],
    );
    const [dataset] = result.fleet.datasets;
    assert.deepEqual(dataset?.hubs, ["stat101", "genomics-lab"]);
    assert.deepEqual(dataset?.owners, ["prof-lee"], "owners compared in lower case");
    assert.deepEqual(dataset?.source, { kind: "volume", storageClass: "hubfleet-drive" });
  });
});
