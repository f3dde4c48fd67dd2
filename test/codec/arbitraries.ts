/**
 * Shared fast-check arbitraries for the codec tests: integer kinds and values,
 * attribute trees, well-formed raw attribute runs and datagrams (built here
 * byte by byte, not with the codec), ext-ack / error / done messages, and
 * mutations of valid inputs for the fuzz tests.
 */
import fc from "fast-check";
import {
  ByteWriter, HOST_LITTLE_ENDIAN, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, NLM_F, NLMSG_DONE,
  NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, encodeAttrTree, encodeDoneMessage, encodeErrorMessage,
  encodeGenlHeader, errnoTable,
  type AttrNode, type AttrTree, type ByteOrder, type DoneMessage, type ErrorMessage, type ExtAck, type IntKind,
  type NetlinkMessage, type NlMsgHeader, type PolicyDescription,
} from "@nlwire/codec";

// ---------------------------------------------------------------- integers

export const INT_KINDS: readonly IntKind[] = ["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint"];
export const BYTE_ORDERS: readonly ByteOrder[] = ["host", "big-endian", "little-endian"];

/** Ranges written out independently of scalar.ts. */
export const INT_RANGE: Readonly<Record<IntKind, readonly [bigint, bigint]>> = {
  u8: [0n, 255n],
  u16: [0n, 65535n],
  u32: [0n, 4294967295n],
  u64: [0n, 18446744073709551615n],
  s8: [-128n, 127n],
  s16: [-32768n, 32767n],
  s32: [-2147483648n, 2147483647n],
  s64: [-9223372036854775808n, 9223372036854775807n],
  uint: [0n, 18446744073709551615n],
  sint: [-9223372036854775808n, 9223372036854775807n],
};

export const BIG_KINDS: ReadonlySet<IntKind> = new Set<IntKind>(["u64", "s64", "uint", "sint"]);

const EDGES = [0n, 1n, -1n, 127n, 128n, 255n, 256n, 32767n, 32768n, 65535n, 65536n, 2n ** 31n - 1n, 2n ** 31n,
  -(2n ** 31n), -(2n ** 31n) - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n,
  -(2n ** 63n), 2n ** 64n - 1n];

/** Values of `kind`, biased to the edges (4/8-byte switch of uint/sint, 2^53). Numbers for narrow kinds. */
export function arbIntValue(kind: IntKind): fc.Arbitrary<number | bigint> {
  const [min, max] = INT_RANGE[kind];
  const edges = EDGES.filter((e) => e >= min && e <= max).concat([min, max]);
  const big = fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(...edges));
  return BIG_KINDS.has(kind) ? big : big.map(Number);
}

/** The wire size of a value, written out independently: uint/sint use 4 bytes when the value fits. */
export function expectedWireSize(kind: IntKind, v: bigint): number {
  switch (kind) {
    case "u8": case "s8": return 1;
    case "u16": case "s16": return 2;
    case "u32": case "s32": return 4;
    case "u64": case "s64": return 8;
    case "uint": return v <= 0xffffffffn ? 4 : 8;
    case "sint": return v >= -(2n ** 31n) && v < 2n ** 31n ? 4 : 8;
  }
}

/** Two's complement bytes of v, most significant first. */
export function bigEndianBytes(v: bigint, size: number): Uint8Array {
  let u = BigInt.asUintN(size * 8, v);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

// ---------------------------------------------------------------- attributes

export const arbAttrType = fc.integer({ min: 0, max: NLA_TYPE_MASK });
const arbLeafFlags = fc.constantFrom(0, NLA_F_NET_BYTEORDER);
const arbNestFlags = fc.constantFrom(NLA_F_NESTED, NLA_F_NESTED | NLA_F_NET_BYTEORDER);
const arbShortTail = fc.uint8Array({ minLength: 1, maxLength: 3 });

/**
 * Attribute nodes in the form decodeAttrTree returns them: leaves carry a
 * value and never NLA_F_NESTED, nests carry NLA_F_NESTED and children, and
 * optionally 1..3 trailing bytes; padding is canonical (no `pad`).
 */
export const arbAttrNode: fc.Arbitrary<AttrNode> = fc.letrec<{ node: AttrNode; leaf: AttrNode; nest: AttrNode }>(
  (tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("nest")),
    leaf: fc.record({ type: arbAttrType, flags: arbLeafFlags, value: fc.uint8Array({ maxLength: 24 }) }),
    nest: fc.record(
      {
        type: arbAttrType,
        flags: arbNestFlags,
        children: fc.array(tie("node"), { maxLength: 4 }),
        trailing: arbShortTail,
      },
      { requiredKeys: ["type", "flags", "children"] },
    ),
  }),
).node;

