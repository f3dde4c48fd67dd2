import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, AttrCursor } from "../attr.js";
import { readBitfield32, writeBitfield32, type Bitfield32 } from "../bitfield.js";
import { EncodeError, MalformedError } from "../errors.js";
import { INT_GETTERS, checkIntRange, intSize, intWireSize, readInt, writeInt, type IntKind } from "../scalar.js";
import { decodeUtf8Exact, encodeUtf8, findNul } from "../text.js";
import type { ByteWriter } from "../writer.js";
import type { FamilyCompiler } from "./compile.js";
import {
  DEFER, ENTRY_TYPES, LAST_PAD, NEST_FLAGS, UNKNOWN_ATTRS, WIRE_NOTES, cutPadding, lastPadOf, notesOf, within,
  type AttrCodec, type DecodeCtx, type EncodeCtx, type Obj,
} from "./ctx.js";
import type { AttrModel } from "./model.js";
import { formatHinted, hintReader, isAddressHint, parseHinted } from "./values.js";

/**
 * The value codecs of the interpreter: how each YNL attribute type decodes
 * from and encodes to its bytes. compile.ts arranges them into attribute sets.
 */

const INT_KINDS = new Set(["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint"]);

export function compileAttr(a: AttrModel, c: FamilyCompiler): AttrCodec {
  const flags = a.netByteorderFlag ? NLA_F_NET_BYTEORDER : 0;
  const base = { name: a.name, type: a.value, multi: !!a.multiAttr, nest: false, opaque: false, flags };
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
    case "binary":
      if (!a.struct) return binaryCodec(a);
      return a.subType === "binary" ? structArrayCodec(a.struct, c) : structAttrCodec(a.struct, c);
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
      const text = decodeUtf8Exact(b, off, nul);
      // Kept as bytes by the caller, so that the attribute re-encodes exactly.
      if (text === undefined) throw new MalformedError("string is not valid UTF-8", off, []);
      if (nul !== end - 1) ctx.tail = b.slice(nul, end); // unterminated, or bytes after the NUL
      return text;
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
      // A flexible array member takes the bytes a plain struct would keep as its tail.
      const o = s.read(ctx.r, off, s.flexible ? len : Math.min(len, s.size)) as Obj;
      if (len > s.size && !s.flexible) ctx.tail = ctx.r.copy(off + s.size, len - s.size);
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

/**
 * Structs back to back in one attribute (an nlwire extension: `struct` with
 * `sub-type: binary` on a binary attribute; nexthop groups, packet socket
 * multicast lists). Bytes after the last whole struct are kept.
 */
function structArrayCodec(name: string, c: FamilyCompiler): ValueCodec {
  return {
    decode(ctx, off, len) {
      const s = c.struct(name);
      const n = s.size ? Math.floor(len / s.size) : 0;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(s.read(ctx.r, off + i * s.size));
      if (n * s.size < len) ctx.tail = ctx.r.copy(off + n * s.size, len - n * s.size);
      return out;
    },
    encode(w, v, ctx) {
      if (!Array.isArray(v)) throw new EncodeError(`needs an array of ${name}`, ctx.path);
      const s = c.struct(name);
      for (const x of v) s.encode(w, (x ?? {}) as Obj, ctx.path);
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
  if (a.struct) return headedNestCodec(a, a.struct, setName, c);
  return {
    decode: (ctx, off, len) => within(ctx, a.name, () => c.set(setName).decode(ctx, off, off + len)),
    encode: (w, v, ctx) => c.set(setName).encode(w, (v ?? {}) as Obj, ctx),
  };
}

/**
 * A nest that starts with a struct, attributes after it (an nlwire extension:
 * `struct` on a nest; the bridge's MDBA_MDB_ENTRY_INFO is a br_mdb_entry and
 * then MDBA_MDB_EATTR_*). Decodes to one object holding both, as a
 * sub-message with a fixed header does.
 */
function headedNestCodec(a: AttrModel, structName: string, setName: string, c: FamilyCompiler): ValueCodec {
  return {
    decode: (ctx, off, len) => within(ctx, a.name, () => {
      const s = c.struct(structName);
      if (len < s.size) throw new MalformedError(`${a.name} holds ${len} bytes, its ${structName} header needs ${s.size}`, off, ctx.path);
      const o: Obj = {};
      s.decodeInto(ctx.r, off, s.size, o, ctx.path);
      return c.set(setName).decode(ctx, off + s.size, off + len, o);
    }),
    encode(w, v, ctx) {
      const s = c.struct(structName);
      const o = (v ?? {}) as Obj;
      s.encode(w, o, ctx.path);
      const attrs = Object.fromEntries(Object.entries(o).filter(([k]) => !s.memberNames.has(k)));
      copySymbols(o, attrs);
      c.set(setName).encode(w, attrs, ctx);
    },
  };
}

/** An array in a nest: the entries' own types are indexes (1, 2, …, unless the kernel chose others). */
function indexedArrayCodec(a: AttrModel, c: FamilyCompiler): ValueCodec {
  const sub: AttrModel = { ...a, type: a.subType ?? "binary" };
  delete sub.multiAttr;
  delete sub.subType; // an entry is one value of the sub-type, never an array of its own
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
      const lastPad = types.length ? lastPadOf(cur.offset, cur.valueLength + 4, off + len) : undefined;
      if (lastPad !== undefined) (out as { [LAST_PAD]?: number })[LAST_PAD] = lastPad;
      return out;
    }),
    encode(w, v, ctx) {
      if (!Array.isArray(v)) throw new EncodeError("indexed-array needs an array", ctx.path);
      const types = (v as { [ENTRY_TYPES]?: number[] })[ENTRY_TYPES];
      let last = -1;
      v.forEach((item, i) => {
        const flags = entryNest ? ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED) : 0;
        const at = (last = w.beginAttr((types?.[i] ?? i + 1) | flags));
        ctx.path.push(i);
        entry.encode(w, item, { ...ctx, tail: undefined, cut: undefined, wide: undefined });
        ctx.path.pop();
        w.endAttr(at);
      });
      const lastPad = (v as { [LAST_PAD]?: number })[LAST_PAD];
      if (lastPad !== undefined && last >= 0) cutPadding(w, last, lastPad);
    },
  };
}

