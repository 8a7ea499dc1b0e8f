/**
 * The key names accepted by the values schema of the zero-to-jupyterhub Helm chart
 * (`jupyterhub`, version 4.3.3), so that hubfleet can reject a misspelt or misplaced key in a
 * hub's `extraValues` (and in its own rendered values) before helm runs.
 *
 * The chart's schema closes almost every object (unknown keys fail `helm install`); only a few
 * subtrees (hub.config sections, extraEnv, nodeSelector, resources, extraPodSpec, ...) take
 * arbitrary content. This file lists the key names of chart version 4.3.3 only: it must be
 * updated whenever Z2JH_CHART.version changes. Value types are not checked here, only keys.
 */

export const Z2JH_CHART = {
  repo: "https://hub.jupyter.org/helm-chart/",
  name: "jupyterhub",
  version: "4.3.3",
} as const;

/** A scalar, or a list of scalars: the schema puts no keys below it. */
export const LEAF = "leaf";
/** Free-form content (k8s objects, traitlets config, ...): any keys, at any depth, are accepted. */
export const ANY = "any";

/**
 * One node of the key tree. A plain object is a closed object: exactly its own keys are
 * accepted, each checked against its child node.
 */
export type Z2jhKeyNode = typeof LEAF | typeof ANY | Z2jhKeyTree | Z2jhKeyMap | Z2jhGatedTree;

export interface Z2jhKeyTree {
  readonly [key: string]: Z2jhKeyNode;
}

/**
 * A map whose keys are chosen by the user (labels, extraFiles, extraImages, hub.config): keys in
 * `fixed` are checked against their own node, any other key matching `keyPattern` (every key when
 * absent) against `entry`; a key matching neither is rejected.
 */
export class Z2jhKeyMap {
  constructor(
    readonly entry: Z2jhKeyNode,
    readonly fixed: Z2jhKeyTree = {},
    readonly keyPattern?: RegExp,
  ) {}
}

/** An object that the schema closes only when `closedIf` holds for its value; open otherwise. */
export class Z2jhGatedTree {
  constructor(
    readonly keys: Z2jhKeyTree,
    readonly closedIf: (value: Readonly<Record<string, unknown>>) => boolean,
  ) {}
}

function mapOf(entry: Z2jhKeyNode): Z2jhKeyMap {
  return new Z2jhKeyMap(entry);
}

// Building blocks the schema repeats in many places.

/** Labels and annotations: any key, string values. */
const STRINGS = mapOf(LEAF);

const IMAGE: Z2jhKeyTree = { name: LEAF, tag: LEAF, pullPolicy: LEAF, pullSecrets: ANY };

const PDB: Z2jhKeyTree = { enabled: LEAF, maxUnavailable: LEAF, minAvailable: LEAF };

const SERVICE_ACCOUNT: Z2jhKeyTree = { create: LEAF, name: LEAF, annotations: STRINGS };

const NETWORK_POLICY: Z2jhKeyTree = {
  enabled: LEAF,
  ingress: ANY,
  egress: ANY,
  egressAllowRules: {
    cloudMetadataServer: LEAF,
    dnsPortsCloudMetadataServer: LEAF,
    dnsPortsKubeSystemNamespace: LEAF,
    dnsPortsPrivateIPs: LEAF,
    nonPrivateIPs: LEAF,
    privateIPs: LEAF,
  },
  interNamespaceAccessLabels: LEAF,
  allowedIngressPorts: LEAF,
};

/** hub.extraFiles / singleuser.extraFiles: file key -> closed file description. */
const EXTRA_FILES = mapOf({
  mountPath: LEAF,
  data: ANY,
  stringData: LEAF,
  binaryData: LEAF,
  mode: LEAF,
});

const DEPLOYMENT_STRATEGY: Z2jhKeyTree = { rollingUpdate: LEAF, type: LEAF };

const AFFINITY_TERMS: Z2jhKeyTree = { required: ANY, preferred: ANY };

