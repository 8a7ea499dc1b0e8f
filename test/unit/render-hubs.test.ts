/**
 * Every hub's rendered objects and values follow the architecture: placement, storage that
 * outlives its claims, stable drive addresses, routing, and no secret material anywhere.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { renderFleetWithWarmUp } from "../../src/capacity/warmup.js";
import { parseFleet } from "../../src/fleet/load.js";
import { bundleFiles } from "../../src/render/files.js";
import { renderFleet } from "../../src/render/index.js";
import {
  cidrContains,
  derivedClusterIP,
  parseCidr,
  parseIPv4,
} from "../../src/vocabulary/addresses.js";
import type { KubeObject } from "../../src/vocabulary/objects.js";
import { findUnknownZ2jhKeys } from "../../src/vocabulary/z2jhKeys.js";
import { EXAMPLE, editedExample, exampleFleet, fleetFrom, runCli } from "../helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: walking rendered YAML
type Any = any;

const bundle = renderFleet(exampleFleet());
const HUBS = ["stat101", "cs480", "genomics-lab"];
const objectsOf = (hub: string): KubeObject[] =>
  bundle.manifests.filter((m) => m.hub === hub).map((m) => m.object);
const find = (hub: string, kind: string, name?: string): KubeObject => {
  const o = objectsOf(hub).find(
    (x) => x.kind === kind && (name === undefined || x.metadata.name === name),
  );
  assert.ok(o, `${hub}: no ${kind} ${name ?? ""}`);
  return o;
};
const valuesOf = (hub: string) => {
  const r = bundle.releases.find((x) => x.name === hub);
  assert.ok(r);
  return r.values as Any;
};

describe("hub files", () => {
  it("writes manifests.yaml, values.yaml and release.json per hub", () => {
    for (const hub of HUBS) {
      for (const file of ["manifests.yaml", "values.yaml", "release.json"]) {
        assert.ok(
          bundleFiles(bundle).some((f) => f.path === `hubs/${hub}/${file}`),
          `${hub}/${file}`,
        );
      }
    }
  });
  it("names release = namespace = hub, with the pinned z2jh chart", () => {
    for (const hub of HUBS) {
      const release = JSON.parse(
        bundleFiles(bundle).find((f) => f.path === `hubs/${hub}/release.json`)?.content ?? "{}",
      );
      assert.equal(release.releaseName, hub);
      assert.equal(release.namespace, hub);
      assert.equal(release.chart.name, "jupyterhub");
      assert.equal(release.chart.repo, "https://hub.jupyter.org/helm-chart/");
      assert.equal(release.chart.version, "4.4.0");
      const manifests = parseAllDocuments(
        bundleFiles(bundle).find((f) => f.path === `hubs/${hub}/manifests.yaml`)?.content ?? "",
      );
      for (const doc of manifests) {
        const o = doc.toJS() as KubeObject;
        if (o.kind !== "Namespace" && o.kind !== "PersistentVolume")
          assert.equal(o.metadata.namespace, hub);
      }
    }
  });
});

describe("the drive", () => {
  for (const hub of HUBS) {
    it(`${hub}: a StatefulSet of exactly one on jhcontrolplane, no user toleration, probes and requests`, () => {
      assert.ok(
        !objectsOf(hub).some((o) => o.kind === "Deployment"),
        "drives are never Deployments",
      );
      const sts = find(hub, "StatefulSet", "drive") as Any;
      assert.equal(sts.spec.replicas, 1);
      const pod = sts.spec.template.spec;
      const terms =
        pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      assert.deepEqual(terms, [
        {
          matchExpressions: [
            { key: "hubfleet.io/node-group", operator: "In", values: ["jhcontrolplane"] },
          ],
        },
      ]);
      assert.equal(pod.tolerations, undefined);
      const server = pod.containers.find((c: Any) => c.name === "nfs-server");
      assert.ok(server.readinessProbe && server.livenessProbe);
      for (const c of pod.containers)
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory, c.name);
      assert.equal(
        sts.spec.template.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"],
        "false",
      );
    });
    it(`${hub}: data on a claim of the Retain StorageClass, sized from the fleet file`, () => {
      const claim = find(hub, "PersistentVolumeClaim", "drive-data") as Any;
      assert.equal(claim.spec.storageClassName, "hubfleet-drive");
      assert.equal(claim.metadata.labels["hubfleet.io/data"], "true");
      const size = { stat101: "50Gi", cs480: "100Gi", "genomics-lab": "200Gi" }[hub];
      assert.equal(claim.spec.resources.requests.storage, size);
    });
    it(`${hub}: user servers mount it through an NFS volume at the Service's fixed ClusterIP`, () => {
      const service = find(hub, "Service", "drive") as Any;
      const pv = find(hub, "PersistentVolume") as Any;
      assert.equal(pv.spec.nfs.server, service.spec.clusterIP);
      assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Retain");
      assert.deepEqual(pv.spec.claimRef, { namespace: hub, name: "drive" });
      const cidr = parseCidr("10.100.0.0/16");
      assert.ok(cidr && cidrContains(cidr, parseIPv4(service.spec.clusterIP) ?? 0));
      const values = valuesOf(hub);
      assert.equal(values.singleuser.storage.type, "none");
      // The drive's volume comes first; data sets' volumes (test/unit/datasets.test.ts) follow.
      assert.deepEqual(values.singleuser.storage.extraVolumes[0], {
        name: "drive",
        persistentVolumeClaim: { claimName: "drive" },
      });
    });
  }
  it("StorageClass hubfleet-drive keeps volumes (Retain) and binds in the pod's zone", () => {
    const sc = bundle.manifests.find((m) => m.object.kind === "StorageClass")?.object as Any;
    assert.equal(sc.metadata.name, "hubfleet-drive");
    assert.equal(sc.reclaimPolicy, "Retain");
    assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
    assert.equal(sc.provisioner, "ebs.csi.aws.com");
  });
  it("gives every hub its own drive address, the same on every render", () => {
    const ips = HUBS.map((h) => (find(h, "Service", "drive") as Any).spec.clusterIP);
    assert.equal(new Set(ips).size, ips.length);
    const again = renderFleet(exampleFleet());
    const ips2 = HUBS.map(
      (h) =>
        (again.manifests.find((m) => m.hub === h && m.object.kind === "Service")?.object as Any)
          ?.spec.clusterIP,
    );
    assert.deepEqual(ips2, ips);
  });
  it("mounts a per-user home and a read-only shared folder, with an init container fixing ownership", () => {
    const su = valuesOf("stat101").singleuser;
    assert.deepEqual(
      su.storage.extraVolumeMounts
        .filter((m: Any) => m.name === "drive")
        .map((m: Any) => [m.mountPath, m.subPath, m.readOnly ?? false]),
      [
        ["/home/jovyan", "home/{username}", false],
        ["/home/jovyan/shared", "shared", true],
      ],
    );
    const init = su.initContainers[0];
    assert.match(init.command.join(" "), /chown 1000:100 \/home\/jovyan/);
    assert.equal(init.securityContext.runAsUser, 0);
    assert.match(
      valuesOf("stat101").hub.extraConfig["hubfleet-writable-mounts"],
      /spawner\.user\.admin/,
    );
  });
});

describe("drive address collisions", () => {
  it("are reported by validate, and pinning one address resolves them", () => {
    const cidr = parseCidr("10.100.0.0/24");
    assert.ok(cidr);
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 500; i += 1) {
      const name = `h${i}`;
      const ip = derivedClusterIP(name, cidr);
      const other = seen.get(ip);
      if (other) pair = [other, name];
      seen.set(ip, name);
    }
    assert.ok(pair, "no colliding pair found");
    const [a, b] = pair;
    const text = editedExample((d) => {
      d.setIn(["cluster", "serviceCIDR"], "10.100.0.0/24");
      d.setIn(["hubs", 0, "name"], a);
      d.setIn(["hubs", 1, "name"], b);
    });
    const problem = parseFleet(text, "f.yaml").problems.find((p) => /already has/.test(p.message));
    assert.ok(problem, "collision not reported");
    assert.equal(problem.path, "hubs[1]");
    assert.match(
      problem.message,
      new RegExp(`hub "${b}" would get the drive address .* which hub "${a}" already has`),
    );
    const pinned = editedExample((d) => {
      d.setIn(["cluster", "serviceCIDR"], "10.100.0.0/24");
      d.setIn(["hubs", 0, "name"], a);
      d.setIn(["hubs", 1, "name"], b);
      d.setIn(["hubs", 1, "drive", "clusterIP"], "10.100.0.200");
    });
    const fleet = fleetFrom(pinned);
    const svc = renderFleet(fleet).manifests.find((m) => m.hub === b && m.object.kind === "Service")
      ?.object as Any;
    assert.equal(svc.spec.clusterIP, "10.100.0.200");
  });
  it("rejects a pinned address outside the service range", () => {
    const text = editedExample((d) => d.setIn(["hubs", 0, "drive", "clusterIP"], "10.200.0.50"));
    const problem = parseFleet(text, "f.yaml").problems.find(
      (p) => p.path === "hubs[0].drive.clusterIP",
    );
    assert.match(problem?.message ?? "", /not a usable address of the service range/);
  });
});

describe("z2jh values", () => {
  it("use only keys the pinned chart accepts, in every routing mode", () => {
    for (const routing of ["path", "subdomain"]) {
      const fleet = fleetFrom(editedExample((d) => d.setIn(["domain", "routing"], routing)));
      for (const release of renderFleet(fleet).releases.filter((r) => r.hub)) {
        assert.deepEqual(findUnknownZ2jhKeys(release.values), [], `${routing} ${release.name}`);
      }
    }
  });
  it("require node purpose for core and user pods; user pods and placeholders go to the fleet's scheduler and classes", () => {
    const shared = {
      schedulerName: "hubfleet-user-scheduler",
      priorityClassName: "hubfleet-user-placeholder-priority",
    };
    for (const hub of HUBS) {
      const v = valuesOf(hub);
      const s = v.scheduling;
      assert.equal(s.corePods.nodeAffinity.matchNodePurpose, "require");
      assert.equal(s.userPods.nodeAffinity.matchNodePurpose, "require");
      // The chart's per-hub scheduler, priority classes and pullers stay off.
      assert.equal(s.userScheduler.enabled, false);
      assert.equal(s.podPriority.enabled, false);
      assert.equal(v.prePuller.continuous.enabled, false);
      assert.equal(v.prePuller.hook.enabled, false);
      assert.equal(v.hub.config.KubeSpawner.scheduler_name, "hubfleet-user-scheduler");
      assert.equal(v.hub.config.KubeSpawner.priority_class_name, "hubfleet-default-priority");
    }
    assert.deepEqual(valuesOf("stat101").scheduling.userPlaceholder, {
      enabled: true,
      replicas: 4,
      extraPodSpec: shared,
    });
    assert.deepEqual(valuesOf("genomics-lab").scheduling.userPlaceholder, {
      enabled: false,
      replicas: 0,
      extraPodSpec: shared,
    });
  });
  it("sets no nameOverride (user pods keep the chart's app: jupyterhub), names objects after the release", () => {
    for (const hub of ["stat101", "cs480", "genomics-lab"]) {
      assert.equal("nameOverride" in valuesOf(hub), false, hub);
      assert.equal(valuesOf(hub).fullnameOverride, "", hub);
    }
  });
  it("sets image, resources, culling, proxy service and hub DB", () => {
    const v = valuesOf("cs480");
    assert.deepEqual(v.singleuser.cpu, { guarantee: 1, limit: 2 });
    // Whole bytes: JupyterHub's ByteSpecification refuses "2Gi" (only K/M/G/T suffixes).
    assert.deepEqual(v.singleuser.memory, { guarantee: 2 * 2 ** 30, limit: 4 * 2 ** 30 });
    assert.deepEqual(v.singleuser.image, {
      name: "quay.io/jupyter/scipy-notebook",
      tag: "2025-10-20",
    });
    assert.equal(valuesOf("genomics-lab").cull.timeout, 28800);
    assert.equal(v.proxy.service.type, "ClusterIP");
    assert.equal(v.hub.db.pvc.storageClassName, "hubfleet-drive");
  });
  it("blocks private IPs, the pods' own range and the cloud metadata server for user servers", () => {
    // The example gives pods 100.64.0.0/16 (custom networking), outside z2jh's private ranges:
    // hubfleet writes the internet rule itself, with that range excepted too.
    const np = valuesOf("stat101").singleuser.networkPolicy;
    assert.equal(np.egressAllowRules.cloudMetadataServer, false);
    assert.equal(np.egressAllowRules.privateIPs, false);
    assert.equal(np.egressAllowRules.nonPrivateIPs, false);
    assert.deepEqual(np.egress, [
      {
        to: [
          {
            ipBlock: {
              cidr: "0.0.0.0/0",
              except: [
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "100.64.0.0/16",
                "169.254.169.254/32",
              ],
            },
          },
        ],
      },
    ]);
  });
  it("leaves the internet rule to z2jh when pods share a private range with the nodes", () => {
    for (const [label, edit] of [
      [
        "default networking",
        (d: Any) => {
          d.deleteIn(["cluster", "podCIDR"]);
          d.deleteIn(["cluster", "podSubnets"]);
        },
      ],
      [
        "a pod range inside 10.0.0.0/8",
        (d: Any) => d.setIn(["cluster", "podCIDR"], "10.200.0.0/16"),
      ],
    ] as const) {
      const fleet = fleetFrom(editedExample(edit));
      const release = renderFleet(fleet).releases.find((r) => r.name === "stat101");
      assert.ok(release, label);
      const np = (release.values as Any).singleuser.networkPolicy;
      assert.equal(np.egressAllowRules.nonPrivateIPs, true, label);
      assert.equal(np.egress, undefined, label);
    }
  });
  it("path routing: one host, baseUrl /<hub>/", () => {
    const v = valuesOf("cs480");
    assert.equal(v.hub.baseUrl, "/cs480/");
    assert.deepEqual(v.ingress.hosts, ["hubs.example.edu"]);
    assert.equal(v.ingress.tls[0].secretName, "hubs-example-edu-tls");
    assert.equal(
      v.hub.config.GitHubOAuthenticator.oauth_callback_url,
      "https://hubs.example.edu/cs480/hub/oauth_callback",
    );
  });
  it("subdomain routing: a host per hub with its TLS, baseUrl /", () => {
    const fleet = fleetFrom(editedExample((d) => d.setIn(["domain", "routing"], "subdomain")));
    const v = renderFleet(fleet).releases.find((r) => r.name === "cs480")?.values as Any;
    assert.equal(v.hub.baseUrl, "/");
    assert.deepEqual(v.ingress.hosts, ["cs480.hubs.example.edu"]);
    assert.deepEqual(v.ingress.tls, [
      { hosts: ["cs480.hubs.example.edu"], secretName: "hubs-example-edu-tls" },
    ]);
  });
  it("merges the escape hatch last", () => {
    const fleet = fleetFrom(
      editedExample((d) =>
        d.setIn(
          ["hubs", 0, "extraValues"],
          d.createNode({ singleuser: { defaultUrl: "/lab" }, cull: { users: true } }),
        ),
      ),
    );
    const v = renderFleet(fleet).releases.filter((r) => r.hub)[0]?.values as Any;
    assert.equal(v.singleuser.defaultUrl, "/lab");
    assert.equal(v.cull.users, true);
    assert.equal(v.cull.timeout, 3600, "merging keeps sibling values");
  });
  it("configures the authenticators with secrets only as Secret references", () => {
    const v = valuesOf("stat101");
    assert.equal(v.hub.config.JupyterHub.authenticator_class, "github");
    assert.deepEqual(v.hub.config.Authenticator.admin_users, ["prof-lee", "ta-garcia"]);
    assert.deepEqual(v.hub.extraEnv.GITHUB_CLIENT_SECRET, {
      valueFrom: { secretKeyRef: { name: "github-oauth", key: "client-secret" } },
    });
    const oidc = fleetFrom(
      editedExample((d) =>
        d.setIn(
          ["hubs", 1, "authenticator"],
          d.createNode({
            type: "oidc",
            clientId: "hubs",
            clientSecret: { secretName: "oidc" },
            authorizeUrl: "https://idp.example.edu/auth",
            tokenUrl: "https://idp.example.edu/token",
            userdataUrl: "https://idp.example.edu/userinfo",
            allowedUsers: ["alice"],
          }),
        ),
      ),
    );
    const ov = renderFleet(oidc).releases.filter((r) => r.hub)[1]?.values as Any;
    assert.equal(ov.hub.config.JupyterHub.authenticator_class, "generic-oauth");
    assert.equal(ov.hub.config.GenericOAuthenticator.token_url, "https://idp.example.edu/token");
    const lti = fleetFrom(
      editedExample((d) =>
        d.setIn(
          ["hubs", 2, "authenticator"],
          d.createNode({
            type: "lti13",
            issuer: "https://canvas.example.edu",
            clientId: "125900000000000001",
            authorizeUrl: "https://canvas.example.edu/api/lti/authorize_redirect",
            jwksEndpoint: "https://canvas.example.edu/api/lti/security/jwks",
          }),
        ),
      ),
    );
    const lv = renderFleet(lti).releases.filter((r) => r.hub)[2]?.values as Any;
    assert.equal(lv.hub.config.LTI13Authenticator.issuer, "https://canvas.example.edu");
  });
  it("accepts the dummy authenticator on a local cluster only", () => {
    const local = editedExample((d) => {
      d.setIn(["cluster", "provider"], "local");
      d.setIn(["hubDefaults", "authenticator"], d.createNode({ type: "dummy" }));
    });
    assert.ok(parseFleet(local, "f.yaml").fleet);
  });
});

describe("the z2jh chart version of each hub", () => {
  it("is hubDefaults.chart.version unless the hub sets its own", () => {
    const fleet = fleetFrom(
      editedExample((d) => {
        d.setIn(["hubDefaults", "chart"], d.createNode({ version: "4.3.3" }));
        d.setIn(["hubs", 2, "chart"], d.createNode({ version: "4.4.0" }));
      }),
    );
    assert.deepEqual(
      fleet.hubs.map((h) => [h.name, h.chart.version]),
      [
        ["stat101", "4.3.3"],
        ["cs480", "4.3.3"],
        ["genomics-lab", "4.4.0"],
      ],
    );
    const releases = renderFleet(fleet).hubs.map((h) => [h.release.name, h.release.chart.version]);
    assert.deepEqual(releases, [
      ["stat101", "4.3.3"],
      ["cs480", "4.3.3"],
      ["genomics-lab", "4.4.0"],
    ]);
  });
});

describe("bad hub input names the hub and the field", () => {
  const cases: Array<[string, (d: Any) => void, string, RegExp]> = [
    [
      "unknown z2jh key in the escape hatch",
      (d) =>
        d.setIn(
          ["hubs", 1, "extraValues"],
          d.createNode({ singleuser: { storage: { tyep: "x" } } }),
        ),
      "hubs[1].extraValues.singleuser.storage.tyep",
      /is not a value of the jupyterhub chart .*/,
    ],
    [
      "unknown top-level z2jh key",
      (d) => d.setIn(["hubs", 0, "extraValues"], d.createNode({ singleUser: {} })),
      "hubs[0].extraValues.singleUser",
      /not a value of the jupyterhub chart/,
    ],
    [
      "a secret through the escape hatch",
      (d) => d.setIn(["hubs", 2, "extraValues"], d.createNode({ proxy: { secretToken: "abc" } })),
      "hubs[2].extraValues.proxy.secretToken",
      /managed by hubfleet/,
    ],
    [
      "cookie secret through the escape hatch",
      (d) =>
        d.setIn(
          ["hubDefaults", "extraValues"],
          d.createNode({ hub: { config: { JupyterHub: { cookie_secret: "x" } } } }),
        ),
      "hubDefaults.extraValues.hub.config.JupyterHub.cookie_secret",
      /managed by hubfleet/,
    ],
    [
      "two hubs on one URL through the escape hatch",
      (d) => {
        d.setIn(["domain", "routing"], "subdomain");
        d.setIn(
          ["hubs", 1, "extraValues"],
          d.createNode({ ingress: { hosts: ["stat101.hubs.example.edu"] } }),
        );
      },
      "hubs[1]",
      /serves stat101\.hubs\.example\.edu\/, which hub "stat101" serves too/,
    ],
  ];
  for (const [name, change, path, message] of cases) {
    it(name, () => {
      const problems = parseFleet(editedExample(change), "f.yaml").problems;
      const p = problems.find((x) => x.path === path && message.test(x.message));
      assert.ok(
        p,
        `no ${path} ~ ${message}; got ${problems.map((x) => `${x.path}: ${x.message}`).join(" | ")}`,
      );
    });
  }
  it("suggests the right key for a typo in the escape hatch", () => {
    const problems = parseFleet(
      editedExample((d) =>
        d.setIn(["hubs", 0, "extraValues"], d.createNode({ cull: { timout: 10 } })),
      ),
      "f.yaml",
    ).problems;
    assert.match(
      problems.find((p) => p.path.startsWith("hubs[0].extraValues"))?.hint ?? "",
      /cull\.timeout/,
    );
  });
});

