/**
 * What hubfleet renders for shared data sets: one server per data set on a volume (the drive's
 * pattern, in namespace `datasets`, applied with the cluster-wide objects), and for each hub
 * that lists one a volume and claim pointing at it, a read-only mount, owners' write access
 * through the one pre_spawn_hook (run here by a real Python), and no egress to the server.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import type { Document } from "yaml";
import { driveClusterIP } from "../../src/fleet/addresses.js";
import type { FleetModel } from "../../src/fleet/model.js";
import type { Bundle } from "../../src/render/bundle.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import { cidrContains, parseCidr, parseIPv4 } from "../../src/vocabulary/addresses.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { editedExample, exampleFleet, fleetFrom } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered objects
type Any = any;

const set = (path: unknown[], value: unknown) => (doc: Document) =>
  doc.setIn(path, doc.createNode(value));

/** The example plus an existing-volume data set for genomics-lab and an external NFS export for stat101. */
const fleet = fleetFrom(
  editedExample((doc) => {
    set(["datasets", 1], {
      name: "genomes",
      size: "500Gi",
      source: { existingVolume: { name: "pv-genomes", storageClass: "gp3" } },
    })(doc);
    set(["datasets", 2], {
      name: "weather",
      size: "1Ti",
      source: { nfs: { server: "10.0.12.7", path: "/exports/weather" } },
      owners: ["ta-garcia"],
    })(doc);
    set(["hubs", 2, "datasets"], ["genomes"])(doc);
    set(["hubs", 0, "datasets"], ["census", "weather"])(doc);
  }),
);
const bundle = renderFleet(fleet);

const objects = (b: Bundle, hub?: string) =>
  b.manifests.filter((m) => m.hub === hub).map((m) => m.object);
const pick = (list: KubeObject[], kind: string, name: string, namespace?: string): Any => {
  const o = list.find(
    (x) =>
      x.kind === kind &&
      x.metadata.name === name &&
      (namespace === undefined || x.metadata.namespace === namespace),
  );
  assert.ok(o, `no ${kind} ${namespace ?? ""}/${name}`);
  return o;
};
const values = (hub: string): Any => bundle.releases.find((r) => r.hub === hub)?.values;
const datasetObjects = objects(bundle).filter((o) => o.metadata.namespace === "datasets");