const HUB: Z2jhKeyTree = {
  revisionHistoryLimit: LEAF,
  // Traitlets config: section names must start with a capital letter; anything below them.
  config: new Z2jhKeyMap(ANY, { JupyterHub: ANY }, /^[A-Z].*$/),
  extraFiles: EXTRA_FILES,
  baseUrl: LEAF,
  command: LEAF,
  args: LEAF,
  cookieSecret: LEAF,
  image: IMAGE,
  networkPolicy: NETWORK_POLICY,
  db: {
    type: LEAF,
    pvc: {
      annotations: STRINGS,
      selector: ANY,
      storage: LEAF,
      accessModes: LEAF,
      storageClassName: LEAF,
      subPath: LEAF,
    },
    upgrade: LEAF,
    url: LEAF,
    password: LEAF,
  },
  labels: STRINGS,
  initContainers: ANY,
  extraEnv: ANY,
  extraConfig: ANY,
  fsGid: LEAF,
  service: {
    type: LEAF,
    ports: { appProtocol: LEAF, nodePort: LEAF },
    annotations: STRINGS,
    extraPorts: ANY,
    loadBalancerIP: LEAF,
    ipFamilyPolicy: LEAF,
    ipFamilies: LEAF,
  },
  pdb: PDB,
  existingSecret: LEAF,
  nodeSelector: ANY,
  tolerations: ANY,
  activeServerLimit: LEAF,
  allowNamedServers: LEAF,
  annotations: STRINGS,
  authenticatePrometheus: LEAF,
  concurrentSpawnLimit: LEAF,
  consecutiveFailureLimit: LEAF,
  podSecurityContext: ANY,
  containerSecurityContext: ANY,
  deploymentStrategy: DEPLOYMENT_STRATEGY,
  extraContainers: ANY,
  extraVolumeMounts: ANY,
  extraVolumes: ANY,
  livenessProbe: ANY,
  readinessProbe: ANY,
  namedServerLimitPerUser: LEAF,
  redirectToServer: LEAF,
  resources: ANY,
  lifecycle: { postStart: ANY, preStop: ANY },
  services: ANY,
  loadRoles: ANY,
  shutdownOnLogout: LEAF,
  templatePaths: LEAF,
  templateVars: ANY,
  serviceAccount: SERVICE_ACCOUNT,
  extraPodSpec: ANY,
};

const PROXY: Z2jhKeyTree = {
  chp: {
    revisionHistoryLimit: LEAF,
    networkPolicy: NETWORK_POLICY,
    extraCommandLineFlags: LEAF,
    extraEnv: ANY,
    pdb: PDB,
    nodeSelector: ANY,
    tolerations: ANY,
    containerSecurityContext: ANY,
    image: IMAGE,
    livenessProbe: ANY,
    readinessProbe: ANY,
    resources: ANY,
    defaultTarget: LEAF,
    errorTarget: LEAF,
    extraPodSpec: ANY,
  },
  secretToken: LEAF,
  service: {
    type: LEAF,
    labels: STRINGS,
    annotations: STRINGS,
    nodePorts: { http: LEAF, https: LEAF },
    disableHttpPort: LEAF,
    extraPorts: ANY,
    externalIPs: LEAF,
    loadBalancerIP: LEAF,
    loadBalancerSourceRanges: LEAF,
    ipFamilyPolicy: LEAF,
    ipFamilies: LEAF,
  },
  https: {
    enabled: LEAF,
    type: LEAF,
    letsencrypt: { contactEmail: LEAF, acmeServer: LEAF },
    manual: { key: LEAF, cert: LEAF },
    secret: { name: LEAF, key: LEAF, crt: LEAF },
    hosts: LEAF,
  },
  traefik: {
    revisionHistoryLimit: LEAF,
    labels: STRINGS,
    networkPolicy: NETWORK_POLICY,
    extraInitContainers: ANY,
    extraEnv: ANY,
    pdb: PDB,
    nodeSelector: ANY,
    tolerations: ANY,
    containerSecurityContext: ANY,
    extraDynamicConfig: ANY,
    extraPorts: ANY,
    extraStaticConfig: ANY,
    extraVolumes: ANY,
    extraVolumeMounts: ANY,
    hsts: { includeSubdomains: LEAF, maxAge: LEAF, preload: LEAF },
    image: IMAGE,
    resources: ANY,
    serviceAccount: SERVICE_ACCOUNT,
    extraPodSpec: ANY,
  },
  labels: STRINGS,
  annotations: STRINGS,
  deploymentStrategy: DEPLOYMENT_STRATEGY,
  secretSync: { containerSecurityContext: ANY, image: IMAGE, resources: ANY },
};

