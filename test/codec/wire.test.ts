import { endianness } from "node:os";
import { describe, expect, it } from "vitest";
import {
  ByteReader, ByteWriter, GENL_HDRLEN, HOST_LITTLE_ENDIAN, MalformedError, NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN,
  NL_ALIGNTO, TruncatedError, align4, checkIntRange, decodeUtf8, encodeUtf8, intSize, intWireSize, isBigKind,
  isCodecError, isMalformedError, isTruncatedError, padLength, readBitfield32, readInt, writeBitfield32, writeInt,
  type ByteOrder, type IntKind,
} from "@nlwire/codec";
import { atOffset, codecError, expectBytes, hex, toHex, written } from "./helpers.js";

describe("alignment constants", () => {
  it("match linux/netlink.h and linux/genetlink.h", () => {
    expect(NL_ALIGNTO).toBe(4);
    expect(NLMSG_HDRLEN).toBe(16);
    expect(NLA_HDRLEN).toBe(4);
    expect(GENL_HDRLEN).toBe(4);
  });

  it.each([
    [0, 0, 0], [1, 4, 3], [2, 4, 2], [3, 4, 1], [4, 4, 0], [5, 8, 3], [15, 16, 1], [16, 16, 0], [65533, 65536, 3],
  ])("align4(%i) = %i, padLength = %i", (n, aligned, pad) => {
    expect(align4(n)).toBe(aligned);
    expect(padLength(n)).toBe(pad);
    expect(n + padLength(n)).toBe(align4(n));
  });

  it("knows the host byte order (little-endian on this machine)", () => {
    expect(HOST_LITTLE_ENDIAN).toBe(endianness() === "LE");
  });
});

describe("ByteReader", () => {
  // 0x01 0x02 ... 0x10 placed at byteOffset 5 of a buffer full of 0xa5 junk.
  const bytes = atOffset(hex("0102030405060708090a0b0c0d0e0f10"));

  it("reads through the view's byteOffset, in host and network order", () => {
    const r = new ByteReader(bytes);
    expect(bytes.byteOffset).toBe(5);
    expect(r.length).toBe(16);
    expect(r.u8(0)).toBe(0x01);
    expect(r.s8(15)).toBe(0x10);
    expect(r.u16(0)).toBe(0x0201); // host = little-endian here
    expect(r.u16(0, true)).toBe(0x0102); // network order
    expect(r.s16(2, true)).toBe(0x0304);
    expect(r.u32(4)).toBe(0x08070605);
    expect(r.u32(4, true)).toBe(0x05060708);
    expect(r.s32(12, true)).toBe(0x0d0e0f10);
    expect(r.u64(8)).toBe(0x100f0e0d0c0b0a09n);
    expect(r.u64(8, true)).toBe(0x090a0b0c0d0e0f10n);
    expect(r.s64(0, true)).toBe(0x0102030405060708n);
  });

  it("reads signed values as two's complement", () => {
    const r = new ByteReader(hex("ff fe ff 80 00 00 00 ff ff ff ff ff ff ff ff"));
    expect(r.s8(0)).toBe(-1);
    expect(r.s16(1)).toBe(-2); // fe ff
    expect(r.s32(3, true)).toBe(-0x80000000); // 80 00 00 00
    expect(r.s64(7)).toBe(-1n);
  });

  it("honours a big-endian host order when told", () => {
    const r = new ByteReader(bytes, false);
    expect(r.u16(0)).toBe(0x0102);
    expect(r.u32(0)).toBe(0x01020304);
  });

  it("copy() detaches, sub() shares", () => {
    const src = hex("aabbccdd");
    const r = new ByteReader(src);
    const c = r.copy(1, 2);
    const s = r.sub(1, 2);
    src[1] = 0x00;
    expectBytes(c, hex("bbcc"));
    expectBytes(s, hex("00cc"));
  });

  it.each([
    ["u8", (r: ByteReader) => r.u8(16), 16, 1],
    ["u16", (r: ByteReader) => r.u16(15), 15, 2],
    ["s16", (r: ByteReader) => r.s16(15, true), 15, 2],
    ["u32", (r: ByteReader) => r.u32(13), 13, 4],
    ["s32", (r: ByteReader) => r.s32(14), 14, 4],
    ["u64", (r: ByteReader) => r.u64(9), 9, 8],
    ["s64", (r: ByteReader) => r.s64(10, true), 10, 8],
    ["bytes", (r: ByteReader) => r.copy(12, 5), 12, 5],
    ["bytes", (r: ByteReader) => r.sub(0, 17), 0, 17],
  ] as const)("%s past the end raises a TruncatedError with offset and sizes", (what, read, offset, needed) => {
    const e = codecError(() => read(new ByteReader(bytes)));
    expect(e).toBeInstanceOf(TruncatedError);
    const t = e as TruncatedError;
    expect(t.detail).toBe(`${what}: needs ${needed} bytes, ${16 - offset} left`);
    expect(t.offset).toBe(offset);
    expect(t.needed).toBe(needed);
    expect(t.available).toBe(16 - offset);
  });

  it("a negative offset or length is truncated, never a DataView RangeError", () => {
    const r = new ByteReader(bytes);
    expect(codecError(() => r.u8(-1))).toBeInstanceOf(TruncatedError);
    expect(codecError(() => r.u64(-8))).toBeInstanceOf(TruncatedError);
    expect(codecError(() => r.copy(0, -1))).toBeInstanceOf(TruncatedError);
  });

  it("need() names the attribute path in the error", () => {
    const e = codecError(() => new ByteReader(bytes).need(14, 4, "u32", [3, "mtu"]));
    expect(e.path).toEqual([3, "mtu"]);
    expect(e.message).toBe("u32: needs 4 bytes, 2 left at byte 14 (3.mtu)");
    expect(isTruncatedError(e) && !isMalformedError(e) && isCodecError(e)).toBe(true);
  });
});

