/**
 * Checks that span fields: the things a schema cannot say (a guarantee above its limit, two
 * hubs with one name, a user who does not fit on a node). Pure: findings, never exceptions.
 */

import {
  type Cidr,
  cidrContains,
  derivedClusterIP,
  formatIPv4,
  parseCidr,
  parseIPv4,
  RESERVED_LOW_ADDRESSES,
} from "../vocabulary/addresses.js";
import {
  findUnknownZ2jhKeyPaths,
  formatZ2jhPath,
  knownZ2jhKeysAt,
} from "../vocabulary/z2jhKeys.js";
import { z2jhChart, z2jhVersionData } from "../vocabulary/z2jhVersions.js";
import { checkAuthenticator } from "./authChecks.js";
import { checkCapacityFields } from "./capacityChecks.js";
import { checkDatasets } from "./datasetChecks.js";
import { error, warning } from "./findings.js";
import { groupAllocatable, lookupInstanceType, maxPodsOf } from "./instanceTypes.js";
import { type FleetModel, type Hub, hubFieldPath } from "./model.js";
import { derivedNames, isReservedNamespace } from "./names.js";
import type { Part } from "./partial.js";
import { checkPodNetwork } from "./podNetworkChecks.js";
import { fleetPriceTable } from "./priceTable.js";
import type { Finding } from "./problems.js";
import { formatBytes, formatCpu, parseQuantity } from "./quantity.js";
import { checkFreeze, checkRollout } from "./rolloutChecks.js";
import { HUB_NAME_PATTERN, NODE_GROUP_NAMES } from "./schema.js";
import { closest } from "./schemaIssues.js";
import { checkFleetTerms, checkHubTerms } from "./termChecks.js";
import { checkTools } from "./toolChecks.js";
import { checkWarmUp } from "./warmUpChecks.js";

/**
 * The cross-field checks. With `broken` (parts that failed the schema, see partial.ts), a
 * check that reads a broken part is skipped, so no problem is reported from a stand-in.
 */
export function checkFleet(fleet: FleetModel, broken: ReadonlySet<Part> = new Set()): Finding[] {
  // A repeated hub name is one mistake, reported once by checkHubNames: the checks that compare
  // what hubs derive from their names (addresses, URLs, cluster-wide objects) see each name once.
  const distinct: FleetModel = { ...fleet, hubs: firstOfEachName(fleet.hubs) };
  const checks: Array<[readonly Part[], () => Finding[]]> = [
    [["cluster"], () => checkNodeGroups(fleet)],
    [["cluster"], () => checkZones(fleet)],
    [["cluster"], () => checkPodNetwork(fleet)],
    [["cluster", "hubDefaults", "hubs"], () => checkServiceCidr(distinct)],
    [["domain", "hubs"], () => checkDomain(fleet)],
    [["domain", "hubs"], () => checkHubNames(fleet)],
    [["domain", "hubDefaults", "hubs"], () => checkClusterWideNames(distinct)],
    [
      ["cluster", "domain", "hubDefaults", "hubs"],
      () => fleet.hubs.flatMap((hub) => checkHub(fleet, hub)),
    ],
    [["cluster", "domain", "tools", "hubDefaults", "hubs"], () => checkTools(fleet)],
    [["cluster", "hubDefaults", "hubs"], () => checkCapacityFields(fleet)],
    [["tools", "hubDefaults", "hubs"], () => checkWarmUp(fleet)],
    [["cluster", "hubDefaults", "hubs"], () => checkGpu(fleet)],
    [
      ["cluster", "domain", "hubDefaults", "hubs", "hubs[]", "datasets", "datasets[]"],
      () => checkDatasets(fleet),
    ],
    [["hubs", "hubs[]", "rollout"], () => checkRollout(fleet)],
    [["freeze"], () => checkFreeze(fleet)],
    [["terms"], () => checkFleetTerms(fleet)],
    [["terms", "hubDefaults", "hubs"], () => checkHubTerms(fleet)],
    [["hubs", "hubs[]"], () => checkChargeCodes(fleet)],
    [["cluster", "tools", "hubs"], () => checkCostPrices(fleet)],
  ];
  return checks.flatMap(([reads, check]) =>
    reads.some((part) => broken.has(part)) ? [] : check(),
  );
}

