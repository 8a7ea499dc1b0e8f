/** freeAddress: the address apply suggests when a pinned drive address is taken. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freeAddress } from "../../src/apply/addressTaken.js";
import {
  driveAddressKey,
  formatIPv4,
  isUsableServiceAddress,
  parseCidr,
  parseIPv4,
  RESERVED_LOW_ADDRESSES,
  staticBandSize,
} from "../../src/vocabulary/addresses.js";

describe("freeAddress", () => {
  const cidr = "10.100.0.0/16";
  const key = driveAddressKey("stat101");

  it("is the same for the same key and taken addresses, and usable in the range", () => {
    const a = freeAddress(cidr, key, new Set());
    assert.ok(a);
    assert.equal(freeAddress(cidr, key, new Set()), a);
    const range = parseCidr(cidr);
    assert.ok(range && isUsableServiceAddress(range, parseIPv4(a) as number));
  });

  it("skips an address another Service holds", () => {
    const first = freeAddress(cidr, key, new Set()) as string;
    const next = freeAddress(cidr, key, new Set([first]));
    assert.ok(next);
    assert.notEqual(next, first);
  });

  it("differs between hubs", () => {
    assert.notEqual(
      freeAddress(cidr, driveAddressKey("cs480"), new Set()),
      freeAddress(cidr, key, new Set()),
    );
  });

  it("prefers the static band the API server fills last, then the rest of the range", () => {
    const range = parseCidr(cidr);
    assert.ok(range);
    const band = staticBandSize(range);
    assert.equal(band, 256);
    const offset = (ip: string | undefined) => (parseIPv4(ip ?? "") as number) - range.base;
    const first = freeAddress(cidr, key, new Set()) as string;
    assert.ok(offset(first) >= RESERVED_LOW_ADDRESSES && offset(first) < band, first);
    const wholeBand = new Set(Array.from({ length: band }, (_, i) => formatIPv4(range.base + i)));
    const outside = freeAddress(cidr, key, wholeBand);
    assert.ok(offset(outside) >= band, outside);
  });

  it("sizes the static band as the API server does", () => {
    const size = (c: string) =>
      staticBandSize(parseCidr(c) as NonNullable<ReturnType<typeof parseCidr>>);
    assert.deepEqual(
      ["10.0.0.0/29", "10.0.0.0/28", "10.0.0.0/23", "10.0.0.0/20", "10.0.0.0/12"].map(size),
      [0, 16, 32, 256, 256],
    );
  });

  it("gives none for a range it cannot read", () => {
    assert.equal(freeAddress("not-a-cidr", key, new Set()), undefined);
  });
});