const SINGLEUSER: Z2jhKeyTree = {
  networkPolicy: NETWORK_POLICY,
  podNameTemplate: LEAF,
  cpu: { limit: LEAF, guarantee: LEAF },
  memory: { limit: LEAF, guarantee: LEAF },
  image: IMAGE,
  initContainers: ANY,
  profileList: ANY,
  extraFiles: EXTRA_FILES,
  extraEnv: ANY,
  nodeSelector: ANY,
  extraTolerations: ANY,
  extraNodeAffinity: AFFINITY_TERMS,
  extraPodAffinity: AFFINITY_TERMS,
  extraPodAntiAffinity: AFFINITY_TERMS,
  cloudMetadata: { blockWithIptables: LEAF, ip: LEAF },
  cmd: LEAF,
  defaultUrl: LEAF,
  events: LEAF,
  extraAnnotations: STRINGS,
  extraContainers: ANY,
  extraLabels: STRINGS,
  extraPodConfig: ANY,
  extraResource: { guarantees: ANY, limits: ANY },
  fsGid: LEAF,
  lifecycleHooks: { postStart: ANY, preStop: ANY },
  networkTools: { image: IMAGE, resources: ANY },
  serviceAccountName: LEAF,
  startTimeout: LEAF,
  storage: {
    capacity: LEAF,
    dynamic: {
      pvcNameTemplate: LEAF,
      storageAccessModes: LEAF,
      storageClass: LEAF,
      subPath: LEAF,
      volumeNameTemplate: LEAF,
    },
    extraLabels: STRINGS,
    // A list of k8s volumes (mounts), or a map of name -> volume (mount).
    extraVolumeMounts: ANY,
    extraVolumes: ANY,
    homeMountPath: LEAF,
    static: { pvcName: LEAF, subPath: LEAF },
    type: LEAF,
  },
  allowPrivilegeEscalation: LEAF,
  uid: LEAF,
};

const NODE_PURPOSE: Z2jhKeyTree = { tolerations: ANY, nodeAffinity: { matchNodePurpose: LEAF } };

const SCHEDULING: Z2jhKeyTree = {
  userScheduler: {
    enabled: LEAF,
    revisionHistoryLimit: LEAF,
    replicas: LEAF,
    image: IMAGE,
    pdb: PDB,
    nodeSelector: ANY,
    tolerations: ANY,
    labels: STRINGS,
    annotations: STRINGS,
    containerSecurityContext: ANY,
    logLevel: LEAF,
    plugins: ANY,
    pluginConfig: ANY,
    resources: ANY,
    serviceAccount: SERVICE_ACCOUNT,
    extraPodSpec: ANY,
  },
  podPriority: {
    enabled: LEAF,
    globalDefault: LEAF,
    defaultPriority: LEAF,
    imagePullerPriority: LEAF,
    userPlaceholderPriority: LEAF,
  },
  userPlaceholder: {
    enabled: LEAF,
    image: IMAGE,
    revisionHistoryLimit: LEAF,
    replicas: LEAF,
    labels: STRINGS,
    annotations: STRINGS,
    resources: ANY,
    containerSecurityContext: ANY,
    extraPodSpec: ANY,
  },
  corePods: NODE_PURPOSE,
  userPods: NODE_PURPOSE,
};

const PRE_PULLER: Z2jhKeyTree = {
  revisionHistoryLimit: LEAF,
  labels: STRINGS,
  annotations: STRINGS,
  resources: ANY,
  extraTolerations: ANY,
  hook: {
    enabled: LEAF,
    pullOnlyOnChanges: LEAF,
    podSchedulingWaitDuration: LEAF,
    nodeSelector: ANY,
    tolerations: ANY,
    containerSecurityContext: ANY,
    image: IMAGE,
    resources: ANY,
    serviceAccount: SERVICE_ACCOUNT,
    serviceAccountImagePuller: SERVICE_ACCOUNT,
    daemonsetAnnotations: STRINGS,
  },
  continuous: {
    enabled: LEAF,
    serviceAccount: SERVICE_ACCOUNT,
    daemonsetAnnotations: STRINGS,
  },
  pullProfileListImages: LEAF,
  // Image key -> image; unlike the other images, without pullSecrets.
  extraImages: mapOf({ name: LEAF, tag: LEAF, pullPolicy: LEAF }),
  containerSecurityContext: ANY,
  pause: { containerSecurityContext: ANY, image: IMAGE },
};