/** Charge codes on some hubs only: the report's "unassigned" line is then a surprise. */
function checkChargeCodes(fleet: FleetModel): Finding[] {
  const coded = fleet.hubs.filter((h) => h.chargeCode !== undefined);
  const missing = fleet.hubs.filter((h) => h.chargeCode === undefined);
  const first = missing[0];
  if (coded.length === 0 || first === undefined) return [];
  return [
    warning(
      ["hubs", first.index],
      `${coded.length} of ${fleet.hubs.length} hubs have a chargeCode; ${missing.map((h) => h.name).join(", ")} ${missing.length === 1 ? "has" : "have"} none, so \`hubfleet cost\` lists ${missing.length === 1 ? "it" : "them"} under "unassigned"`,
      "give every hub a chargeCode (or none at all)",
    ),
  ];
}

/** The cost rules price nodes from the fleet's table: a type it has no price for costs nothing. */
function checkCostPrices(fleet: FleetModel): Finding[] {
  if (fleet.cluster.provider !== "eks" || !fleet.tools.monitoring.enabled) return [];
  if (fleet.hubs.length === 0) return [];
  const region = fleet.cluster.region;
  const prices = fleetPriceTable(fleet.spec).regions[region]?.ec2Hourly ?? {};
  const groups = [...Object.values(fleet.nodeGroups), ...(fleet.gpuGroup ? [fleet.gpuGroup] : [])];
  return groups
    .filter((g) => prices[g.instanceType] === undefined)
    .map((g) =>
      warning(
        ["cluster", "nodeGroups", g.name, "instanceType"],
        `hubfleet's price table has no on-demand price for ${g.instanceType} in ${region}: the cost rules (\`hubfleet cost\`, the dashboard's Cost row) count these nodes as free`,
        `add its price under prices.regions.${region}.ec2Hourly in the fleet file, use an instance type the table prices (plan-capacity lists its sources), or read the report knowing these nodes are missing`,
      ),
    );
}

function firstOfEachName(hubs: readonly Hub[]): Hub[] {
  const seen = new Set<string>();
  return hubs.filter((hub) => !seen.has(hub.name) && seen.add(hub.name) !== undefined);
}

function checkNodeGroups(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const groups = [...NODE_GROUP_NAMES.map((n) => fleet.nodeGroups[n]), fleet.gpuGroup];
  for (const group of groups) {
    if (!group) continue;
    const name = group.name;
    const path = ["cluster", "nodeGroups", name];
    if (group.minSize > group.maxSize) {
      findings.push(
        error(
          [...path, "minSize"],
          `minSize ${group.minSize} is larger than maxSize ${group.maxSize}`,
          "make minSize <= maxSize",
        ),
      );
    }
    if (group.desiredCapacity < group.minSize || group.desiredCapacity > group.maxSize) {
      findings.push(
        error(
          [...path, "desiredCapacity"],
          `desiredCapacity ${group.desiredCapacity} is outside minSize..maxSize (${group.minSize}..${group.maxSize})`,
        ),
      );
    }
    if ((name === "clustertools" || name === "jhcontrolplane") && group.maxSize < 1) {
      findings.push(error([...path, "maxSize"], `the ${name} group needs at least one node`));
    }
    findings.push(...checkMaxPods(group, path));
  }
  return findings;
}

/**
 * maxPodsPerNode against the instance type: above the VPC CNI's limit the pods need prefix
 * delegation (hubfleet turns it on), which only Nitro types have and EKS caps at 110 or 250.
 * Whether the per-node agents leave room under it is the capacity check's question.
 */
function checkMaxPods(group: FleetModel["nodeGroups"]["jhusers"], path: string[]): Finding[] {
  const type = lookupInstanceType(group.instanceType);
  const max = group.maxPodsPerNode;
  if (!type) return [];
  const addressable = maxPodsOf(type, group.podNetwork);
  if (max === undefined || max <= addressable) return [];
  if (type.maxPodsPrefixDelegation <= type.maxPods) {
    return [
      error(
        [...path, "maxPodsPerNode"],
        `maxPodsPerNode ${max} is above the ${addressable} pods a ${type.name} node can give addresses to${group.podNetwork === "custom" ? " with custom networking" : ""}, and ${type.name} has no prefix delegation (not a Nitro type)`,
        `lower maxPodsPerNode to ${addressable} or less, or pick a Nitro instance type (e.g. ${type.category === "gpu" ? "g5.xlarge" : "m7i.xlarge"})`,
      ),
    ];
  }
  if (max > type.maxPodsPrefixDelegation) {
    return [
      error(
        [...path, "maxPodsPerNode"],
        `maxPodsPerNode ${max} is above ${type.maxPodsPrefixDelegation}, the most EKS recommends for a ${type.name} node (${type.vcpu} vCPUs) with prefix delegation`,
        `lower maxPodsPerNode to ${type.maxPodsPrefixDelegation} or less, or pick an instance type with more than 30 vCPUs (EKS recommends up to 250 pods there)`,
      ),
    ];
  }
  return [];
}