export const arbAttrTree: fc.Arbitrary<AttrTree> = fc.record(
  { attrs: fc.array(arbAttrNode, { maxLength: 6 }), trailing: arbShortTail },
  { requiredKeys: ["attrs"] },
);

export function encodeTree(tree: AttrTree | readonly AttrNode[]): Uint8Array {
  const w = new ByteWriter();
  encodeAttrTree(w, tree);
  return w.finish();
}

// ---------------------------------------------------------------- raw bytes (not built with the codec)

function u16(v: number): number[] {
  return HOST_LITTLE_ENDIAN ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff];
}
function u32(v: number): number[] {
  const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return HOST_LITTLE_ENDIAN ? b : b.reverse();
}

/** Pad bytes: canonical zeros, or junk (which the codec must keep). */
const arbPadBytes = fc.oneof(fc.constant(new Uint8Array(3)), fc.uint8Array({ minLength: 3, maxLength: 3 }));
/** How a run ends: the last pad complete plus 0..maxTrailing trailing bytes, or the last pad cut short. */
function arbRunEnd(maxTrailing: number) {
  return fc.oneof(
    fc.record({ cut: fc.constant(false), trailing: fc.uint8Array({ maxLength: maxTrailing }) }),
    fc.record({ cut: fc.constant(true), keep: fc.integer({ min: 0, max: 2 }) }),
  );
}
type RunEnd = { cut: false; trailing: Uint8Array } | { cut: true; keep: number };

interface RawAttr {
  type: number;
  flags: number;
  value: Uint8Array | RawRun;
  pad: Uint8Array;
}
interface RawRun {
  attrs: RawAttr[];
  end: RunEnd;
}

const arbRawRun: fc.Arbitrary<RawRun> = fc.letrec<{ run: RawRun; attr: RawAttr }>((tie) => ({
  run: fc.record({ attrs: fc.array(tie("attr"), { maxLength: 5 }), end: arbRunEnd(3) }),
  attr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ type: arbAttrType, flags: arbLeafFlags, value: fc.uint8Array({ maxLength: 20 }), pad: arbPadBytes }),
    fc.record({ type: arbAttrType, flags: arbNestFlags, value: tie("run"), pad: arbPadBytes }),
  ),
})).run;

function serializeRun(run: RawRun): number[] {
  const out: number[] = [];
  run.attrs.forEach((a, i) => {
    const value = a.value instanceof Uint8Array ? Array.from(a.value) : serializeRun(a.value);
    const len = 4 + value.length;
    let pad = Array.from(a.pad.subarray(0, (4 - (len % 4)) % 4));
    if (i === run.attrs.length - 1 && run.end.cut) pad = pad.slice(0, run.end.keep);
    out.push(...u16(len), ...u16(a.type | a.flags), ...value, ...pad);
  });
  if (!run.end.cut) out.push(...run.end.trailing);
  return out;
}

/** Well-formed attribute runs with junk padding, cut-short final padding and trailing bytes. */
export const arbRawAttrRun: fc.Arbitrary<Uint8Array> = arbRawRun.map((r) => Uint8Array.from(serializeRun(r)));

interface RawMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Uint8Array;
  pad: Uint8Array;
}
const arbU16 = fc.integer({ min: 0, max: 0xffff });
const arbU32 = fc.integer({ min: 0, max: 0xffffffff });

/** Well-formed datagrams with junk padding, cut-short final padding and 0..15 trailing bytes. */
export const arbRawDatagram: fc.Arbitrary<Uint8Array> = fc
  .record({
    messages: fc.array(
      fc.record({
        type: arbU16,
        flags: arbU16,
        seq: arbU32,
        pid: arbU32,
        payload: fc.oneof(fc.uint8Array({ maxLength: 40 }), arbRawAttrRun),
        pad: arbPadBytes,
      }),
      { maxLength: 5 },
    ),
    end: arbRunEnd(15),
  })
  .map(({ messages, end }) => {
    const out: number[] = [];
    messages.forEach((m: RawMessage, i) => {
      const len = 16 + m.payload.length;
      let pad = Array.from(m.pad.subarray(0, (4 - (len % 4)) % 4));
      if (i === messages.length - 1 && end.cut) pad = pad.slice(0, end.keep);
      out.push(...u32(len), ...u16(m.type), ...u16(m.flags), ...u32(m.seq), ...u32(m.pid), ...m.payload, ...pad);
    });
    if (!end.cut) out.push(...end.trailing);
    return Uint8Array.from(out);
  });

