/** The Velero release: where its pods run, what it backs up, and how it reaches S3. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { VELERO_CREDENTIALS_SECRET } from "../../src/fleet/backupSettings.js";
import { renderHub } from "../../src/render/hub/index.js";
import {
  renderVelero,
  scheduleName,
  VELERO_AWS_PLUGIN_IMAGE,
} from "../../src/render/tools/velero.js";
import { VELERO_CHART } from "../../src/vocabulary/charts.js";
import { NODE_GROUP_LABEL } from "../../src/vocabulary/labels.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { backupFleet, TEST_BUCKET } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: reading rendered values
type Any = any;

const BUCKET = TEST_BUCKET;
const fleetWith = backupFleet;
const values = (edit?: (doc: Document) => void): Any => {
  const [tool] = renderVelero(fleetWith(edit));
  assert.ok(tool, "velero is rendered");
  return tool.release.values;
};

/**
 * The chart's value keys (velero chart 12.1.0, values.yaml) that hubfleet may set: an object
 * lists known children, `true` marks a free-form subtree, an array describes list items.
 */
type KeyTree = true | { readonly [key: string]: KeyTree } | readonly [KeyTree];
const FREE = true;
const CHART_KEYS: KeyTree = {
  initContainers: [FREE],
  nodeSelector: FREE,
  tolerations: FREE,
  resources: FREE,
  podSecurityContext: FREE,
  configuration: {
    backupStorageLocation: [
      {
        name: FREE,
        provider: FREE,
        bucket: FREE,
        caCert: FREE,
        prefix: FREE,
        default: FREE,
        validationFrequency: FREE,
        backupSyncPeriod: FREE,
        accessMode: FREE,
        credential: FREE,
        config: FREE,
        annotations: FREE,
      },
    ],
    uploaderType: FREE,
    defaultVolumesToFsBackup: FREE,
    repositoryMaintenanceJob: {
      repositoryConfigData: { name: FREE, global: FREE, repositories: FREE },
    },
  },
  credentials: { useSecret: FREE, name: FREE, existingSecret: FREE, secretContents: FREE },
  serviceAccount: {
    server: {
      create: FREE,
      name: FREE,
      annotations: FREE,
      labels: FREE,
      imagePullSecrets: FREE,
      automountServiceAccountToken: FREE,
    },
  },
  backupsEnabled: FREE,
  // Chart 12.1.0: metrics.enabled, metrics.serviceMonitor.enabled (with autodetect of the CRD).
  metrics: { enabled: FREE, serviceMonitor: { enabled: FREE } },
  snapshotsEnabled: FREE,
  deployNodeAgent: FREE,
  nodeAgent: { tolerations: FREE, resources: FREE, nodeSelector: FREE, affinity: FREE },
};
/** Each schedule's keys (the chart's schedules example) and its template's (Velero's BackupSpec). */
const SCHEDULE_KEYS = new Set([
  "disabled",
  "labels",
  "annotations",
  "schedule",
  "useOwnerReferencesInBackup",
  "paused",
  "skipImmediately",
  "template",
]);
const BACKUP_SPEC_KEYS = new Set([
  "includedNamespaces",
  "storageLocation",
  "ttl",
  "snapshotVolumes",
  "defaultVolumesToFsBackup",
  "includeClusterResources",
  "labelSelector",
  "excludedResources",
]);

function unknownKeys(value: unknown, tree: KeyTree, path: string): string[] {
  if (tree === true) return [];
  if (Array.isArray(tree)) {
    if (!Array.isArray(value)) return [`${path} (not a list)`];
    return value.flatMap((item, i) => unknownKeys(item, tree[0] as KeyTree, `${path}[${i}]`));
  }
  if (value === null || typeof value !== "object") return [`${path} (not a mapping)`];
  return Object.entries(value).flatMap(([key, child]) => {
    const sub = (tree as Record<string, KeyTree>)[key];
    return sub === undefined ? [`${path}.${key}`] : unknownKeys(child, sub, `${path}.${key}`);
  });
}

