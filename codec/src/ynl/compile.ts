import { NLA_F_NESTED, AttrCursor } from "../attr.js";
import { readBitfield32, writeBitfield32, type Bitfield32 } from "../bitfield.js";
import { EncodeError, MalformedError, atPath, isCodecError, type AttrPath, type CodecError } from "../errors.js";
import type { ByteReader } from "../reader.js";
import { INT_GETTERS, checkIntRange, intSize, intWireSize, readInt, writeInt, type IntKind } from "../scalar.js";
import { decodeUtf8, encodeUtf8, findNul } from "../text.js";
import type { ByteWriter } from "../writer.js";
import type { AttrModel, AttrSetModel, FamilyModel } from "./model.js";
import { jitSet, type SetHelpers, type StructHelpers } from "./jit.js";
import { compileStruct, type StructCodec, type ValueNames } from "./struct.js";
import { formatHinted, hintReader, isAddressHint, naming, parseHinted, type Naming } from "./values.js";

/**
 * The interpreter: attribute sets compiled once into tables of small decode
 * and encode closures, indexed by attribute type.
 *
 * Decoded nests are plain objects keyed by the spec's attribute names, in
 * wire order. What a plain object cannot say is kept under symbols, so that
 * encoding a decoded object gives back the exact bytes: attributes the spec
 * does not know (UNKNOWN_ATTRS), nests sent without NLA_F_NESTED (NEST_FLAGS),
 * and non-canonical encodings such as a string with bytes after its NUL
 * (WIRE_NOTES).
 */

export const UNKNOWN_ATTRS: unique symbol = Symbol.for("nlwire.unknownAttrs");
export const NEST_FLAGS: unique symbol = Symbol.for("nlwire.nestFlags");
export const WIRE_NOTES: unique symbol = Symbol.for("nlwire.wireNotes");
export const ENTRY_TYPES: unique symbol = Symbol.for("nlwire.entryTypes");

/** An attribute kept as bytes: unknown to the spec, a pad, or one that failed to decode. */
export interface UnknownAttr {
  type: number;
  flags: number;
  value: Uint8Array;
  /** Its position among the attributes of its nest. */
  index: number;
  /** Why a known attribute was kept as bytes. */
  problem?: CodecError;
}

export interface WireNotes {
  /** NLA_F_* bits of non-nest attributes that carried any. */
  flags?: Record<string, number>;
  /** Bytes after a string's text (canonical: one NUL) or after a struct. */
  tail?: Record<string, Uint8Array>;
  /** Structs shorter than the spec's layout (from older kernels): their length. */
  cut?: Record<string, number>;
  /** uint/sint sent in 8 bytes although the value fits in 4. */
  wide?: Record<string, true>;
  /** Bytes after the last attribute that cannot hold one. */
  trailing?: Uint8Array;
}

export type Obj = Record<string, unknown> & {
  [UNKNOWN_ATTRS]?: UnknownAttr[];
  [WIRE_NOTES]?: WireNotes;
  [NEST_FLAGS]?: number;
};

export interface DecodeCtx {
  r: ByteReader;
  /** Attribute names from the message down to the current nest. */
  path: (string | number)[];
  /** The objects being filled, outermost first: sub-message selectors are looked up here. */
  parents: Obj[];
  /** Throw on the first odd attribute instead of keeping it as bytes. */
  strict: boolean;
  /** The odd attributes kept as bytes, when not strict. */
  problems?: CodecError[] | undefined;
  /** Set by a value decoder to leave a wire note for the attribute it decoded. */
  tail?: Uint8Array | undefined;
  cut?: number | undefined;
  wide?: boolean | undefined;
}

export interface EncodeCtx {
  path: (string | number)[];
  parents: Obj[];
  /** Wire notes of the attribute being encoded, if any. */
  tail?: Uint8Array | undefined;
  cut?: number | undefined;
  wide?: boolean | undefined;
}

