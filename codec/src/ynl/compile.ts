import { NLA_F_NESTED, AttrCursor } from "../attr.js";
import { align4 } from "../align.js";
import { EncodeError, MalformedError, isCodecError, reaim } from "../errors.js";
import type { ByteWriter } from "../writer.js";
import { compileAttr } from "./attr-codecs.js";
import {
  DEFER, NEST_FLAGS, UNKNOWN_ATTRS, WIRE_NOTES, cutPadding, keep, notesOf,
  type AttrCodec, type DecodeCtx, type EncodeCtx, type Obj, type SetCodec,
} from "./ctx.js";
import { MAX_NEST_DEPTH, jitSet, tooDeep, type SetHelpers, type StructHelpers } from "./jit.js";
import { SpecError } from "./resolve.js";
import type { AttrSetModel, FamilyModel } from "./model.js";
import { compileStruct, type StructCodec, type ValueNames } from "./struct.js";
import { hintReader, naming, type Naming } from "./values.js";

export * from "./ctx.js";

/**
 * The interpreter: attribute sets compiled once into tables of small decode
 * and encode closures (attr-codecs.ts), indexed by attribute type, and the
 * loops that run them, with the wire facts kept as ctx.ts describes.
 */

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
      if (!m) throw new SpecError(this.model.name, `struct ${name}`, "not defined");
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
      if (!m) throw new SpecError(this.model.name, `attribute-set ${name}`, "not defined");
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
  // Compiled on first use, so that sets that are never decoded cost nothing.
  const closures = (ctx: DecodeCtx, start: number, end: number, into: Obj = {}) => decodeSet(byType, ctx, start, end, into);
  const codec: SetCodec = {
    name: m.name,
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
    finish: (ctx, obj, deferred, pos, trailing, tracked, lastPad) => finishSet(ctx as DecodeCtx, obj as Obj, deferred as Deferred[] | undefined, pos, trailing, tracked, lastPad),
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

function decodeSet(byType: (AttrCodec | undefined)[], ctx: DecodeCtx, start: number, end: number, obj: Obj): Obj {
  if (ctx.path.length > MAX_NEST_DEPTH) tooDeep(start, ctx.path);
  const r = ctx.r;
  const cur = new AttrCursor(r, start, end, ctx.path);
  let deferred: Deferred[] | undefined;
  ctx.parents.push(obj);
  let index = 0;
  while (cur.next()) {
    const d = decodeOne(ctx, obj, byType[cur.type], cur.type, cur.flags, cur.valueOffset, cur.valueLength, index++);
    if (d) (deferred ??= []).push(d);
  }
  const attrEnd = cur.valueOffset + cur.valueLength;
  const lastPad = index > 0 && cur.offset + align4(cur.valueLength + 4) > end ? end - attrEnd : -1;
  finishSet(ctx, obj, deferred, cur.position, cur.trailing, true, lastPad);
  return obj;
}

/** Where the last item of each multi-attr array sat among its nest's attributes. */
const lastItemAt = new WeakMap<unknown[], number>();

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
  if (!codec.multi && obj[codec.name] !== undefined) {
    // The spec allows one; the value already decoded stays, the repeat is kept as bytes.
    failed(ctx, obj, new MalformedError(`${codec.name} repeated (not a multi-attr)`, vo - 4, [...ctx.path, codec.name]), codec.name, type, flags, vo, vl, index, depth);
    return undefined;
  }
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
    // An item that does not follow its sibling on the wire keeps its place, so that encoding puts it back there.
    if (arr.length && lastItemAt.get(arr) !== index - 1) ((notesOf(obj).at ??= {})[`${key}#${arr.length}`] = index);
    lastItemAt.set(arr, index);
    key = `${key}#${arr.length}`;
    arr.push(v);
  } else {
    obj[key] = v;
  }
  if (v === DEFER) return [codec, vo, vl, flags];
  if (flags !== (codec.nest ? NLA_F_NESTED : codec.flags) || ctx.tail !== undefined || ctx.cut !== undefined || ctx.wide) {
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
  const err = e.path.length > depth ? e : reaim(e, [...ctx.path, name]);
  if (ctx.strict) throw err;
  (ctx.problems ??= []).push(err);
  keep(obj, { type, flags, value: ctx.r.copy(vo, vl), index, problem: err });
  ctx.tail = ctx.cut = undefined;
  ctx.wide = false;
}

