import { EncodeError, MalformedError, type AttrPath } from "../errors.js";
import type { ByteReader } from "../reader.js";
import { INT_GETTERS, checkIntRange, writeInt, type IntKind } from "../scalar.js";
import { decodeUtf8, decodeUtf8Exact, encodeUtf8, findNul } from "../text.js";
import type { ByteWriter } from "../writer.js";
import type { MemberModel, StructModel } from "./model.js";
import { jitStruct, type StructHelpers } from "./jit.js";
import { formatHinted, hintReader, isAddressHint, parseHinted, type Naming } from "./values.js";

/**
 * A compiled struct (fixed headers, binary attributes that hold a C struct).
 * Members are read at fixed offsets; pad members are skipped on decode and
 * written as zeros.
 */
export interface StructCodec {
  readonly name: string;
  readonly size: number;
  /** Decodes the members that fit in `len` bytes into `into`. */
  decodeInto(r: ByteReader, off: number, len: number, into: Record<string, unknown>, path: AttrPath): void;
  encode(w: ByteWriter, value: Record<string, unknown>, path: AttrPath): void;
  /** Decodes a struct at `off` of `len` bytes into a new object. */
  read(r: ByteReader, off: number, len?: number): Record<string, unknown>;
  /** Member names, to split a merged sub-message object. */
  readonly memberNames: ReadonlySet<string>;
  /** The struct ends in a flexible array member: it takes every byte after `size`. */
  readonly flexible: boolean;
}

export interface ValueNames {
  /** The naming of an integer that refers to an enum, or undefined for a plain integer. */
  naming(enumName: string | undefined, asFlags: boolean | undefined): Naming | undefined;
  struct(name: string): StructCodec;
  jitHelpers(): StructHelpers;
}

interface MemberCodec {
  name: string;
  offset: number;
  len: number;
  /** Reads the member at `off`; the caller has checked that it fits. */
  read(r: ByteReader, off: number): unknown;
  write(w: ByteWriter, v: unknown, path: AttrPath): void;
}

/** A struct member that holds an address: text from its wire bytes (see isAddressHint). */
function addressMember(m: MemberModel): Pick<MemberCodec, "read" | "write"> {
  const read = hintReader(m.displayHint)!;
  return {
    read: (r, off) => read(r.bytes, off, m.len),
    write(w, v, path) {
      if (v === undefined || typeof v === "number" || typeof v === "bigint") return writeInt(w, m.type as IntKind, v ?? 0, m.byteOrder ?? "host", path);
      const b = typeof v === "string" ? parseHinted(m.displayHint, v) : v instanceof Uint8Array ? v : undefined;
      if (!b || b.length !== m.len) throw new EncodeError(`${String(v)} is not a ${m.len}-byte ${m.displayHint} address`, path);
      w.bytes(b);
    },
  };
}

function intMember(m: MemberModel, names: ValueNames): Pick<MemberCodec, "read" | "write"> {
  if (isAddressHint(m.displayHint)) return addressMember(m);
  const kind = m.type as IntKind;
  const order = m.byteOrder ?? "host";
  const named = names.naming(m.enum, m.enumAsFlags);
  const get = INT_GETTERS[kind as keyof typeof INT_GETTERS];
  const fixedLe = order === "host" ? undefined : order === "little-endian";
  return {
    read(r, off) {
      const v = get(r.view, off, fixedLe ?? r.littleEndian);
      return named ? named.decode(v) : v;
    },
    write(w, v, path) {
      // A member left out is zero, as in a memset C struct.
      const raw = v === undefined ? 0 : named ? named.encode(v) : v;
      if (typeof raw !== "number" && typeof raw !== "bigint") throw new EncodeError(`${String(v)} is not a ${kind} value`, path);
      checkIntRange(kind, raw, path);
      writeInt(w, kind, raw, order, path);
    },
  };
}

