/**
 * IPv4 ranges: enough to place each hub's drive at a stable ClusterIP inside the service range.
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
 * A drive's ClusterIP: a hash of the hub name placed in the service range, skipping the reserved
 * low addresses and the last one. The same hub always gets the same address.
 */
export function derivedClusterIP(hubName: string, serviceCidr: Cidr): number {
  const usable = serviceCidr.size - RESERVED_LOW_ADDRESSES - 1;
  const digest = createHash("sha256").update(`hubfleet-drive/${hubName}`).digest();
  return serviceCidr.base + RESERVED_LOW_ADDRESSES + (digest.readUInt32BE(0) % usable);
}
