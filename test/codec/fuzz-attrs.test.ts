/**
 * Fuzz: arbitrary bytes and damaged valid attribute runs fed to the attribute
 * decode entry points, over arbitrary [start, end) ranges. Only the codec's
 * own errors may escape; whatever decodes must re-encode to the same bytes.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import {
  AttrCursor, ByteReader, ByteWriter, NLA_TYPE_MASK, attrPathAt, decodeAttrTree, decodeExtAck, decodePolicy,
  encodeExtAck, type NestHint,
} from "@nlwire/codec";
import {
  arbExtAck, arbJunk, arbMutated, arbPolicy, arbValidAttrRun, arbView, attrLengthFields, corpus, encodeTree,
  type Valid,
} from "./arbitraries.js";
import { FUZZ_TIMEOUT, arbPosCode, check, decodeOrCodecError, position, run, sameBytes, withRange } from "./fuzz.js";

const junk = arbView(arbJunk);
const damagedRuns = arbView(arbMutated(corpus(arbValidAttrRun)).map((m) => m.bytes));

const validExtAcks = corpus(
  arbExtAck.map((a): Valid => {
    const w = new ByteWriter();
    encodeExtAck(w, a);
    const bytes = w.finish();
    return { bytes, lengths: attrLengthFields(bytes, 0, bytes.length), flags: 0 };
  }),
);
/** The inside of an ext-ack POLICY nest: a run of NL_POLICY_TYPE_ATTR_* attributes. */
const validPolicies = corpus(
  arbPolicy.map((policy): Valid => {
    const w = new ByteWriter();
    encodeExtAck(w, { policy });
    const bytes = w.finish().subarray(4);
    return { bytes, lengths: attrLengthFields(bytes, 0, bytes.length), flags: 0 };
  }),
);

const HINTS: readonly (NestHint | undefined)[] = [undefined, () => true, () => false, (path, type) => (type + path.length) % 2 === 0];
const arbHint = fc.constantFrom(...HINTS);

function walkAttrs(bytes: Uint8Array, start: number, end: number): void {
  decodeOrCodecError(() => {
    const c = new AttrCursor(new ByteReader(bytes), start, end, ["fuzz"]);
    let last = start;
    let steps = 0;
    while (c.next()) {
      check(c.offset === last && c.valueOffset === c.offset + 4, "attribute where the cursor stood", last, c.offset);
      check(c.valueOffset + c.valueLength <= end, "value inside the run", c.valueOffset, c.valueLength, end);
      check(c.type <= NLA_TYPE_MASK && (c.flags & NLA_TYPE_MASK) === 0, "type and flags split", c.type, c.flags);
      check(c.position > last && c.position <= end, "the cursor advances", last, c.position); // no hang
      last = c.position;
      if (++steps > bytes.length) throw new Error("cursor does not advance");
    }
    check(c.trailing >= 0 && c.trailing < 4, "trailing", c.trailing);
  });
}

function checkTree(bytes: Uint8Array, start: number, end: number, hint: NestHint | undefined): void {
  const tree = decodeOrCodecError(() => decodeAttrTree(new ByteReader(bytes), start, end, hint));
  if (!tree) return;
  check(sameBytes(encodeTree(tree), bytes.subarray(start, end)), "decode → encode is not the identity");
}

const isU32 = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff);
const isBig = (v: unknown) => v === undefined || typeof v === "bigint";

function checkExtAck(bytes: Uint8Array, start: number, end: number): void {
  const a = decodeOrCodecError(() => decodeExtAck(new ByteReader(bytes), start, end));
  if (!a) return;
  check(a.message === undefined || typeof a.message === "string", "message", a.message);
  check(isU32(a.offset) && isU32(a.missingType) && isU32(a.missingNest), "u32 fields", a.offset, a.missingType, a.missingNest);
  check((a.unknown ?? []).every((u) => u.type === 0 || u.type > 6), "known TLVs are not unknown");
}