/** What decode returns for a sub-message whose selector has not been seen yet. */
export const DEFER = Symbol("defer");

export interface AttrCodec {
  name: string;
  type: number;
  multi: boolean;
  /** Nest-like attributes carry NLA_F_NESTED by default. */
  nest: boolean;
  /** Kept as bytes (pad, unused). */
  opaque: boolean;
  decode(ctx: DecodeCtx, off: number, len: number): unknown;
  encode(w: ByteWriter, v: unknown, ctx: EncodeCtx): void;
}

export interface SetCodec {
  readonly name: string;
  decode: (ctx: DecodeCtx, start: number, end: number, into?: Obj) => Obj;
  encode(w: ByteWriter, value: Obj, ctx: EncodeCtx): void;
  /** Attribute types by name, for locating attributes (ext-ack paths). */
  attr(name: string): AttrModel | undefined;
  attrByType(type: number): AttrModel | undefined;
}

const INT_KINDS = new Set(["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint"]);

export class FamilyCompiler implements ValueNames {
  private readonly sets = new Map<string, SetCodec>();
  private readonly structs = new Map<string, StructCodec>();
  private readonly namings = new Map<string, Naming>();

  constructor(readonly model: FamilyModel) {}

  naming(enumName: string | undefined, asFlags: boolean | undefined): Naming | undefined {
    if (!enumName) return undefined;
    const key = `${enumName}/${asFlags ? 1 : 0}`;
    let n = this.namings.get(key);
    if (!n) {
      const e = this.model.enums[enumName];
      if (!e) return undefined;
      this.namings.set(key, (n = naming(e, asFlags)));
    }
    return n;
  }

  struct(name: string): StructCodec {
    let s = this.structs.get(name);
    if (!s) {
      const m = this.model.structs[name];
      if (!m) throw new Error(`${this.model.name}: no struct ${name}`);
      this.structs.set(name, (s = compileStruct(m, this)));
    }
    return s;
  }

  private helpers?: StructHelpers;

  /** What compiled struct decoders call back into. */
  jitHelpers(): StructHelpers {
    return (this.helpers ??= {
      naming: (e, f) => this.naming(e, f),
      nested: (name) => {
        const s = this.struct(name);
        return (r, off) => s.read(r, off);
      },
      hint: hintReader,
    });
  }

  private subMessageReach?: Set<string>;

  /** Whether decoding set `name` can reach a sub-message, through any depth of nesting. */
  reachesSubMessage(name: string): boolean {
    if (!this.subMessageReach) {
      // A fixpoint over all sets: recursive nests (tc actions, nl80211) make a simple DFS cache wrong.
      const sets = Object.values(this.model.attrSets);
      const reach = new Set(sets.filter((s) => s.attrs.some((a) => a.type === "sub-message")).map((s) => s.name));
      for (let grew = true; grew; ) {
        grew = false;
        for (const s of sets) {
          if (!reach.has(s.name) && s.attrs.some((a) => a.nested !== undefined && reach.has(a.nested))) {
            reach.add(s.name);
            grew = true;
          }
        }
      }
      this.subMessageReach = reach;
    }
    return this.subMessageReach.has(name);
  }

  set(name: string): SetCodec {
    let s = this.sets.get(name);
    if (!s) {
      const m = this.model.attrSets[name];
      if (!m) throw new Error(`${this.model.name}: no attribute set ${name}`);
      this.sets.set(name, (s = compileSet(m, this)));
    }
    return s;
  }
}