/**
 * GPU servers: a hub that offers one needs the GPU group, whose type must have NVIDIA GPUs
 * (the profile asks for nvidia.com/gpu) and enough of them for one server.
 */
function checkGpu(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const group = fleet.gpuGroup;
  const groupPath = ["cluster", "nodeGroups", "jhgpu"];
  const type = group ? lookupInstanceType(group.instanceType) : undefined;
  if (group && fleet.cluster.provider !== "eks") {
    findings.push(
      error(
        groupPath,
        "a GPU node group needs an EKS cluster: a local (kind) cluster has no GPU nodes",
        "remove cluster.nodeGroups.jhgpu (and the hubs' gpu), or set cluster.provider: eks",
      ),
    );
  }
  const nvidia = type?.gpus !== undefined && /nvidia/i.test(type.gpuModel ?? "");
  if (group && type && !nvidia) {
    findings.push(
      error(
        [...groupPath, "instanceType"],
        type.gpus
          ? `${type.name} has ${type.gpuModel} GPUs; GPU servers ask for NVIDIA GPUs (nvidia.com/gpu)`
          : `${type.name} has no GPU`,
        "pick an NVIDIA GPU type, e.g. g4dn.xlarge (T4), g5.xlarge (A10G) or g6.xlarge (L4)",
      ),
    );
  }
  for (const hub of fleet.hubs) {
    if (!hub.gpu) continue;
    const at = hubFieldPath(fleet.spec, hub, ["gpu"]);
    if (!group) {
      findings.push(
        error(
          at,
          `hub ${hub.name} offers a GPU server, but the fleet has no GPU node group`,
          "add cluster.nodeGroups.jhgpu with an NVIDIA GPU instance type (e.g. instanceType: g5.xlarge), or remove gpu",
        ),
      );
    } else if (nvidia && type?.gpus !== undefined && hub.gpu.gpus > type.gpus) {
      findings.push(
        error(
          hubFieldPath(fleet.spec, hub, ["gpu", "gpus"]),
          `a GPU server of hub ${hub.name} asks for ${hub.gpu.gpus} GPUs; a ${type.name} node has ${type.gpus}`,
          `ask for ${type.gpus} or fewer, or pick a GPU type with more GPUs for cluster.nodeGroups.jhgpu`,
        ),
      );
    }
  }
  return findings;
}

function checkZones(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const { region, availabilityZones } = fleet.cluster;
  const zonesPath = ["cluster", "availabilityZones"];
  const seen = new Set<string>();
  for (const [i, zone] of availabilityZones.entries()) {
    if (!/^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/.test(zone) || !zone.startsWith(region)) {
      findings.push(
        error(
          [...zonesPath, i],
          `"${zone}" is not an availability zone of region ${region}`,
          `zones of ${region} look like ${region}a, ${region}b`,
        ),
      );
    }
    if (seen.has(zone)) findings.push(error([...zonesPath, i], `zone "${zone}" is listed twice`));
    seen.add(zone);
  }
  const coreZone = fleet.spec.cluster.nodeGroups.jhcontrolplane.availabilityZone;
  if (coreZone !== undefined && !availabilityZones.includes(coreZone)) {
    findings.push(
      error(
        ["cluster", "nodeGroups", "jhcontrolplane", "availabilityZone"],
        `"${coreZone}" is not one of the cluster's zones (${availabilityZones.join(", ")})`,
        "pick one of cluster.availabilityZones",
      ),
    );
  }
  return findings;
}

