/** The z2jh chart's key tree: which value keys the chart's schema accepts and which it rejects. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { keyNodeOf } from "../../scripts/gen-z2jh-keys.js";
import {
  ANY,
  findUnknownZ2jhKeyPaths,
  findUnknownZ2jhKeys,
  formatZ2jhPath,
  knownZ2jhKeysAt,
  LEAF,
  Z2JH_CHART,
  z2jhKeyNodeAt,
  z2jhKeyTree,
} from "../../src/vocabulary/z2jhKeys.js";
import {
  DEFAULT_Z2JH_VERSION,
  unknownZ2jhVersion,
  z2jhVersionData,
  z2jhVersions,
} from "../../src/vocabulary/z2jhVersions.js";
import { REPO } from "../helpers.js";

/** `{a: {b: {c: value}}}` from `"a.b.c"`. */
function nested(path: string, value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (const key of path.split(".").reverse()) out = { [key]: out };
  return out as Record<string, unknown>;
}

describe("Z2JH_CHART", () => {
  it("is the default chart version, one with a key tree", () => {
    assert.deepEqual(Z2JH_CHART, {
      repo: "https://hub.jupyter.org/helm-chart/",
      name: "jupyterhub",
      version: "4.4.0",
    });
    assert.ok(z2jhVersions().includes(Z2JH_CHART.version));
  });
});

describe("key trees per chart version (data/z2jh/)", () => {
  it("lists the versions with a data file, oldest first", () => {
    assert.deepEqual(z2jhVersions(), ["4.3.2", "4.3.3", "4.4.0"]);
  });

  it("records where each tree came from", () => {
    for (const version of z2jhVersions()) {
      const data = z2jhVersionData(version);
      assert.equal(data?.version, version);
      assert.equal(data?.source.tag, version);
      assert.match(data?.source.commit ?? "", /^[0-9a-f]{40}$/);
      assert.equal(data?.source.repo, "https://github.com/jupyterhub/zero-to-jupyterhub-k8s");
    }
  });

  // The one key the schema gained between 4.3.2 and 4.3.3 (4.3.3 → 4.4.0 left the schema as
  // it was: 4.4.0 moved the hub image to JupyterHub 5.5.0).
  const sectionName = { httpRoute: { gateway: { name: "gw", sectionName: "https" } } };
  const cases: Array<[string, string[]]> = [
    ["4.3.2", ["httpRoute.gateway.sectionName"]],
    ["4.3.3", []],
    ["4.4.0", []],
  ];
  for (const [version, expected] of cases) {
    it(`httpRoute.gateway.sectionName under ${version}`, () =>
      assert.deepEqual(findUnknownZ2jhKeys(sectionName, { version }), expected));
  }

  it("knows 4.3.3's and 4.4.0's schemas to be the same", () =>
    assert.deepEqual(z2jhKeyTree({ version: "4.3.3" }), z2jhKeyTree({ version: "4.4.0" })));

  it("takes each version's images from its own values (chartpress tags = chart version)", () => {
    assert.equal(
      z2jhVersionData("4.3.3")?.images.networkTools,
      "quay.io/jupyterhub/k8s-network-tools:4.3.3",
    );
    assert.equal(z2jhVersionData("4.4.0")?.images.hub, "quay.io/jupyterhub/k8s-hub:4.4.0");
    assert.equal(z2jhVersionData("4.4.0")?.hubPrograms.jupyterhub, "5.5.0");
    assert.equal(z2jhVersionData("4.3.3")?.hubPrograms.jupyterhub, "5.4.4");
  });

  it("scripts/hub-build installs the default version's hub image programs", () => {
    const script = readFileSync(`${REPO}scripts/hub-build`, "utf8");
    const block = /^programs=\(\n([^)]*)\)/m.exec(script)?.[1] ?? "";
    const pins = Object.fromEntries(
      block
        .trim()
        .split(/\s+/)
        .map((pin) => pin.split("==")),
    );
    assert.deepEqual(pins, z2jhVersionData(DEFAULT_Z2JH_VERSION)?.hubPrograms);
  });

  it("the tests' configurable-http-proxy is the default version's proxy image", () => {
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const image = z2jhVersionData(DEFAULT_Z2JH_VERSION)?.images.configurableHttpProxy ?? "";
    assert.equal(
      `quay.io/jupyterhub/configurable-http-proxy:${pkg.devDependencies["configurable-http-proxy"]}`,
      image,
    );
  });

  it("has no data for other versions, and says how to add one", () => {
    assert.equal(z2jhVersionData("4.5.0"), undefined);
    const { message, hint } = unknownZ2jhVersion("4.5.0");
    assert.match(message, /no key tree for the jupyterhub chart 4\.5\.0/);
    assert.match(hint, /4\.3\.2, 4\.3\.3, 4\.4\.0/);
    assert.match(hint, /scripts\/gen-z2jh-keys\.ts .*4\.5\.0/);
    assert.match(hint, /data\/z2jh\/4\.5\.0\.json/);
  });
});

