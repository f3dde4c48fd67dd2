import { NLA_F_NESTED } from "../attr-consts.js";
import { MalformedError, type AttrPath } from "../errors.js";
import type { ByteReader } from "../reader.js";
import { decodeUtf8, decodeUtf8Exact, findNul } from "../text.js";
import type { AttrModel, AttrSetModel, StructModel } from "./model.js";
import { ipv4Text, ipv6Text, isAddressHint, macText, type Naming } from "./values.js";

/**
 * Compiles struct and attribute-set decoders to JavaScript source with
 * `new Function`, the way fast serialisers do: object literals with constant
 * keys and a switch on the attribute type let V8 build objects of one shape
 * instead of taking the megamorphic path that keyed stores in a generic loop
 * take. Only the common, well-formed cases are inlined; everything else
 * (odd lengths, unknown types, sub-messages, multi-attrs, wire notes) calls
 * the closure interpreter's general path, so both give identical results.
 * Where `new Function` is forbidden (a strict Content-Security-Policy) the
 * builders return undefined and the closures are used.
 */

const JS_INT: Record<string, [getter: string, size: number]> = {
  u8: ["getUint8", 1], s8: ["getInt8", 1], u16: ["getUint16", 2], s16: ["getInt16", 2],
  u32: ["getUint32", 4], s32: ["getInt32", 4], u64: ["getBigUint64", 8], s64: ["getBigInt64", 8],
};

let jitAllowed: boolean | undefined;

/** Whether this runtime lets us compile code (false under a strict CSP). */
export function canCompile(): boolean {
  if (jitAllowed === undefined) {
    try {
      jitAllowed = new Function("return 1")() === 1;
    } catch {
      jitAllowed = false;
    }
  }
  return jitAllowed;
}

/** Turns off compilation: the interpreter then runs on closures only (for tests and CSP-like setups). */
export function setCompileEnabled(on: boolean): void {
  jitAllowed = on ? undefined : false;
}

function lit(s: string): string {
  return JSON.stringify(s);
}

function littleEndianExpr(order: string | undefined): string {
  return order === "big-endian" ? "false" : order === "little-endian" ? "true" : "le";
}

/** Source that reads an integer at `at`: bytes straight from the array for 8-bit kinds, the DataView otherwise. */
function intRead(type: string, at: string, order: string | undefined): string {
  if (type === "u8") return `b[${at}]`;
  if (type === "s8") return `(b[${at}] << 24 >> 24)`;
  return `v.${JS_INT[type]![0]}(${at}, ${littleEndianExpr(order)})`;
}

/** Collects values the generated code refers to, as numbered arguments. */
class Env {
  readonly values: unknown[] = [];
  ref(v: unknown): string {
    let i = this.values.indexOf(v);
    if (i < 0) i = this.values.push(v) - 1;
    return `E[${i}]`;
  }
}

export interface StructHelpers {
  naming(enumName: string | undefined, asFlags: boolean | undefined): Naming | undefined;
  /** Reads a nested struct member (binary member with `struct:`). */
  nested(name: string): (r: ByteReader, off: number) => Record<string, unknown>;
  hint(hint: string | undefined): ((b: Uint8Array, off: number, len: number) => unknown) | undefined;
}

/** A decoder that returns a new object for a whole struct at `off`. */
export function jitStruct(s: StructModel, h: StructHelpers): ((r: ByteReader, off: number) => Record<string, unknown>) | undefined {
  if (!canCompile()) return undefined;
  const env = new Env();
  const fields: string[] = [];
  for (const m of s.members) {
    if (m.type === "pad") continue;
    const at = `off + ${m.offset}`;
    let expr: string;
    if (JS_INT[m.type] && isAddressHint(m.displayHint)) {
      expr = `${env.ref(h.hint(m.displayHint)!)}(b, ${at}, ${m.len})`;
    } else if (JS_INT[m.type]) {
      expr = intRead(m.type, at, m.byteOrder);
      const n = h.naming(m.enum, m.enumAsFlags);
      if (n) expr = `${env.ref(n)}.decode(${expr})`;
    } else if (m.type === "string") {
      expr = `${env.ref(decodeUtf8)}(b, ${at}, ${env.ref(findNul)}(b, ${at}, ${at} + ${m.len}))`;
    } else if (m.struct) {
      expr = `${env.ref(h.nested(m.struct))}(r, ${at})`;
    } else {
      const f = h.hint(m.displayHint);
      expr = f ? `${env.ref(f)}(b, ${at}, ${m.len})` : `b.slice(${at}, ${at} + ${m.len})`;
    }
    fields.push(`${lit(m.name)}: ${expr}`);
  }
  const body = `return function (r, off) {
  const v = r.view, b = r.bytes, le = r.littleEndian;
  return { ${fields.join(",\n    ")} };
};`;
  return new Function("E", body)(env.values) as (r: ByteReader, off: number) => Record<string, unknown>;
}

