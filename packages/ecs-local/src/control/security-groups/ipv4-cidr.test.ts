import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cidrContains, isEveryAddress, parseIpv4Cidr } from "./ipv4-cidr.js";

const range = (text: string) => {
  const parsed = parseIpv4Cidr(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};

describe("parseIpv4Cidr", () => {
  it("reads the network address and the prefix length", () => {
    assert.deepEqual(parseIpv4Cidr("10.0.0.0/16"), { network: 0x0a000000, prefixLength: 16 });
    assert.deepEqual(parseIpv4Cidr("255.255.255.255/32"), {
      network: 0xffffffff,
      prefixLength: 32,
    });
    assert.deepEqual(parseIpv4Cidr("0.0.0.0/0"), { network: 0, prefixLength: 0 });
  });

  it("clears host bits, as EC2 does", () => {
    assert.deepEqual(parseIpv4Cidr("10.0.7.9/16"), parseIpv4Cidr("10.0.0.0/16"));
    assert.deepEqual(parseIpv4Cidr("192.168.1.1/0"), parseIpv4Cidr("0.0.0.0/0"));
  });

  for (const text of [
    "10.0.0.0",
    "10.0.0/16",
    "10.0.0.256/16",
    "10.0.0.0/33",
    "::/0",
    "2001:db8::/32",
    "ten.0.0.0/8",
    "",
  ]) {
    it(`is undefined for ${JSON.stringify(text)}`, () => {
      assert.equal(parseIpv4Cidr(text), undefined);
    });
  }
});

describe("cidrContains", () => {
  const cases: readonly (readonly [outer: string, inner: string, contains: boolean])[] = [
    ["0.0.0.0/0", "10.0.0.0/16", true],
    ["0.0.0.0/0", "0.0.0.0/0", true],
    ["10.0.0.0/16", "10.0.0.0/16", true],
    ["10.0.0.0/8", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.0.3.0/24", true],
    ["10.0.0.0/16", "10.0.0.7/32", true],
    // A narrower rule holds only part of the VPC.
    ["10.0.0.0/24", "10.0.0.0/16", false],
    ["10.1.0.0/16", "10.0.0.0/16", false],
    ["192.168.0.0/16", "10.0.0.0/16", false],
    ["10.0.0.0/16", "0.0.0.0/0", false],
    ["128.0.0.0/1", "200.0.0.0/8", true],
    ["128.0.0.0/1", "10.0.0.0/8", false],
  ];
  for (const [outer, inner, contains] of cases) {
    it(`${outer} ${contains ? "contains" : "does not contain"} ${inner}`, () => {
      assert.equal(cidrContains(range(outer), range(inner)), contains);
    });
  }
});

describe("isEveryAddress", () => {
  it("holds for /0 only", () => {
    assert.equal(isEveryAddress(range("0.0.0.0/0")), true);
    assert.equal(isEveryAddress(range("0.0.0.0/1")), false);
  });
});