function bytesMember(m: MemberModel, names: ValueNames): Pick<MemberCodec, "read" | "write"> {
  if (m.struct) {
    const sub = () => names.struct(m.struct!);
    return {
      read(r, off) {
        const o: Record<string, unknown> = {};
        sub().decodeInto(r, off, m.len, o, []);
        return o;
      },
      write: (w, v, path) => sub().encode(w, (v ?? {}) as Record<string, unknown>, path),
    };
  }
  if (m.type === "string") {
    return {
      read: (r, off) => decodeUtf8(r.bytes, off, findNul(r.bytes, off, off + m.len)),
      write(w, v, path) {
        const b = encodeUtf8(String(v ?? ""));
        if (b.length > m.len) throw new EncodeError(`string longer than ${m.len} bytes`, path);
        w.bytes(b).zeros(m.len - b.length);
      },
    };
  }
  return {
    read(r, off) {
      const b = r.bytes.slice(off, off + m.len);
      return formatHinted(m.displayHint, b) ?? b;
    },
    write(w, v, path) {
      const b = typeof v === "string" ? parseHinted(m.displayHint, v) : v instanceof Uint8Array ? v : v === undefined ? new Uint8Array(m.len) : undefined;
      if (!b || b.length !== m.len) throw new EncodeError(`needs ${m.len} bytes`, path);
      w.bytes(b);
    },
  };
}

/**
 * The flexible array member that ends a struct (MemberModel.flexible): raw
 * bytes, or an array of a struct that must fill the bytes exactly.
 */
function flexibleMember(m: MemberModel, names: ValueNames): Pick<MemberCodec, "read" | "write"> & { readAll(r: ByteReader, off: number, len: number, path: AttrPath): unknown } {
  const el = () => names.struct(m.struct!);
  return {
    read: () => undefined,
    readAll(r, off, len, path) {
      if (!m.struct) return r.copy(off, len);
      const size = el().size;
      if (size === 0 || len % size !== 0) throw new MalformedError(`${len} bytes are not a whole number of ${m.struct} (${size} bytes each)`, off, [...path, m.name]);
      return Array.from({ length: len / size }, (_, i) => el().read(r, off + i * size));
    },
    write(w, v, path) {
      if (v === undefined) return;
      if (!m.struct) {
        if (!(v instanceof Uint8Array)) throw new EncodeError("needs bytes", path);
        w.bytes(v);
        return;
      }
      if (!Array.isArray(v)) throw new EncodeError(`needs an array of ${m.struct}`, path);
      v.forEach((x, i) => el().encode(w, (x ?? {}) as Record<string, unknown>, [...path, i]));
    },
  };
}

/**
 * A struct's own bytes, kept on the decoded object when some byte no member
 * decodes is not zero (a pad, a gap, a string's bytes after its NUL), so that
 * encoding gives them back.
 */
export const STRUCT_BYTES: unique symbol = Symbol.for("nlwire.structBytes");

/** [from, to) ranges of a struct that no member decodes: pads and gaps. */
function unclaimed(members: readonly MemberModel[], size: number): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const m of members) {
    if (m.offset > next) out.push([next, m.offset]);
    if (m.type === "pad") out.push([m.offset, m.offset + m.len]);
    next = Math.max(next, m.offset + m.len);
  }
  if (size > next) out.push([next, size]);
  return out;
}

/** Bytes after the NUL, or text that is not UTF-8: what the decoded string cannot give back. */
function oddString(b: Uint8Array, from: number, to: number): boolean {
  const nul = findNul(b, from, to);
  return anyNonZero(b, nul, to) || decodeUtf8Exact(b, from, nul) === undefined;
}

function anyNonZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return true;
  return false;
}

