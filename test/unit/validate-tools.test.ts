/**
 * Table-driven: the cluster tools section. Each edit of the example must be reported at the
 * right field, with the right severity and a message that says what is wrong; the edits in
 * the second table must not be reported at all.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { bucketNameProblems } from "../../src/fleet/bucketName.js";
import { parseFleet } from "../../src/fleet/load.js";
import type { Problem } from "../../src/fleet/problems.js";
import { editedExample } from "../helpers.js";

type Edit = (doc: Document) => void;

const set =
  (...pairs: Array<[unknown[], unknown]>): Edit =>
  (doc) => {
    for (const [path, value] of pairs) doc.setIn(path, doc.createNode(value));
  };
const tool = (name: string, field: string, value: unknown): [unknown[], unknown] => [
  ["tools", name, field],
  value,
];
const local: [unknown[], unknown] = [["cluster", "provider"], "local"];
const renameHub = (index: number, name: string): [unknown[], unknown] => [
  ["hubs", index, "name"],
  name,
];

interface Case {
  readonly name: string;
  readonly edit: Edit;
  readonly path: string;
  readonly severity: Problem["severity"];
  readonly message: RegExp;
  readonly hint?: RegExp;
}

const CASES: Case[] = [
  {
    name: "S3 lifecycle shorter than Velero's ttl",
    edit: set(tool("backups", "ttl", "2160h"), tool("backups", "expireAfterDays", 30)),
    path: "tools.backups.expireAfterDays",
    severity: "warning",
    message: /S3 would delete backups after 30 days, before Velero's ttl of 2160h ends/,
    hint: /at least 90/,
  },
  {
    name: "alerts on without a receiver",
    edit: set(tool("monitoring", "alerts", { enabled: true })),
    path: "tools.monitoring.alerts.receivers",
    severity: "error",
    message: /alerts are enabled but no receiver is set/,
    hint: /receivers\.email .*receivers\.slack.*receivers\.pagerduty.*receivers\.webhook/,
  },
  {
    name: "alerts on with monitoring off",
    edit: set(
      tool("monitoring", "enabled", false),
      tool("monitoring", "alerts", { enabled: true, receivers: { slack: {} } }),
    ),
    path: "tools.monitoring.alerts.enabled",
    severity: "error",
    message: /monitoring is not: Prometheus raises the alerts/,
  },
  {
    name: "a webhook receiver URL that is not a URL",
    edit: set(
      tool("monitoring", "alerts", {
        enabled: true,
        receivers: { webhook: { url: "relay:8080" } },
      }),
    ),
    path: "tools.monitoring.alerts.receivers.webhook.url",
    severity: "error",
    message: /must be an http\(s\) URL such as/,
  },
  {
    name: "an email smarthost without a port",
    edit: set(
      tool("monitoring", "alerts", {
        enabled: true,
        receivers: {
          email: { to: ["a@example.edu"], from: "b@example.edu", smarthost: "smtp.example.edu" },
        },
      }),
    ),
    path: "tools.monitoring.alerts.receivers.email.smarthost",
    severity: "error",
    message: /must be an SMTP server as host:port/,
  },
  {
    name: "an email recipient that is not an address",
    edit: set(
      tool("monitoring", "alerts", {
        enabled: true,
        receivers: { email: { to: ["ops"], from: "b@example.edu", smarthost: "smtp:25" } },
      }),
    ),
    path: "tools.monitoring.alerts.receivers.email.to[0]",
    severity: "error",
    message: /must be an email address/,
  },
  {
    name: "PagerDuty as the only receiver",
    edit: set(tool("monitoring", "alerts", { enabled: true, receivers: { pagerduty: {} } })),
    path: "tools.monitoring.alerts.receivers.pagerduty",
    severity: "warning",
    message: /warnings .* would reach nobody/,
  },
  // Prometheus' own duration format: whole numbers only.
  {
    name: "monitoring retention with a fraction",
    edit: set(tool("monitoring", "retention", "1.5h")),
    path: "tools.monitoring.retention",
    severity: "error",
    message: /must be a Prometheus duration/,
  },
  {
    name: "extraValues overriding the metrics service",
    edit: set([
      ["hubs", 0, "extraValues"],
      { hub: { services: { prometheus: { apiToken: "x" } } } },
    ]),
    path: "hubs[0].extraValues.hub.services.prometheus",
    severity: "error",
    message: /managed by hubfleet/,
  },
  // 1. chart versions of enabled tools
  ...(
    [
      ["ingress", "", /chartVersion is empty/],
      ["monitoring", "^1.2", /"\^1.2" is a range/],
      ["autoscaler", "~1", /"~1" is a range/],
      ["backups", "1.x", /"1.x" is a range/],
      ["ingress", "*", /"\*" is a range/],
      ["monitoring", ">=70.0.0", /">=70.0.0" is a range/],
      ["ingress", "latest", /"latest" is not a version/],
      ["monitoring", "1.2", /"1.2" is a range/],
      ["backups", "1.2.3.4", /"1.2.3.4" is not a version/],
      ["autoscaler", "01.2.3", /"01.2.3" is not a version/],
    ] as const
  ).map(
    ([name, version, message]): Case => ({
      name: `${name} chartVersion "${version}"`,
      edit: set(tool(name, "chartVersion", version)),
      path: `tools.${name}.chartVersion`,
      severity: "error",
      message: new RegExp(`an enabled tool needs an exact chart version; ${message.source}`),
      hint: /remove the field .* exact version like 1\.2\.3/,
    }),
  ),
  {
    name: "cert-manager chartVersion checked when enabled",
    edit: set(
      tool("certManager", "enabled", true),
      tool("certManager", "email", "a@example.edu"),
      tool("certManager", "chartVersion", "v1"),
    ),
    path: "tools.certManager.chartVersion",
    severity: "error",
    message: /exact chart version/,
  },
  // 2. cert-manager
  {
    name: "cert-manager without e-mail",
    edit: set(tool("certManager", "enabled", true)),
    path: "tools.certManager.email",
    severity: "error",
    message: /needs a contact e-mail/,
  },
  {
    name: "cert-manager and domain.tls together",
    edit: set(tool("certManager", "enabled", true), tool("certManager", "email", "a@x.edu")),
    path: "tools.certManager.enabled",
    severity: "error",
    message: /both provide the hubs' certificate; choose one/,
    hint: /remove domain\.tls/,
  },
  // 3. backups bucket
  {
    name: "backups on EKS without a bucket",
    edit: (doc) => doc.deleteIn(["tools", "backups", "bucket"]),
    path: "tools.backups.bucket",
    severity: "error",
    message: /Velero needs an S3 bucket/,
    hint: /jhfleet-hub-backups .* tools\.backups\.enabled: false/,
  },
  {
    name: "bucket with capitals and underscores",
    edit: set(tool("backups", "bucket", "My_Backups")),
    path: "tools.backups.bucket",
    severity: "error",
    message: /"My_Backups" is not a valid S3 bucket name: it may hold only lowercase letters/,
  },
  {
    name: "bucket too short",
    edit: set(tool("backups", "bucket", "ab")),
    path: "tools.backups.bucket",
    severity: "error",
    message: /is 2 characters long \(3 to 63 allowed\)/,
  },
  {
    name: "bucket with a reserved suffix",
    edit: set(tool("backups", "bucket", "hub-backups-s3alias")),
    path: "tools.backups.bucket",
    severity: "error",
    message: /must not end with "-s3alias"/,
  },
  {
    name: "bucket with dots",
    edit: set(tool("backups", "bucket", "backups.example.edu")),
    path: "tools.backups.bucket",
    severity: "warning",
    message: /has dots: .*virtual-hosted/,
    hint: /hyphens/,
  },
  // 4. schedule
  {
    name: "schedule hour out of range",
    edit: set(tool("backups", "schedule", "0 25 * * *")),
    path: "tools.backups.schedule",
    severity: "error",
    message:
      /"0 25 \* \* \*" is not a schedule Velero accepts: the hour field "25" is out of range 0-23/,
    hint: /@daily/,
  },
  {
    name: "schedule with six fields",
    edit: set(tool("backups", "schedule", "0 0 3 * * *")),
    path: "tools.backups.schedule",
    severity: "error",
    message: /expected 5 fields/,
  },
  {
    name: "schedule with an unknown day name",
    edit: set(tool("backups", "schedule", "0 3 * * MONDAY")),
    path: "tools.backups.schedule",
    severity: "error",
    message: /day-of-week field "MONDAY"/,
  },
  // 5. Grafana's URL
  {
    name: "grafanaPath is a hub's path",
    edit: set(tool("monitoring", "grafanaPath", "/cs480")),
    path: "tools.monitoring.grafanaPath",
    severity: "error",
    message: /Grafana at https:\/\/hubs\.example\.edu\/cs480 would take the URL of hub "cs480"/,
  },
  {
    name: "grafanaPath inside a hub's path",
    edit: set(tool("monitoring", "grafanaPath", "/stat101/grafana")),
    path: "tools.monitoring.grafanaPath",
    severity: "error",
    message: /would take the URL of hub "stat101"/,
  },
  {
    name: "hub named grafana with path routing",
    edit: set(renameHub(2, "grafana")),
    path: "tools.monitoring.grafanaPath",
    severity: "error",
    message: /hub "grafana"/,
  },
  {
    name: "hub named grafana with subdomain routing",
    edit: set(renameHub(0, "grafana"), [["domain", "routing"], "subdomain"]),
    path: "tools.monitoring.grafanaPath",
    severity: "error",
    message: /https:\/\/grafana\.hubs\.example\.edu\/ would take the URL of hub "grafana"/,
  },
  // 6. autoscaler version
  {
    name: "autoscaler of another minor",
    edit: set(tool("autoscaler", "imageTag", "v1.33.2")),
    path: "tools.autoscaler.imageTag",
    severity: "warning",
    message: /v1\.33\.2 is made for Kubernetes 1\.33, but the cluster runs 1\.34/,
    hint: /v1\.34\.x/,
  },
  // 8. no ingress controller
  {
    name: "ingress disabled with hubs",
    edit: set(tool("ingress", "enabled", false)),
    path: "tools.ingress.enabled",
    severity: "warning",
    message: /IngressClass "traefik"/,
  },
];

/** Edits that must leave the named field without any finding. */
const ACCEPTED: Array<[string, Edit, string]> = [
  ["exact chart version", set(tool("ingress", "chartVersion", "37.1.2")), "tools.ingress"],
  ["v-prefixed version", set(tool("monitoring", "chartVersion", "v1.17.2")), "tools.monitoring"],
  [
    "pre-release and build",
    set(tool("backups", "chartVersion", "10.0.0-rc.1+build.5")),
    "tools.backups",
  ],
  [
    "disabled tool is not checked",
    set(tool("backups", "enabled", false), tool("backups", "chartVersion", "^1"), [
      ["tools", "backups", "bucket"],
      "X",
    ]),
    "tools.backups",
  ],
  [
    "disabled cert-manager needs no e-mail",
    set(tool("certManager", "chartVersion", "latest")),
    "tools.certManager",
  ],
  [
    "no bucket needed on a local cluster",
    (doc) => {
      set(local)(doc);
      doc.deleteIn(["tools", "backups", "bucket"]);
    },
    "tools.backups",
  ],
  ["descriptor schedule", set(tool("backups", "schedule", "@every 12h")), "tools.backups"],
  ["matching autoscaler", set(tool("autoscaler", "imageTag", "v1.34.0")), "tools.autoscaler"],
  [
    "autoscaler ignored on local",
    set(local, tool("autoscaler", "imageTag", "v1.30.0")),
    "tools.autoscaler",
  ],
  [
    "alerts to Slack",
    set(tool("monitoring", "alerts", { enabled: true, receivers: { slack: { channel: "#ops" } } })),
    "tools.monitoring",
  ],
  [
    "receivers set but alerts off",
    set(
      tool("monitoring", "alerts", { receivers: { webhook: { url: "https://x.example.edu/" } } }),
    ),
    "tools.monitoring",
  ],
  ["alerts off without receivers", set(tool("monitoring", "alerts", {})), "tools.monitoring"],
  ["grafana path of no hub", set(tool("monitoring", "grafanaPath", "/stat")), "tools.monitoring"],
  [
    "grafana not exposed",
    set(renameHub(2, "grafana"), tool("monitoring", "enabled", false)),
    "tools.monitoring",
  ],
  [
    "ingress disabled without hubs",
    (doc) => {
      set(tool("ingress", "enabled", false))(doc);
      doc.setIn(["hubs"], doc.createNode([]));
    },
    "tools.ingress",
  ],
];