function checkPolicy(bytes: Uint8Array, start: number, end: number): void {
  const p = decodeOrCodecError(() => decodePolicy(new ByteReader(bytes), start, end, ["fuzz"]));
  if (!p) return;
  check([p.type, p.minLength, p.maxLength, p.policyIdx, p.policyMaxType, p.bitfield32Mask].every(isU32), "u32 fields");
  check([p.minValueS, p.maxValueS, p.minValueU, p.maxValueU, p.mask].every(isBig), "64-bit fields are bigint");
}

function checkPathAt(bytes: Uint8Array, start: number, end: number, target: number, hint: NestHint | undefined): void {
  const path = decodeOrCodecError(() => attrPathAt(new ByteReader(bytes), start, end, target, hint));
  if (path === undefined) return;
  check(path.length > 0 && path.every((t) => Number.isInteger(t) && t >= 0 && t <= NLA_TYPE_MASK), "path", path);
  check(target >= start && target + 4 <= end, "target is an attribute inside the range", target);
}

describe("fuzz: AttrCursor", () => {
  it("arbitrary bytes and ranges", () =>
    run(fc.property(withRange(junk), ({ bytes, start, end }) => walkAttrs(bytes, start, end))), FUZZ_TIMEOUT);
  it("damaged valid runs, arbitrary ranges", () =>
    run(fc.property(withRange(damagedRuns), ({ bytes, start, end }) => walkAttrs(bytes, start, end))), FUZZ_TIMEOUT);
});

describe("fuzz: decodeAttrTree", () => {
  it("arbitrary bytes, ranges and nest hints", () =>
    run(fc.property(withRange(junk), arbHint, ({ bytes, start, end }, hint) => checkTree(bytes, start, end, hint))), FUZZ_TIMEOUT);
  it("damaged valid runs, ranges and nest hints", () =>
    run(fc.property(withRange(damagedRuns), arbHint, ({ bytes, start, end }, hint) => checkTree(bytes, start, end, hint))), FUZZ_TIMEOUT);
});

describe("fuzz: decodeExtAck", () => {
  it("arbitrary bytes and ranges", () =>
    run(fc.property(withRange(junk), ({ bytes, start, end }) => checkExtAck(bytes, start, end))), FUZZ_TIMEOUT);
  it("damaged valid ext-ack TLVs", () =>
    run(fc.property(withRange(arbView(arbMutated(validExtAcks).map((m) => m.bytes))), ({ bytes, start, end }) =>
      checkExtAck(bytes, start, end))), FUZZ_TIMEOUT);
});

describe("fuzz: decodePolicy", () => {
  it("arbitrary bytes and ranges", () =>
    run(fc.property(withRange(junk), ({ bytes, start, end }) => checkPolicy(bytes, start, end))), FUZZ_TIMEOUT);
  it("damaged valid policy attributes", () =>
    run(fc.property(withRange(arbView(arbMutated(validPolicies).map((m) => m.bytes))), ({ bytes, start, end }) =>
      checkPolicy(bytes, start, end))), FUZZ_TIMEOUT);
});

describe("fuzz: attrPathAt", () => {
  const withTarget = (bytes: fc.Arbitrary<Uint8Array>) =>
    fc.tuple(withRange(bytes), arbPosCode, arbHint).map(([x, t, hint]) => ({ x, target: position(t, x.bytes.length, 0), hint }));
  it("arbitrary bytes, ranges and targets", () =>
    run(fc.property(withTarget(junk), ({ x, target, hint }) => checkPathAt(x.bytes, x.start, x.end, target, hint))), FUZZ_TIMEOUT);
  it("damaged valid runs, ranges and targets", () =>
    run(fc.property(withTarget(damagedRuns), ({ x, target, hint }) => checkPathAt(x.bytes, x.start, x.end, target, hint))), FUZZ_TIMEOUT);
});
