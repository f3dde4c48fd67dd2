/**
 * Mutations of real inputs: bit flips, byte sets, length-field edits that know
 * the nlmsghdr and nlattr layouts, truncation, splicing of two inputs, chunk
 * insertion and removal (with the enclosing lengths kept consistent, so the
 * change reaches the decoders below them) and nesting bombs. Each is a pure
 * function of the Rng, so an input is rebuilt from its seed.
 */
import type { Rng } from "./rng.js";
import { lengthFields, readField, writeField, type LengthField } from "./layout.js";

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NLA_F_NESTED = 0x8000;

/** A corpus entry: the bytes, and their length fields (found once). */
export interface Seed {
  bytes: Uint8Array;
  fields: LengthField[];
  /** Where it came from: a fixture file, or a generator. */
  origin: string;
}

export function seedOf(bytes: Uint8Array, origin: string): Seed {
  return { bytes, fields: lengthFields(bytes), origin };
}

const INTERESTING_BYTES = [0x00, 0x01, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff, 0x10, 0x14];

export type MutationName = "flip" | "byte" | "length" | "truncate" | "splice" | "insert" | "remove" | "duplicate" | "bomb" | "wide";
/** Weighted: the cheap local edits most often, the big structural ones (bombs, wide runs) now and then. */
export const MUTATIONS: readonly MutationName[] = [
  "flip", "flip", "byte", "byte", "length", "length", "length", "truncate", "truncate", "splice", "insert", "insert", "remove", "remove", "duplicate", "bomb", "wide",
];
/** Past this size an input gets no further mutations (each one re-walks its layout). */
const MAX_SIZE = 16 * 1024;

/** Applies 1..4 mutations to a copy of `seed` (splicing draws from `pool`). */
export function mutate(rng: Rng, seed: Seed, pool: readonly Seed[], only?: MutationName): Uint8Array {
  let b: Uint8Array = seed.bytes.slice();
  let fields = seed.fields;
  const n = only ? 1 : rng.chance(0.6) ? 1 : rng.range(2, 4);
  for (let i = 0; i < n && (i === 0 || b.length <= MAX_SIZE); i++) {
    const m = only ?? rng.pick(MUTATIONS);
    b = apply(rng, m, b, fields, pool);
    // Later mutations aim at the fields of what is there now.
    if (i + 1 < n) fields = lengthFields(b);
  }
  return b;
}

function apply(rng: Rng, m: MutationName, b: Uint8Array, fields: LengthField[], pool: readonly Seed[]): Uint8Array {
  switch (m) {
    case "flip": return flip(rng, b);
    case "byte": return setBytes(rng, b);
    case "length": return fields.length ? editLength(rng, b, rng.pick(fields)) : setBytes(rng, b);
    case "truncate": return b.subarray(0, cutPoint(rng, b, fields));
    case "splice": return splice(rng, b, pool.length ? rng.pick(pool).bytes : b);
    case "insert": return resize(rng, b, fields, randomBytes(rng, rng.pick([1, 2, 3, 4, 8, 16, 64])));
    case "remove": return remove(rng, b, fields);
    case "duplicate": return duplicate(rng, b, fields);
    case "bomb": return resize(rng, b, fields, nestingBomb(rng), true);
    case "wide": return resize(rng, b, fields, wideRun(rng), true);
  }
}