describe("no secret material in rendered files", () => {
  it("never writes generated secrets, and never copies TLS keys into the output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-secrets-"));
    // A real pair (validate checks that the key matches the certificate).
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=hubs.example.edu"],
      ],
      { cwd: dir, stdio: "pipe" },
    );
    const pemBody = (file: string) =>
      readFileSync(join(dir, file), "utf8")
        .split("\n")
        .filter((l) => l.length > 0 && !l.startsWith("-----"));
    const keyLines = pemBody("tls.key");
    const certLines = pemBody("tls.crt");
    writeFileSync(
      join(dir, "fleet.yaml"),
      editedExample((d) =>
        d.setIn(["domain", "tls"], d.createNode({ certFile: "tls.crt", keyFile: "tls.key" })),
      ),
    );
    const r = await runCli(["render", "fleet.yaml", "--out-dir", "out"], dir);
    assert.equal(r.code, 0, r.stderr);
    const walk = (p: string): string[] =>
      readdirSync(p, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(p, e.name)) : [join(p, e.name)],
      );
    for (const file of walk(join(dir, "out"))) {
      const text = readFileSync(file, "utf8");
      for (const line of [...keyLines, ...certLines]) assert.ok(!text.includes(line), file);
      assert.doesNotMatch(text, /BEGIN (PRIVATE KEY|CERTIFICATE)/, file);
      assert.doesNotMatch(text, /^kind: Secret$/m, file);
      assert.doesNotMatch(text, /cookie_secret:|secretToken:|CryptKeeper:/, file);
    }
    const values = parse(readFileSync(join(dir, "out/hubs/cs480/values.yaml"), "utf8")) as Any;
    assert.equal(values.ingress.tls[0].secretName, "hubfleet-tls");
  });
});

describe("determinism", () => {
  it("renders every hub file byte-identically twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hubfleet-det-"));
    await runCli(["render", EXAMPLE, "--out-dir", join(dir, "a")]);
    await runCli(["render", EXAMPLE, "--out-dir", join(dir, "b")]);
    // The CLI renders the warm-up objects too (they need the capacity model).
    for (const f of bundleFiles(renderFleetWithWarmUp(exampleFleet()))) {
      assert.equal(
        readFileSync(join(dir, "a", f.path), "utf8"),
        readFileSync(join(dir, "b", f.path), "utf8"),
        f.path,
      );
      assert.equal(readFileSync(join(dir, "a", f.path), "utf8"), f.content, f.path);
    }
  });
});