describe("validate checks the cluster tools", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const problems = parseFleet(editedExample(c.edit), "fleet.yaml").problems;
      const match = problems.find((p) => p.path === c.path && c.message.test(p.message));
      assert.ok(
        match,
        `expected a problem at "${c.path}" matching ${c.message}; got:\n${problems.map((p) => `  ${p.severity} ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.equal(match.severity, c.severity);
      assert.ok(match.line >= 1 && match.column >= 1, `no position: ${match.line}:${match.column}`);
      if (c.hint) assert.match(match.hint ?? "", c.hint);
    });
  }
  for (const [name, edit, prefix] of ACCEPTED) {
    it(`accepts: ${name}`, () => {
      const problems = parseFleet(editedExample(edit), "fleet.yaml").problems;
      assert.deepEqual(
        problems.filter((p) => p.path.startsWith(prefix)).map((p) => `${p.path}: ${p.message}`),
        [],
      );
    });
  }
  it("reports tool errors together with every other error", () => {
    const text = editedExample(
      set(
        tool("ingress", "chartVersion", "^37"),
        tool("backups", "schedule", "daily"),
        tool("certManager", "enabled", true),
        [["hubs", 1, "name"], "stat101"],
      ),
    );
    const paths = parseFleet(text, "f.yaml").problems.map((p) => p.path);
    for (const path of [
      "tools.ingress.chartVersion",
      "tools.backups.schedule",
      "tools.certManager.email",
      "hubs[1].name",
    ]) {
      assert.ok(paths.includes(path), `missing ${path} in ${paths.join(", ")}`);
    }
  });
  it("the example itself has no tool problems", () => {
    const problems = parseFleet(
      editedExample(() => {}),
      "fleet.yaml",
    ).problems;
    assert.deepEqual(
      problems.filter((p) => p.path.startsWith("tools")),
      [],
    );
  });
});