describe("ByteWriter", () => {
  it("writes every width in host and network order", () => {
    const b = written((w) => {
      w.u8(0x01); // 01
      w.s8(-2); // fe
      w.u16(0x0304); // 04 03
      w.u16(0x0304, true); // 03 04
      w.s16(-2, true); // ff fe
      w.u32(0x05060708); // 08 07 06 05
      w.s32(-1); // ff ff ff ff
      w.u64(0x1112131415161718n, true); // 11 .. 18
      w.s64(-2n); // fe ff ff ff ff ff ff ff
    });
    expectBytes(b, hex("01", "fe", "0403", "0304", "fffe", "08070605", "ffffffff", "1112131415161718", "feffffffffffffff"));
  });

  it("writes host order big-endian when constructed so", () => {
    expectBytes(written((w) => w.u16(0x0102).u32(0x03040506).u64(7n), false), hex("0102", "03040506", "0000000000000007"));
  });

  // Each write crosses the initial 16-byte buffer, so every method has to
  // write into the grown buffer, not the one it replaced.
  it.each([
    ["u8", (w: ByteWriter) => w.u8(0xab), "ab"],
    ["s8", (w: ByteWriter) => w.s8(-1), "ff"],
    ["u16", (w: ByteWriter) => w.u16(0xabcd), "cdab"],
    ["s16", (w: ByteWriter) => w.s16(-2), "feff"],
    ["u32", (w: ByteWriter) => w.u32(0xdeadbeef), "efbeadde"],
    ["s32", (w: ByteWriter) => w.s32(-2), "feffffff"],
    ["u64", (w: ByteWriter) => w.u64(0x0102030405060708n), "0807060504030201"],
    ["s64", (w: ByteWriter) => w.s64(-2n), "feffffffffffffff"],
    ["bytes", (w: ByteWriter) => w.bytes(hex("c0ffee")), "c0ffee"],
    ["zeros", (w: ByteWriter) => w.zeros(3), "000000"],
  ] as const)("%s writes correctly across a buffer growth", (_name, write, expected) => {
    const w = new ByteWriter(16);
    w.bytes(new Uint8Array(15).fill(0x11));
    write(w);
    expect(toHex(w.finish())).toBe("11".repeat(15) + expected);
  });

  it("grows across many doublings and keeps everything written", () => {
    const w = new ByteWriter(16);
    for (let i = 0; i < 1000; i++) w.u32(i);
    const r = new ByteReader(w.finish());
    expect(r.length).toBe(4000);
    for (let i = 0; i < 1000; i++) expect(r.u32(4 * i)).toBe(i);
  });

  it("align() pads with zeros to 4", () => {
    expectBytes(written((w) => w.u8(1).align()), hex("01000000"));
    expectBytes(written((w) => w.u32(1).align()), hex("01000000"));
  });

  it("finish() copies, peek() shares until the next write, reset() starts over", () => {
    const w = new ByteWriter();
    w.u16(0x0102);
    const copy = w.finish();
    const view = w.peek();
    w.reset().u16(0x0304);
    expectBytes(copy, hex("0201"));
    expectBytes(view, hex("0403"));
    expect(w.pos).toBe(2);
  });

  it("back-patches attribute and message lengths (unpadded) and pads after", () => {
    const b = written((w) => {
      const msg = w.beginMessage(0x12, 0x0301, 7, 99);
      const a = w.beginAttr(3);
      w.bytes(encodeUtf8("lo")).u8(0);
      w.endAttr(a);
      w.u8(0xee);
      w.endMessage(msg);
    });
    expectBytes(b, hex(
      "19000000", // nlmsg_len = 25: 16 header + 8 attribute + 1 byte, padding not counted
      "1200", // nlmsg_type = 0x12
      "0103", // nlmsg_flags = 0x301
      "07000000", // nlmsg_seq = 7
      "63000000", // nlmsg_pid = 99
      "0700", // nla_len = 7 (header + "lo\0")
      "0300", // nla_type = 3
      "6c6f00", // "lo\0"
      "00", // attribute padding
      "ee", // one more byte in the message
      "000000", // message padding
    ));
  });

  it("writes nests with NLA_F_NESTED by default, or the flags given", () => {
    const b = written((w) => {
      const n = w.beginNest(1);
      w.endNest(n);
      const m = w.beginNest(2, 0);
      w.endNest(m);
    });
    expectBytes(b, hex("0400", "0180", "0400", "0200"));
    expect(NLA_F_NESTED).toBe(0x8000);
  });

  it("patchU16/patchU32 write host order at an earlier offset", () => {
    const b = written((w) => {
      w.zeros(6);
      w.patchU16(0, 0x0102);
      w.patchU32(2, 0x03040506);
    });
    expectBytes(b, hex("0201", "06050403"));
  });

  it("refuses attributes longer than nla_len can say (65535) instead of wrapping the length", () => {
    const max = new Uint8Array(65535 - 4);
    expect(written((w) => w.attr(1, max)).length).toBe(65536); // 65535 + 1 pad byte
    const big = new Uint8Array(65535 - 3);
    expect(isMalformedError(codecError(() => new ByteWriter().attr(1, big)))).toBe(true);
    const w = new ByteWriter();
    const n = w.beginNest(1);
    w.bytes(big);
    expect(isMalformedError(codecError(() => w.endNest(n)))).toBe(true);
  });
});

