/**
 * Fuzz: the primitive decoders (readInt, readBitfield32, every ByteReader
 * method, address formatting) at arbitrary offsets and lengths, over
 * arbitrary bytes and over damaged valid encodings. Only codec errors may
 * escape; what reads must have read inside the buffer.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  ByteReader, ByteWriter, formatHex, formatIPv4, formatIPv6, formatMac, parseIPv4, parseIPv6, readBitfield32, readInt,
  writeInt,
} from "@nlwire/codec";
import { BYTE_ORDERS, INT_KINDS, arbIntValue, arbJunk, arbMutated, arbView, corpus, type Valid } from "./arbitraries.js";
import { FUZZ_TIMEOUT, check, decodeOrCodecError, run, sameBytes, withOffset } from "./fuzz.js";

const junk = arbView(arbJunk);
const arbLength = fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(16, 2 ** 31, -(2 ** 31)));
const arbPath = fc.array(fc.oneof(fc.nat(0x3fff), fc.string({ maxLength: 4 })), { maxLength: 3 });

/** Valid integer encodings of every kind and order, to be damaged. */
const validInts = corpus(
  fc.constantFrom(...INT_KINDS).chain((kind) =>
    fc.tuple(fc.constant(kind), fc.constantFrom(...BYTE_ORDERS), arbIntValue(kind)).map(([k, order, value]): Valid => {
      const w = new ByteWriter();
      writeInt(w, k, value, order);
      return { bytes: w.finish(), lengths: [], flags: 0 };
    }),
  ),
);
const damagedInts = arbView(arbMutated(validInts).map((m) => m.bytes));

function within(bytes: Uint8Array, off: number, len: number): boolean {
  return Number.isInteger(off) && off >= 0 && len >= 0 && off + len <= bytes.length;
}

function checkReadInt(bytes: Uint8Array, kind: (typeof INT_KINDS)[number], off: number, len: number, order: (typeof BYTE_ORDERS)[number], path: (string | number)[], hostLE: boolean) {
  const v = decodeOrCodecError(() => readInt(new ByteReader(bytes, hostLE), kind, off, len, order, path));
  if (v === undefined) return;
  check(within(bytes, off, len), "read inside the buffer", off, len, bytes.length);
  check(typeof v === (["u64", "s64", "uint", "sint"].includes(kind) ? "bigint" : "number"), "value type", kind, v);
}

describe("fuzz: readInt", () => {
  const input = (bytes: fc.Arbitrary<Uint8Array>) =>
    fc
      .tuple(withOffset(bytes), fc.record({
        kind: fc.constantFrom(...INT_KINDS), len: fc.option(arbLength), order: fc.constantFrom(...BYTE_ORDERS), path: arbPath, hostLE: fc.boolean(),
      }))
      .map(([{ bytes: b, off }, x]) => ({ ...x, bytes: b, off, len: x.len ?? b.length - off }));
  it("arbitrary bytes, kinds, offsets, lengths, orders", () =>
    run(fc.property(input(junk), (x) => checkReadInt(x.bytes, x.kind, x.off, x.len, x.order, x.path, x.hostLE))), FUZZ_TIMEOUT);
  it("damaged valid encodings", () =>
    run(fc.property(input(damagedInts), (x) => checkReadInt(x.bytes, x.kind, 0, x.bytes.length, x.order, x.path, x.hostLE))), FUZZ_TIMEOUT);
});