describe("renderVelero: when", () => {
  const cases: Array<[string, (doc: Document) => void, number]> = [
    ["enabled on eks with a bucket", () => {}, 1],
    ["disabled", (d) => d.setIn(["tools", "backups", "enabled"], false), 0],
    ["on a local cluster", (d) => d.setIn(["cluster", "provider"], "local"), 0],
  ];
  for (const [name, edit, count] of cases) {
    it(`${name}: ${count} release(s)`, () => {
      assert.equal(renderVelero(fleetWith(edit)).length, count);
    });
  }
  it("renders the pinned chart as release velero in namespace velero", () => {
    const [tool] = renderVelero(fleetWith());
    assert.equal(tool?.name, "velero");
    assert.equal(tool?.namespace, "velero");
    assert.deepEqual(tool?.release.chart, {
      repo: "https://vmware-tanzu.github.io/helm-charts",
      name: "velero",
      version: "12.1.0",
    });
    assert.equal(tool?.release.tool, "velero");
    // Keys from backup-setup: apply checks the Secret exists and says what to run if not.
    assert.deepEqual(
      tool?.secrets.map((x) => [x.namespace, x.name, x.type, x.keys]),
      [["velero", "hubfleet-velero-credentials", "external", ["cloud"]]],
    );
    assert.match(tool?.secrets[0]?.hint ?? "", /hubfleet backup-setup/);
  });
  it("with IRSA, requires no credentials Secret", () => {
    const [tool] = renderVelero(
      fleetWith((d) =>
        d.setIn(["tools", "backups", "roleArn"], "arn:aws:iam::123456789012:role/velero"),
      ),
    );
    assert.deepEqual(tool?.secrets, []);
  });
  it("takes tools.backups.chartVersion over the pinned one", () => {
    const [tool] = renderVelero(
      fleetWith((d) => d.setIn(["tools", "backups", "chartVersion"], "12.0.3")),
    );
    assert.equal(tool?.release.chart.version, "12.0.3");
    assert.equal(VELERO_CHART.version, "12.1.0");
  });
});

describe("renderVelero: values", () => {
  it("use only keys of the pinned chart (and Velero's BackupSpec in schedules)", () => {
    for (const edit of [
      () => {},
      (d: Document) =>
        d.setIn(["tools", "backups", "roleArn"], "arn:aws:iam::123456789012:role/velero"),
    ]) {
      const v = values(edit);
      const { schedules, ...rest } = v;
      assert.deepEqual(unknownKeys(rest, CHART_KEYS, "values"), []);
      for (const [key, schedule] of Object.entries(schedules as Record<string, Any>)) {
        for (const k of Object.keys(schedule)) assert.ok(SCHEDULE_KEYS.has(k), `${key}.${k}`);
        for (const k of Object.keys(schedule.template))
          assert.ok(BACKUP_SPEC_KEYS.has(k), `${key}.template.${k}`);
      }
    }
  });
  it("puts the server on clustertools and the node agent on every node, every taint", () => {
    const v = values();
    assert.deepEqual(v.nodeSelector, { [NODE_GROUP_LABEL]: "clustertools" });
    assert.equal(v.deployNodeAgent, true);
    assert.equal(v.nodeAgent.nodeSelector, undefined);
    assert.deepEqual(v.nodeAgent.tolerations, [{ operator: "Exists" }]);
    // Kopia maintenance jobs go beside the server.
    assert.deepEqual(
      v.configuration.repositoryMaintenanceJob.repositoryConfigData.global.loadAffinity[0]
        .nodeSelector.matchExpressions,
      [{ key: NODE_GROUP_LABEL, operator: "In", values: ["clustertools"] }],
    );
  });
  it("backs volumes up with the node agent (kopia), opt-in per volume, no snapshots", () => {
    const v = values();
    assert.equal(v.snapshotsEnabled, false);
    assert.equal(v.configuration.uploaderType, "kopia");
    assert.equal(v.configuration.defaultVolumesToFsBackup, false);
    assert.equal(v.configuration.volumeSnapshotLocation, undefined);
  });
  it("installs the AWS plugin built for Velero 1.18 as an init container into /target", () => {
    const v = values();
    assert.equal(v.initContainers.length, 1);
    const [plugin] = v.initContainers;
    assert.equal(plugin.image, VELERO_AWS_PLUGIN_IMAGE);
    assert.match(plugin.image, /^velero\/velero-plugin-for-aws:v1\.14\.\d+$/);
    assert.deepEqual(plugin.volumeMounts, [{ mountPath: "/target", name: "plugins" }]);
  });
  const locations: Array<[string, (d: Document) => void, { prefix: string; region: string }]> = [
    ["defaults: cluster name and region", () => {}, { prefix: "jhfleet", region: "us-west-2" }],
    [
      "set in the fleet",
      (d) => {
        d.setIn(["tools", "backups", "prefix"], "hubs/prod");
        d.setIn(["tools", "backups", "region"], "eu-central-1");
      },
      { prefix: "hubs/prod", region: "eu-central-1" },
    ],
  ];
  for (const [name, edit, want] of locations) {
    it(`stores to S3 with the AWS provider: ${name}`, () => {
      assert.deepEqual(values(edit).configuration.backupStorageLocation, [
        {
          name: "default",
          provider: "aws",
          bucket: BUCKET,
          prefix: want.prefix,
          default: true,
          config: { region: want.region },
        },
      ]);
    });
  }
});