/** [kind, value, big-endian bytes, little-endian bytes] */
const SCALARS: readonly (readonly [IntKind, number | bigint, string, string])[] = [
  ["u8", 0, "00", "00"],
  ["u8", 0x2a, "2a", "2a"],
  ["u8", 255, "ff", "ff"],
  ["s8", -1, "ff", "ff"],
  ["s8", -128, "80", "80"],
  ["s8", 127, "7f", "7f"],
  ["u16", 0x1234, "1234", "3412"],
  ["u16", 65535, "ffff", "ffff"],
  ["s16", -2, "fffe", "feff"],
  ["s16", -32768, "8000", "0080"],
  ["u32", 0x12345678, "12345678", "78563412"],
  ["u32", 0xffffffff, "ffffffff", "ffffffff"],
  ["s32", -0x12345678, "edcba988", "88a9cbed"],
  ["s32", -2147483648, "80000000", "00000080"],
  ["u64", 0x0123456789abcdefn, "0123456789abcdef", "efcdab8967452301"],
  ["u64", 9007199254740993n, "0020000000000001", "0100000000002000"], // 2^53 + 1
  ["u64", 18446744073709551615n, "ffffffffffffffff", "ffffffffffffffff"],
  ["s64", -2n, "fffffffffffffffe", "feffffffffffffff"],
  ["s64", -9223372036854775808n, "8000000000000000", "0000000000000080"],
  ["s64", 9223372036854775807n, "7fffffffffffffff", "ffffffffffffff7f"],
  ["uint", 0n, "00000000", "00000000"], // 4 bytes while the value fits
  ["uint", 0xdeadbeefn, "deadbeef", "efbeadde"],
  ["uint", 0x100000000n, "0000000100000000", "0000000001000000"], // 8 bytes from 2^32
  ["uint", 18446744073709551615n, "ffffffffffffffff", "ffffffffffffffff"],
  ["sint", -1n, "ffffffff", "ffffffff"],
  ["sint", 2147483647n, "7fffffff", "ffffff7f"],
  ["sint", -2147483648n, "80000000", "00000080"],
  ["sint", 2147483648n, "0000000080000000", "0000008000000000"], // 8 bytes above s32
  ["sint", -2147483649n, "ffffffff7fffffff", "ffffff7fffffffff"], // 8 bytes below s32
  ["sint", -9223372036854775808n, "8000000000000000", "0000000000000080"],
];