/** What a compiled attribute-set decoder calls back into. */
export interface SetHelpers {
  /** The general path for one attribute (see compile.ts decodeOne). */
  one(ctx: unknown, obj: unknown, type: number, flags: number, vo: number, vl: number, index: number): unknown;
  /** The general failure path (see compile.ts failed). */
  fail(ctx: unknown, obj: unknown, e: unknown, name: string, type: number, flags: number, vo: number, vl: number, index: number, depth: number): void;
  finish(ctx: unknown, obj: unknown, deferred: unknown[] | undefined, pos: number, trailing: number, tracked: boolean, lastPad: number): void;
  /** Decoder of another attribute set, for nests. */
  set(name: string): (ctx: unknown, start: number, end: number, into: Record<string, unknown>) => Record<string, unknown>;
  struct(name: string): { size: number; read: (r: ByteReader, off: number) => Record<string, unknown> };
  naming(a: AttrModel): Naming | undefined;
  hint(hint: string | undefined): ((b: Uint8Array, off: number, len: number) => unknown) | undefined;
  nestFlags: symbol;
  /** Whether a sub-message may be decoded inside this set (then the set must stack itself for selectors). */
  tracksParents: boolean;
}

export type SetDecoder = (ctx: { r: ByteReader; path: (string | number)[]; parents: unknown[] }, start: number, end: number, obj?: Record<string, unknown>) => Record<string, unknown>;

/** Nests deeper than this are malformed: far beyond any family, far below the JS stack limit (a nesting bomb must not overflow it). */
export const MAX_NEST_DEPTH = 256;

export function tooDeep(pos: number, path: AttrPath): never {
  throw new MalformedError(`attributes nested deeper than ${MAX_NEST_DEPTH}`, pos, path);
}

function badLength(pos: number, len: number, room: number, rawType: number, path: AttrPath): never {
  throw new MalformedError(`attribute length ${len} outside 4..${room}`, pos, [...path, rawType & 0x3fff]);
}