export function compileStruct(s: StructModel, names: ValueNames): StructCodec {
  const flexModel = s.members.find((m) => m.flexible);
  const flex = flexModel && { name: flexModel.name, ...flexibleMember(flexModel, names) };
  const fixedModel = flex ? { ...s, members: s.members.filter((m) => !m.flexible) } : s;
  const members: MemberCodec[] = fixedModel.members
    .filter((m) => m.type !== "pad")
    .map((m) => ({
      name: m.name,
      offset: m.offset,
      len: m.len,
      ...(m.type === "string" || m.type === "binary" ? bytesMember(m, names) : intMember(m, names)),
    }));
  // Encoding walks every byte in order: members, and zeros for pads and gaps.
  const layout = fixedModel.members.map((m) => members.find((c) => c.name === m.name && m.type !== "pad") ?? m);
  const gaps = unclaimed(fixedModel.members, s.size);
  const strings = fixedModel.members.filter((m) => m.type === "string");
  const stringNames = new Set(strings.map((m) => m.name));
  /** Keeps the struct's bytes when a pad, gap or string tail holds anything but zeros. */
  const keepOdd = (r: ByteReader, off: number, len: number, o: Record<string | symbol, unknown>) => {
    const b = r.bytes;
    const n = Math.min(len, s.size);
    const odd = gaps.some(([f, t]) => f < n && anyNonZero(b, off + f, off + Math.min(t, n)))
      || strings.some((m) => m.offset + m.len <= n && oddString(b, off + m.offset, off + m.offset + m.len));
    if (odd) o[STRUCT_BYTES] = r.copy(off, n);
  };
  const decodeInto: StructCodec["decodeInto"] = (r, off, len, into, path) => {
    r.need(off, Math.min(len, s.size), `struct ${s.name}`, path);
    for (const m of members) {
      if (m.offset + m.len > len) break; // a shorter struct from an older kernel
      into[m.name] = m.read(r, off + m.offset);
    }
    if (flex && len >= s.size) into[flex.name] = flex.readAll(r, off + s.size, len - s.size, path);
    keepOdd(r, off, len, into);
  };
  let fast: ((r: ByteReader, off: number) => Record<string, unknown>) | null | undefined;
  return {
    name: s.name,
    size: s.size,
    memberNames: new Set([...members.map((m) => m.name), ...(flex ? [flex.name] : [])]),
    flexible: !!flex,
    decodeInto,
    read(r, off, len = s.size) {
      if (fast === undefined) fast = jitStruct(fixedModel, names.jitHelpers()) ?? null;
      if (fast && len >= s.size) {
        if (off < 0 || off + s.size > r.length) r.need(off, s.size, `struct ${s.name}`, [s.name]);
        const o = fast(r, off);
        if (flex) o[flex.name] = flex.readAll(r, off + s.size, len - s.size, [s.name]);
        keepOdd(r, off, s.size, o);
        return o;
      }
      const o: Record<string, unknown> = {};
      decodeInto(r, off, len, o, []);
      return o;
    },
    encode(w, value, path) {
      const start = w.pos;
      const raw = (value as Record<symbol, unknown>)[STRUCT_BYTES] as Uint8Array | undefined;
      // Zeros where no member is, or the bytes the decoded struct had there.
      const fill = (from: number, to: number) => (raw && raw.length >= to ? w.bytes(raw.subarray(from, to)) : w.zeros(to - from));
      let next = 0;
      for (const m of layout) {
        if (m.offset > next) fill(next, m.offset);
        if (!("write" in m)) fill(m.offset, m.offset + m.len);
        else if (raw && stringNames.has(m.name) && sameString(raw, m, value[m.name])) w.bytes(raw.subarray(m.offset, m.offset + m.len));
        else m.write(w, value[m.name], [...path, m.name]);
        next = m.offset + m.len;
      }
      fill(w.pos - start, s.size);
      if (flex) flex.write(w, value[flex.name], [...path, flex.name]);
    },
  };
}

/** Whether a string member still holds the text it had in `raw` (then its bytes after the NUL are kept too). */
function sameString(raw: Uint8Array, m: { offset: number; len: number }, v: unknown): boolean {
  if (typeof v !== "string" || raw.length < m.offset + m.len) return false;
  return decodeUtf8(raw, m.offset, findNul(raw, m.offset, m.offset + m.len)) === v;
}