describe("keyNodeOf: a chart schema node as a key-tree node", () => {
  const cases: Array<[string, Record<string, unknown>, unknown]> = [
    ["a string", { type: "string" }, LEAF],
    ["a nullable string", { type: ["string", "null"] }, LEAF],
    ["a list of strings", { type: "array", items: { type: "string" } }, LEAF],
    ["a list of k8s objects", { type: "array" }, ANY],
    ["an object without keys", { type: "object" }, ANY],
    ["an open object", { type: "object", additionalProperties: true }, ANY],
    [
      "a closed object",
      { type: "object", additionalProperties: false, properties: { a: { type: "string" } } },
      { keys: { a: LEAF } },
    ],
    [
      "labels",
      {
        type: "object",
        additionalProperties: false,
        patternProperties: { ".*": { type: "string" } },
      },
      { keys: {}, otherKeys: LEAF },
    ],
    [
      "traitlets sections",
      {
        type: "object",
        additionalProperties: false,
        patternProperties: { "^[A-Z].*$": { type: "object", additionalProperties: true } },
        properties: { JupyterHub: { type: "object", additionalProperties: true } },
      },
      { keys: { JupyterHub: ANY }, otherKeys: ANY, keyPattern: "^[A-Z].*$" },
    ],
    [
      "an open object with a closed key",
      {
        type: "object",
        properties: { a: { type: "object", additionalProperties: false, properties: {} } },
      },
      { keys: { a: { keys: {} } }, otherKeys: ANY },
    ],
    [
      "an object closed only when create is true",
      {
        type: "object",
        if: { properties: { create: { const: true } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, as the chart writes it
        then: { additionalProperties: false, properties: { create: { type: "boolean" } } },
      },
      { keys: { create: LEAF }, closedWhen: { create: true } },
    ],
  ];
  for (const [what, schema, expected] of cases) {
    it(what, () => assert.deepEqual(keyNodeOf(schema), expected));
  }
});

describe("findUnknownZ2jhKeys: keys the chart accepts", () => {
  const cases: Array<[string, unknown]> = [
    ["hub.baseUrl", "/"],
    ["hub.db.pvc.storageClassName", "gp3"],
    ["hub.db.pvc.storage", "1Gi"],
    ["hub.db.type", "sqlite-pvc"],
    ["hub.config.GitHubOAuthenticator.client_id", "abc"],
    ["hub.config.JupyterHub.authenticator_class", "github"],
    ["hub.config.KubeSpawner.anything.at.any.depth", { x: [1, { y: 2 }] }],
    ["hub.existingSecret", "hub-secrets"],
    ["hub.cookieSecret", "00ff"],
    ["hub.extraConfig", { "00-hubfleet": "c.JupyterHub.foo = 1" }],
    ["hub.extraEnv", { FOO: "bar" }],
    ["hub.extraEnv", [{ name: "FOO", value: "bar" }]],
    ["hub.networkPolicy.ingress", [{ from: [{ podSelector: {} }] }]],
    ["hub.services.my-service.admin", true],
    ["hub.extraFiles.my-file.mountPath", "/etc/x"],
    ["hub.extraFiles.my-file.data", { any: { nested: "content" } }],
    ["proxy.secretToken", "token"],
    ["proxy.service.type", "ClusterIP"],
    ["proxy.chp.networkPolicy.egressAllowRules.privateIPs", true],
    ["proxy.https.letsencrypt.contactEmail", "a@b.c"],
    ["singleuser.storage.type", "none"],
    ["singleuser.storage.extraVolumes", [{ name: "drive", persistentVolumeClaim: {} }]],
    ["singleuser.storage.extraVolumeMounts", [{ name: "drive", mountPath: "/drive" }]],
    ["singleuser.storage.extraVolumes", { drive: { name: "drive" } }],
    ["singleuser.storage.dynamic.storageClass", "gp3"],
    ["singleuser.initContainers", [{ name: "init", image: "busybox" }]],
    ["singleuser.networkPolicy.egressAllowRules.cloudMetadataServer", false],
    ["singleuser.networkPolicy.egress", [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }]],
    ["singleuser.cloudMetadata.blockWithIptables", false],
    ["singleuser.cloudMetadata.ip", "169.254.169.254"],
    ["singleuser.image.name", "quay.io/jupyter/base-notebook"],
    ["singleuser.image.tag", "latest"],
    ["singleuser.cpu.guarantee", 0.5],
    ["singleuser.cpu.limit", 2],
    ["singleuser.memory.guarantee", "1G"],
    ["singleuser.memory.limit", "2G"],
    ["singleuser.extraLabels.hub.jupyter.org/network-access-hub", "true"],
    ["singleuser.profileList", [{ display_name: "x", kubespawner_override: { cpu_limit: 1 } }]],
    ["singleuser.extraPodConfig", { securityContext: { fsGroup: 100 } }],
    ["scheduling.userScheduler.enabled", false],
    ["scheduling.userScheduler.plugins", { score: { disabled: [{ name: "x" }] } }],
    ["scheduling.podPriority.enabled", true],
    ["scheduling.userPlaceholder.replicas", 0],
    ["scheduling.corePods.nodeAffinity.matchNodePurpose", "require"],
    ["scheduling.userPods.nodeAffinity.matchNodePurpose", "prefer"],
    ["scheduling.userPods.tolerations", [{ key: "hub.jupyter.org/dedicated" }]],
    ["prePuller.continuous.enabled", false],
    ["prePuller.hook.enabled", false],
    ["prePuller.extraImages.my-image.name", "busybox"],
    ["cull.timeout", 3600],
    ["cull.every", 600],
    ["ingress.enabled", true],
    ["ingress.ingressClassName", "nginx"],
    ["ingress.hosts", ["hub.example.org"]],
    ["ingress.tls", [{ hosts: ["hub.example.org"], secretName: "hub-tls" }]],
    ["ingress.annotations", { "cert-manager.io/cluster-issuer": "letsencrypt" }],
    ["httpRoute.gateway.sectionName", "https"],
    ["custom.anything.goes", 1],
    ["global.safeToShowValues", true],
    ["global.other", { deep: true }],
    ["imagePullSecret.create", false],
    ["debug.enabled", true],
    ["rbac.create", true],
  ];
  for (const [path, value] of cases) {
    it(path, () => assert.deepEqual(findUnknownZ2jhKeys(nested(path, value)), []));
  }

  it("accepts a values document with many keys at once", () => {
    const values = {
      fullnameOverride: "",
      hub: { baseUrl: "/", db: { pvc: { storageClassName: null } }, config: {} },
      proxy: { service: { type: "ClusterIP" }, chp: { resources: { requests: { cpu: "100m" } } } },
      singleuser: { storage: { type: "none", extraVolumes: [], extraVolumeMounts: [] } },
      scheduling: { userScheduler: { enabled: false }, podPriority: { enabled: false } },
      prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
      cull: { enabled: true, timeout: 3600, every: 600 },
    };
    assert.deepEqual(findUnknownZ2jhKeys(values), []);
  });
});

describe("findUnknownZ2jhKeys: keys the chart rejects", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["hubb", {}, ["hubb"]],
    ["hub.baseURL", "/", ["hub.baseURL"]],
    ["hub.db.pvc.storageClass", "gp3", ["hub.db.pvc.storageClass"]],
    ["singleuser.storage.tyep", "none", ["singleuser.storage.tyep"]],
    [
      "singleuser.storage.dynamic.storageClassName",
      "gp3",
      ["singleuser.storage.dynamic.storageClassName"],
    ],
    // Only singleuser.storage.extraVolumes / extraVolumeMounts exist.
    ["singleuser.extraVolumes", [], ["singleuser.extraVolumes"]],
    ["singleuser.extraVolumeMounts", [], ["singleuser.extraVolumeMounts"]],
    ["singleuser.cpu.request", 1, ["singleuser.cpu.request"]],
    ["singleuser.image.pullpolicy", "Always", ["singleuser.image.pullpolicy"]],
    ["singleuser.cloudMetadata.enabled", false, ["singleuser.cloudMetadata.enabled"]],
    [
      "singleuser.networkPolicy.egressAllowRules.cloudMetadata",
      true,
      ["singleuser.networkPolicy.egressAllowRules.cloudMetadata"],
    ],
    ["proxy.networkPolicy.enabled", true, ["proxy.networkPolicy"]],
    ["scheduling.userScheduler.enable", true, ["scheduling.userScheduler.enable"]],
    [
      "scheduling.corePods.nodeAffinity.matchNodePurpos",
      "require",
      ["scheduling.corePods.nodeAffinity.matchNodePurpos"],
    ],
    ["scheduling.podPriority.globalDefaults", true, ["scheduling.podPriority.globalDefaults"]],
    ["cull.timout", 1, ["cull.timout"]],
    ["ingress.host", "x", ["ingress.host"]],
    ["prePuller.continous.enabled", false, ["prePuller.continous"]],
    [
      "prePuller.extraImages.my-image.pullSecrets",
      [],
      ["prePuller.extraImages.my-image.pullSecrets"],
    ],
    ["hub.extraFiles.my-file.mountpath", "/x", ["hub.extraFiles.my-file.mountpath"]],
    // hub.config sections are traitlets class names and must start with a capital letter.
    ["hub.config.jupyterHub.admin_access", true, ["hub.config.jupyterHub"]],
    ["hub.config.loadRoles", {}, ["hub.config.loadRoles"]],
    // The schema closes imagePullSecret only when create is true.
    [
      "imagePullSecret",
      { create: true, registry: "r", regsitry: "x" },
      ["imagePullSecret.regsitry"],
    ],
  ];
  for (const [path, value, expected] of cases) {
    it(path, () => assert.deepEqual(findUnknownZ2jhKeys(nested(path, value)), expected));
  }

  it("accepts unknown keys in imagePullSecret while create is false", () => {
    assert.deepEqual(findUnknownZ2jhKeys({ imagePullSecret: { create: false, extra: 1 } }), []);
  });

  it("reports every unknown key, in document order, and does not descend into them", () => {
    const values = {
      hub: { baseUrl: "/", baseurl: "/", db: { pvcs: { storage: "1Gi" } } },
      singleuser: { storage: { type: "none", tyep: "none" }, memroy: { limit: "1G" } },
      scheduler: { userScheduler: { enabled: false } },
    };
    assert.deepEqual(findUnknownZ2jhKeys(values), [
      "hub.baseurl",
      "hub.db.pvcs",
      "singleuser.storage.tyep",
      "singleuser.memroy",
      "scheduler",
    ]);
    assert.deepEqual(findUnknownZ2jhKeyPaths(values)[1], ["hub", "db", "pvcs"]);
  });

  it("writes a key that is not a plain word in brackets", () => {
    assert.deepEqual(findUnknownZ2jhKeys({ "singleuser.storage.type": "none" }), [
      '["singleuser.storage.type"]',
    ]);
    assert.deepEqual(findUnknownZ2jhKeys({ hub: { "db.url": "x" } }), ['hub["db.url"]']);
    assert.equal(formatZ2jhPath(["hub", "config", "JupyterHub"]), "hub.config.JupyterHub");
  });

  it("does not take inherited object properties for known keys", () => {
    const values = JSON.parse('{"hub": {"constructor": 1, "__proto__": {"x": 1}}}') as unknown;
    assert.deepEqual(findUnknownZ2jhKeys(values), ["hub.constructor", "hub.__proto__"]);
  });

  const notObjects: unknown[] = [undefined, null, "hub", 3, [], [{ hubb: 1 }]];
  for (const values of notObjects) {
    it(`finds nothing in ${JSON.stringify(values)}`, () =>
      assert.deepEqual(findUnknownZ2jhKeys(values), []));
  }

  it("does not look for keys inside scalars, lists or nulls", () => {
    assert.deepEqual(findUnknownZ2jhKeys({ hub: null, singleuser: [{ x: 1 }], cull: "yes" }), []);
  });
});