/** The inlined fast case of one attribute, or undefined to leave it to the general path. */
function fastCase(a: AttrModel, h: SetHelpers, env: Env): string | undefined {
  // Multi-attrs and attributes that carry NLA_F_NET_BYTEORDER (ipset) take the general path.
  if (a.multiAttr || a.netByteorderFlag) return undefined;
  const key = lit(a.name);
  const slow = `{ const d = H.one(ctx, obj, type, flags, vo, vl, index); if (d !== undefined) (deferred ??= []).push(d); }`;
  // A repeated attribute takes the general path, which keeps it as bytes (see decodeOne).
  const first = `obj[${key}] === undefined`;
  const int = JS_INT[a.type];
  if (int && isAddressHint(a.displayHint)) {
    const f = h.hint(a.displayHint)!;
    return `if (vl === ${int[1]} && flags === 0 && ${first}) obj[${key}] = ${env.ref(f)}(b, vo, vl); else ${slow}`;
  }
  if (int) {
    let expr = intRead(a.type, "vo", a.byteOrder);
    const n = h.naming(a);
    if (n) expr = `${env.ref(n)}.decode(${expr})`;
    return `if (vl === ${int[1]} && flags === 0 && ${first}) obj[${key}] = ${expr}; else ${slow}`;
  }
  switch (a.type) {
    case "flag":
      return `if (vl === 0 && flags === 0 && ${first}) obj[${key}] = true; else ${slow}`;
    case "string":
      return `if (flags === 0 && vl > 0 && ${first} && ${env.ref(findNul)}(b, vo, vo + vl) === vo + vl - 1 && (text = ${env.ref(decodeUtf8Exact)}(b, vo, vo + vl - 1)) !== undefined) obj[${key}] = text; else ${slow}`;
    case "binary": {
      if (a.struct && a.subType === "binary") return undefined; // an array of structs takes the generic path
      if (a.struct) {
        const s = h.struct(a.struct);
        return `if (vl === ${s.size} && flags === 0 && ${first}) obj[${key}] = ${env.ref(s.read)}(r, vo); else ${slow}`;
      }
      // Addresses are called as plain module functions, which V8 inlines, unlike a closure made per hint.
      const v4 = a.displayHint === "ipv4" || a.displayHint === "ipv4-or-v6";
      const v6 = a.displayHint === "ipv6" || a.displayHint === "ipv4-or-v6";
      if (a.displayHint === "mac" || a.displayHint === "fddi") {
        return `if (flags === 0 && vl > 0 && ${first}) obj[${key}] = ${env.ref(macText)}(b, vo, vl); else ${slow}`;
      }
      if (v4 || v6) {
        const four = v4 ? `if (flags === 0 && vl === 4 && ${first}) obj[${key}] = ${env.ref(ipv4Text)}(b, vo); else ` : "";
        const sixteen = v6 ? `if (flags === 0 && vl === 16 && ${first}) obj[${key}] = ${env.ref(ipv6Text)}(b, vo); else ` : "";
        return `${four}${sixteen}${slow}`;
      }
      const f = h.hint(a.displayHint);
      const expr = f ? `${env.ref(f)}(b, vo, vl)` : "b.slice(vo, vo + vl)";
      return `if (flags === 0 && ${first}) obj[${key}] = ${expr}; else ${slow}`;
    }
    case "nest": {
      if (!a.nested || a.struct) return undefined; // a nest with a header takes the generic path
      const dec = env.ref(h.set(a.nested));
      return `if (!(${first})) ${slow} else { const depth = path.length; path.push(${key});
        try {
          const o = ${dec}(ctx, vo, vo + vl, {});
          if (flags !== ${NLA_F_NESTED}) o[NF] = flags;
          obj[${key}] = o;
        } catch (e) { H.fail(ctx, obj, e, ${key}, type, flags, vo, vl, index, depth); }
        path.length = depth; }`;
    }
    default:
      return undefined;
  }
}

/** A decoder for one attribute set, or undefined when compiling is not allowed. */
export function jitSet(m: AttrSetModel, h: SetHelpers): SetDecoder | undefined {
  if (!canCompile()) return undefined;
  const env = new Env();
  env.values.push(h, h.nestFlags, badLength, tooDeep); // E[0..3] below
  const cases: string[] = [];
  for (const a of m.attrs) {
    const code = fastCase(a, h, env);
    if (code) cases.push(`case ${a.value}: ${code} break;`);
  }
  // The parents stack serves sub-message selectors; a set with none below it skips it.
  const track = h.tracksParents;
  const body = `const H = E[0], NF = E[1], BAD = E[2], DEEP = E[3];
return function (ctx, start, end, obj) {
  if (obj === undefined) obj = {};
  const r = ctx.r, v = r.view, b = r.bytes, le = r.littleEndian, path = ctx.path;
  if (path.length > ${MAX_NEST_DEPTH}) DEEP(start, path);
  if (start < 0 || start > end || end > r.length) r.need(start, end - start, "attributes", path);
  ${track ? "ctx.parents.push(obj);" : ""}
  let pos = start, index = 0, deferred, text, lastPad = -1;
  while (end - pos >= 4) {
    const len = v.getUint16(pos, le), raw = v.getUint16(pos + 2, le);
    if (len < 4 || len > end - pos) BAD(pos, len, end - pos, raw, path);
    const type = raw & 0x3fff, flags = raw & 0xc000, vo = pos + 4, vl = len - 4;
    pos += (len + 3) & ~3;
    if (pos > end) { pos = end; lastPad = end - vo - vl; }
    switch (type) {
      ${cases.join("\n      ")}
      default: { const d = H.one(ctx, obj, type, flags, vo, vl, index); if (d !== undefined) (deferred ??= []).push(d); }
    }
    index++;
  }
  if (deferred !== undefined || pos < end || lastPad >= 0) H.finish(ctx, obj, deferred, pos, end - pos, ${track}, lastPad);
  ${track ? "else ctx.parents.pop();" : ""}
  return obj;
};`;
  return new Function("E", body)(env.values) as SetDecoder;
}