function flip(rng: Rng, b: Uint8Array): Uint8Array {
  if (!b.length) return b;
  for (let k = rng.range(1, 8); k > 0; k--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
  return b;
}

function setBytes(rng: Rng, b: Uint8Array): Uint8Array {
  if (!b.length) return b;
  for (let k = rng.range(1, 4); k > 0; k--) b[rng.int(b.length)] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return b;
}

/** A length set to an edge: zero, below a header, off by one or four, the field's maximum, past the buffer. */
function editLength(rng: Rng, b: Uint8Array, f: LengthField): Uint8Array {
  const cur = readField(b, f);
  const max = f.size === 2 ? 0xffff : 0xffffffff;
  const choices = [0, 1, 3, 4, 5, 15, 16, 17, 20, cur - 1, cur + 1, cur - 4, cur + 4, cur * 2, max, max - 3, 0x7fffffff,
    b.length - f.at, b.length - f.at + 1, rng.int(max + 1)];
  writeField(b, f, Math.max(0, rng.pick(choices)));
  return b;
}

/** Mostly at a structure boundary (a field's start or end), else anywhere. */
function cutPoint(rng: Rng, b: Uint8Array, fields: LengthField[]): number {
  if (fields.length && rng.chance(0.6)) {
    const f = rng.pick(fields);
    return Math.min(b.length, Math.max(0, (rng.chance(0.5) ? f.start : f.end) + rng.range(-2, 2)));
  }
  return rng.int(b.length + 1);
}

function splice(rng: Rng, a: Uint8Array, other: Uint8Array): Uint8Array {
  const i = rng.int(a.length + 1);
  const j = rng.int(other.length + 1);
  const out = new Uint8Array(i + other.length - j);
  out.set(a.subarray(0, i));
  out.set(other.subarray(j), i);
  return out;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.chance(0.5) ? 0 : rng.int(256);
  return out;
}

/** Length fields that enclose `pos` (they grow or shrink with a chunk put or taken there). */
function enclosing(fields: LengthField[], pos: number, inclusiveEnd: boolean): LengthField[] {
  return fields.filter((f) => f.start < pos && (pos < f.end || (inclusiveEnd && pos === f.end)));
}

/**
 * Puts `chunk` at a structure boundary (or anywhere) and, when `consistent`
 * (always for bombs when the dice say so), grows every enclosing length so
 * the result still parses down to where the chunk sits.
 */
function resize(rng: Rng, b: Uint8Array, fields: LengthField[], chunk: Uint8Array, boundary = false): Uint8Array {
  const bounds = fields.flatMap((f) => (f.size === 2 ? [f.start, f.end, f.start + 4] : [f.end, f.start + 20, f.start + 16]));
  let pos = (boundary || rng.chance(0.7)) && bounds.length ? rng.pick(bounds) : rng.int(b.length + 1);
  pos = Math.min(Math.max(0, pos), b.length);
  const out = new Uint8Array(b.length + chunk.length);
  out.set(b.subarray(0, pos));
  out.set(chunk, pos);
  out.set(b.subarray(pos), pos + chunk.length);
  if (rng.chance(0.85)) {
    for (const f of enclosing(fields, pos, true)) {
      const g = f.at >= pos ? { ...f, at: f.at + chunk.length } : f;
      writeField(out, g, readField(out, g) + chunk.length);
    }
  }
  return out;
}

function remove(rng: Rng, b: Uint8Array, fields: LengthField[]): Uint8Array {
  if (!b.length) return b;
  let start: number;
  let n: number;
  if (fields.length && rng.chance(0.6)) {
    // Drop one whole attribute or message, or the tail of one.
    const f = rng.pick(fields);
    start = rng.chance(0.5) ? f.start : f.start + rng.int(f.end - f.start);
    n = f.end - start;
  } else {
    start = rng.int(b.length);
    n = rng.range(1, Math.min(16, b.length - start));
  }
  n = Math.max(0, Math.min(n, b.length - start));
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, start));
  out.set(b.subarray(start + n), start);
  if (rng.chance(0.85)) {
    for (const f of fields.filter((f) => f.start < start && start + n <= f.end)) {
      if (f.at < start) writeField(out, f, readField(out, f) - n);
    }
  }
  return out;
}

/** Copies one attribute or message next to itself (duplicate attributes, repeated messages). */
function duplicate(rng: Rng, b: Uint8Array, fields: LengthField[]): Uint8Array {
  if (!fields.length) return splice(rng, b, b);
  const f = rng.pick(fields);
  const chunk = b.slice(f.start, Math.min(b.length, (f.end + 3) & ~3));
  return resize(rng, b, fields.filter((g) => g !== f), chunk, true);
}

/** `depth` nests, each holding the next, around a small leaf: 4 bytes a level. */
export function nestingBomb(rng: Rng): Uint8Array {
  const depth = rng.chance(0.9) ? rng.pick([16, 64, 255, 256, 257, 300]) : rng.pick([1000, 4000, 16000]);
  const leaf = 8;
  const out = new Uint8Array(depth * 4 + leaf);
  const v = new DataView(out.buffer);
  const type = rng.chance(0.5) ? 1 : rng.range(1, 40);
  for (let i = 0; i < depth; i++) {
    const len = Math.min(0xffff, out.length - i * 4);
    v.setUint16(i * 4, len, LE);
    v.setUint16(i * 4 + 2, (rng.chance(0.8) ? NLA_F_NESTED : 0) | type, LE);
  }
  v.setUint16(depth * 4, leaf, LE);
  v.setUint16(depth * 4 + 2, type, LE);
  return out;
}

/** Thousands of empty attributes in a row: many objects from few bytes. */
function wideRun(rng: Rng): Uint8Array {
  const n = rng.chance(0.9) ? rng.pick([50, 100, 300]) : rng.pick([1000, 10000]);
  const out = new Uint8Array(n * 4);
  const v = new DataView(out.buffer);
  const sameType = rng.chance(0.5);
  for (let i = 0; i < n; i++) {
    v.setUint16(i * 4, 4, LE);
    v.setUint16(i * 4 + 2, sameType ? 1 : rng.range(0, 64), LE);
  }
  return out;
}

/** Arbitrary bytes: uniform, mostly zero, or small header-like words. */
export function junk(rng: Rng): Uint8Array {
  const n = rng.pick([0, 1, 3, 4, 15, 16, 17, 20, 24, 32, 64, 128, 512]);
  const out = new Uint8Array(n);
  const style = rng.int(3);
  for (let i = 0; i < n; i++) out[i] = style === 0 ? rng.int(256) : style === 1 ? (rng.chance(0.8) ? 0 : rng.int(256)) : rng.pick(INTERESTING_BYTES);
  return out;
}