describe("S3 bucket names", () => {
  const table: Array<[string, RegExp[]]> = [
    ["jhfleet-backups-example", []],
    ["a.b-c", []],
    ["abc", []],
    [`a${"b".repeat(62)}`, []],
    [`a${"b".repeat(63)}`, [/64 characters long/]],
    ["", [/0 characters long/]],
    ["Backups", [/only lowercase letters, digits, dots and hyphens/]],
    ["-backups", [/begin and end with a letter or digit/]],
    ["backups.", [/begin and end/]],
    ["my..backups", [/two dots in a row/]],
    ["192.168.5.4", [/IP address/]],
    ["xn--backups", [/start with "xn--"/]],
    ["sthree-backups", [/start with "sthree-"/]],
    ["sthree-configurator-x", [/start with "sthree-"/]],
    ["amzn-s3-demo-backups", [/start with "amzn-s3-demo-"/]],
    ["backups-s3alias", [/end with "-s3alias"/]],
    ["backups--ol-s3", [/end with "--ol-s3"/]],
    ["backups.mrap", [/end with ".mrap"/]],
    ["backups--x-s3", [/end with "--x-s3"/]],
    ["A_", [/2 characters/, /only lowercase/, /begin and end/]],
  ];
  for (const [name, expected] of table) {
    it(`"${name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name}"`, () => {
      const problems = bucketNameProblems(name);
      assert.equal(problems.length, expected.length, problems.join("; "));
      for (const [i, pattern] of expected.entries()) assert.match(problems[i] ?? "", pattern);
    });
  }
});