// ---------------------------------------------------------------- structured messages

export const arbHeader: fc.Arbitrary<NlMsgHeader> = fc.record({
  length: arbU32, type: arbU16, flags: arbU16, seq: arbU32, pid: arbU32,
});

export const arbNetlinkMessages: fc.Arbitrary<NetlinkMessage[]> = fc.array(
  fc.record({ header: arbHeader, payload: fc.uint8Array({ maxLength: 40 }) }),
  { maxLength: 5 },
);

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const s64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** Policy attributes the codec does not know: 0 and 13.. (11 is PAD, which is dropped). */
const arbUnknownPolicyType = fc.oneof(fc.constant(0), fc.integer({ min: 13, max: NLA_TYPE_MASK }));

export const arbPolicy: fc.Arbitrary<PolicyDescription> = fc.record(
  {
    type: arbU32,
    minValueS: s64,
    maxValueS: s64,
    minValueU: u64,
    maxValueU: u64,
    minLength: arbU32,
    maxLength: arbU32,
    policyIdx: arbU32,
    policyMaxType: arbU32,
    bitfield32Mask: arbU32,
    mask: u64,
    unknown: fc.array(
      fc.tuple(arbAttrNode, arbUnknownPolicyType).map(([n, type]) => ({ ...n, type })),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

/** What decodePolicy adds: the name of a known NL_ATTR_TYPE_*. */
const NL_ATTR_TYPE_NAMES = [
  "invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
  "binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint",
];
export function expectedPolicy(p: PolicyDescription): PolicyDescription {
  const name = p.type !== undefined ? NL_ATTR_TYPE_NAMES[p.type] : undefined;
  return name ? { ...p, typeName: name } : p;
}

/** Text the kernel could send: no NUL (MSG is NUL-terminated), sometimes a leading U+FEFF. */
const arbMessageText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 10 }).map((s) => `\uFEFF${s}`),
).filter((s) => !s.includes("\0"));