describe("data set servers", () => {
  it("are fleet-level: no hub, no tool, after the cluster-wide objects and before any hub's", () => {
    const kinds = bundle.manifests.map((m, i) => ({ m, i }));
    const dataset = kinds.filter(({ m }) => m.object.metadata.labels?.["hubfleet.io/dataset"]);
    const serverSide = dataset.filter(({ m }) => m.hub === undefined);
    assert.ok(serverSide.length > 0);
    for (const { m } of serverSide) assert.equal(m.tool, undefined);
    const storageClass = kinds.find(({ m }) => m.object.kind === "StorageClass")?.i ?? -1;
    const firstHub = kinds.find(({ m }) => m.hub !== undefined)?.i ?? -1;
    const namespace = kinds.find(({ m }) => m.object.metadata.name === "datasets")?.i ?? -1;
    assert.ok(storageClass < namespace, "the namespace after the StorageClass");
    for (const { i } of serverSide) assert.ok(namespace <= i && i < firstHub, `manifest ${i}`);
  });

  it("one StatefulSet of one per data set on a volume, on jhcontrolplane, never evicted, backed up", () => {
    const sets = datasetObjects.filter((o) => o.kind === "StatefulSet") as Any[];
    assert.deepEqual(sets.map((s) => s.metadata.name).sort(), [
      "dataset-census",
      "dataset-genomes",
    ]);
    for (const s of sets) {
      assert.equal(s.spec.replicas, 1);
      const pod = s.spec.template;
      const terms = pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      assert.deepEqual(terms.nodeSelectorTerms[0].matchExpressions[0], {
        key: "hubfleet.io/node-group",
        operator: "In",
        values: ["jhcontrolplane"],
      });
      assert.equal(pod.spec.tolerations, undefined, "no user-node toleration");
      assert.equal(
        pod.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"],
        "false",
      );
      assert.equal(pod.metadata.annotations["backup.velero.io/backup-volumes"], "data");
      assert.equal(pod.spec.containers[0].image, "ghcr.io/2i2c-org/nfs-ganesha:0.0.7");
      assert.deepEqual(
        pod.spec.volumes.find((v: Any) => v.name === "data"),
        { name: "data", persistentVolumeClaim: { claimName: `${s.metadata.name}-data` } },
      );
    }
  });

  const CLAIMS: Array<[string, string, Record<string, unknown>]> = [
    ["a new volume: the Retain StorageClass", "census", { storageClassName: "hubfleet-drive" }],
    [
      "an existing volume: bound to it by name, in its class",
      "genomes",
      { storageClassName: "gp3", volumeName: "pv-genomes" },
    ],
  ];
  for (const [what, name, expected] of CLAIMS) {
    it(`data claim, ${what}, labelled as data (never pruned)`, () => {
      const claim = pick(datasetObjects, "PersistentVolumeClaim", `dataset-${name}-data`);
      assert.equal(claim.metadata.labels["hubfleet.io/data"], "true");
      assert.equal(claim.metadata.labels["hubfleet.io/hub"], undefined);
      for (const [key, value] of Object.entries(expected))
        assert.equal(claim.spec[key], value, key);
      if (!("volumeName" in expected)) assert.equal(claim.spec.volumeName, undefined);
    });
  }

  it("a new volume's root is handed to the notebook user; an existing volume's is left alone", () => {
    const init = (name: string) =>
      pick(datasetObjects, "StatefulSet", `dataset-${name}`).spec.template.spec.initContainers;
    assert.match(init("census")[0].command.join(" "), /chown 1000:100 \/export/);
    assert.equal(init("genomes"), undefined);
  });

  it("an external NFS export gets no server", () => {
    assert.equal(
      datasetObjects.some((o) => o.metadata.name.includes("weather")),
      false,
    );
  });

  it("no namespace `datasets` in a fleet without served data sets", () => {
    const plain = renderFleet(
      fleetFrom(
        editedExample((d) => {
          d.deleteIn(["datasets"]);
          d.deleteIn(["hubs", 0, "datasets"]);
          d.deleteIn(["hubs", 1, "datasets"]);
        }),
      ),
    );
    assert.equal(
      plain.manifests.some((m) => m.object.metadata.name === "datasets"),
      false,
    );
    assert.equal(
      bundleFiles(plain).some((f) => f.path.startsWith("datasets/")),
      false,
    );
    assert.ok(bundleFiles(bundle).some((f) => f.path === "datasets/manifests.yaml"));
  });

  it("exports to the node range (kubelets) only, read-write, root squashed; drives likewise, root kept", () => {
    const conf = pick(datasetObjects, "ConfigMap", "dataset-census-ganesha").data["ganesha.conf"];
    // No pod is a client: everyone outside the node range gets no access at all.
    assert.match(conf, /Access_Type = None;\n {2}Squash = Root_Squash;/);
    const nodesReadWrite =
      /CLIENT \{\n {4}Clients = 192\.168\.0\.0\/16;\n {4}Access_Type = RW;\n {2}\}/;
    assert.match(conf, nodesReadWrite);
    assert.match(conf, /Protocols = 4;/);
    const drive = pick(objects(bundle, "stat101"), "ConfigMap", "drive-ganesha").data[
      "ganesha.conf"
    ];
    assert.match(drive, /Access_Type = None;\n {2}Squash = No_Root_Squash;/);
    assert.match(drive, nodesReadWrite);
  });
});

describe("data set addresses", () => {
  const ips = (f: FleetModel) =>
    renderFleet(f)
      .manifests.filter(
        (m) => m.object.kind === "Service" && m.object.metadata.namespace === "datasets",
      )
      .map((m) => (m.object as Any).spec.clusterIP as string);

  it("stable, inside the service range, apart from every drive and from each other", () => {
    const served = ips(fleet);
    assert.equal(served.length, 2);
    assert.deepEqual(ips(fleetFrom(editedExample(() => {}))), [served[0]]);
    const cidr = parseCidr("10.100.0.0/16");
    assert.ok(cidr);
    for (const ip of served) assert.ok(cidrContains(cidr, parseIPv4(ip) ?? 0), ip);
    const drives = fleet.hubs.map((h) => driveClusterIP(fleet, h));
    assert.equal(new Set([...served, ...drives]).size, served.length + drives.length);
  });

  it("a pinned address is used as is", () => {
    const pinned = fleetFrom(editedExample(set(["datasets", 0, "clusterIP"], "10.100.99.99")));
    assert.deepEqual(ips(pinned), ["10.100.99.99"]);
  });
});

