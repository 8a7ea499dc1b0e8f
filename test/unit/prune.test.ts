/** Pure safety decisions: prune candidates, the prune guard, immutable fields, adoption. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adoptedManagedFields, type ManagedFieldsEntry } from "../../src/apply/adopt.js";
import { immutableViolations } from "../../src/plan/immutable.js";
import {
  EMPTY_FLEET_NOTE,
  emptyPrunePlan,
  type PruneInput,
  type PrunePlan,
  planPrune,
} from "../../src/plan/prune.js";
import { NO_CONSENT, pruneGuard } from "../../src/plan/pruneGuard.js";
import type { InventoryUnit } from "../../src/plan/units.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";

const ours = (hub?: string, extra: Record<string, string> = {}) => ({
  "app.kubernetes.io/managed-by": "hubfleet",
  "hubfleet.io/fleet": "f",
  ...(hub ? { "hubfleet.io/hub": hub } : {}),
  ...extra,
});
const obj = (
  kind: string,
  name: string,
  labels: Record<string, string>,
  namespace?: string,
  uid = `uid-${kind}-${name}`,
): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata: { name, labels, uid, ...(namespace ? { namespace } : {}) } as KubeObject["metadata"],
});
const entry = (o: KubeObject, uid?: string) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  uid: uid ?? (o.metadata as { uid?: string }).uid,
});
const keys = (items: ReadonlyArray<{ object: KubeObject }>) =>
  items.map((i) => `${i.object.kind}/${i.object.metadata.name}`).sort();

describe("planPrune", () => {
  const gone = {
    config: obj("ConfigMap", "drive-ganesha", ours("old"), "old"),
    claim: obj("PersistentVolumeClaim", "drive-data", ours("old"), "old"),
    volume: obj("PersistentVolume", "hubfleet-old-drive", ours("old")),
    secret: obj("Secret", "hubfleet-hub-secrets", ours("old"), "old"),
    namespace: obj("Namespace", "old", ours("old")),
    moved: obj("ConfigMap", "moved", ours("live"), "old"),
    replaced: obj("ConfigMap", "replaced", ours("old"), "old", "uid-new"),
    stale: obj("ConfigMap", "stale-policy", ours("live"), "live"),
  };
  const kept = obj("ConfigMap", "kept", ours("live"), "live");
  const foreign = obj("ConfigMap", "copied-labels", ours("old"), "old");
  const vanished = obj("ConfigMap", "vanished", ours("old"), "old");
  const inventory: InventoryUnit[] = [
    {
      unit: "hub/old",
      objects: [
        ...[gone.config, gone.claim, gone.volume, gone.secret, gone.namespace, gone.moved].map(
          (o) => entry(o),
        ),
        entry(gone.replaced, "uid-old"),
        entry(vanished),
      ],
      releases: [{ namespace: "old", name: "old" }],
    },
    {
      unit: "hub/live",
      objects: [entry(kept), entry(gone.stale)],
      releases: [{ namespace: "live", name: "live" }],
    },
  ];
  const base: PruneInput = {
    fleet: "f",
    inventory,
    live: [...Object.values(gone), kept, foreign],
    desiredKeys: new Set(["ConfigMap/live/kept"]),
    desiredUnits: new Set(["cluster", "hub/live"]),
    hubCount: 1,
    namespacesWithClaims: new Set(["old"]),
    releases: [
      { namespace: "old", name: "old" },
      { namespace: "live", name: "live" },
    ],
  };

  it("deletes only what is in the inventory and still labelled as the same unit's; retains data and namespaces", () => {
    const plan = planPrune(base);
    assert.deepEqual(keys(plan.delete), ["ConfigMap/drive-ganesha", "ConfigMap/stale-policy"]);
    assert.deepEqual(keys(plan.retain), [
      "Namespace/old",
      "PersistentVolume/hubfleet-old-drive",
      "PersistentVolumeClaim/drive-data",
      "Secret/hubfleet-hub-secrets",
    ]);
    for (const r of plan.retain) assert.match(r.reason, /^orphaned: hub old is gone.*; retained: /);
    assert.deepEqual(keys(plan.leave), [
      "ConfigMap/copied-labels",
      "ConfigMap/moved",
      "ConfigMap/replaced",
    ]);
    const reasons = Object.fromEntries(plan.leave.map((l) => [l.object.metadata.name, l.reason]));
    assert.match(reasons["copied-labels"] ?? "", /not in its inventory/);
    assert.match(reasons.moved ?? "", /now labelled for hub live, not old/);
    assert.match(reasons.replaced ?? "", /uid differs/);
    assert.deepEqual(
      plan.forget.map((f) => f.entry.name),
      ["vanished"],
    );
    assert.deepEqual(
      plan.uninstall.map((r) => [r.namespace, r.name]),
      [["old", "old"]],
    );
    assert.deepEqual(plan.removedUnits, ["hub/old"]);
    assert.equal(plan.inventorySize, 10);
  });

  it("state goes only with its unit; what moved or was already uninstalled is forgotten", () => {
    const state = (hub: string) =>
      obj("ConfigMap", "hubfleet-state", ours(hub, { "hubfleet.io/role": "state" }), hub);
    const moved = obj("ClusterRole", "shared", ours("live"));
    const plan = planPrune({
      ...base,
      inventory: [
        { unit: "hub/live", objects: [entry(state("live"))], releases: [] },
        {
          unit: "hub/old",
          objects: [entry(state("old")), entry(moved)],
          releases: [{ namespace: "old", name: "old" }],
        },
      ],
      live: [state("live"), state("old"), moved],
      desiredKeys: new Set(["ClusterRole//shared"]),
      releases: [],
    });
    assert.deepEqual(
      plan.delete.map((d) => `${d.unit} ${d.object.metadata.namespace}`),
      ["hub/old old"],
    );
    assert.deepEqual(
      plan.forget.map((f) => `${f.unit} ${f.entry.name}`),
      ["hub/old shared"],
    );
    assert.deepEqual(plan.forgetReleases, [
      { unit: "hub/old", release: { namespace: "old", name: "old" } },
    ]);
  });

  it("a fleet file without hubs prunes nothing at all", () => {
    const plan = planPrune({ ...base, hubCount: 0, desiredUnits: new Set(["cluster"]) });
    assert.deepEqual(
      [plan.delete.length, plan.uninstall.length, plan.removedUnits.length, plan.note],
      [0, 0, 0, EMPTY_FLEET_NOTE],
    );
  });

  it("apply --hub prunes only that hub's objects", () => {
    const plan = planPrune({ ...base, onlyHubs: new Set(["live"]) });
    assert.deepEqual(keys(plan.delete), ["ConfigMap/stale-policy"]);
    assert.deepEqual([plan.uninstall.length, plan.retain.length], [0, 0]);
  });

  it("never deletes namespaces, volumes, claims or StorageClasses, whatever their labels", () => {
    const never = [
      obj("Namespace", "empty", ours("old")),
      obj("PersistentVolume", "pv", ours("old")),
      obj("PersistentVolumeClaim", "c", ours("old"), "old"),
      { ...obj("StorageClass", "sc", ours()), apiVersion: "storage.k8s.io/v1" },
      obj("ConfigMap", "marked", ours("old", { "hubfleet.io/data": "true" }), "old"),
    ];
    const plan = planPrune({
      ...base,
      inventory: [
        { unit: "hub/old", objects: never.slice(0, 3).map((o) => entry(o)), releases: [] },
        { unit: "cluster", objects: [entry(never[3] as KubeObject)], releases: [] },
        { unit: "hub/old", objects: [entry(never[4] as KubeObject)], releases: [] },
      ],
      live: never,
      namespacesWithClaims: new Set(),
    });
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.retain.length, never.length);
  });
});

describe("pruneGuard", () => {
  const item = (unit: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      object: obj("ConfigMap", `${unit}-${i}`, {}),
      unit,
      reason: "",
    }));
  const plan = (over: Partial<PrunePlan>): PrunePlan => ({ ...emptyPrunePlan(40), ...over });
  const removedHub = plan({
    delete: item("hub/a", 3),
    uninstall: [{ namespace: "a", name: "a", unit: "hub/a", reason: "" }],
    removedUnits: ["hub/a"],
  });
  const cases: Array<[string, PrunePlan, Partial<typeof NO_CONSENT>, boolean, string[]]> = [
    ["a whole hub removed stops", removedHub, {}, true, ["--prune-hub a"]],
    ["--prune-hub naming it lets it through", removedHub, { pruneHubs: new Set(["a"]) }, false, []],
    [
      "--prune-hub naming another does not",
      removedHub,
      { pruneHubs: new Set(["b"]) },
      true,
      ["--prune-hub a"],
    ],
    ["--confirm lets it through", removedHub, { confirm: true }, false, []],
    [
      "a tool removed needs --prune-tool",
      plan({ delete: item("tool/traefik", 1), removedUnits: ["tool/traefik"] }),
      {},
      true,
      ["--prune-tool traefik"],
    ],
    ["5 of 40 objects (12.5 %) stops", plan({ delete: item("hub/b", 5) }), {}, true, ["--confirm"]],
    [
      "4 of 10 objects: below the minimum",
      plan({ delete: item("hub/b", 4), inventorySize: 10 }),
      {},
      false,
      [],
    ],
    [
      "5 of 60 objects (8 %) passes",
      plan({ delete: item("hub/b", 5), inventorySize: 60 }),
      {},
      false,
      [],
    ],
    [
      "hubs waking: their asleep-page routes (12 of 40) are routine",
      plan({
        delete: item("hub/b", 12).map((d) => ({
          ...d,
          object: {
            ...d.object,
            metadata: { ...d.object.metadata, labels: { "hubfleet.io/sleep": "asleep-page" } },
          },
        })),
      }),
      {},
      false,
      [],
    ],
    [
      "--confirm lets many through",
      plan({ delete: item("hub/b", 30) }),
      { confirm: true },
      false,
      [],
    ],
  ];
  for (const [name, p, consent, stop, flags] of cases) {
    it(name, () => {
      const verdict = pruneGuard(p, { ...NO_CONSENT, ...consent });
      assert.equal(verdict.stop, stop, verdict.reasons.join("; "));
      assert.deepEqual(verdict.flags, flags);
    });
  }
  it("says what would go", () => {
    assert.match(
      pruneGuard(removedHub, NO_CONSENT).reasons[0] ?? "",
      /hub a is no longer in the fleet file: apply would uninstall 1 release\(s\) and delete 3 object\(s\) \(its data is kept\)/,
    );
  });
});

describe("immutableViolations", () => {
  const claim = (storageClassName: string, storage: string): KubeObject => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "drive-data", namespace: "h", labels: { "hubfleet.io/hub": "h" } },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName,
      resources: { requests: { storage } },
    },
  });
  const service = (clusterIP: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "drive", namespace: "h", labels: { "hubfleet.io/hub": "h" } },
    spec: { clusterIP, ports: [{ port: 2049 }] },
  });
  const sts = (serviceName: string, image: string): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "drive", namespace: "h" },
    spec: { serviceName, template: { spec: { containers: [{ name: "c", image }] } } },
  });
  const cases: Array<[string, KubeObject, KubeObject | undefined, string[]]> = [
    ["new object", claim("a", "10Gi"), undefined, []],
    ["same claim", claim("a", "10Gi"), claim("a", "10Gi"), []],
    ["claim grows", claim("a", "20Gi"), claim("a", "10Gi"), []],
    ["claim shrinks", claim("a", "5Gi"), claim("a", "10Gi"), ["spec.resources.requests.storage"]],
    ["claim changes class", claim("b", "10Gi"), claim("a", "10Gi"), ["spec.storageClassName"]],
    ["drive address changes", service("10.0.0.20"), service("10.0.0.17"), ["spec.clusterIP"]],
    ["StatefulSet image changes", sts("drive", "b"), sts("drive", "a"), []],
    ["StatefulSet serviceName changes", sts("nfs", "a"), sts("drive", "a"), ["spec.serviceName"]],
  ];
  for (const [name, desired, live, fields] of cases) {
    it(name, () => {
      assert.deepEqual(
        immutableViolations(desired, live).map((v) => v.field),
        fields,
      );
    });
  }
  it("hints at the setting to restore or the migration", () => {
    const [cls] = immutableViolations(claim("b", "10Gi"), claim("a", "10Gi"));
    assert.match(
      cls?.hint ?? "",
      /keep drive.storageClass "a" for hub h.*Moving a drive to another StorageClass/,
    );
    const [ip] = immutableViolations(service("10.0.0.20"), service("10.0.0.17"));
    assert.match(ip?.hint ?? "", /set drive.clusterIP: 10.0.0.17 for hub h/);
  });
});

describe("adoptedManagedFields", () => {
  const csa: ManagedFieldsEntry = {
    manager: "kubectl-client-side-apply",
    operation: "Update",
    apiVersion: "v1",
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:data": { "f:old": {} },
      "f:metadata": {
        "f:annotations": {
          ".": {},
          "f:kubectl.kubernetes.io/last-applied-configuration": {},
          "f:team": {},
        },
      },
    },
    time: "2026-01-01T00:00:00Z",
  };
  const mine: ManagedFieldsEntry = {
    manager: "hubfleet",
    operation: "Apply",
    apiVersion: "v1",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:data": { "f:new": {} } },
    time: "2026-02-01T00:00:00Z",
  };
  const controller: ManagedFieldsEntry = {
    manager: "kube-controller-manager",
    operation: "Update",
    fieldsV1: { "f:status": {} },
  };
  it("moves kubectl's client-side fields to hubfleet's apply entry, minus the last-applied annotation", () => {
    const result = adoptedManagedFields([csa, controller, mine], "v1", "2026-03-01T00:00:00Z");
    assert.deepEqual(result, [
      controller,
      {
        ...mine,
        fieldsV1: {
          "f:data": { "f:new": {}, "f:old": {} },
          "f:metadata": { "f:annotations": { ".": {}, "f:team": {} } },
        },
      },
    ]);
  });
  it("creates hubfleet's entry when it has none yet", () => {
    const [only] = adoptedManagedFields([csa], "v1", "2026-03-01T00:00:00Z");
    assert.deepEqual(
      [only?.manager, only?.operation, only?.time],
      ["hubfleet", "Apply", "2026-03-01T00:00:00Z"],
    );
  });
});