function checkServiceCidr(fleet: FleetModel): Finding[] {
  const path = ["cluster", "serviceCIDR"];
  const cidr = parseCidr(fleet.cluster.serviceCIDR);
  if (!cidr) return [error(path, "is not a valid IPv4 CIDR", "use e.g. 10.100.0.0/16")];
  if (cidr.prefix < 12 || cidr.prefix > 24) {
    return [error(path, `prefix /${cidr.prefix} is outside /12../24`, "use e.g. 10.100.0.0/16")];
  }
  if (cidr.base % cidr.size !== 0) {
    return [error(path, "has host bits set", "use the network address, e.g. 10.100.0.0/16")];
  }
  const nodes = parseCidr(fleet.cluster.nodeCIDR);
  if (!nodes) return [error(["cluster", "nodeCIDR"], "is not a valid IPv4 CIDR")];
  return checkDriveAddresses(fleet, cidr);
}

/** Every drive needs its own ClusterIP inside the service range; two hubs must never share one. */
function checkDriveAddresses(fleet: FleetModel, cidr: Cidr): Finding[] {
  const findings: Finding[] = [];
  const owner = new Map<number, Hub>();
  for (const hub of fleet.hubs) {
    const pinned = hub.drive.clusterIP;
    const ip = pinned === undefined ? derivedClusterIP(hub.name, cidr) : parseIPv4(pinned);
    const at = hubFieldPath(fleet.spec, hub, ["drive", "clusterIP"]);
    if (ip === undefined) continue;
    if (
      !cidrContains(cidr, ip) ||
      ip - cidr.base < RESERVED_LOW_ADDRESSES ||
      ip === cidr.base + cidr.size - 1
    ) {
      findings.push(
        error(
          at,
          `${pinned} is not a usable address of the service range ${fleet.cluster.serviceCIDR}`,
          `pick an address inside it, above the first ${RESERVED_LOW_ADDRESSES}`,
        ),
      );
      continue;
    }
    const other = owner.get(ip);
    if (other) {
      findings.push(
        error(
          at,
          `hub "${hub.name}" would get the drive address ${formatIPv4(ip)}, which hub "${other.name}" already has`,
          `pin another address for one of them with drive.clusterIP (inside ${fleet.cluster.serviceCIDR})`,
        ),
      );
    } else {
      owner.set(ip, hub);
    }
  }
  return findings;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

function checkDomain(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const { host, routing, tls } = fleet.domain;
  if (!HOSTNAME.test(host)) {
    findings.push(
      error(
        ["domain", "host"],
        `"${host}" is not a valid host name`,
        "use lower-case DNS labels separated by dots, e.g. hubs.example.edu (no scheme, port or path)",
      ),
    );
  }
  if (tls) {
    const hasSecret = tls.secretName !== undefined;
    const hasFiles = tls.certFile !== undefined || tls.keyFile !== undefined;
    if (hasSecret === hasFiles) {
      findings.push(
        error(
          ["domain", "tls"],
          hasSecret ? "give either secretName or certFile + keyFile, not both" : "is empty",
          "set secretName: NAME, or certFile: PATH and keyFile: PATH",
        ),
      );
    } else if (hasFiles && (tls.certFile === undefined || tls.keyFile === undefined)) {
      findings.push(
        error(
          ["domain", "tls", tls.certFile === undefined ? "certFile" : "keyFile"],
          "certFile and keyFile go together; one is missing",
        ),
      );
    }
  }
  if (routing === "path" && fleet.hubs.length > 1) {
    findings.push(
      warning(
        ["domain", "routing"],
        "path routing puts every hub on one host, so they share one cookie origin: JavaScript a user runs in one hub can reach another hub's cookies",
        "use routing: subdomain (https://<hub>.<host>/) when hubs hold different groups of people",
      ),
    );
  }
  return findings;
}

/**
 * Names that must be unique across the whole cluster: URLs (host + path, including hosts an
 * escape hatch sets) and the cluster-scoped objects derived from hub names.
 */
function checkClusterWideNames(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const urls = new Map<string, Hub>();
  const clusterScoped = new Map<string, Hub>();
  const subdomainHost = fleet.domain.routing === "subdomain" ? fleet.domain.host : undefined;
  for (const hub of fleet.hubs) {
    const path = fleet.domain.routing === "path" ? `/${hub.name}/` : "/";
    for (const host of hubHosts(fleet, hub)) {
      const url = `${host}${path}`;
      const other = urls.get(url);
      if (other && other !== hub) {
        findings.push(
          error(
            ["hubs", hub.index],
            `serves ${url}, which hub "${other.name}" serves too`,
            "give each hub its own host or path",
          ),
        );
      }
      urls.set(url, hub);
    }
    for (const derived of derivedNames(hub.name, subdomainHost)) {
      if (!derived.what.startsWith("z2jh") && !derived.what.includes("PersistentVolume")) continue;
      const key = `${derived.what}/${derived.name}`;
      const other = clusterScoped.get(key);
      if (other && other !== hub) {
        findings.push(
          error(
            ["hubs", hub.index, "name"],
            `the ${derived.what} "${derived.name}" of hub "${hub.name}" is also hub "${other.name}"'s`,
            "rename one of the hubs",
          ),
        );
      }
      clusterScoped.set(key, hub);
    }
  }
  return findings;
}

/** The hosts a hub answers on: its route's host, or what extraValues.ingress.hosts says. */
function hubHosts(fleet: FleetModel, hub: Hub): string[] {
  const ingress = (hub.extraValues as { ingress?: { hosts?: unknown } }).ingress;
  if (Array.isArray(ingress?.hosts))
    return ingress.hosts.filter((h): h is string => typeof h === "string");
  return [
    fleet.domain.routing === "subdomain" ? `${hub.name}.${fleet.domain.host}` : fleet.domain.host,
  ];
}

function checkHubNames(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const firstIndex = new Map<string, number>();
  // The file's list: hubs left out for schema errors still count (see partial.ts).
  if (fleet.spec.hubs.length === 0) {
    findings.push(warning(["hubs"], "the fleet has no hubs", "add a hub under hubs:"));
  }
  const subdomainHost = fleet.domain.routing === "subdomain" ? fleet.domain.host : undefined;
  for (const hub of fleet.hubs) {
    const path = ["hubs", hub.index, "name"];
    if (!HUB_NAME_PATTERN.test(hub.name)) {
      findings.push(
        error(
          path,
          `"${hub.name}" is not a valid hub name`,
          "use lower-case letters, digits and '-', starting with a letter and not ending with '-' (it becomes a namespace and a URL)",
        ),
      );
    } else {
      const tooLong = derivedNames(hub.name, subdomainHost).find((d) => d.name.length > d.max);
      if (tooLong) {
        findings.push(
          error(
            path,
            `"${hub.name}" is too long: the ${tooLong.what} "${tooLong.name}" would have ${tooLong.name.length} characters (at most ${tooLong.max})`,
            "shorten the hub name",
          ),
        );
      }
    }
    if (isReservedNamespace(hub.name)) {
      findings.push(
        error(
          path,
          `"${hub.name}" is a reserved namespace`,
          "choose another name: default, kube-*, velero and cluster-tools belong to the cluster",
        ),
      );
    }
    const first = firstIndex.get(hub.name);
    if (first === undefined) firstIndex.set(hub.name, hub.index);
    else {
      findings.push({
        ...error(
          path,
          `hub name "${hub.name}" is already used by hubs[${first}]`,
          "hub names must be unique: rename one of the two",
        ),
        seeAlso: ["hubs", first, "name"],
      });
    }
  }
  return findings;
}

function checkHub(fleet: FleetModel, hub: Hub): Finding[] {
  const at = (...field: Array<string | number>) => hubFieldPath(fleet.spec, hub, field);
  const findings: Finding[] = [];
  const users = lookupInstanceType(fleet.nodeGroups.jhusers.instanceType);
  const node = groupAllocatable(fleet.nodeGroups.jhusers);

  for (const resource of ["cpu", "memory"] as const) {
    const { guarantee, limit } = hub.resources[resource];
    const g = parseQuantity(guarantee);
    const l = parseQuantity(limit);
    const show = resource === "cpu" ? formatCpu : formatBytes;
    if (g !== undefined && l !== undefined && g > l) {
      findings.push(
        error(
          at("resources", resource, "guarantee"),
          `${resource} guarantee ${guarantee} is above the limit ${limit}`,
          "a guarantee is what a user always gets; make it <= limit",
        ),
      );
    }
    const capacity = node
      ? resource === "cpu"
        ? node.cpuMillis / 1000
        : node.memoryMiB * 2 ** 20
      : undefined;
    if (g !== undefined && capacity !== undefined && g > capacity) {
      findings.push(
        error(
          at("resources", resource, "guarantee"),
          `${resource} guarantee ${guarantee} does not fit on a ${users?.name} user node (${show(capacity)} allocatable)`,
          "lower the guarantee or pick a larger cluster.nodeGroups.jhusers.instanceType",
        ),
      );
    } else if (
      l !== undefined &&
      capacity !== undefined &&
      l > (resource === "cpu" && users ? users.vcpu : capacity)
    ) {
      findings.push(
        warning(
          at("resources", resource, "limit"),
          `${resource} limit ${limit} is more than a ${users?.name} user node has (${show(capacity)} allocatable)`,
        ),
      );
    }
  }
  if (hub.authenticator === undefined) {
    findings.push(
      error(
        ["hubs", hub.index],
        "has no authenticator",
        "set authenticator: in this hub or in hubDefaults (github, oidc, lti13; dummy on local clusters)",
      ),
    );
  } else if (hub.authenticator.type === "dummy" && fleet.cluster.provider !== "local") {
    findings.push(
      error(
        at("authenticator", "type"),
        "the dummy authenticator lets anyone log in; it is refused on a real cluster",
        "use github, oidc or lti13, or set cluster.provider: local to try hubfleet on a laptop",
      ),
    );
  }
  findings.push(...checkAuthenticator(fleet, hub));
  if (hub.image.name.trim() === "") {
    findings.push(
      error(
        at("image", "name"),
        "the image name is empty",
        "name a single-user image, e.g. quay.io/jupyter/scipy-notebook",
      ),
    );
  }
  if (hub.image.tag === "latest" || hub.image.tag.trim() === "") {
    findings.push(
      warning(
        at("image", "tag"),
        `image tag "${hub.image.tag}" is not pinned`,
        "pin a dated tag so every user gets the same image",
      ),
    );
  }
  findings.push(...checkExtraValues(fleet, hub));
  if (hub.culling.every >= hub.culling.timeout) {
    findings.push(
      error(
        at("culling", "every"),
        `the culler runs every ${hub.culling.every} s, not less than the timeout (${hub.culling.timeout} s)`,
        "make culling.every smaller than culling.timeout",
      ),
    );
  }
  return findings;
}

/** Paths hubfleet owns in the chart values: the escape hatch may not set them. */
const OWNED_VALUE_PATHS = [
  ["proxy", "secretToken"],
  ["hub", "cookieSecret"],
  ["hub", "config", "JupyterHub", "cookie_secret"],
  ["hub", "config", "CryptKeeper"],
  ["hub", "config", "ConfigurableHTTPProxy", "auth_token"],
  ["hub", "existingSecret"],
  // The metrics service and its role, whose token apply fills in (tools.monitoring).
  ["hub", "services", "prometheus"],
  ["hub", "loadRoles", "hubfleet-read-metrics"],
];

function checkExtraValues(fleet: FleetModel, hub: Hub): Finding[] {
  const findings: Finding[] = [];
  const chart = z2jhChart(hub.chart.version);
  // An unknown version is the schema's error (with the versions known); no tree to check here.
  const keys = z2jhVersionData(chart.version) ? { version: chart.version } : undefined;
  for (const path of keys ? findUnknownZ2jhKeyPaths(hub.extraValues, keys) : []) {
    const parent = path.slice(0, -1);
    const key = path[path.length - 1] ?? "";
    const known = knownZ2jhKeysAt(parent, keys);
    const close = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? closest(key, known);
    findings.push(
      error(
        hubFieldPath(fleet.spec, hub, ["extraValues", ...path]),
        `"${formatZ2jhPath(path)}" is not a value of the ${chart.name} chart ${chart.version}`,
        close
          ? `did you mean "${formatZ2jhPath([...parent, close])}"?`
          : "check the chart's values reference; the chart rejects unknown keys",
      ),
    );
  }
  for (const path of OWNED_VALUE_PATHS) {
    if (hasPath(hub.extraValues, path)) {
      findings.push(
        error(
          hubFieldPath(fleet.spec, hub, ["extraValues", ...path]),
          `${path.join(".")} is managed by hubfleet (kept in the hub's Secret, stable across renders)`,
          "remove it from extraValues; secrets never go in the fleet file",
        ),
      );
    }
  }
  return findings;
}

function hasPath(value: unknown, path: readonly string[]): boolean {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part))
      return false;
    current = (current as Record<string, unknown>)[part];
  }
  return true;
}