describe("what each hub gets", () => {
  const censusIP = pick(datasetObjects, "Service", "dataset-census").spec.clusterIP;
  const genomesIP = pick(datasetObjects, "Service", "dataset-genomes").spec.clusterIP;
  /** hub → data set → NFS server and path its volume names (undefined: the hub has none). */
  const TABLE: Array<[string, string, [string, string] | undefined]> = [
    ["stat101", "census", [censusIP, "/"]],
    ["stat101", "weather", ["10.0.12.7", "/exports/weather"]],
    ["stat101", "genomes", undefined],
    ["cs480", "census", [censusIP, "/"]],
    ["cs480", "weather", undefined],
    ["genomics-lab", "genomes", [genomesIP, "/"]],
    ["genomics-lab", "census", undefined],
  ];
  for (const [hub, dataset, nfs] of TABLE) {
    it(`${hub} / ${dataset}: ${nfs ? `a Retain NFS volume at ${nfs.join(":")}, bound to its claim, mounted read-only` : "no volume, no claim, no mount"}`, () => {
      const list = objects(bundle, hub);
      const volumeName = `hubfleet-${hub}-dataset-${dataset}`;
      const mounts = values(hub).singleuser.storage.extraVolumeMounts as Any[];
      const mount = mounts.find((m) => m.name === `dataset-${dataset}`);
      if (!nfs) {
        assert.equal(
          list.some((o) => o.metadata.name === volumeName),
          false,
        );
        assert.equal(
          list.some((o) => o.metadata.name === `dataset-${dataset}`),
          false,
        );
        assert.equal(mount, undefined);
        return;
      }
      const pv = pick(list, "PersistentVolume", volumeName);
      assert.deepEqual(pv.spec.nfs, { server: nfs[0], path: nfs[1] });
      assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Retain");
      assert.deepEqual(pv.spec.claimRef, { namespace: hub, name: `dataset-${dataset}` });
      const claim = pick(list, "PersistentVolumeClaim", `dataset-${dataset}`, hub);
      assert.equal(claim.spec.volumeName, volumeName);
      assert.equal(claim.spec.storageClassName, "");
      assert.deepEqual(mount, {
        name: `dataset-${dataset}`,
        mountPath: `/home/jovyan/datasets/${dataset}`,
        readOnly: true,
      });
      assert.deepEqual(
        values(hub).singleuser.storage.extraVolumes.find((v: Any) => v.name === mount.name),
        { name: mount.name, persistentVolumeClaim: { claimName: `dataset-${dataset}` } },
      );
    });
  }

  it("an external export keeps NFS version and source ports to the server; hubfleet's servers get NFSv4.1", () => {
    const opts = (name: string) =>
      pick(objects(bundle, "stat101"), "PersistentVolume", name).spec.mountOptions;
    assert.deepEqual(opts("hubfleet-stat101-dataset-weather"), ["hard", "timeo=600", "retrans=3"]);
    assert.ok(opts("hubfleet-stat101-dataset-census").includes("nfsvers=4.1"));
  });

  // Kubelet mounts the data set from the node: no user server needs, or gets, a path to a server.
  // The only extra egress rule a user server may have is the internet one (address ranges, all
  // ports), never a peer chosen by labels nor a port of its own.
  const selectorPeersAndPorts = (egress: Any[] | undefined) =>
    (egress ?? []).flatMap((rule: Any) => [
      ...(rule.ports ?? []),
      ...(rule.to ?? []).filter((peer: Any) => !peer.ipBlock),
    ]);
  for (const hub of ["stat101", "cs480", "genomics-lab"]) {
    it(`${hub}: user servers get no egress rule to any data set server`, () => {
      const np = values(hub).singleuser.networkPolicy;
      assert.equal(np.egressAllowRules.privateIPs, false, "private addresses stay closed");
      assert.deepEqual(selectorPeersAndPorts(np.egress), []);
    });
  }

  it("a hub without data sets gets no egress rule to a server and no data set volumes", () => {
    const plain = renderFleet(exampleFleet());
    const release = plain.releases.find((r) => r.hub === "genomics-lab");
    assert.ok(release);
    const su = (release.values as Any).singleuser;
    assert.deepEqual(selectorPeersAndPorts(su.networkPolicy.egress), []);
    assert.deepEqual(
      su.storage.extraVolumes.map((v: Any) => v.name),
      ["drive"],
    );
  });
});

