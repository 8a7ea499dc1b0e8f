/**
 * Table-driven: each bad fleet file must be reported with the right field path, a message
 * that says what is wrong, and a place in the file.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { parseFleet } from "../../src/fleet/load.js";
import { editedExample, exampleText } from "../helpers.js";

export interface Case {
  readonly name: string;
  readonly text: string;
  readonly path: string;
  readonly message: RegExp;
  readonly hint?: RegExp;
}

const edit = (
  name: string,
  path: string,
  message: RegExp,
  change: (doc: Document) => void,
  hint?: RegExp,
): Case => ({
  name,
  text: editedExample(change),
  path,
  message,
  ...(hint ? { hint } : {}),
});

const set = (path: unknown[], value: unknown) => (doc: Document) =>
  doc.setIn(path, doc.createNode(value));
const remove = (path: unknown[]) => (doc: Document) => doc.deleteIn(path);

export const CASES: Case[] = [
  { name: "not YAML", text: "cluster:\n  name: a\n   bad: [", path: "", message: /not valid YAML/ },
  {
    name: "empty file",
    text: "# nothing here\n",
    path: "",
    message: /is empty/,
    hint: /hubfleet init/,
  },
  { name: "a list, not a mapping", text: "- a\n- b\n", path: "", message: /must be a mapping/ },
  {
    // Found by the bench's fuzzer: an alias without its anchor used to escape as an exception.
    name: "alias without its anchor",
    text: exampleText.replace("kind: Fleet", "kind: *fleet"),
    path: "",
    message: /not valid YAML: Unresolved alias .*: fleet/,
  },
  {
    name: "a key that is a list",
    text: `${exampleText}? [a, b]\n: 1\n`,
    path: "",
    message: /a mapping key that is itself a list or a mapping/,
  },
  {
    name: "too many aliases",
    text: `a: &x [1, 2]\nb: [${Array.from({ length: 120 }, () => "*x").join(", ")}]\n`,
    path: "",
    message: /not valid YAML: Excessive alias count/,
  },
  {
    name: "duplicate key",
    text: exampleText.replace("kind: Fleet", "kind: Fleet\nkind: Fleet"),
    path: "",
    message: /not valid YAML/,
  },
  {
    name: "two documents",
    text: `${exampleText}\n---\nfoo: 1\n`,
    path: "",
    message: /more than one YAML document/,
  },
  edit(
    "wrong apiVersion",
    "apiVersion",
    /"hubfleet\/v1" is not allowed/,
    set(["apiVersion"], "hubfleet/v1"),
    /hubfleet\/v1alpha1/,
  ),
  edit("wrong kind", "kind", /"Cluster" is not allowed/, set(["kind"], "Cluster")),
  edit(
    "unknown top-level field",
    "hub",
    /unknown field "hub"/,
    set(["hub"], []),
    /did you mean "hubs"/,
  ),
  edit(
    "misspelt node group field",
    "cluster.nodeGroups.jhusers.instancetype",
    /unknown field "instancetype"/,
    set(["cluster", "nodeGroups", "jhusers", "instancetype"], "t3a.large"),
    /did you mean "instanceType"/,
  ),
  edit("cluster name missing", "cluster.name", /name is required/, remove(["cluster", "name"])),
  edit(
    "unknown provider",
    "cluster.provider",
    /"gke" is not allowed/,
    set(["cluster", "provider"], "gke"),
    /eks, local/,
  ),
  edit("bad region", "cluster.region", /AWS region/, set(["cluster", "region"], "mars-1")),
  edit(
    "unsupported Kubernetes version",
    "cluster.kubernetesVersion",
    /"1.20" is not allowed/,
    set(["cluster", "kubernetesVersion"], "1.20"),
    /1\.34/,
  ),
  edit(
    "one availability zone",
    "cluster.availabilityZones",
    /at least 2 item/,
    set(["cluster", "availabilityZones"], ["us-west-2a"]),
  ),
  edit(
    "zone of another region",
    "cluster.availabilityZones[1]",
    /not an availability zone of region us-west-2/,
    set(["cluster", "availabilityZones", 1], "eu-west-1b"),
  ),
  edit(
    "core zone outside the cluster",
    "cluster.nodeGroups.jhcontrolplane.availabilityZone",
    /not one of the cluster's zones/,
    set(["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"], "us-west-2d"),
  ),
  edit(
    "minSize above maxSize",
    "cluster.nodeGroups.jhusers.minSize",
    /minSize 70 is larger than maxSize 60/,
    set(["cluster", "nodeGroups", "jhusers", "minSize"], 70),
  ),
  edit(
    "unknown instance type",
    "cluster.nodeGroups.clustertools.instanceType",
    /"t9.huge" is not allowed/,
    set(["cluster", "nodeGroups", "clustertools", "instanceType"], "t9.huge"),
  ),
  edit(
    "disk too small",
    "cluster.nodeGroups.jhusers.volumeSize",
    /at least 20/,
    set(["cluster", "nodeGroups", "jhusers", "volumeSize"], 10),
  ),
  edit(
    "min size not a number",
    "cluster.nodeGroups.jhusers.minSize",
    /must be a number, not the text "zero"/,
    set(["cluster", "nodeGroups", "jhusers", "minSize"], "zero"),
  ),
  edit(
    "service CIDR with host bits",
    "cluster.serviceCIDR",
    /host bits/,
    set(["cluster", "serviceCIDR"], "10.100.1.0/16"),
  ),
  edit(
    "host with a scheme",
    "domain.host",
    /not a valid host name/,
    set(["domain", "host"], "https://hubs.example.edu"),
    /no scheme/,
  ),
  edit(
    "unknown routing",
    "domain.routing",
    /"query" is not allowed/,
    set(["domain", "routing"], "query"),
    /path, subdomain/,
  ),
  edit(
    "TLS secret and files",
    "domain.tls",
    /not both/,
    set(["domain", "tls", "certFile"], "tls.crt"),
  ),
  edit(
    "TLS cert without key",
    "domain.tls.keyFile",
    /go together/,
    set(["domain", "tls"], { certFile: "tls.crt" }),
  ),
  edit(
    "hub name upper case",
    "hubs[0].name",
    /"Stat101" is not a valid hub name/,
    set(["hubs", 0, "name"], "Stat101"),
    /lower-case/,
  ),
  edit(
    "hub name too long for Helm",
    "hubs[1].name",
    /too long: the Helm release ".*" would have 56 characters \(at most 53\)/,
    set(["hubs", 1, "name"], `a${"b".repeat(55)}`),
  ),
  edit(
    "duplicate hub name",
    "hubs[2].name",
    /already used by hubs\[0\]/,
    set(["hubs", 2, "name"], "stat101"),
  ),
  edit(
    "reserved namespace kube-system",
    "hubs[0].name",
    /reserved namespace/,
    set(["hubs", 0, "name"], "kube-system"),
  ),
  edit(
    "reserved namespace velero",
    "hubs[1].name",
    /reserved namespace/,
    set(["hubs", 1, "name"], "velero"),
  ),
  edit("hub name missing", "hubs[1].name", /name is required/, remove(["hubs", 1, "name"])),
  edit(
    "memory guarantee above limit",
    "hubs[1].resources.memory.guarantee",
    /memory guarantee 8Gi is above the limit 4Gi/,
    set(["hubs", 1, "resources", "memory", "guarantee"], "8Gi"),
  ),
  edit(
    "guarantee too big for a user node",
    "hubs[2].resources.memory.guarantee",
    /does not fit on a t3a.large user node/,
    (doc) => {
      doc.setIn(["hubs", 2, "resources", "memory", "guarantee"], "7.5Gi");
      doc.setIn(["hubs", 2, "resources", "memory", "limit"], "8Gi");
    },
    /larger cluster.nodeGroups.jhusers.instanceType/,
  ),
  edit(
    "CPU not a quantity",
    "hubs[0].resources.cpu.limit",
    /Kubernetes quantity/,
    set(["hubs", 0, "resources", "cpu", "limit"], "lots"),
  ),
  edit(
    "drive size not a quantity",
    "hubs[1].drive.size",
    /Kubernetes quantity/,
    set(["hubs", 1, "drive", "size"], "100 GB"),
  ),
  edit(
    "dummy authenticator on EKS",
    "hubs[0].authenticator.type",
    /anyone log in; it is refused/,
    set(["hubs", 0, "authenticator"], { type: "dummy" }),
    /provider: local/,
  ),
  edit(
    "inline OAuth secret",
    "hubDefaults.authenticator.clientSecret",
    /client secret may not be written/,
    set(["hubDefaults", "authenticator", "clientSecret"], "s3cr3t"),
    /secretName/,
  ),
  edit(
    "unknown authenticator",
    "hubDefaults.authenticator.type",
    /"saml" is not allowed/,
    set(["hubDefaults", "authenticator", "type"], "saml"),
    /github, oidc, lti13, dummy/,
  ),
  edit(
    "no authenticator anywhere",
    "hubs[0]",
    /has no authenticator/,
    remove(["hubDefaults", "authenticator"]),
  ),
  edit(
    "culler runs slower than the timeout",
    "hubs[2].culling.every",
    /not less than the timeout/,
    set(["hubs", 2, "culling", "every"], 30000),
  ),
  edit(
    "bad default reported at hubDefaults",
    "hubDefaults.resources.cpu.guarantee",
    /cpu guarantee 3 is above the limit 2/,
    (doc) => {
      doc.setIn(
        ["hubDefaults", "resources"],
        doc.createNode({ cpu: { guarantee: "3", limit: "2" } }),
      );
      doc.deleteIn(["hubs", 0, "resources", "cpu"]);
    },
  ),
  edit(
    "empty image name",
    "hubs[1].image.name",
    /image name is empty/,
    set(["hubs", 1, "image"], { name: " " }),
  ),
  edit(
    "negative placeholders",
    "hubs[0].placeholders",
    /at least 0/,
    set(["hubs", 0, "placeholders"], -1),
  ),
  edit(
    "extraValues not a mapping",
    "hubs[0].extraValues",
    /must be a mapping/,
    set(["hubs", 0, "extraValues"], ["x"]),
  ),
  edit("hubs not a list", "hubs", /must be a list/, set(["hubs"], { stat101: {} })),
];

describe("validate reports bad fleet files with path, message and place", () => {
  it("has at least 30 distinct cases", () => {
    assert.ok(CASES.length >= 30, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });
  for (const c of CASES) {
    it(c.name, () => {
      const result = parseFleet(c.text, "fleet.yaml");
      assert.equal(result.fleet, undefined, "a fleet with errors must not produce a model");
      const errors = result.problems.filter((p) => p.severity === "error");
      const match = errors.find((p) => p.path === c.path && c.message.test(p.message));
      assert.ok(
        match,
        `expected an error at "${c.path}" matching ${c.message}; got:\n${errors.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.equal(match.file, "fleet.yaml");
      assert.ok(match.line >= 1 && match.column >= 1, `no position: ${match.line}:${match.column}`);
      if (c.hint) assert.match(match.hint ?? "", c.hint);
    });
  }
});

describe("positions point at the offending line", () => {
  it("names the line of a bad field", () => {
    const text = editedExample(set(["hubs", 1, "drive", "size"], "100 GB"));
    const problem = parseFleet(text, "f.yaml").problems.find(
      (p) => p.path === "hubs[1].drive.size",
    );
    const line = text.split("\n")[(problem?.line ?? 0) - 1] ?? "";
    assert.match(line, /size: 100 GB/);
  });
  it("names the key of an unknown field", () => {
    const text = editedExample(
      set(["cluster", "nodeGroups", "jhusers", "instancetype"], "t3a.large"),
    );
    const problem = parseFleet(text, "f.yaml").problems.find((p) =>
      p.message.includes("instancetype"),
    );
    const line = text.split("\n")[(problem?.line ?? 0) - 1] ?? "";
    assert.match(line.slice((problem?.column ?? 1) - 1), /^instancetype:/);
  });
});

describe("all problems at once", () => {
  it("reports every independent error in one run", () => {
    const text = editedExample((doc) => {
      doc.setIn(["cluster", "provider"], "gke");
      doc.setIn(["domain", "routing"], "query");
      doc.setIn(["hubs", 0, "placeholders"], -1);
    });
    const paths = parseFleet(text, "f.yaml").problems.map((p) => p.path);
    for (const path of ["cluster.provider", "domain.routing", "hubs[0].placeholders"]) {
      assert.ok(paths.includes(path), `missing ${path} in ${paths.join(", ")}`);
    }
  });
  it("reports cross-field errors of several hubs together", () => {
    const text = editedExample((doc) => {
      doc.setIn(["hubs", 0, "name"], "default");
      doc.setIn(["hubs", 1, "resources", "cpu", "guarantee"], "3");
      doc.setIn(["hubs", 2, "name"], "stat101x");
      doc.setIn(["hubs", 2, "culling", "every"], 99999);
    });
    const paths = parseFleet(text, "f.yaml")
      .problems.filter((p) => p.severity === "error")
      .map((p) => p.path);
    assert.deepEqual(
      ["hubs[0].name", "hubs[1].resources.cpu.guarantee", "hubs[2].culling.every"].filter(
        (p) => !paths.includes(p),
      ),
      [],
    );
  });
});