function compileSet(m: AttrSetModel, c: FamilyCompiler): SetCodec {
  const byType: (AttrCodec | undefined)[] = [];
  const byName = new Map<string, AttrCodec>();
  for (const a of m.attrs) {
    const codec = compileAttr(a, c);
    byType[a.value] = codec;
    byName.set(a.name, codec);
  }
  const models = new Map(m.attrs.map((a) => [a.name, a]));
  const modelsByType = new Map(m.attrs.map((a) => [a.value, a]));
  // Compiled on first use, so that sets that are never decoded cost nothing.
  const closures = (ctx: DecodeCtx, start: number, end: number, into: Obj = {}) => decodeSet(byType, ctx, start, end, into);
  const codec: SetCodec = {
    name: m.name,
    attr: (n) => models.get(n),
    attrByType: (t) => modelsByType.get(t),
    // The first call compiles the set and puts the result in its own place.
    decode(ctx, start, end, into = {}) {
      codec.decode = (jitSet(m, setHelpers(c, byType, m.name)) as SetCodec["decode"] | undefined) ?? closures;
      return codec.decode(ctx, start, end, into);
    },
    encode: (w, value, ctx) => encodeSet(m.name, byName, w, value, ctx),
  };
  return codec;
}

function setHelpers(c: FamilyCompiler, byType: (AttrCodec | undefined)[], name: string): SetHelpers {
  return {
    one: (ctx, obj, type, flags, vo, vl, index) => decodeOne(ctx as DecodeCtx, obj as Obj, byType[type], type, flags, vo, vl, index),
    fail: (ctx, obj, e, name, type, flags, vo, vl, index, depth) => failed(ctx as DecodeCtx, obj as Obj, e, name, type, flags, vo, vl, index, depth),
    finish: (ctx, obj, deferred, pos, trailing, tracked) => finishSet(ctx as DecodeCtx, obj as Obj, deferred as Deferred[] | undefined, pos, trailing, tracked),
    set: (name) => (ctx, start, end, into) => c.set(name).decode(ctx as DecodeCtx, start, end, into as Obj),
    struct: (name) => {
      const s = c.struct(name);
      return { size: s.size, read: (r, off) => s.read(r, off) };
    },
    naming: (a) => c.naming(a.enum, a.enumAsFlags),
    hint: hintReader,
    nestFlags: NEST_FLAGS,
    tracksParents: c.reachesSubMessage(name),
  };
}

function notesOf(o: Obj): WireNotes {
  return (o[WIRE_NOTES] ??= {});
}

function keep(o: Obj, u: UnknownAttr): void {
  (o[UNKNOWN_ATTRS] ??= []).push(u);
}

function decodeSet(byType: (AttrCodec | undefined)[], ctx: DecodeCtx, start: number, end: number, obj: Obj): Obj {
  const r = ctx.r;
  const cur = new AttrCursor(r, start, end, ctx.path);
  let deferred: Deferred[] | undefined;
  ctx.parents.push(obj);
  let index = 0;
  while (cur.next()) {
    const d = decodeOne(ctx, obj, byType[cur.type], cur.type, cur.flags, cur.valueOffset, cur.valueLength, index++);
    if (d) (deferred ??= []).push(d);
  }
  finishSet(ctx, obj, deferred, cur.position, cur.trailing);
  return obj;
}

/** A sub-message whose selector had not been decoded yet. */
export type Deferred = [AttrCodec, number, number, number];

/**
 * Decodes one attribute into `obj`: the general path, which every attribute
 * kind, unknown attributes and odd lengths go through (the JIT inlines only
 * the common well-formed cases and hands everything else to this).
 */
export function decodeOne(
  ctx: DecodeCtx, obj: Obj, codec: AttrCodec | undefined, type: number, flags: number, vo: number, vl: number, index: number,
): Deferred | undefined {
  if (codec === undefined || codec.opaque) {
    keep(obj, { type, flags, value: ctx.r.copy(vo, vl), index });
    return undefined;
  }
  const depth = ctx.path.length;
  let v: unknown;
  try {
    v = codec.decode(ctx, vo, vl);
  } catch (e) {
    failed(ctx, obj, e, codec.name, type, flags, vo, vl, index, depth);
    return undefined;
  }
  let key = codec.name;
  if (codec.multi) {
    const arr = (obj[key] ??= []) as unknown[];
    key = `${key}#${arr.length}`;
    arr.push(v);
  } else {
    obj[key] = v;
  }
  if (v === DEFER) return [codec, vo, vl, flags];
  if (flags !== (codec.nest ? NLA_F_NESTED : 0) || ctx.tail !== undefined || ctx.cut !== undefined || ctx.wide) {
    notePlacement(obj, codec, flags, key, v, ctx);
  }
  return undefined;
}

