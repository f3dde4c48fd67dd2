import type { CodecError } from "../errors.js";
import type { ByteReader } from "../reader.js";
import type { ByteWriter } from "../writer.js";

/**
 * What the interpreter's pieces share: the decode and encode contexts, the
 * codec shapes, and the symbols that carry wire facts.
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
  /** Multi-attr items ("name#i") that did not follow their sibling on the wire: their place among the attributes. */
  at?: Record<string, number>;
  /** The run ends inside its last attribute's padding: how many of those pad bytes it holds (0..2). */
  lastPad?: number;
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

/** On an indexed-array or a type-value level: the run ends inside its last entry's padding (see WireNotes.lastPad). */
export const LAST_PAD: unique symbol = Symbol.for("nlwire.lastPad");

/** How many pad bytes the run [.., end) leaves after its last attribute, when it cuts that attribute's padding; else undefined. */
export function lastPadOf(lastOffset: number, lastLength: number, end: number): number | undefined {
  const padded = lastOffset + ((lastLength + 3) & ~3);
  return padded > end ? end - (lastOffset + lastLength) : undefined;
}

/** Takes back the padding the writer put after the attribute at `at`, down to `keep` bytes. */
export function cutPadding(w: ByteWriter, at: number, keep: number): void {
  const b = w.peek();
  w.pos = at + new DataView(b.buffer, b.byteOffset).getUint16(at, w.littleEndian) + keep;
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
  /** NLA_F_* bits a non-nest attribute carries when nothing else is noted (NLA_F_NET_BYTEORDER, or 0). */
  flags: number;
  decode(ctx: DecodeCtx, off: number, len: number): unknown;
  encode(w: ByteWriter, v: unknown, ctx: EncodeCtx): void;
}

export interface SetCodec {
  readonly name: string;
  decode: (ctx: DecodeCtx, start: number, end: number, into?: Obj) => Obj;
  encode(w: ByteWriter, value: Obj, ctx: EncodeCtx): void;
}

/** The wire notes of a decoded object, made on first use. */
export function notesOf(o: Obj): WireNotes {
  return (o[WIRE_NOTES] ??= {});
}

/** Keeps an attribute as bytes, at its place among its siblings. */
export function keep(o: Obj, u: UnknownAttr): void {
  (o[UNKNOWN_ATTRS] ??= []).push(u);
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
