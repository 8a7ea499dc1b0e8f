/**
 * IPv4 ranges and the stable ClusterIPs of drives and data set servers: the arithmetic that
 * validate (is a pinned address usable?) and render (which address does a drive get?) share.
 */
import { createHash } from "node:crypto";

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
  readonly size: number;
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function parseCidr(text: string): Cidr | undefined {
  const [address = "", prefixText = ""] = text.split("/");
  const base = parseIPv4(address);
  const prefix = Number(prefixText);
  if (base === undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) return undefined;
  return { base, prefix, size: 2 ** (32 - prefix) };
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + cidr.size;
}

/**
 * Addresses at the start of the service range that hubfleet never hands out: the API server
 * takes the first, cluster DNS conventionally the tenth.
 */
export const RESERVED_LOW_ADDRESSES = 16;

/**
 * A stable ClusterIP for a key: its hash placed in the service range, skipping the reserved
 * low addresses and the last one. The same key always gets the same address.
 */
export function hashedClusterIP(key: string, serviceCidr: Cidr): number {
  const usable = serviceCidr.size - RESERVED_LOW_ADDRESSES - 1;
  const digest = createHash("sha256").update(key).digest();
  return serviceCidr.base + RESERVED_LOW_ADDRESSES + (digest.readUInt32BE(0) % usable);
}

/**
 * How many addresses at the start of the service range the kube-apiserver keeps for Services
 * that ask for an address: it hands out random addresses from the rest first, and from these
 * only when the rest is full (Kubernetes 1.26+, "reserved IP range for static allocation"):
 * size / 16, at least 16 and at most 256; none for ranges under 16 addresses.
 */
export function staticBandSize(serviceCidr: Cidr): number {
  if (serviceCidr.size < 16) return 0;
  return Math.min(256, Math.max(16, Math.floor(serviceCidr.size / 16)));
}

/** Whether hubfleet may hand out this address of the service range (see hashedClusterIP). */
export function isUsableServiceAddress(serviceCidr: Cidr, ip: number): boolean {
  return (
    cidrContains(serviceCidr, ip) &&
    ip - serviceCidr.base >= RESERVED_LOW_ADDRESSES &&
    ip !== serviceCidr.base + serviceCidr.size - 1
  );
}

/** What a hub's drive address is hashed from. */
export const driveAddressKey = (hubName: string): string => `hubfleet-drive/${hubName}`;
/** What a data set server's address is hashed from. */
export const datasetAddressKey = (dataset: string): string => `hubfleet-dataset/${dataset}`;

/** A drive's ClusterIP, derived from its hub's name. */
export function derivedClusterIP(hubName: string, serviceCidr: Cidr): number {
  return hashedClusterIP(driveAddressKey(hubName), serviceCidr);
}