/** An attribute that failed to decode: thrown when strict, else kept as bytes with the error. */
export function failed(
  ctx: DecodeCtx, obj: Obj, e: unknown, name: string, type: number, flags: number, vo: number, vl: number, index: number, depth: number,
): void {
  if (!isCodecError(e)) throw e;
  ctx.path.length = depth;
  // Leaf decoders report their parent's path; name the attribute here.
  const err = e.path.length > depth ? e : atPath(e, [...ctx.path, name]);
  if (ctx.strict) throw err;
  (ctx.problems ??= []).push(err);
  keep(obj, { type, flags, value: ctx.r.copy(vo, vl), index, problem: err });
  ctx.tail = ctx.cut = undefined;
  ctx.wide = false;
}

/** The end of a nest: late sub-messages, the parents stack, trailing bytes. */
export function finishSet(ctx: DecodeCtx, obj: Obj, deferred: Deferred[] | undefined, pos: number, trailing: number, tracked = true): void {
  if (deferred) decodeDeferred(deferred, obj, ctx);
  if (tracked) ctx.parents.pop();
  if (trailing > 0) notesOf(obj).trailing = ctx.r.copy(pos, trailing);
}

/** Decodes the inside of a nest-like attribute with its name on the error path. */
export function within<T>(ctx: DecodeCtx, name: string | number, body: () => T): T {
  ctx.path.push(name);
  try {
    return body();
  } finally {
    ctx.path.pop();
  }
}

/** Records the wire facts a plain value cannot carry. */
function notePlacement(obj: Obj, codec: AttrCodec, flags: number, key: string, v: unknown, ctx: DecodeCtx): void {
  if (codec.nest) {
    if (flags !== NLA_F_NESTED && v !== null && typeof v === "object") (v as Obj)[NEST_FLAGS] = flags;
  } else if (flags) {
    (notesOf(obj).flags ??= {})[key] = flags;
  }
  if (ctx.tail) {
    (notesOf(obj).tail ??= {})[key] = ctx.tail;
    ctx.tail = undefined;
  }
  if (ctx.cut !== undefined) {
    (notesOf(obj).cut ??= {})[key] = ctx.cut;
    ctx.cut = undefined;
  }
  if (ctx.wide) {
    (notesOf(obj).wide ??= {})[key] = true;
    ctx.wide = false;
  }
}

/** Sub-messages whose selector came after them on the wire. */
function decodeDeferred(list: Deferred[], obj: Obj, ctx: DecodeCtx): void {
  for (const [codec, off, len, flags] of list) {
    let v = codec.decode(ctx, off, len);
    if (v === DEFER) v = ctx.r.copy(off, len); // no selector anywhere: keep the bytes
    if (codec.multi) {
      const arr = obj[codec.name] as unknown[];
      arr[arr.indexOf(DEFER)] = v;
    } else obj[codec.name] = v;
    if (codec.nest && flags !== NLA_F_NESTED && v !== null && typeof v === "object") (v as Obj)[NEST_FLAGS] = flags;
  }
}