/** Nests whose attribute types are ids (policy id, attr id, …), `depth` levels deep. */
function typeValueCodec(a: AttrModel, c: FamilyCompiler, depth: number): ValueCodec {
  const setName = a.nested;
  const leaf = (ctx: DecodeCtx, off: number, len: number): unknown =>
    setName ? c.set(setName).decode(ctx, off, off + len) : ctx.r.copy(off, len);
  const level = (ctx: DecodeCtx, off: number, len: number, d: number): Record<number, unknown> => {
    const out: Record<number, unknown> & { [LAST_PAD]?: number } = {};
    const cur = new AttrCursor(ctx.r, off, off + len, ctx.path);
    let any = false;
    let prev = -1;
    while (cur.next()) {
      // An object keyed by id holds each id once, in ascending order: anything else is kept as bytes (by the caller).
      if (cur.type <= prev) throw new MalformedError(`id ${cur.type} after ${prev}: ids out of order or repeated`, cur.offset, ctx.path);
      prev = cur.type;
      const v = within(ctx, cur.type, () => (d > 1 ? level(ctx, cur.valueOffset, cur.valueLength, d - 1) : leaf(ctx, cur.valueOffset, cur.valueLength)));
      if (cur.flags !== NLA_F_NESTED && v !== null && typeof v === "object") (v as Obj)[NEST_FLAGS] = cur.flags;
      out[cur.type] = v;
      any = true;
    }
    if (cur.trailing) throw new MalformedError(`${cur.trailing} stray bytes in nest-type-value`, cur.position, ctx.path);
    const lastPad = any ? lastPadOf(cur.offset, cur.valueLength + 4, off + len) : undefined;
    if (lastPad !== undefined) out[LAST_PAD] = lastPad;
    return out;
  };
  const write = (w: ByteWriter, v: unknown, ctx: EncodeCtx, d: number): void => {
    let last = -1;
    for (const [id, item] of Object.entries((v ?? {}) as Record<string, unknown>)) {
      const at = (last = w.beginAttr(Number(id) | ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED)));
      ctx.path.push(Number(id));
      if (d > 1) write(w, item, ctx, d - 1);
      else if (setName) c.set(setName).encode(w, (item ?? {}) as Obj, ctx);
      else w.bytes(item as Uint8Array);
      ctx.path.pop();
      w.endAttr(at);
    }
    const lastPad = (v as { [LAST_PAD]?: number } | undefined)?.[LAST_PAD];
    if (lastPad !== undefined && last >= 0) cutPadding(w, last, lastPad);
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

/** The key of a sub-message's own fixed header among its wire notes. */
const HEADER = "#header";

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
        if (len < s.size) (notesOf(o).cut ??= {})[HEADER] = len; // a header cut short: encoded as short again
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
        const start = w.pos;
        s.encode(w, o, ctx.path);
        const cut = o[WIRE_NOTES]?.cut?.[HEADER];
        if (cut !== undefined) w.pos = start + cut;
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

