import { isIPv6 } from "node:net";
import { describe, expect, it } from "vitest";
import {
  MalformedError, formatHex, formatIPv4, formatIPv6, formatMac, parseHex, parseIPv4, parseIPv6, parseMac,
} from "@nlwire/codec";
import { codecError, expectBytes, hex } from "./helpers.js";

describe("IPv4", () => {
  it.each([
    ["c0000201", "192.0.2.1"],
    ["00000000", "0.0.0.0"],
    ["ffffffff", "255.255.255.255"],
    ["7f000001", "127.0.0.1"],
    ["0a00ff09", "10.0.255.9"],
  ])("%s <-> %s", (bytes, text) => {
    expect(formatIPv4(hex(bytes))).toBe(text);
    expectBytes(parseIPv4(text), hex(bytes));
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "1..2.3", "a.b.c.d", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1e2.0.0.1"])(
    "rejects %j", (text) => expect(() => parseIPv4(text)).toThrow(SyntaxError),
  );

  it.each([0, 3, 5, 16])("formatting %i bytes is a MalformedError", (n) => {
    expect(codecError(() => formatIPv4(new Uint8Array(n)))).toBeInstanceOf(MalformedError);
  });
});

describe("IPv6 (RFC 5952 text)", () => {
  it.each([
    // bytes, canonical text
    ["20010db8000000000000000000000001", "2001:db8::1"], // leading zeros dropped, longest zero run as ::
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["00010000000000000000000000000000", "1::"],
    ["fe800000000000000000000000000001", "fe80::1"],
    ["00010002000300040005000600070008", "1:2:3:4:5:6:7:8"], // nothing to compress
    ["20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"], // 5952 4.2.2: a single 0 group is not ::
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"], // 4.2.3: equal runs, the first one wins
    ["20010000000000010000000000000001", "2001:0:0:1::1"], // 4.2.3: the longest run wins
    ["20010db8000000000000abcdef00ab0c", "2001:db8::abcd:ef00:ab0c"], // 4.3: lower case
    ["00000000000000000000ffffc0000201", "::ffff:192.0.2.1"], // IPv4-mapped: dotted tail
    ["00000000000000000000ffff00000000", "::ffff:0.0.0.0"],
    ["000000000000000000010000c0000201", "::1:0:c000:201"], // not mapped (group 5 is 1, not ffff)
    ["0000000000000000ffffffffc0000201", "::ffff:ffff:c000:201"], // not mapped (group 4 non-zero)
    ["000000000000000000000000c0000201", "::c000:201"], // IPv4-compatible (deprecated): plain hex
    ["00000000000100000000000000000000", "0:0:1::"], // the later, longer run
    ["00010000000100000001000000010000", "1:0:1:0:1:0:1:0"], // single zeros only
  ])("%s <-> %s", (bytes, text) => {
    expect(formatIPv6(hex(bytes))).toBe(text);
    expectBytes(parseIPv6(text), hex(bytes));
    expect(isIPv6(text)).toBe(true);
  });

  it.each([
    // other spellings of the same addresses
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "20010db8000000000000000000000001"],
    ["2001:db8:0::1", "20010db8000000000000000000000001"],
    ["2001:DB8::1", "20010db8000000000000000000000001"],
    ["::FFFF:192.0.2.1", "00000000000000000000ffffc0000201"],
    ["::192.0.2.1", "000000000000000000000000c0000201"],
    ["1::192.0.2.1", "000100000000000000000000c0000201"],
    ["1:2:3:4:5:6:192.0.2.1", "000100020003000400050006c0000201"],
    ["1:2:3:4:5:6::8", "00010002000300040005000600000008"], // :: for one group: accepted on input
    ["0:0:0:0:0:0:0:0", "00000000000000000000000000000000"],
  ])("parses %s", (text, bytes) => {
    expectBytes(parseIPv6(text), hex(bytes));
  });

  it.each([
    "", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::", ":1::", "1:", "1:2:3:4:5:6:7:8::",
    "1:2:3:4:5:6:7::8", "fe80::1%eth0", "::ffff:256.0.0.1", "::ffff:1.2.3", "1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5",
    "1.2.3.4::",
  ])("rejects %j", (text) => {
    expect(() => parseIPv6(text)).toThrow(SyntaxError);
    // The same verdict as Node's parser (which accepts zone ids; addresses here have none).
    if (!text.includes("%")) expect(isIPv6(text)).toBe(false);
  });

  it.each([0, 4, 15, 17])("formatting %i bytes is a MalformedError", (n) => {
    expect(codecError(() => formatIPv6(new Uint8Array(n)))).toBeInstanceOf(MalformedError);
  });
});

describe("link-layer addresses and hex", () => {
  it.each([
    ["001b21abcdef", "00:1b:21:ab:cd:ef"],
    ["ffffffffffff", "ff:ff:ff:ff:ff:ff"],
    ["0a", "0a"],
    ["80000248fe800000000000000002c903000f9c01", "80:00:02:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0f:9c:01"], // InfiniBand, 20 bytes
  ])("%s <-> %s", (bytes, text) => {
    expect(formatMac(hex(bytes))).toBe(text);
    expectBytes(parseMac(text), hex(bytes));
  });

  it("parses upper case and single digits", () => {
    expectBytes(parseMac("0:1B:2:aB:c:D"), hex("00", "1b", "02", "ab", "0c", "0d"));
  });

  it.each(["00:1g:00", "00::11", "001:02", "00-1b-21-ab-cd-ef", "00:1b:"])("rejects %j", (text) => {
    expect(() => parseMac(text)).toThrow(SyntaxError);
  });

  it("round-trips an empty link-layer address (tun devices have none)", () => {
    expect(formatMac(new Uint8Array(0))).toBe("");
    expectBytes(parseMac(""), new Uint8Array(0));
  });

  it("hex", () => {
    expect(formatHex(hex("00ff10ab"))).toBe("00ff10ab");
    expect(formatHex(new Uint8Array(0))).toBe("");
    expectBytes(parseHex("00FF 10:ab\n"), hex("00ff10ab"));
    expect(() => parseHex("abc")).toThrow(SyntaxError);
    expect(() => parseHex("zz")).toThrow(SyntaxError);
  });
});