describe("integer kinds (scalar.ts)", () => {
  it("size tables", () => {
    expect([intSize("u8"), intSize("s16"), intSize("u32"), intSize("s64"), intSize("uint"), intSize("sint")]).toEqual([1, 2, 4, 8, 0, 0]);
    expect((["u8", "u16", "u32", "s8", "s16", "s32"] as const).some(isBigKind)).toBe(false);
    expect((["u64", "s64", "uint", "sint"] as const).every(isBigKind)).toBe(true);
    expect(intWireSize("uint", 0xffffffff)).toBe(4);
    expect(intWireSize("uint", 2 ** 32)).toBe(8);
    expect(intWireSize("sint", -(2 ** 31))).toBe(4);
    expect(intWireSize("sint", -(2 ** 31) - 1)).toBe(8);
  });

  // Host order is little-endian here; a writer/reader built with
  // littleEndian=false stands in for a big-endian host.
  for (const hostLE of [true, false]) {
    const host = hostLE ? "little-endian host" : "big-endian host";
    describe(host, () => {
      it.each(SCALARS)(`%s %s`, (kind, value, be, le) => {
        const cases: [ByteOrder, string][] = [["host", hostLE ? le : be], ["big-endian", be], ["little-endian", le]];
        for (const [order, expected] of cases) {
          const w = new ByteWriter(16, hostLE);
          writeInt(w, kind, value, order);
          expect(toHex(w.finish()), order).toBe(expected);
          const bytes = atOffset(hex(expected));
          const got = readInt(new ByteReader(bytes, hostLE), kind, 0, bytes.length, order);
          expect(got, order).toBe(isBigKind(kind) ? BigInt(value) : value);
        }
      });
    });
  }

  it("reads 8-byte uint/sint holding small values (the kernel may send either size)", () => {
    expect(readInt(new ByteReader(hex("0500000000000000")), "uint", 0, 8)).toBe(5n);
    expect(readInt(new ByteReader(hex("ffffffffffffffff")), "sint", 0, 8)).toBe(-1n);
    expect(readInt(new ByteReader(hex("00000005")), "uint", 0, 4, "big-endian")).toBe(5n);
  });

  it("keeps u64 values above 2^53 exactly", () => {
    const v = readInt(new ByteReader(hex("0100000000002000")), "u64", 0, 8);
    expect(typeof v).toBe("bigint");
    expect(v).toBe(2n ** 53n + 1n);
    expect(Number(v)).toBe(2 ** 53); // what a number would have made of it
  });

  it.each([
    ["u8", 2], ["u16", 1], ["u32", 8], ["u64", 4], ["s8", 0], ["s16", 4], ["s32", 2], ["s64", 7], ["uint", 2], ["uint", 6], ["sint", 16],
  ] as const)("%s with a %i-byte value is malformed, naming offset and path", (kind, len) => {
    const e = codecError(() => readInt(new ByteReader(new Uint8Array(32)), kind, 4, len, "host", [2, "x"]));
    expect(e).toBeInstanceOf(MalformedError);
    expect(e.offset).toBe(4);
    expect(e.path).toEqual([2, "x"]);
  });

  it("a right-sized value past the end is truncated", () => {
    const e = codecError(() => readInt(new ByteReader(new Uint8Array(6)), "u32", 4, 4, "host", [9]));
    expect(e).toBeInstanceOf(TruncatedError);
    expect(e.path).toEqual([9]);
    expect((e as TruncatedError).available).toBe(2);
  });

  it.each([
    ["u8", 256], ["u8", -1], ["s8", 128], ["s8", -129], ["u16", 65536], ["s16", -32769], ["u32", 2 ** 32], ["s32", 2 ** 31],
    ["u64", -1n], ["u64", 2n ** 64n], ["s64", 2n ** 63n], ["uint", -1n], ["sint", -(2n ** 63n) - 1n],
    ["u32", 1.5], ["u32", Number.NaN], ["u8", Number.POSITIVE_INFINITY],
  ] as const)("writeInt(%s, %s) is refused with a MalformedError and writes nothing", (kind, value) => {
    const w = new ByteWriter();
    expect(isMalformedError(codecError(() => writeInt(w, kind, value, "host", ["v"])))).toBe(true);
    expect(w.pos).toBe(0);
    expect(() => checkIntRange(kind, value)).toThrow(MalformedError);
  });
});

