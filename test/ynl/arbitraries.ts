import fc from "fast-check";
import type { AttrModel, AttrType, DisplayHint, EnumModel, FamilyModel, MemberModel, StructModel } from "@nlwire/codec";

/**
 * fast-check arbitraries derived from a resolved FamilyModel: for every
 * attribute set, struct and fixed header, the values the interpreter
 * (codec/src/ynl/compile.ts) produces when it decodes well-formed wire data.
 * A value drawn from here must survive encode → decode unchanged and
 * re-encode to the same bytes.
 *
 * Everything is generated in its canonical decoded form, written here
 * independently of the codec's own formatters:
 *  - u8..u32 and s8..s32 are numbers; u64, s64, uint and sint are bigints;
 *    an integer with an address hint (u32 ipv4) is the text of its bytes;
 *  - an integer with an enum is the entry's name, or a number no entry has;
 *  - an integer with a flags enum (or enum-as-flags) is a list of names in
 *    the enum's order, then at most one "0x…" entry for the bits no name has;
 *  - binaries with an ipv4/ipv6/mac/uuid hint are text when the length fits
 *    the hint (RFC 5952 for IPv6, lower-case hex), bytes otherwise;
 *  - a flag is `true`, a nest is an object, a multi-attr an array, an
 *    indexed-array an array, a nest-type-value an object keyed by the ids;
 *  - a sub-message is the object of the format its selector names (merged
 *    with its fixed header), or bytes when no format matches.
 *
 * The spec's `checks` are not applied: they are the kernel's input policy;
 * the codec encodes and decodes any length or value of the type, and the
 * wider range finds more.
 */

/** What a sub-message's selector looks like to the decoder: String() of the nearest object's property. */
export type SelectorEnv = Readonly<Record<string, string>>;

export interface ArbOptions {
  /** Nesting levels below the top set. Recursive sets (nl80211, tc, devlink) stop here. */
  maxDepth?: number;
  /** Attributes per object at the top; deeper objects get fewer. */
  maxKeys?: number;
}

type Arb = fc.Arbitrary<unknown>;
type Obj = Record<string, unknown>;

const U32_MAX = 0xffff_ffff;
const INT_RANGE: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn], u16: [0n, 0xffffn], u32: [0n, 0xffff_ffffn], u64: [0n, 2n ** 64n - 1n],
  s8: [-0x80n, 0x7fn], s16: [-0x8000n, 0x7fffn], s32: [-(2n ** 31n), 2n ** 31n - 1n], s64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint: [0n, 2n ** 64n - 1n], sint: [-(2n ** 63n), 2n ** 63n - 1n],
};
/** Kinds that decode to bigint (scalar.ts: so that no 64-bit value is ever rounded). */
const BIG_KINDS = new Set(["u64", "s64", "uint", "sint"]);
const INT_KINDS = new Set(Object.keys(INT_RANGE));
/** Bit width of each kind, for flag masks. */
const WIDTH: Record<string, number> = { u8: 8, u16: 16, u32: 32, u64: 64, s8: 7, s16: 15, s32: 31, s64: 63, uint: 64, sint: 63 };

/** Values around the edges of every width, where encodings change (4 vs 8 bytes for uint/sint). */
function edges(kind: string): bigint[] {
  const [lo, hi] = INT_RANGE[kind]!;
  const cands = [lo, hi, 0n, 1n, -1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn,
    2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n), -(2n ** 31n) - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n,
    2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n)];
  return [...new Set(cands.filter((v) => v >= lo && v <= hi))];
}

/** Any value of an integer kind, as the decoder types it. */
export function intArb(kind: string): fc.Arbitrary<number | bigint> {
  const [lo, hi] = INT_RANGE[kind]!;
  const big = fc.oneof(
    { arbitrary: fc.bigInt(lo, hi), weight: 3 },
    { arbitrary: fc.constantFrom(...edges(kind)), weight: 2 },
    // uint/sint: the interesting line is 2^32 (4 or 8 bytes on the wire).
    { arbitrary: fc.bigInt(lo > -(2n ** 40n) ? lo : -(2n ** 40n), hi < 2n ** 40n ? hi : 2n ** 40n), weight: 2 },
  );
  return BIG_KINDS.has(kind) ? big : big.map((v) => Number(v));
}