describe("renderVelero: credentials", () => {
  const ROLE = "arn:aws:iam::123456789012:role/velero";
  it("with roleArn: IRSA annotation on the server service account, no Secret", () => {
    const v = values((d) => d.setIn(["tools", "backups", "roleArn"], ROLE));
    assert.deepEqual(v.credentials, { useSecret: false });
    assert.deepEqual(v.serviceAccount.server.annotations, { "eks.amazonaws.com/role-arn": ROLE });
    assert.equal(v.serviceAccount.server.name, "velero-server");
  });
  it("without: the Secret backup-setup writes, and no annotation", () => {
    const v = values();
    assert.deepEqual(v.credentials, { useSecret: true, existingSecret: VELERO_CREDENTIALS_SECRET });
    assert.equal(v.serviceAccount.server.annotations, undefined);
  });
});

describe("renderVelero: schedules", () => {
  it("one per hub, named after it, with the fleet's cron and ttl, only its namespace", () => {
    const v = values((d) => {
      d.setIn(["tools", "backups", "schedule"], "30 1 * * 0");
      d.setIn(["tools", "backups", "ttl"], "168h");
    });
    const fleet = fleetWith();
    assert.deepEqual(
      Object.keys(v.schedules).sort(),
      // The example's data set has a server: its namespace gets a schedule too.
      ["datasets", ...fleet.hubs.map((h) => `hub-${h.name}`)].sort(),
    );
    assert.deepEqual(v.schedules.datasets.template.includedNamespaces, ["datasets"]);
    assert.equal(v.schedules.datasets.schedule, "30 1 * * 0");
    for (const hub of fleet.hubs) {
      const s = v.schedules[`hub-${hub.name}`];
      assert.equal(s.schedule, "30 1 * * 0");
      assert.deepEqual(s.template, {
        includedNamespaces: [hub.name],
        storageLocation: "default",
        ttl: "168h",
        snapshotVolumes: false,
        defaultVolumesToFsBackup: false,
      });
      assert.equal(s.labels["hubfleet.io/hub"], hub.name);
      assert.equal(scheduleName(hub.name), `velero-hub-${hub.name}`);
    }
  });
  it("has no data set schedule when no data set has a server of ours", () => {
    const v = values((d) => {
      d.deleteIn(["datasets"]);
      for (let i = 0; i < 3; i += 1) d.deleteIn(["hubs", i, "datasets"]);
    });
    assert.ok(!("datasets" in v.schedules));
  });
  it("are the same whatever the order of the hubs (deterministic output)", () => {
    const a = JSON.stringify(renderVelero(fleetWith()));
    const b = JSON.stringify(
      renderVelero(
        fleetWith((d) => {
          const hubs = d.get("hubs") as Any;
          hubs.items.reverse();
        }),
      ),
    );
    assert.equal(a, b);
    assert.equal(a, JSON.stringify(renderVelero(fleetWith())));
  });
});

describe("the volumes opted into file-system backup exist", () => {
  it("the drive pod names its data volume", () => {
    const fleet = fleetWith();
    for (const hub of fleet.hubs) {
      const sts = renderHub(fleet, hub).manifests.find((m) => m.object.kind === "StatefulSet")
        ?.object as (KubeObject & Any) | undefined;
      assert.ok(sts, `${hub.name}: drive StatefulSet`);
      const template = sts.spec.template;
      const named = String(template.metadata.annotations["backup.velero.io/backup-volumes"]);
      const volumes = new Set(template.spec.volumes.map((v: Any) => v.name));
      for (const name of named.split(",")) assert.ok(volumes.has(name), `${hub.name}: ${name}`);
    }
  });
});
