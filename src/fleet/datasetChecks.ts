/**
 * Checks on the shared data sets that a schema cannot make: names, sources, owners, the hubs'
 * references to them, and their servers' addresses next to the drives'. Pure: findings, never
 * exceptions.
 */

import { isUsableServiceAddress, parseCidr, parseIPv4 } from "../vocabulary/addresses.js";
import { datasetClusterIP, driveClusterIP } from "./addresses.js";
import { error, warning } from "./findings.js";
import { type Dataset, type FleetModel, hubFieldPath } from "./model.js";
import { datasetClientVolumeName, datasetDerivedNames, driveClientVolumeName } from "./names.js";
import type { FieldPath, Finding } from "./problems.js";
import { HUB_NAME_PATTERN } from "./schema.js";
import { closest } from "./schemaIssues.js";

const SOURCES = ["volume", "existingVolume", "nfs"] as const;

export function checkDatasets(fleet: FleetModel): Finding[] {
  // A repeated name is reported once, by checkNames: what is derived from names sees each once.
  const seen = new Set<string>();
  const distinct: FleetModel = {
    ...fleet,
    datasets: fleet.datasets.filter((d) => !seen.has(d.name) && seen.add(d.name) !== undefined),
  };
  return [
    ...checkNames(fleet),
    ...fleet.datasets.flatMap((dataset) => checkDataset(fleet, dataset)),
    ...checkHubReferences(fleet),
    ...checkAddresses(distinct),
    ...checkClientVolumeNames(distinct),
  ];
}

const at = (dataset: Dataset, ...field: Array<string | number>): FieldPath => [
  "datasets",
  dataset.index,
  ...field,
];

function checkNames(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, number>();
  for (const dataset of fleet.datasets) {
    const path = at(dataset, "name");
    if (!HUB_NAME_PATTERN.test(dataset.name)) {
      findings.push(
        error(
          path,
          `"${dataset.name}" is not a valid data set name`,
          "use lower-case letters, digits and '-', starting with a letter and not ending with '-' (it names a server and a folder)",
        ),
      );
    } else {
      const tooLong = datasetDerivedNames(dataset.name).find((d) => d.name.length > d.max);
      if (tooLong) {
        findings.push(
          error(
            path,
            `"${dataset.name}" is too long: the ${tooLong.what} "${tooLong.name}" would have ${tooLong.name.length} characters (at most ${tooLong.max})`,
            "shorten the data set name",
          ),
        );
      }
    }
    const earlier = first.get(dataset.name);
    if (earlier === undefined) first.set(dataset.name, dataset.index);
    else {
      findings.push({
        ...error(
          path,
          `data set name "${dataset.name}" is already used by datasets[${earlier}]`,
          "data set names must be unique: rename one of the two",
        ),
        seeAlso: ["datasets", earlier, "name"],
      });
    }
  }
  return findings;
}

/** A DNS subdomain (RFC 1123), the form of PersistentVolume names; host names are the same, any case. */
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const HOST_NAME = new RegExp(DNS_SUBDOMAIN.source, "i");
const CLUSTER_DNS = /(\.svc|\.cluster\.local)\.?$/i;

function checkDataset(fleet: FleetModel, dataset: Dataset): Finding[] {
  const findings: Finding[] = [...checkSource(fleet, dataset)];
  if (dataset.source.kind === "volume" && dataset.owners.length === 0) {
    findings.push(
      error(
        at(dataset, "owners"),
        "a new data set needs at least one owner: nobody else may write to it, so it would stay empty",
        "add owners: [user-name] (users who may write; everyone else reads)",
      ),
    );
  }
  if (dataset.source.kind === "nfs" && dataset.clusterIP !== undefined) {
    findings.push(
      warning(
        at(dataset, "clusterIP"),
        "clusterIP is ignored: an nfs data set has no server of hubfleet's",
        "remove clusterIP; the hubs' volumes name source.nfs.server",
      ),
    );
  }
  if (dataset.hubs.length === 0) {
    findings.push(
      warning(
        at(dataset, "name"),
        `no hub lists data set "${dataset.name}"`,
        `add it to a hub's datasets (or to hubDefaults.datasets): datasets: [${dataset.name}]`,
      ),
    );
  }
  return findings;
}