function encodeSet(setName: string, byName: Map<string, AttrCodec>, w: ByteWriter, obj: Obj, ctx: EncodeCtx): void {
  const unknown = obj[UNKNOWN_ATTRS];
  const notes = obj[WIRE_NOTES];
  let index = 0;
  let u = 0;
  const putUnknownUpTo = (i: number) => {
    while (unknown && u < unknown.length && unknown[u]!.index <= i) {
      const x = unknown[u++]!;
      w.attr(x.type | x.flags, x.value);
      index++;
    }
  };
  ctx.parents.push(obj);
  for (const name of Object.keys(obj)) {
    const v = obj[name];
    if (v === undefined) continue;
    const codec = byName.get(name);
    if (!codec) throw new EncodeError(`no attribute ${name} in ${setName}`, [...ctx.path, name]);
    const values = codec.multi ? (Array.isArray(v) ? v : [v]) : [v];
    values.forEach((item, i) => {
      if (item === false) return; // a flag that is not set
      putUnknownUpTo(index);
      const key = codec.multi ? `${name}#${i}` : name;
      const nestFlags = codec.nest ? ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED) : notes?.flags?.[key] ?? 0;
      ctx.tail = notes?.tail?.[key];
      ctx.cut = notes?.cut?.[key];
      ctx.wide = notes?.wide?.[key];
      const at = w.beginAttr(codec.type | nestFlags);
      ctx.path.push(name);
      codec.encode(w, item, ctx);
      ctx.path.pop();
      w.endAttr(at);
      index++;
    });
  }
  putUnknownUpTo(Infinity);
  ctx.parents.pop();
  if (notes?.trailing) w.bytes(notes.trailing);
}

function compileAttr(a: AttrModel, c: FamilyCompiler): AttrCodec {
  const base = { name: a.name, type: a.value, multi: !!a.multiAttr, nest: false, opaque: false };
  const value = valueCodec(a, a.type, c);
  return { ...base, ...value };
}

type ValueCodec = Pick<AttrCodec, "decode" | "encode"> & Partial<Pick<AttrCodec, "nest" | "opaque">>;

function valueCodec(a: AttrModel, type: AttrModel["type"], c: FamilyCompiler): ValueCodec {
  if (INT_KINDS.has(type) && isAddressHint(a.displayHint)) return addressIntCodec(a, type as IntKind);
  if (INT_KINDS.has(type)) return intCodec(a, type as IntKind, c);
  switch (type) {
    case "flag": return flagCodec();
    case "string": return stringCodec();
    case "binary": return a.struct ? structAttrCodec(a.struct, c) : binaryCodec(a);
    case "bitfield32": return bitfieldCodec();
    case "nest": return { ...nestCodec(a, c), nest: true };
    case "indexed-array": return { ...indexedArrayCodec(a, c), nest: true };
    case "nest-type-value": return { ...typeValueCodec(a, c, a.typeValue?.length ?? 1), nest: true };
    case "sub-message": return subMessageCodec(a, c);
    default: return { ...binaryCodec(a), opaque: true }; // pad, unused
  }
}

function intCodec(a: AttrModel, kind: IntKind, c: FamilyCompiler): ValueCodec {
  const order = a.byteOrder ?? "host";
  const named = c.naming(a.enum, a.enumAsFlags);
  const variable = kind === "uint" || kind === "sint";
  const encode: ValueCodec["encode"] = (w, v, ctx) => {
    const raw = named ? named.encode(v) : v;
    if (typeof raw !== "number" && typeof raw !== "bigint") throw new EncodeError(`${String(v)} is not a ${kind}${a.enum ? ` of ${a.enum}` : ""}`, ctx.path);
    checkIntRange(kind, raw, ctx.path);
    if (variable && ctx.wide) writeInt(w, kind === "uint" ? "u64" : "s64", raw, order, ctx.path);
    else writeInt(w, kind, raw, order, ctx.path);
  };
  if (variable) {
    return {
      decode(ctx, off, len) {
        const v = readInt(ctx.r, kind, off, len, order, ctx.path);
        if (len === 8 && intWireSize(kind, v) === 4) ctx.wide = true;
        return named ? named.decode(v) : v;
      },
      encode,
    };
  }
  // Fixed width: check the length once, then read straight from the DataView.
  const size = intSize(kind);
  const get = INT_GETTERS[kind as keyof typeof INT_GETTERS];
  const fixedLe = order === "host" ? undefined : order === "little-endian";
  return {
    decode(ctx, off, len) {
      if (len !== size) throw new MalformedError(`${kind} needs ${size} bytes, has ${len}`, off, ctx.path);
      const v = get(ctx.r.view, off, fixedLe ?? ctx.r.littleEndian);
      return named ? named.decode(v) : v;
    },
    encode,
  };
}