/**
 * Runs the rendered pre_spawn_hook in Python the way KubeSpawner would: the hook is executed
 * as part of the hub's config (`c` is the config object), then called with a spawner whose
 * volume_mounts are the rendered singleuser.storage.extraVolumeMounts — as a list, or as the
 * z2jh chart hands them to KubeSpawner: a dict keyed by "<index>-<name>". The hook must give
 * back the shape it was given.
 */
function mountsAfterHook(
  hub: string,
  user: { name: string; admin: boolean },
  shape: "list" | "dict" = "list",
): Record<string, boolean> {
  const v = values(hub);
  const hooks = Object.values(v.hub.extraConfig) as string[];
  assert.equal(hooks.filter((h) => h.includes("pre_spawn_hook")).length, 1, "exactly one hook");
  const script = `
import json, sys, types
data = json.load(sys.stdin)
c = types.SimpleNamespace(KubeSpawner=types.SimpleNamespace())
exec(data["hook"], {"c": c})
mounts = data["mounts"]
if data["shape"] == "dict":
    mounts = {f"{i}-{m['name']}": m for i, m in enumerate(mounts)}
spawner = types.SimpleNamespace(
    user=types.SimpleNamespace(name=data["name"], admin=data["admin"]),
    volume_mounts=mounts,
)
c.KubeSpawner.pre_spawn_hook(spawner)
after = spawner.volume_mounts
if data["shape"] == "dict":
    assert isinstance(after, dict), f"a dict came back as {type(after).__name__}"
    assert list(after) == list(mounts), "keys changed"
    after = list(after.values())
else:
    assert isinstance(after, list), f"a list came back as {type(after).__name__}"
json.dump(after, sys.stdout)
`;
  const out = execFileSync("python3", ["-c", script], {
    input: JSON.stringify({
      hook: hooks.join("\n"),
      name: user.name,
      admin: user.admin,
      shape,
      mounts: v.singleuser.storage.extraVolumeMounts,
    }),
    encoding: "utf8",
  });
  const mounts = JSON.parse(out) as Array<{ mountPath: string; readOnly?: boolean }>;
  return Object.fromEntries(mounts.map((m) => [m.mountPath, m.readOnly !== true]));
}

describe("the one pre_spawn_hook, run by Python", () => {
  const H = "/home/jovyan";
  /** hub, user, admin? → which mounts end up writable. stat101's admins: prof-lee, ta-garcia. */
  const CASES: Array<[string, string, boolean, string[]]> = [
    ["stat101", "student1", false, [H]],
    ["stat101", "prof-lee", true, [H, `${H}/shared`, `${H}/datasets/census`]],
    ["stat101", "ta-garcia", true, [H, `${H}/shared`, `${H}/datasets/weather`]],
    ["stat101", "prof-ng", false, [H, `${H}/datasets/census`]],
    ["stat101", "Prof-NG", false, [H, `${H}/datasets/census`]],
    ["cs480", "prof-ng", true, [H, `${H}/shared`, `${H}/datasets/census`]],
    ["cs480", "prof-lee", false, [H, `${H}/datasets/census`]],
    ["genomics-lab", "pi-okafor", true, [H, `${H}/shared`]],
  ];
  for (const shape of ["list", "dict"] as const) {
    for (const [hub, name, admin, writable] of CASES) {
      it(`${hub}: ${name}${admin ? " (admin)" : ""} may write ${writable.join(", ")} (mounts as a ${shape})`, () => {
        const result = mountsAfterHook(hub, { name, admin }, shape);
        assert.deepEqual(
          Object.keys(result).filter((path) => result[path]),
          writable,
        );
      });
    }
  }
});

describe("determinism", () => {
  it("renders the data set servers byte-identically twice", () => {
    const file = (b: Bundle) =>
      bundleFiles(b).find((f) => f.path === "datasets/manifests.yaml")?.content;
    assert.ok(file(bundle));
    assert.equal(file(renderFleet(fleet)), file(bundle));
  });
});