/** The key tree of the chart's values, from the root. */
export const Z2JH_KEYS: Z2jhKeyTree = {
  enabled: LEAF,
  fullnameOverride: LEAF,
  nameOverride: LEAF,
  // The schema closes this object only when create is true.
  imagePullSecret: new Z2jhGatedTree(
    {
      create: LEAF,
      automaticReferenceInjection: LEAF,
      registry: LEAF,
      username: LEAF,
      password: LEAF,
      email: LEAF,
    },
    (value) => value.create === true,
  ),
  imagePullSecrets: ANY,
  hub: HUB,
  proxy: PROXY,
  singleuser: SINGLEUSER,
  scheduling: SCHEDULING,
  ingress: {
    enabled: LEAF,
    annotations: STRINGS,
    ingressClassName: LEAF,
    hosts: LEAF,
    pathSuffix: LEAF,
    pathType: LEAF,
    tls: ANY,
    extraPaths: ANY,
  },
  httpRoute: {
    enabled: LEAF,
    annotations: STRINGS,
    hostnames: LEAF,
    gateway: { name: LEAF, namespace: LEAF, sectionName: LEAF },
  },
  prePuller: PRE_PULLER,
  custom: ANY,
  cull: {
    enabled: LEAF,
    users: LEAF,
    adminUsers: LEAF,
    removeNamedServers: LEAF,
    timeout: LEAF,
    every: LEAF,
    concurrency: LEAF,
    maxAge: LEAF,
  },
  debug: { enabled: LEAF },
  rbac: { enabled: LEAF, create: LEAF },
  global: ANY,
};

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The node for `key` below `node`, or undefined when the schema would reject the key. */
function childNode(node: Z2jhKeyNode, key: string): Z2jhKeyNode | undefined {
  if (node === LEAF || node === ANY) return node;
  if (node instanceof Z2jhKeyMap) {
    if (Object.hasOwn(node.fixed, key)) return node.fixed[key];
    return node.keyPattern === undefined || node.keyPattern.test(key) ? node.entry : undefined;
  }
  if (node instanceof Z2jhGatedTree) {
    return Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
  }
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

/**
 * The node at `path` (keys from the values root): ANY below free-form content, undefined when
 * some key on the path is one the chart rejects.
 */
export function z2jhKeyNodeAt(path: readonly string[]): Z2jhKeyNode | undefined {
  let node: Z2jhKeyNode | undefined = Z2JH_KEYS;
  for (const key of path) {
    if (node === undefined) return undefined;
    node = childNode(node, key);
  }
  return node;
}

/**
 * The key names the chart names at `path`, sorted, for "did you mean" hints. Empty below
 * free-form content, at user-chosen maps without fixed keys, and at unknown paths.
 */
export function knownZ2jhKeysAt(path: readonly string[]): string[] {
  const node = z2jhKeyNodeAt(path);
  if (node === undefined || node === LEAF || node === ANY) return [];
  if (node instanceof Z2jhKeyMap) return Object.keys(node.fixed).sort();
  if (node instanceof Z2jhGatedTree) return Object.keys(node.keys).sort();
  return Object.keys(node).sort();
}

function collectUnknown(
  value: unknown,
  node: Z2jhKeyNode,
  path: readonly string[],
  out: string[][],
): void {
  if (node === LEAF || node === ANY || !isRecord(value)) return;
  const lenient = node instanceof Z2jhGatedTree && !node.closedIf(value);
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const next = childNode(node, key);
    if (next !== undefined) collectUnknown(child, next, childPath, out);
    else if (!lenient) out.push(childPath);
  }
}

/**
 * The keys in `values` that the chart's schema would reject, each as its list of keys from the
 * values root (the last one being the rejected key), in document order.
 */
export function findUnknownZ2jhKeyPaths(values: unknown): string[][] {
  const out: string[][] = [];
  collectUnknown(values, Z2JH_KEYS, [], out);
  return out;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * A key path written as dots, e.g. `singleuser.storage.tyep`; a key that is not a plain word is
 * written in brackets so that a dotted key is told apart from a path: `["singleuser.image"]`.
 */
export function formatZ2jhPath(path: readonly string[]): string {
  let text = "";
  for (const key of path) {
    if (PLAIN_KEY.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** Dotted paths of the keys in `values` that the chart's schema would reject. */
export function findUnknownZ2jhKeys(values: unknown): string[] {
  return findUnknownZ2jhKeyPaths(values).map(formatZ2jhPath);
}