/** An integer holding an address: text from the wire bytes; text or a number on encode. */
function addressIntCodec(a: AttrModel, kind: IntKind): ValueCodec {
  const size = intSize(kind) || 4;
  const read = hintReader(a.displayHint)!;
  return {
    decode(ctx, off, len) {
      if (len !== size) throw new MalformedError(`${kind} needs ${size} bytes, has ${len}`, off, ctx.path);
      return read(ctx.r.bytes, off, len);
    },
    encode(w, v, ctx) {
      if (typeof v === "number" || typeof v === "bigint") return writeInt(w, kind, v, a.byteOrder ?? "host", ctx.path);
      const b = typeof v === "string" ? parseHinted(a.displayHint, v) : v instanceof Uint8Array ? v : undefined;
      if (!b || b.length !== size) throw new EncodeError(`${String(v)} is not a ${size}-byte ${a.displayHint} address`, ctx.path);
      w.bytes(b);
    },
  };
}

function flagCodec(): ValueCodec {
  return {
    decode(ctx, off, len) {
      if (len) ctx.tail = ctx.r.copy(off, len);
      return true;
    },
    encode(w, _v, ctx) {
      if (ctx.tail) w.bytes(ctx.tail);
    },
  };
}

const ONE_NUL = new Uint8Array(1);

function stringCodec(): ValueCodec {
  return {
    decode(ctx, off, len) {
      const b = ctx.r.bytes;
      const end = off + len;
      const nul = findNul(b, off, end);
      if (nul !== end - 1) ctx.tail = b.slice(nul, end); // unterminated, or bytes after the NUL
      return decodeUtf8(b, off, nul);
    },
    encode(w, v, ctx) {
      if (typeof v !== "string") throw new EncodeError(`${String(v)} is not a string`, ctx.path);
      w.bytes(encodeUtf8(v)).bytes(ctx.tail ?? ONE_NUL);
    },
  };
}

function binaryCodec(a: AttrModel): ValueCodec {
  return {
    decode(ctx, off, len) {
      const b = ctx.r.bytes.slice(off, off + len); // bounds checked by the cursor
      return a.displayHint ? formatHinted(a.displayHint, b) ?? b : b;
    },
    encode(w, v, ctx) {
      const b = typeof v === "string" ? parseHinted(a.displayHint, v) : v instanceof Uint8Array ? v : undefined;
      if (!b) throw new EncodeError(`${String(v)} is not ${a.displayHint ?? "bytes"}`, ctx.path);
      w.bytes(b);
    },
  };
}

function structAttrCodec(name: string, c: FamilyCompiler): ValueCodec {
  return {
    decode(ctx, off, len) {
      const s = c.struct(name);
      const o = s.read(ctx.r, off, Math.min(len, s.size)) as Obj;
      if (len > s.size) ctx.tail = ctx.r.copy(off + s.size, len - s.size);
      else if (len < s.size) ctx.cut = len;
      return o;
    },
    encode(w, v, ctx) {
      const s = c.struct(name);
      const start = w.pos;
      s.encode(w, (v ?? {}) as Obj, ctx.path);
      if (ctx.cut !== undefined) w.pos = start + ctx.cut;
      if (ctx.tail) w.bytes(ctx.tail);
    },
  };
}

function bitfieldCodec(): ValueCodec {
  return {
    decode: (ctx, off, len) => readBitfield32(ctx.r, off, len, ctx.path),
    encode(w, v, ctx) {
      const b = v as Bitfield32;
      if (typeof b?.value !== "number" || typeof b?.selector !== "number") throw new EncodeError("bitfield32 needs {value, selector}", ctx.path);
      writeBitfield32(w, b);
    },
  };
}