function checkSource(fleet: FleetModel, dataset: Dataset): Finding[] {
  const source = fleet.spec.datasets[dataset.index]?.source ?? {};
  const given = SOURCES.filter((kind) => source[kind] !== undefined);
  if (given.length > 1) {
    return [
      error(
        at(dataset, "source"),
        `names ${given.join(" and ")}: a data set has exactly one source`,
        "keep one of volume (a new volume), existingVolume (a PersistentVolume) or nfs (an NFS export)",
      ),
    ];
  }
  const src = dataset.source;
  if (src.kind === "existingVolume" && !DNS_SUBDOMAIN.test(src.volumeName)) {
    return [
      error(
        at(dataset, "source", "existingVolume", "name"),
        `"${src.volumeName}" is not a PersistentVolume name`,
        "give the name `kubectl get pv` shows (lower-case letters, digits, '-' and '.')",
      ),
    ];
  }
  if (src.kind !== "nfs") return [];
  const path = at(dataset, "source", "nfs", "server");
  const looksLikeIp = /^[\d.]+$/.test(src.server);
  if (looksLikeIp ? parseIPv4(src.server) === undefined : !HOST_NAME.test(src.server)) {
    return [
      error(
        path,
        `"${src.server}" is neither an IPv4 address nor a host name`,
        "give the NFS server's address, e.g. 10.0.12.7 or nfs.example.edu (no scheme, port or path)",
      ),
    ];
  }
  if (CLUSTER_DNS.test(src.server)) {
    return [
      error(
        path,
        `"${src.server}" is a cluster DNS name, which nodes cannot resolve: kubelet mounts NFS from the node`,
        "give the Service's ClusterIP, or a host name the nodes resolve",
      ),
    ];
  }
  return [];
}

function checkHubReferences(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const names = fleet.datasets.map((d) => d.name);
  for (const hub of fleet.hubs) {
    const listPath = hubFieldPath(fleet.spec, hub, ["datasets"]);
    const seen = new Set<string>();
    for (const [i, name] of hub.datasets.entries()) {
      if (seen.has(name)) {
        findings.push(
          warning([...listPath, i], `data set "${name}" is listed twice`, "list it once"),
        );
      }
      seen.add(name);
      if (names.includes(name)) continue;
      const close = closest(name, names);
      findings.push(
        error(
          [...listPath, i],
          `there is no data set "${name}"`,
          close
            ? `did you mean "${close}"?`
            : names.length > 0
              ? `declare it under datasets:, or use one of: ${names.join(", ")}`
              : "declare it under datasets: (name, size, source, owners)",
        ),
      );
    }
  }
  return findings;
}

/**
 * A data set's server gets its own ClusterIP, which neither a drive nor another data set may
 * have. (The drives among themselves are checked with the service range.)
 */
function checkAddresses(fleet: FleetModel): Finding[] {
  const cidr = parseCidr(fleet.cluster.serviceCIDR);
  if (!cidr || cidr.prefix < 12 || cidr.prefix > 24 || cidr.base % cidr.size !== 0) return [];
  const findings: Finding[] = [];
  const owner = new Map<number, string>();
  for (const hub of fleet.hubs) {
    const ip = parseIPv4(driveClusterIP(fleet, hub));
    if (ip !== undefined && !owner.has(ip)) owner.set(ip, `hub "${hub.name}"'s drive`);
  }
  for (const dataset of fleet.datasets) {
    if (dataset.source.kind === "nfs") continue;
    const path = at(dataset, dataset.clusterIP === undefined ? "name" : "clusterIP");
    const ip = parseIPv4(datasetClusterIP(fleet, dataset));
    if (ip === undefined) continue;
    if (!isUsableServiceAddress(cidr, ip)) {
      findings.push(
        error(
          path,
          `${dataset.clusterIP} is not a usable address of the service range ${fleet.cluster.serviceCIDR}`,
          "pick an address inside it, above the first 16",
        ),
      );
      continue;
    }
    const other = owner.get(ip);
    if (other) {
      findings.push(
        error(
          path,
          `data set "${dataset.name}" would get the server address ${datasetClusterIP(fleet, dataset)}, which ${other} already has`,
          `pin another address with clusterIP (inside ${fleet.cluster.serviceCIDR}) for the data set or the drive`,
        ),
      );
    } else {
      owner.set(ip, `data set "${dataset.name}"`);
    }
  }
  return findings;
}

/** Each hub's client volumes are cluster-scoped: no two may share a name. */
function checkClientVolumeNames(fleet: FleetModel): Finding[] {
  const findings: Finding[] = [];
  const taken = new Map<string, string>();
  for (const hub of fleet.hubs) taken.set(driveClientVolumeName(hub.name), `hub "${hub.name}"`);
  for (const hub of fleet.hubs) {
    for (const [i, name] of [...new Set(hub.datasets)].entries()) {
      const volume = datasetClientVolumeName(hub.name, name);
      const other = taken.get(volume);
      if (other) {
        findings.push(
          error(
            [...hubFieldPath(fleet.spec, hub, ["datasets"]), i],
            `hub "${hub.name}"'s volume for data set "${name}" would be named "${volume}", as ${other}'s already is`,
            "rename the data set or the hub",
          ),
        );
      }
      taken.set(volume, `the volume of hub "${hub.name}" for data set "${name}"`);
    }
  }
  return findings;
}