export const arbExtAck: fc.Arbitrary<ExtAck> = fc.record(
  {
    message: arbMessageText,
    offset: arbU32,
    cookie: fc.uint8Array({ maxLength: 20 }),
    policy: arbPolicy,
    missingType: arbU32,
    missingNest: arbU32,
    unknown: fc.array(
      fc.record({
        type: fc.oneof(fc.constant(0), fc.integer({ min: 7, max: NLA_TYPE_MASK })),
        flags: fc.constantFrom(0, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_F_NESTED | NLA_F_NET_BYTEORDER),
        value: fc.uint8Array({ maxLength: 12 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

export function expectedExtAck(a: ExtAck): ExtAck {
  return a.policy ? { ...a, policy: expectedPolicy(a.policy) } : a;
}

const KNOWN_ERRNOS = errnoTable().map(([n]) => n);
/** Errnos as the wire can carry them: -errno must fit an s32. */
export const arbErrno = fc.oneof(
  fc.constant(0),
  fc.constantFrom(...KNOWN_ERRNOS),
  fc.integer({ min: -(2 ** 31 - 1), max: 2 ** 31 }),
);

export type ErrorInput = Omit<ErrorMessage, "errnoName">;
export type DoneInput = Omit<DoneMessage, "errnoName">;

/** Error messages: full (request payload echoed, nlmsg_len consistent) or capped. */
export const arbErrorMessage: fc.Arbitrary<ErrorInput> = fc
  .record(
    {
      errno: arbErrno,
      request: arbHeader,
      requestPayload: fc.uint8Array({ maxLength: 40 }),
      extAck: arbExtAck,
    },
    { requiredKeys: ["errno", "request"] },
  )
  .map((e) => (e.requestPayload ? { ...e, request: { ...e.request, length: 16 + e.requestPayload.length } } : e));

export const arbDoneMessage: fc.Arbitrary<DoneInput> = fc.record(
  { errno: arbErrno, extAck: arbExtAck },
  { requiredKeys: ["errno"] },
);

export const arbReplyAddress = fc.record({ seq: arbU32, pid: arbU32 });

// ---------------------------------------------------------------- valid corpora for the fuzz tests

/** Size of the fixed header that data messages of `type` carry in the generated corpus. */
export function fixedHeaderLength(type: number): number {
  return ((type - 16) % 5) * 4;
}

type CorpusMessage =
  | { kind: "data"; type: number; flags: number; fixed: Uint8Array; tree: AttrTree }
  | { kind: "genl"; type: number; cmd: number; version: number; tree: AttrTree }
  | { kind: "error"; e: ErrorInput }
  | { kind: "done"; d: DoneInput }
  | { kind: "control"; type: number; flags: number };

const arbCorpusMessage: fc.Arbitrary<CorpusMessage> = fc.oneof(
  fc
    .record({ type: fc.integer({ min: 16, max: 200 }), flags: arbU16, fixed: fc.uint8Array({ minLength: 16, maxLength: 16 }), tree: arbAttrTree })
    .map((m) => ({ kind: "data" as const, ...m, fixed: m.fixed.subarray(0, fixedHeaderLength(m.type)) })),
  fc.record({ type: fc.constant(0x10), cmd: fc.integer({ min: 0, max: 255 }), version: fc.integer({ min: 0, max: 255 }), tree: arbAttrTree })
    .map((m) => ({ kind: "genl" as const, ...m })),
  arbErrorMessage.map((e) => ({ kind: "error" as const, e })),
  arbDoneMessage.map((d) => ({ kind: "done" as const, d })),
  fc.record({ type: fc.constantFrom(NLMSG_NOOP, NLMSG_OVERRUN), flags: arbU16 }).map((m) => ({ kind: "control" as const, ...m })),
);

function writeCorpusMessage(w: ByteWriter, m: CorpusMessage, seq: number): void {
  switch (m.kind) {
    case "data": {
      const at = w.beginMessage(m.type, m.flags, seq, 1234);
      w.bytes(m.fixed);
      encodeAttrTree(w, m.tree);
      w.endMessage(at);
      return;
    }
    case "genl": {
      const at = w.beginMessage(m.type, NLM_F.REQUEST, seq, 1234);
      encodeGenlHeader(w, { cmd: m.cmd, version: m.version, reserved: 0 });
      encodeAttrTree(w, m.tree);
      w.endMessage(at);
      return;
    }
    case "error":
      encodeErrorMessage(w, m.e, { seq, pid: 1234 });
      return;
    case "done":
      encodeDoneMessage(w, m.d, { seq, pid: 1234 });
      return;
    case "control": {
      const at = w.beginMessage(m.type, m.flags, seq, 0);
      w.endMessage(at);
    }
  }
}

/** A valid input plus the offsets of its length fields (nlmsg_len: 4 bytes, nla_len: 2 bytes). */
export interface Valid {
  bytes: Uint8Array;
  lengths: { at: number; size: 2 | 4 }[];
  /** nlmsg_flags for payload-level decoders (decodeError/decodeDone). */
  flags: number;
}

export const arbValidDatagram: fc.Arbitrary<Valid> = fc
  .tuple(fc.array(arbCorpusMessage, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 15 }))
  .map(([msgs, trailing]) => {
    const w = new ByteWriter();
    msgs.forEach((m, i) => writeCorpusMessage(w, m, i + 1));
    w.bytes(trailing);
    const bytes = w.finish();
    return { bytes, lengths: datagramLengthFields(bytes), flags: 0 };
  });

export const arbValidAttrRun: fc.Arbitrary<Valid> = fc
  .oneof(arbAttrTree.map((t) => encodeTree(t)), arbRawAttrRun)
  .map((bytes) => ({ bytes, lengths: attrLengthFields(bytes, 0, bytes.length), flags: 0 }));

/** Payloads of NLMSG_ERROR messages (what decodeError takes), with their flags. */
export const arbValidErrorPayload: fc.Arbitrary<Valid> = fc.tuple(arbErrorMessage, arbReplyAddress).map(([e, to]) => {
  const w = new ByteWriter();
  encodeErrorMessage(w, e, to);
  const msg = w.finish();
  const flags = new DataView(msg.buffer).getUint16(6, HOST_LITTLE_ENDIAN);
  const bytes = msg.subarray(16);
  return { bytes, lengths: errorLengthFields(bytes, 0, bytes.length, flags), flags };
});

/** Payloads of NLMSG_DONE messages, with their flags. */
export const arbValidDonePayload: fc.Arbitrary<Valid> = fc.tuple(arbDoneMessage, arbReplyAddress).map(([d, to]) => {
  const w = new ByteWriter();
  encodeDoneMessage(w, d, to);
  const msg = w.finish();
  const flags = new DataView(msg.buffer).getUint16(6, HOST_LITTLE_ENDIAN);
  const bytes = msg.subarray(16);
  return { bytes, lengths: flags & NLM_F.ACK_TLVS ? attrLengthFields(bytes, 4, bytes.length) : [], flags };
});

// ---------------------------------------------------------------- length-field walkers (tolerant, test-side)

function rd16(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(at, HOST_LITTLE_ENDIAN);
}
function rd32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, HOST_LITTLE_ENDIAN);
}

/** Offsets of every nla_len in [start, end), entering attributes flagged NLA_F_NESTED. */
export function attrLengthFields(b: Uint8Array, start: number, end: number, depth = 0): Valid["lengths"] {
  const out: Valid["lengths"] = [];
  let pos = start;
  while (end - pos >= 4) {
    const len = rd16(b, pos);
    if (len < 4 || len > end - pos) break;
    out.push({ at: pos, size: 2 });
    if (rd16(b, pos + 2) & NLA_F_NESTED && depth < 32) out.push(...attrLengthFields(b, pos + 4, pos + len, depth + 1));
    pos += (len + 3) & ~3;
  }
  return out;
}

function errorLengthFields(b: Uint8Array, start: number, end: number, flags: number): Valid["lengths"] {
  if (end - start < 20) return [];
  const out: Valid["lengths"] = [{ at: start + 4, size: 4 }];
  let tlv = start + 20;
  if (!(flags & NLM_F.CAPPED)) tlv += (rd32(b, start + 4) - 16 + 3) & ~3;
  if (flags & NLM_F.ACK_TLVS && tlv <= end) out.push(...attrLengthFields(b, tlv, end));
  return out;
}

/** Offsets of nlmsg_len fields and of the length fields inside the corpus' messages. */
export function datagramLengthFields(b: Uint8Array): Valid["lengths"] {
  const out: Valid["lengths"] = [];
  let pos = 0;
  while (b.length - pos >= 16) {
    const len = rd32(b, pos);
    if (len < 16 || len > b.length - pos) break;
    out.push({ at: pos, size: 4 });
    const type = rd16(b, pos + 4);
    const flags = rd16(b, pos + 6);
    const end = pos + len;
    if (type === NLMSG_ERROR) out.push(...errorLengthFields(b, pos + 16, end, flags));
    else if (type === NLMSG_DONE && flags & NLM_F.ACK_TLVS) out.push(...attrLengthFields(b, pos + 20, end));
    else if (type === 0x10) out.push(...attrLengthFields(b, pos + 20, end));
    else if (type > 0x10) out.push(...attrLengthFields(b, pos + 16 + fixedHeaderLength(type), end));
    pos += (len + 3) & ~3;
  }
  return out;
}

// ---------------------------------------------------------------- mutations

export type Mutation =
  | { k: "flip"; pos: number; bit: number }
  | { k: "byte"; pos: number; value: number }
  | { k: "length"; which: number; value: number; relative: boolean }
  | { k: "truncate"; keep: number }
  | { k: "append"; bytes: Uint8Array };

/** xorshift32 from a seed: a stream of cheap pseudo-random u32s. */
function prng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const SPECIAL_LENGTHS = [0, 1, 3, 4, 5, 15, 16, 17, 19, 20, 0x7fff, 0xfffc, 0xffff, 0x10000, 0xffffffff];

/** One to four mutations drawn from `seed`: bit flips, byte writes, length-field edits (twice as likely), truncation, appended bytes. */
export function mutationsFromSeed(seed: number): Mutation[] {
  const r = prng(seed);
  const out: Mutation[] = [];
  for (let n = 1 + (r() % 4); n > 0; n--) {
    switch (r() % 6) {
      case 0: out.push({ k: "flip", pos: r(), bit: r() % 8 }); break;
      case 1: out.push({ k: "byte", pos: r(), value: r() & 0xff }); break;
      case 2: case 3: {
        const mode = r() % 3;
        const value = mode === 0 ? (r() % 17) - 8 : mode === 1 ? SPECIAL_LENGTHS[r() % SPECIAL_LENGTHS.length]! : r();
        out.push({ k: "length", which: r(), value, relative: mode === 0 });
        break;
      }
      case 4: out.push({ k: "truncate", keep: r() }); break;
      default: out.push({ k: "append", bytes: Uint8Array.from({ length: 1 + (r() % 8) }, () => r() & 0xff) });
    }
  }
  return out;
}

/** Applies mutations in order to a copy of a valid input. */
export function mutate(v: Valid, mutations: readonly Mutation[]): Uint8Array {
  let b = v.bytes.slice();
  for (const m of mutations) {
    switch (m.k) {
      case "flip":
        if (b.length) b[m.pos % b.length]! ^= 1 << m.bit;
        break;
      case "byte":
        if (b.length) b[m.pos % b.length] = m.value;
        break;
      case "length": {
        const f = v.lengths[m.which % Math.max(1, v.lengths.length)];
        if (!f || f.at + f.size > b.length) break;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (f.size === 2) {
          const next = m.relative ? dv.getUint16(f.at, HOST_LITTLE_ENDIAN) + m.value : m.value;
          dv.setUint16(f.at, next & 0xffff, HOST_LITTLE_ENDIAN);
        } else {
          const next = m.relative ? dv.getUint32(f.at, HOST_LITTLE_ENDIAN) + m.value : m.value;
          dv.setUint32(f.at, next >>> 0, HOST_LITTLE_ENDIAN);
        }
        break;
      }
      case "truncate":
        b = b.slice(0, m.keep % (b.length + 1));
        break;
      case "append": {
        const next = new Uint8Array(b.length + m.bytes.length);
        next.set(b);
        next.set(m.bytes, b.length);
        b = next;
      }
    }
  }
  return b;
}

/**
 * A corpus of valid inputs, generated once from a fixed seed: building rich
 * valid messages costs far more than damaging them, so the fuzz tests draw
 * from a corpus (like a coverage fuzzer does) and spend their runs on mutations.
 */
export function corpus(valid: fc.Arbitrary<Valid>, size = 250, seed = 0x6e6c): Valid[] {
  return fc.sample(valid, { numRuns: size, seed });
}

/**
 * A valid input from `corpus`, damaged by one to four mutations; flags are
 * sometimes flipped too. The mutations come from a seed (drawing each one
 * through fast-check costs far more than the decode being fuzzed); a failure
 * still prints the damaged bytes.
 */
export function arbMutated(corpus: readonly Valid[]): fc.Arbitrary<{ bytes: Uint8Array; flags: number }> {
  const flips = [0, 0, 0, NLM_F.CAPPED, NLM_F.ACK_TLVS];
  return fc
    .tuple(fc.nat(corpus.length - 1), fc.integer(), fc.nat(flips.length - 1))
    .map(([i, seed, flip]) => {
      const v = corpus[i]!;
      return { bytes: mutate(v, mutationsFromSeed(seed)), flags: v.flags ^ flips[flip]! };
    });
}

/** Bytes from a seed, in one of four styles. */
function expand(len: number, seed: number, style: number): Uint8Array {
  const out = new Uint8Array(len);
  const next = prng(seed);
  const alphabet = [0, 1, 2, 3, 4, 8, 16, 0x80, 0xff];
  for (let i = 0; i < len; i++) {
    const r = next();
    switch (style) {
      case 0: out[i] = r & 0xff; break; // uniform
      case 1: out[i] = alphabet[r % alphabet.length]!; break; // the values netlink headers are made of
      case 2: out[i] = r % 5 === 0 ? r >>> 24 : 0; break; // mostly zeros
      default: { // 4-aligned small lengths (byte 0), small types (byte 2), NLA_F_NESTED now and then (byte 3)
        const k = i % 4;
        out[i] = k === 0 ? r % 24 : k === 2 ? r & 0x0f : k === 3 && r % 3 === 0 ? 0x80 : 0;
      }
    }
  }
  return out;
}

/**
 * Arbitrary bytes: uniform, from a netlink-ish alphabet, mostly zero, or
 * shaped like headers (small lengths and types at 4-byte boundaries).
 * Expanded from a (length, seed) pair, which costs a fraction of generating
 * each byte with fast-check and still shrinks (towards shorter inputs).
 */
export const arbJunk: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.nat(80), fc.integer(), fc.nat(3))
  .map(([len, seed, style]) => expand(len, seed, style));

/** Bytes placed at a random byteOffset of a junk-filled buffer: catches readers that ignore byteOffset. */
export function arbView(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(bytes, fc.nat(8 * 256 - 1)).map(([b, code]) => {
    const off = code % 8;
    const junk = code >> 3;
    const big = new Uint8Array(off + b.length + 8).fill(junk);
    big.set(b, off);
    return big.subarray(off, off + b.length);
  });
}