describe("bitfield32", () => {
  it("is value then selector, host order", () => {
    const b = written((w) => writeBitfield32(w, { value: 0x1, selector: 0x3 }));
    expectBytes(b, hex("01000000", "03000000"));
    expect(readBitfield32(new ByteReader(atOffset(b)), 0, 8)).toEqual({ value: 1, selector: 3 });
  });

  it("takes negative numbers as their u32 bits and reads them back unsigned", () => {
    const b = written((w) => writeBitfield32(w, { value: -1, selector: 0x80000000 }));
    expectBytes(b, hex("ffffffff", "00000080"));
    expect(readBitfield32(new ByteReader(b), 0, 8)).toEqual({ value: 0xffffffff, selector: 0x80000000 });
  });

  it("must be exactly 8 bytes", () => {
    expect(codecError(() => readBitfield32(new ByteReader(new Uint8Array(8)), 0, 4, [7]))).toBeInstanceOf(MalformedError);
    expect(codecError(() => readBitfield32(new ByteReader(new Uint8Array(8)), 4, 8, [7]))).toBeInstanceOf(TruncatedError);
  });
});

describe("strings", () => {
  it.each([
    ["", ""],
    ["eth0", "65746830"],
    ["é", "c3a9"],
    ["\u{1F600}", "f09f9880"],
    ["\uFEFFx", "efbbbf78"], // a leading U+FEFF is text, not a byte-order mark to strip
    ["a".repeat(30) + "é", "61".repeat(30) + "c3a9"], // longer than the ASCII fast path
  ])("%j <-> %s", (text, bytes) => {
    expect(toHex(encodeUtf8(text))).toBe(bytes);
    const b = atOffset(hex("00", bytes, "00"));
    expect(decodeUtf8(b, 1, b.length - 1)).toBe(text);
  });

  it("decodes a sub-range only", () => {
    expect(decodeUtf8(hex("41424344"), 1, 3)).toBe("BC");
  });

  it("replaces invalid UTF-8 on both paths (short and long)", () => {
    expect(decodeUtf8(hex("41ff42"), 0, 3)).toBe("A\uFFFDB");
    const long = hex("41".repeat(30), "c3");
    expect(decodeUtf8(long, 0, long.length)).toBe("A".repeat(30) + "\uFFFD");
  });
});
