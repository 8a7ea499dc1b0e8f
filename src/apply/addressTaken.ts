/**
 * A drive's or data set server's pinned ClusterIP that another Service already holds: apply
 * checks before writing anything, and explains the API server's refusal should one be taken
 * in between; both name the holder, the fleet-file field that pins the address and a free
 * address to pin there. The API server gives every other Service a random address
 * in the same range, so in a large fleet a derived address can be taken before its hub is
 * applied (docs/performance.md, "What the control plane held").
 */

import { UsageError } from "../errors.js";
import type { FleetModel } from "../fleet/model.js";
import { ClusterError, type KubePort } from "../ports/kube.js";
import { DRIVE } from "../render/hub/drive.js";
import {
  datasetAddressKey,
  driveAddressKey,
  formatIPv4,
  hashedClusterIP,
  isUsableServiceAddress,
  parseCidr,
  parseIPv4,
  RESERVED_LOW_ADDRESSES,
  staticBandSize,
} from "../vocabulary/addresses.js";
import { DATASET_LABEL } from "../vocabulary/labels.js";
import type { KubeObject } from "../vocabulary/objects.js";

/** The API server's words for a requested ClusterIP that another Service holds. */
const TAKEN = /provided IP is already allocated/i;

/** The fleet-file field that pins the Service's address, and the key its address is hashed from. */
export function pinOf(
  fleet: FleetModel,
  object: KubeObject,
): { field: string; key: string } | undefined {
  if (object.kind !== "Service") return undefined;
  const { name, namespace, labels } = object.metadata;
  const dataset = labels?.[DATASET_LABEL];
  if (dataset !== undefined && fleet.datasets.some((d) => d.name === dataset)) {
    return { field: `datasets[name=${dataset}].clusterIP`, key: datasetAddressKey(dataset) };
  }
  if (name === DRIVE && namespace && fleet.hubs.some((h) => h.name === namespace)) {
    return { field: `hubs[name=${namespace}].drive.clusterIP`, key: driveAddressKey(namespace) };
  }
  return undefined;
}

/**
 * The first address derived from `key` with a counter that no Service holds: deterministic, so
 * two runs suggest the same address. Pure. Preferred from the range's static band, where the
 * API server gives out random addresses only once the rest is full, so a pin there stays free
 * as the fleet grows; from the whole range when the band has none left.
 */
export function freeAddress(
  serviceCIDR: string,
  key: string,
  used: ReadonlySet<string>,
): string | undefined {
  const cidr = parseCidr(serviceCIDR);
  if (!cidr) return undefined;
  const band = staticBandSize(cidr) - RESERVED_LOW_ADDRESSES;
  if (band > 0) {
    const start = hashedClusterIP(key, { ...cidr, size: band + RESERVED_LOW_ADDRESSES + 1 });
    for (let n = 0; n < band; n++) {
      const ip =
        cidr.base +
        RESERVED_LOW_ADDRESSES +
        ((start - cidr.base - RESERVED_LOW_ADDRESSES + n) % band);
      if (!used.has(formatIPv4(ip))) return formatIPv4(ip);
    }
  }
  for (let n = 1; n <= 1000; n++) {
    const ip = hashedClusterIP(`${key}#${n}`, cidr);
    const text = formatIPv4(ip);
    if (isUsableServiceAddress(cidr, ip) && !used.has(text)) return text;
  }
  return undefined;
}

/**
 * `err` explained, when it is a taken pinned address of a drive or data set server; otherwise
 * `err` itself. Reads every Service once to name the holder and find a free address.
 */
export async function explainTakenAddress(
  kube: KubePort,
  fleet: FleetModel,
  object: KubeObject,
  err: unknown,
): Promise<unknown> {
  if (!(err instanceof ClusterError) || !TAKEN.test(err.message)) return err;
  const pin = pinOf(fleet, object);
  const spec = object.spec as { clusterIP?: unknown } | undefined;
  const ip = typeof spec?.clusterIP === "string" ? spec.clusterIP : undefined;
  if (!pin || ip === undefined || parseIPv4(ip) === undefined) return err;
  const services = await kube.list("v1", "Service");
  const addressOf = (s: KubeObject) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP;
  const holder = services.find((s) => addressOf(s) === ip);
  const used = new Set(services.map(addressOf).filter((a): a is string => a !== undefined));
  const free = freeAddress(fleet.cluster.serviceCIDR, pin.key, used);
  const held = holder
    ? `Service ${holder.metadata.namespace}/${holder.metadata.name} holds it`
    : "another Service holds it";
  return new Error(
    `Service ${object.metadata.namespace}/${object.metadata.name}: its address ${ip} is already taken (${held}; the API server gives other Services random addresses in the same range). Pin ${pin.field}${free ? ` to a free address, e.g. ${free},` : " to a free address of cluster.serviceCIDR"} and apply again`,
  );
}

/** Apply stopped before writing: pinned addresses of Services still to be created are taken. */
export class AddressTakenError extends UsageError {
  constructor(readonly problems: readonly string[]) {
    super(
      `apply stopped before writing anything: ${problems.length} address(es) hubfleet pins are held by other Services:\n${problems.map((p) => `  ${p}`).join("\n")}`,
      "pin each named field to the free address given (or another free one of cluster.serviceCIDR) and apply again; nothing was changed",
    );
    this.name = "AddressTakenError";
  }
}

/**
 * Before anything is written: each drive or data set Service that does not exist yet, whose
 * pinned address another Service holds. Its volume (a PersistentVolume naming the address)
 * would otherwise be created first and could not change afterwards. One listing of Services.
 */
export async function checkPinnedAddresses(
  kube: KubePort,
  fleet: FleetModel,
  objects: readonly KubeObject[],
): Promise<void> {
  const pinned = objects.filter((o) => pinOf(fleet, o) !== undefined && pinnedIP(o) !== undefined);
  if (pinned.length === 0) return;
  const services = await kube.list("v1", "Service");
  const id = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const existing = new Set(services.map(id));
  const holders = new Map<string, KubeObject>();
  for (const s of services) {
    const ip = pinnedIP(s);
    if (ip !== undefined) holders.set(ip, s);
  }
  const used = new Set(holders.keys());
  const problems: string[] = [];
  for (const object of pinned) {
    if (existing.has(id(object))) continue;
    const ip = pinnedIP(object) as string;
    const holder = holders.get(ip);
    if (!holder) continue;
    const pin = pinOf(fleet, object) as { field: string; key: string };
    const free = freeAddress(fleet.cluster.serviceCIDR, pin.key, used);
    if (free) used.add(free);
    problems.push(
      `${pin.field}: ${ip} (Service ${id(object)}) is held by Service ${id(holder)}; pin ${free ? `a free address, e.g. ${free}` : "a free address of cluster.serviceCIDR"}`,
    );
  }
  if (problems.length > 0) throw new AddressTakenError(problems);
}

function pinnedIP(object: KubeObject): string | undefined {
  const ip = (object.spec as { clusterIP?: unknown } | undefined)?.clusterIP;
  return typeof ip === "string" && parseIPv4(ip) !== undefined ? ip : undefined;
}