function nestCodec(a: AttrModel, c: FamilyCompiler): ValueCodec {
  const setName = a.nested;
  if (!setName) return binaryCodec(a);
  return {
    decode: (ctx, off, len) => within(ctx, a.name, () => c.set(setName).decode(ctx, off, off + len)),
    encode: (w, v, ctx) => c.set(setName).encode(w, (v ?? {}) as Obj, ctx),
  };
}

/** An array in a nest: the entries' own types are indexes (1, 2, …, unless the kernel chose others). */
function indexedArrayCodec(a: AttrModel, c: FamilyCompiler): ValueCodec {
  const sub: AttrModel = { ...a, type: a.subType ?? "binary" };
  delete sub.multiAttr;
  const entry = valueCodec(sub, sub.type, c);
  const entryNest = sub.type === "nest";
  return {
    decode: (ctx, off, len) => within(ctx, a.name, () => {
      const out: unknown[] & { [ENTRY_TYPES]?: number[]; [NEST_FLAGS]?: number } = [];
      const types: number[] = [];
      const cur = new AttrCursor(ctx.r, off, off + len, ctx.path);
      while (cur.next()) {
        ctx.path.push(cur.type);
        const v = entry.decode(ctx, cur.valueOffset, cur.valueLength);
        ctx.path.pop();
        ctx.tail = ctx.cut = undefined; // entries carry no wire notes of their own
        ctx.wide = false;
        if (entryNest && cur.flags !== NLA_F_NESTED) (v as Obj)[NEST_FLAGS] = cur.flags;
        out.push(v);
        types.push(cur.type);
      }
      if (cur.trailing) throw new MalformedError(`${cur.trailing} stray bytes in indexed-array`, cur.position, ctx.path);
      if (types.some((t, i) => t !== i + 1)) out[ENTRY_TYPES] = types;
      return out;
    }),
    encode(w, v, ctx) {
      if (!Array.isArray(v)) throw new EncodeError("indexed-array needs an array", ctx.path);
      const types = (v as { [ENTRY_TYPES]?: number[] })[ENTRY_TYPES];
      v.forEach((item, i) => {
        const flags = entryNest ? ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED) : 0;
        const at = w.beginAttr((types?.[i] ?? i + 1) | flags);
        ctx.path.push(i);
        entry.encode(w, item, { ...ctx, tail: undefined, cut: undefined, wide: undefined });
        ctx.path.pop();
        w.endAttr(at);
      });
    },
  };
}

/** Nests whose attribute types are ids (policy id, attr id, …), `depth` levels deep. */
function typeValueCodec(a: AttrModel, c: FamilyCompiler, depth: number): ValueCodec {
  const setName = a.nested;
  const leaf = (ctx: DecodeCtx, off: number, len: number): unknown =>
    setName ? c.set(setName).decode(ctx, off, off + len) : ctx.r.copy(off, len);
  const level = (ctx: DecodeCtx, off: number, len: number, d: number): Record<number, unknown> => {
    const out: Record<number, unknown> = {};
    const cur = new AttrCursor(ctx.r, off, off + len, ctx.path);
    while (cur.next()) {
      const v = within(ctx, cur.type, () => (d > 1 ? level(ctx, cur.valueOffset, cur.valueLength, d - 1) : leaf(ctx, cur.valueOffset, cur.valueLength)));
      if (cur.flags !== NLA_F_NESTED && v !== null && typeof v === "object") (v as Obj)[NEST_FLAGS] = cur.flags;
      out[cur.type] = v;
    }
    return out;
  };
  const write = (w: ByteWriter, v: unknown, ctx: EncodeCtx, d: number): void => {
    for (const [id, item] of Object.entries((v ?? {}) as Record<string, unknown>)) {
      const at = w.beginAttr(Number(id) | ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED));
      ctx.path.push(Number(id));
      if (d > 1) write(w, item, ctx, d - 1);
      else if (setName) c.set(setName).encode(w, (item ?? {}) as Obj, ctx);
      else w.bytes(item as Uint8Array);
      ctx.path.pop();
      w.endAttr(at);
    }
  };
  return {
    decode: (ctx, off, len) => within(ctx, a.name, () => level(ctx, off, len, depth)),
    encode: (w, v, ctx) => write(w, v, ctx, depth),
  };
}