describe("knownZ2jhKeysAt", () => {
  const cases: Array<[string[], string[]]> = [
    [
      [],
      [
        "cull",
        "custom",
        "debug",
        "enabled",
        "fullnameOverride",
        "global",
        "httpRoute",
        "hub",
        "imagePullSecret",
        "imagePullSecrets",
        "ingress",
        "nameOverride",
        "prePuller",
        "proxy",
        "rbac",
        "scheduling",
        "singleuser",
      ],
    ],
    [
      ["singleuser", "storage"],
      [
        "capacity",
        "dynamic",
        "extraLabels",
        "extraVolumeMounts",
        "extraVolumes",
        "homeMountPath",
        "static",
        "type",
      ],
    ],
    [
      ["hub", "db", "pvc"],
      ["accessModes", "annotations", "selector", "storage", "storageClassName", "subPath"],
    ],
    [
      ["ingress"],
      [
        "annotations",
        "enabled",
        "extraPaths",
        "hosts",
        "ingressClassName",
        "pathSuffix",
        "pathType",
        "tls",
      ],
    ],
    [["scheduling"], ["corePods", "podPriority", "userPlaceholder", "userPods", "userScheduler"]],
    [
      ["singleuser", "networkPolicy", "egressAllowRules"],
      [
        "cloudMetadataServer",
        "dnsPortsCloudMetadataServer",
        "dnsPortsKubeSystemNamespace",
        "dnsPortsPrivateIPs",
        "nonPrivateIPs",
        "privateIPs",
      ],
    ],
    [
      ["singleuser", "cloudMetadata"],
      ["blockWithIptables", "ip"],
    ],
    [["hub", "config"], ["JupyterHub"]],
    [
      ["hub", "extraFiles", "any-file"],
      ["binaryData", "data", "mode", "mountPath", "stringData"],
    ],
    [
      ["imagePullSecret"],
      ["automaticReferenceInjection", "create", "email", "password", "registry", "username"],
    ],
    // Free-form content, scalars, user-chosen maps and unknown paths name no keys.
    [["hub", "config", "JupyterHub"], []],
    [["hub", "extraConfig"], []],
    [["hub", "baseUrl"], []],
    [["hub", "labels"], []],
    [["hub", "nosuchkey"], []],
    [["nosuchkey", "deeper"], []],
  ];
  for (const [path, expected] of cases) {
    it(path.join(".") || "<root>", () => assert.deepEqual(knownZ2jhKeysAt(path), expected));
  }
});

describe("z2jhKeyNodeAt", () => {
  const cases: Array<[string[], string | undefined]> = [
    [["hub", "baseUrl"], LEAF],
    [["hub", "extraConfig"], ANY],
    [["hub", "extraConfig", "00-x"], ANY],
    [["hub", "config", "Authenticator", "admin_users"], ANY],
    [["hub", "config", "authenticator"], undefined],
    [["singleuser", "extraVolumes"], undefined],
    [["singleuser", "storage", "extraVolumes"], ANY],
  ];
  for (const [path, expected] of cases) {
    it(path.join("."), () => assert.equal(z2jhKeyNodeAt(path), expected));
  }
  it("returns a tree for a closed object", () =>
    assert.equal(typeof z2jhKeyNodeAt(["singleuser", "storage"]), "object"));
});