describe("fuzz: readBitfield32", () => {
  const input = (bytes: fc.Arbitrary<Uint8Array>) =>
    fc.tuple(withOffset(bytes), fc.oneof(fc.constant(8), arbLength)).map(([x, len]) => ({ ...x, len }));
  const body = ({ bytes, off, len }: { bytes: Uint8Array; off: number; len: number }) => {
    const b = decodeOrCodecError(() => readBitfield32(new ByteReader(bytes), off, len, ["bf"]));
    if (b) check(len === 8 && within(bytes, off, 8) && b.value >= 0 && b.selector >= 0, "bitfield read inside", off, len);
  };
  it("arbitrary bytes, offsets and lengths", () => run(fc.property(input(junk), body)), FUZZ_TIMEOUT);
  it("damaged valid bitfields", () => {
    const valid = corpus(
      fc.record({ value: fc.nat(), selector: fc.nat() }).map((v): Valid => {
        const w = new ByteWriter();
        w.u32(v.value).u32(v.selector);
        return { bytes: w.finish(), lengths: [], flags: 0 };
      }),
      50,
    );
    run(fc.property(input(arbView(arbMutated(valid).map((m) => m.bytes))), body));
  }, FUZZ_TIMEOUT);
});

const METHODS = ["u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64", "copy", "sub", "need"] as const;
const SIZES: Record<(typeof METHODS)[number], number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, copy: 0, sub: 0, need: 0 };

describe("fuzz: ByteReader methods", () => {
  const input = (bytes: fc.Arbitrary<Uint8Array>) =>
    fc
      .tuple(withOffset(bytes), fc.record({ method: fc.constantFrom(...METHODS), len: arbLength, net: fc.boolean(), hostLE: fc.boolean() }))
      .map(([x, y]) => ({ ...x, ...y }));
  const body = ({ bytes, method, off, len, net, hostLE }: { bytes: Uint8Array; method: (typeof METHODS)[number]; off: number; len: number; net: boolean; hostLE: boolean }) => {
    const r = new ByteReader(bytes, hostLE);
    const out = decodeOrCodecError((): unknown => {
      switch (method) {
        case "copy": return r.copy(off, len);
        case "sub": return r.sub(off, len);
        case "need": r.need(off, len, "fuzz", ["p"]); return null;
        case "u8": return r.u8(off);
        case "s8": return r.s8(off);
        default: return r[method](off, net);
      }
    });
    if (out === undefined) return;
    const size = SIZES[method] || len;
    check(within(bytes, off, size), "read inside the view", method, off, size, bytes.length);
    if (out instanceof Uint8Array) check(sameBytes(out, bytes.subarray(off, off + len)), "bytes read are the view's");
    else if (typeof out === "number") check(Number.isInteger(out), "integer", out);
  };
  it("arbitrary bytes, offsets, lengths", () => run(fc.property(input(junk), body)), FUZZ_TIMEOUT);
  it("damaged valid encodings", () => run(fc.property(input(damagedInts), body)), FUZZ_TIMEOUT);
});

describe("fuzz: address formatting on any length", () => {
  const body = (b: Uint8Array) => {
    const v4 = decodeOrCodecError(() => formatIPv4(b));
    check((v4 !== undefined) === (b.length === 4), "IPv4 needs exactly 4 bytes", b.length);
    if (v4 !== undefined) check(sameBytes(parseIPv4(v4), b), "IPv4 text parses back", v4);
    const v6 = decodeOrCodecError(() => formatIPv6(b));
    check((v6 !== undefined) === (b.length === 16), "IPv6 needs exactly 16 bytes", b.length);
    if (v6 !== undefined) check(sameBytes(parseIPv6(v6), b), "IPv6 text parses back", v6);
    check(formatMac(b).length === Math.max(0, 3 * b.length - 1) && formatHex(b).length === 2 * b.length, "mac/hex lengths");
  };
  const lengths = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }));
  it("arbitrary bytes (4 and 16 bytes often)", () => run(fc.property(arbView(lengths), body)), FUZZ_TIMEOUT);
  it("damaged valid addresses", () => {
    const valid = corpus(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 }))
      .map((bytes): Valid => ({ bytes, lengths: [], flags: 0 })), 100);
    run(fc.property(arbView(arbMutated(valid).map((m) => m.bytes)), body));
  }, FUZZ_TIMEOUT);
});
