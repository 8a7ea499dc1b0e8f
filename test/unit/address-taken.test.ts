/** freeAddress: the address apply suggests when a pinned drive address is taken. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freeAddress } from "../../src/apply/addressTaken.js";
import {
  driveAddressKey,
  isUsableServiceAddress,
  parseCidr,
  parseIPv4,
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

  it("gives none for a range it cannot read", () => {
    assert.equal(freeAddress("not-a-cidr", key, new Set()), undefined);
  });
});