/** The end of a nest: late sub-messages, the parents stack, trailing bytes. */
export function finishSet(ctx: DecodeCtx, obj: Obj, deferred: Deferred[] | undefined, pos: number, trailing: number, tracked = true, lastPad = -1): void {
  if (deferred) decodeDeferred(deferred, obj, ctx);
  if (tracked) ctx.parents.pop();
  if (trailing > 0) notesOf(obj).trailing = ctx.r.copy(pos, trailing);
  if (lastPad >= 0) notesOf(obj).lastPad = lastPad;
}

/** Records the wire facts a plain value cannot carry. */
function notePlacement(obj: Obj, codec: AttrCodec, flags: number, key: string, v: unknown, ctx: DecodeCtx): void {
  if (codec.nest) {
    if (flags !== NLA_F_NESTED && v !== null && typeof v === "object") (v as Obj)[NEST_FLAGS] = flags;
  } else if (flags !== codec.flags) {
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

interface Placed {
  place: number;
  codec: AttrCodec;
  name: string;
  item: unknown;
  key: string;
}

/**
 * The multi-attr items that go back to a place of their own (WIRE_NOTES.at,
 * see decodeOne), in the order of their places. An item with no place of its
 * own directly followed the one before it, which may have one.
 */
function placedItems(obj: Obj, byName: Map<string, AttrCodec>, at: Record<string, number>): Placed[] & { keys: Set<string> } {
  const out: Placed[] = [];
  for (const name of Object.keys(obj)) {
    const codec = byName.get(name);
    const v = obj[name];
    if (!codec?.multi || !Array.isArray(v)) continue;
    let chain: number | undefined;
    v.forEach((item, i) => {
      if (item === false) return;
      const key = `${name}#${i}`;
      const place = at[key] ?? (chain === undefined ? undefined : chain + 1);
      chain = place;
      if (place !== undefined) out.push({ place, codec, name, item, key });
    });
  }
  out.sort((a, b) => a.place - b.place);
  return Object.assign(out, { keys: new Set(out.map((x) => x.key)) });
}

function encodeSet(setName: string, byName: Map<string, AttrCodec>, w: ByteWriter, obj: Obj, ctx: EncodeCtx): void {
  const unknown = obj[UNKNOWN_ATTRS];
  const notes = obj[WIRE_NOTES];
  let index = 0;
  let u = 0;
  let last = -1;
  const put = (codec: AttrCodec, name: string, item: unknown, key: string) => {
    const nestFlags = codec.nest ? ((item as Obj)?.[NEST_FLAGS] ?? NLA_F_NESTED) : notes?.flags?.[key] ?? codec.flags;
    ctx.tail = notes?.tail?.[key];
    ctx.cut = notes?.cut?.[key];
    ctx.wide = notes?.wide?.[key];
    const at = (last = w.beginAttr(codec.type | nestFlags));
    ctx.path.push(name);
    codec.encode(w, item, ctx);
    ctx.path.pop();
    w.endAttr(at);
    index++;
  };
  const placed = notes?.at ? placedItems(obj, byName, notes.at) : undefined;
  let p = 0;
  // Kept attributes and placed items go back to their places: each where the count of attributes written so far says.
  const putKeptUpTo = (i: number) => {
    for (;;) {
      const limit = Math.max(i, index);
      const x = unknown && u < unknown.length && unknown[u]!.index <= limit ? unknown[u]! : undefined;
      const y = placed && p < placed.length && placed[p]!.place <= limit ? placed[p]! : undefined;
      if (x && (!y || x.index <= y.place)) {
        u++;
        last = w.pos;
        w.attr(x.type | x.flags, x.value);
        index++;
      } else if (y) {
        p++;
        put(y.codec, y.name, y.item, y.key);
      } else return;
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
      const key = codec.multi ? `${name}#${i}` : name;
      if (placed?.keys.has(key)) return;
      putKeptUpTo(index);
      put(codec, name, item, key);
    });
  }
  putKeptUpTo(Infinity);
  ctx.parents.pop();
  if (notes?.trailing) w.bytes(notes.trailing);
  // Cut the last attribute's padding where the decoded run ended.
  if (notes?.lastPad !== undefined && last >= 0) cutPadding(w, last, notes.lastPad);
}