/**
 * The selector's value, from the nest being filled or an outer one; with
 * `ownOnly`, from the nest being filled alone (see subMessageCodec).
 */
function selectorValue(parents: Obj[], selector: string, ownOnly = false): string | undefined {
  for (let i = parents.length - 1; i >= (ownOnly ? Math.max(0, parents.length - 1) : 0); i--) {
    const v = parents[i]![selector];
    if (v !== undefined) return String(v);
  }
  return undefined;
}

function subMessageCodec(a: AttrModel, c: FamilyCompiler): ValueCodec {
  const sm = a.subMessage ? c.model.subMessages[a.subMessage] : undefined;
  const selector = a.selector;
  if (!sm || !selector) return binaryCodec(a);
  const formats = new Map(sm.formats.map((f) => [f.value, f]));
  // A selector that is an attribute of the sub-message's own set (tc kind, rt-link kind,
  // nftables name) is read from that nest alone, on decode as on encode. Otherwise a
  // selector sent after the sub-message would be taken from an outer nest's attribute of
  // the same name (nftables set-attrs.name for expr-attrs.data) instead of being deferred.
  const ownOnly = Object.values(c.model.attrSets).some((s) => s.attrs.includes(a) && s.attrs.some((x) => x.name === selector));
  return {
    nest: true,
    decode: (ctx, off, len) => within(ctx, a.name, () => {
      const sel = selectorValue(ctx.parents, selector, ownOnly);
      if (sel === undefined) return DEFER;
      const f = formats.get(sel);
      if (!f) return ctx.r.copy(off, len); // a kind the spec does not describe
      const o: Obj = {};
      let start = off;
      if (f.fixedHeader) {
        const s = c.struct(f.fixedHeader);
        s.decodeInto(ctx.r, off, Math.min(len, s.size), o, ctx.path);
        start = off + Math.min(len, s.size);
      }
      if (f.attributeSet) return c.set(f.attributeSet).decode(ctx, start, off + len, o);
      // A format without attributes: bytes past its header (a struct grown in a newer kernel) are kept.
      if (start < off + len) notesOf(o).trailing = ctx.r.copy(start, off + len - start);
      return o;
    }),
    encode(w, v, ctx) {
      if (v instanceof Uint8Array) return void w.bytes(v);
      const sel = selectorValue(ctx.parents, selector, ownOnly);
      const f = sel === undefined ? undefined : formats.get(sel);
      if (!f) throw new EncodeError(`no ${sm.name} format for ${selector}=${String(sel)}`, ctx.path);
      const o = (v ?? {}) as Obj;
      let attrs: Obj = o;
      if (f.fixedHeader) {
        const s = c.struct(f.fixedHeader);
        s.encode(w, o, ctx.path);
        attrs = Object.fromEntries(Object.entries(o).filter(([k]) => !s.memberNames.has(k)));
        copySymbols(o, attrs);
      }
      if (f.attributeSet) c.set(f.attributeSet).encode(w, attrs, ctx);
      else if (o[WIRE_NOTES]?.trailing) w.bytes(o[WIRE_NOTES].trailing);
    },
  };
}

function copySymbols(from: Obj, to: Obj): void {
  if (from[UNKNOWN_ATTRS]) to[UNKNOWN_ATTRS] = from[UNKNOWN_ATTRS];
  if (from[WIRE_NOTES]) to[WIRE_NOTES] = from[WIRE_NOTES];
}

export type { AttrPath };