// ---------------------------------------------------------------------------
// Text forms of display hints, written from the RFCs rather than from the codec.

const hex2 = (x: number) => x.toString(16).padStart(2, "0");

function ipv4Text(b: Uint8Array): string {
  return Array.from(b).join(".");
}

/**
 * RFC 5952: lower case, no leading zeros, "::" for the longest run of two or
 * more zero groups (the first such run on a tie), a single zero group kept
 * as "0", and (section 5) IPv4-mapped addresses with a dotted-quad tail.
 */
export function ipv6Text(b: Uint8Array): string {
  const g = Array.from({ length: 8 }, (_, i) => b[2 * i]! * 256 + b[2 * i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${ipv4Text(b.subarray(12))}`;
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i >= 2 && j - i > best.len) best = { at: i, len: j - i };
    if (j > i) i = j - 1;
  }
  const h = g.map((x) => x.toString(16));
  if (best.at < 0) return h.join(":");
  return `${h.slice(0, best.at).join(":")}::${h.slice(best.at + best.len).join(":")}`;
}

function macText(b: Uint8Array): string {
  return Array.from(b, hex2).join(":");
}

function uuidText(b: Uint8Array): string {
  const h = Array.from(b, hex2).join("");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

/** The decoded form of bytes with a display hint: text when the length fits, else the bytes. */
function hinted(hint: DisplayHint | undefined, b: Uint8Array): unknown {
  switch (hint) {
    case "ipv4": return b.length === 4 ? ipv4Text(b) : b;
    case "ipv6": return b.length === 16 ? ipv6Text(b) : b;
    case "ipv4-or-v6": return b.length === 4 ? ipv4Text(b) : b.length === 16 ? ipv6Text(b) : b;
    case "mac": case "fddi": return b.length > 0 ? macText(b) : b;
    case "uuid": return b.length === 16 ? uuidText(b) : b;
    default: return b;
  }
}

/** 16 bytes that are often IPv6-shaped: runs of zero groups, IPv4-mapped, all zero. */
const ipv6Bytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((gs) => {
    const b = new Uint8Array(16);
    gs.forEach((x, i) => { b[2 * i] = x >> 8; b[2 * i + 1] = x & 0xff; });
    return b;
  }),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.constant(new Uint8Array(16)),
);

/** Bytes for a binary with a hint: mostly of the hint's length, sometimes not. */
function hintedBytesArb(hint: DisplayHint | undefined, maxLength: number): Arb {
  const any = fc.uint8Array({ maxLength });
  const sized = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  let fit: fc.Arbitrary<Uint8Array> | undefined;
  switch (hint) {
    case "ipv4": fit = sized(4); break;
    case "ipv6": fit = ipv6Bytes; break;
    case "ipv4-or-v6": fit = fc.oneof(sized(4), ipv6Bytes); break;
    case "mac": case "fddi": fit = fc.oneof(sized(6), fc.uint8Array({ minLength: 1, maxLength: 20 })); break;
    case "uuid": fit = sized(16); break;
    default: break;
  }
  const bytes = fit ? fc.oneof({ arbitrary: fit, weight: 3 }, { arbitrary: any, weight: 1 }) : any;
  return bytes.map((b) => hinted(hint, b));
}

/**
 * Integers that hold an address (a u32 with display-hint ipv4: conntrack
 * tuples, bond arp-ip-target) decode as the text of their wire bytes, which
 * are in network order whatever byte order the spec gives the integer; a
 * hex hint leaves the number alone.
 */
const ADDRESS_HINTS = new Set(["ipv4", "ipv4-or-v6", "ipv6"]);
const INT_BYTES: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, uint: 4, sint: 4 };

function addressIntArb(kind: string, hint: DisplayHint | undefined): Arb {
  const n = INT_BYTES[kind]!;
  return fc.uint8Array({ minLength: n, maxLength: n }).map((b) => hinted(hint, b));
}

// ---------------------------------------------------------------------------

/** Strings: any Unicode scalar values (no lone surrogates: UTF-8 cannot carry them) and no NUL, which ends a C string. */
function stringArb(maxBytes: number): fc.Arbitrary<string> {
  const s = fc.oneof(
    fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.string({ unit: "grapheme", maxLength: 6 }),
  ).map((x) => x.replace(/\0/g, ""));
  return Number.isFinite(maxBytes) ? s.filter((x) => Buffer.byteLength(x, "utf8") <= maxBytes) : s;
}

export class ModelArbitraries {
  readonly maxDepth: number;
  readonly maxKeys: number;
  private readonly sets = new Map<string, fc.Arbitrary<Obj>>();
  private readonly structs = new Map<string, fc.Arbitrary<Obj>>();
  /** Attribute names some sub-message uses as its selector, and the format values it can name. */
  private readonly selectorValues = new Map<string, Set<string>>();
  /** Per set: selector names that sub-messages below it read from an enclosing object. */
  private readonly needs = new Map<string, Set<string>>();

  constructor(readonly model: FamilyModel, opts: ArbOptions = {}) {
    this.maxDepth = opts.maxDepth ?? 3;
    this.maxKeys = opts.maxKeys ?? 8;
    for (const set of Object.values(model.attrSets)) {
      for (const a of set.attrs) {
        const sm = a.type === "sub-message" && a.subMessage ? model.subMessages[a.subMessage] : undefined;
        if (!sm || !a.selector) continue;
        const vals = this.selectorValues.get(a.selector) ?? new Set<string>();
        for (const f of sm.formats) vals.add(f.value);
        this.selectorValues.set(a.selector, vals);
      }
    }
    this.computeNeeds();
  }

  /** Sets nested in `set` (through nests, arrays, type-value nests and sub-message formats). */
  private children(setName: string): string[] {
    const out: string[] = [];
    for (const a of this.model.attrSets[setName]?.attrs ?? []) {
      if (a.nested && (a.type === "nest" || a.type === "nest-type-value" || (a.type === "indexed-array" && a.subType === "nest"))) out.push(a.nested);
      if (a.type === "sub-message" && a.subMessage) {
        for (const f of this.model.subMessages[a.subMessage]?.formats ?? []) if (f.attributeSet) out.push(f.attributeSet);
      }
    }
    return out;
  }

  /** Fixed point over the (recursive) set graph. */
  private computeNeeds(): void {
    const names = Object.keys(this.model.attrSets);
    for (const n of names) {
      const own = new Set(this.model.attrSets[n]!.attrs.map((a) => a.name));
      const direct = new Set<string>();
      for (const a of this.model.attrSets[n]!.attrs) {
        if (a.type === "sub-message" && a.selector && !own.has(a.selector)) direct.add(a.selector);
      }
      this.needs.set(n, direct);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const n of names) {
        const mine = this.needs.get(n)!;
        for (const c of this.children(n)) {
          for (const x of this.needs.get(c) ?? []) {
            if (!mine.has(x)) { mine.add(x); changed = true; }
          }
        }
      }
    }
  }

  /**
   * Selector attributes of `set` that nests below it read (through the
   * decoder's walk up the enclosing objects): they must come before those
   * nests on the wire, as the kernel puts TCA_KIND first, since the decoder
   * only sees what it has decoded so far.
   */
  private leading(setName: string): Set<string> {
    const below = new Set(this.children(setName).flatMap((c) => [...(this.needs.get(c) ?? [])]));
    return new Set(this.model.attrSets[setName]!.attrs.map((a) => a.name).filter((n) => below.has(n)));
  }

  // -------------------------------------------------------------------------

  /** The decoded form of an integer of `kind` with an optional enum. */
  intValue(kind: string, enumName: string | undefined, asFlags: boolean | undefined): Arb {
    const e = enumName ? this.model.enums[enumName] : undefined;
    if (!e) return intArb(kind);
    return e.flags || asFlags ? this.flagsArb(kind, e, !e.flags) : this.enumArb(kind, e);
  }

  /** Enum values: a name (one that maps back from its value), or a number no entry has. */
  private enumArb(kind: string, e: EnumModel): Arb {
    const [lo, hi] = INT_RANGE[kind]!;
    // Aliases: two names for one value decode to one of them; only that one round-trips (values.ts keeps the last).
    const byValue = new Map<number, string>();
    for (const x of e.entries) byValue.set(x.value, x.name);
    const names = [...byValue.entries()].filter(([v]) => BigInt(v) >= lo && BigInt(v) <= hi).map(([, n]) => n);
    const unknown = intArb(kind).filter((v) => !byValue.has(Number(v)));
    return names.length ? fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 3 }, { arbitrary: unknown, weight: 1 }) : unknown;
  }

  /** Flag sets: names in the enum's order, then "0x…" for the bits no name covers (lower-case hex). */
  private flagsArb(kind: string, e: EnumModel, positions: boolean): Arb {
    const width = WIDTH[kind]!;
    const seen = new Set<bigint>();
    const bits: [bigint, string][] = [];
    for (const x of e.entries) {
      const bit = positions ? 2n ** BigInt(x.value) : BigInt(x.value);
      if (bit === 0n || seen.has(bit)) continue; // a later name for the same bit never decodes
      seen.add(bit);
      if (bit < 2n ** BigInt(width)) bits.push([bit, x.name]);
    }
    const all = (2n ** BigInt(width)) - 1n;
    const unnamed = bits.reduce((m, [b]) => m & ~b, all);
    const extra = unnamed === 0n ? fc.constant(0n) : fc.oneof(
      { arbitrary: fc.constant(0n), weight: 3 },
      { arbitrary: fc.bigInt(0n, all).map((v) => v & unnamed), weight: 1 },
      { arbitrary: fc.integer({ min: 0, max: width - 1 }).map((i) => (1n << BigInt(i)) & unnamed), weight: 1 },
    );
    return fc.tuple(fc.subarray(bits.map(([, n]) => n)), extra).map(([ns, x]) => (x ? [...ns, `0x${x.toString(16)}`] : ns));
  }

  // -------------------------------------------------------------------------

  /** A struct (fixed header, struct binary, nested struct member): every member, since a missing one encodes as zero. */
  struct(name: string): fc.Arbitrary<Obj> {
    let arb = this.structs.get(name);
    if (!arb) {
      const s: StructModel | undefined = this.model.structs[name];
      if (!s) throw new Error(`${this.model.name}: no struct ${name}`);
      const rec: Record<string, Arb> = {};
      for (const m of s.members) if (m.type !== "pad") rec[m.name] = this.member(m);
      arb = fc.record(rec, { noNullPrototype: true }) as fc.Arbitrary<Obj>;
      this.structs.set(name, arb);
    }
    return arb;
  }

  private member(m: MemberModel): Arb {
    if (INT_KINDS.has(m.type)) {
      return ADDRESS_HINTS.has(m.displayHint ?? "") ? addressIntArb(m.type, m.displayHint) : this.intValue(m.type, m.enum, m.enumAsFlags);
    }
    // A flexible array member (MemberModel.flexible): bytes, or an array of its struct, of any length.
    if (m.flexible) return m.struct ? fc.array(fc.constant(null).chain(() => this.struct(m.struct!)), { maxLength: 3 }) : fc.uint8Array({ maxLength: 24 });
    if (m.struct) return fc.constant(null).chain(() => this.struct(m.struct!));
    if (m.type === "string") return stringArb(m.len);
    return fc.uint8Array({ minLength: m.len, maxLength: m.len }).map((b) => hinted(m.displayHint, b));
  }

  // -------------------------------------------------------------------------

  /**
   * The decoded value of attribute set `name`: a random subset of its
   * attributes in random order (selectors that nests below read first).
   * `env` holds the selectors of the enclosing objects; `only` limits the
   * attributes (a message's list); `exclude` drops names a sub-message's
   * fixed header already uses.
   */
  set(name: string, depth = this.maxDepth, env: SelectorEnv = {}, only?: readonly string[], exclude?: ReadonlySet<string>): fc.Arbitrary<Obj> {
    const needs = this.needs.get(name) ?? new Set();
    const relevant = Object.fromEntries(Object.entries(env).filter(([k]) => needs.has(k)));
    const key = `${name}|${depth}|${JSON.stringify(relevant)}|${only?.join(",") ?? "*"}|${[...(exclude ?? [])].join(",")}`;
    let arb = this.sets.get(key);
    if (arb) return arb;
    const s = this.model.attrSets[name];
    if (!s) throw new Error(`${this.model.name}: no attribute set ${name}`);
    const byName = new Map(s.attrs.map((a) => [a.name, a]));
    const eligible = s.attrs.filter((a) =>
      this.generatable(a) && (depth > 0 || !this.nested(a)) && (!only || only.includes(a.name)) && !exclude?.has(a.name));
    const lead = this.leading(name);
    // Big sets (nl80211-attrs has 300+ attributes) get more per object at the top, so that a few
    // dozen runs reach most of them; deeper objects get fewer, which bounds the size of a value.
    const maxKeys = depth >= this.maxDepth ? Math.max(this.maxKeys, Math.ceil(eligible.length / 8)) : Math.max(2, this.maxKeys >> (this.maxDepth - depth));
    arb = fc.shuffledSubarray(eligible, { maxLength: Math.min(eligible.length, maxKeys) }).chain((picked) => {
      // A sub-message needs its selector beside it when the selector belongs to this set: the
      // codec then reads it from this object alone. One that cannot be here (left out by `only`
      // or `exclude`) leaves the sub-message without a format: bytes.
      const chosen = [...picked];
      const unselected = new Set<AttrModel>();
      for (const a of picked) {
        const sel = a.type === "sub-message" && a.selector ? byName.get(a.selector) : undefined;
        if (!sel || chosen.includes(sel)) continue;
        if (eligible.includes(sel)) chosen.push(sel);
        else unselected.add(a);
      }
      const order = [...chosen.filter((a) => lead.has(a.name)), ...chosen.filter((a) => !lead.has(a.name))];
      const selectors = order.filter((a) => this.selectorValues.has(a.name) && !a.multiAttr);
      return fc.tuple(...selectors.map((a) => this.attr(a, depth, env))).chain((selVals) => {
        const inner: Record<string, string> = { ...env };
        selectors.forEach((a, i) => { inner[a.name] = String(selVals[i]); });
        const rest = order.filter((a) => !selectors.includes(a));
        const restArbs = rest.map((a) => (unselected.has(a) ? this.attr(a, depth, {}) : this.attr(a, depth, inner)));
        return fc.tuple(...restArbs).map((restVals) => {
          const o: Obj = {};
          for (const a of order) {
            const i = selectors.indexOf(a);
            o[a.name] = i >= 0 ? selVals[i] : restVals[rest.indexOf(a)];
          }
          return o;
        });
      });
    });
    this.sets.set(key, arb);
    return arb;
  }

  /** Attributes whose value holds another attribute set: left out below the depth limit. */
  private nested(a: AttrModel): boolean {
    if (a.type === "sub-message") return true;
    return !!a.nested && (a.type === "nest" || a.type === "nest-type-value" || (a.type === "indexed-array" && a.subType === "nest"));
  }

  /**
   * Attributes with no plain decoded value: pad and unused decode into the
   * UNKNOWN_ATTRS list (kept as bytes), not under their name.
   */
  generatable(a: AttrModel): boolean {
    return a.type !== "pad" && a.type !== "unused";
  }

  /** The value of one attribute (an array of values for a multi-attr). */
  attr(a: AttrModel, depth: number, env: SelectorEnv): Arb {
    const one = this.value(a, a.type, depth, env);
    // A multi-attr decodes to an array of at least one item (an empty array sends nothing).
    return a.multiAttr ? fc.array(one, { minLength: 1, maxLength: depth > 0 ? 3 : 2 }) : one;
  }

  private value(a: AttrModel, type: AttrType, depth: number, env: SelectorEnv): Arb {
    if (INT_KINDS.has(type)) {
      if (ADDRESS_HINTS.has(a.displayHint ?? "")) return addressIntArb(type, a.displayHint);
      const v = this.intValue(type, a.enum, a.enumAsFlags);
      // A selector: mostly one of the formats its sub-messages know.
      const formats = this.selectorValues.get(a.name);
      if (!formats) return v;
      const e = a.enum ? this.model.enums[a.enum] : undefined;
      const names = [...formats].filter((f) => e?.entries.some((x) => x.name === f));
      return names.length ? fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 4 }, { arbitrary: v, weight: 1 }) : v;
    }
    switch (type) {
      // A flag's `false` cannot round-trip: it means "not sent", so it decodes as absent.
      case "flag": return fc.constant(true);
      case "string": {
        const formats = this.selectorValues.get(a.name);
        const s = stringArb(Infinity);
        return formats ? fc.oneof({ arbitrary: fc.constantFrom(...formats), weight: 4 }, { arbitrary: s, weight: 1 }) : s;
      }
      case "binary":
        if (a.struct && a.subType === "binary" && type === a.type) return fc.array(this.struct(a.struct), { maxLength: 4 });
        if (a.struct) return this.struct(a.struct);
        return hintedBytesArb(a.displayHint, 24);
      case "bitfield32": {
        const u32 = fc.oneof(fc.integer({ min: 0, max: U32_MAX }), fc.constantFrom(0, 1, U32_MAX, 0x8000_0000));
        return fc.record({ value: u32, selector: u32 }, { noNullPrototype: true });
      }
      case "nest":
        if (a.nested && a.struct) return this.headed(a.struct, a.nested, depth, env);
        return a.nested ? this.lazySet(a.nested, depth - 1, env) : hintedBytesArb(a.displayHint, 24);
      case "indexed-array": {
        // Entries have the sub-type; a nest entry is an object of the nested set.
        const sub: AttrModel = { ...a, type: a.subType ?? "binary" };
        delete sub.multiAttr;
        delete sub.subType;
        return fc.array(this.value(sub, sub.type, depth, env), { maxLength: 4 });
      }
      case "nest-type-value":
        return this.typeValue(a, a.typeValue?.length ?? 1, depth, env);
      case "sub-message":
        return this.subMessage(a, depth, env);
      default:
        return fc.uint8Array({ maxLength: 8 });
    }
  }

  /** Builds nested set arbitraries on first draw, so recursive specs do not recurse at construction. */
  private lazySet(name: string, depth: number, env: SelectorEnv, exclude?: ReadonlySet<string>): fc.Arbitrary<Obj> {
    return fc.constant(null).chain(() => this.set(name, depth, env, undefined, exclude));
  }

  /** Objects keyed by attribute-type ids (0..0x3fff: the bits above are NLA_F_*), `levels` deep. */
  private typeValue(a: AttrModel, levels: number, depth: number, env: SelectorEnv): Arb {
    const id = fc.integer({ min: 0, max: 0x3fff }).map(String);
    const leaf: Arb = a.nested ? this.lazySet(a.nested, depth - 1, env) : fc.uint8Array({ maxLength: 8 });
    let arb = leaf;
    for (let i = 0; i < levels; i++) arb = fc.dictionary(id, arb, { maxKeys: 3, noNullPrototype: true });
    return arb;
  }

  /** A struct and then attributes in one object (a sub-message format, or a nest with a header). */
  private headed(struct: string, set: string | undefined, depth: number, env: SelectorEnv): Arb {
    // Attributes whose names a member already has cannot share one object with it
    // (tc netem: tc-netem-qopt.loss and netem-attrs.loss); they are left out.
    const members = new Set(this.model.structs[struct]!.members.map((m) => m.name));
    const attrs = set ? this.lazySet(set, depth - 1, env, members) : fc.constant({});
    return fc.tuple(this.struct(struct), attrs).map(([h, o]) => ({ ...h, ...o }));
  }

  /** A sub-message: the format its selector names, else bytes (no format, or no selector at all). */
  private subMessage(a: AttrModel, depth: number, env: SelectorEnv): Arb {
    const sm = a.subMessage ? this.model.subMessages[a.subMessage] : undefined;
    const sel = a.selector ? env[a.selector] : undefined;
    const f = sel === undefined ? undefined : sm?.formats.find((x) => x.value === sel);
    if (!f) return fc.uint8Array({ maxLength: 16 });
    if (f.fixedHeader) return this.headed(f.fixedHeader, f.attributeSet, depth, env);
    return f.attributeSet ? this.lazySet(f.attributeSet, depth - 1, env) : fc.constant({});
  }
}

/** Plain data for comparing: own string keys only (symbol-keyed wire notes dropped), bytes as Uint8Array. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
