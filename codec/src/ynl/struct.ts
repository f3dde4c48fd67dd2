import { EncodeError, type AttrPath } from "../errors.js";
import type { ByteReader } from "../reader.js";
import { INT_GETTERS, checkIntRange, writeInt, type IntKind } from "../scalar.js";
import { decodeUtf8, encodeUtf8, findNul } from "../text.js";
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

export function compileStruct(s: StructModel, names: ValueNames): StructCodec {
  const members: MemberCodec[] = s.members
    .filter((m) => m.type !== "pad")
    .map((m) => ({
      name: m.name,
      offset: m.offset,
      len: m.len,
      ...(m.type === "string" || m.type === "binary" ? bytesMember(m, names) : intMember(m, names)),
    }));
  // Encoding walks every byte in order: members, and zeros for pads and gaps.
  const layout = s.members.map((m) => members.find((c) => c.name === m.name && m.type !== "pad") ?? m);
  const decodeInto: StructCodec["decodeInto"] = (r, off, len, into, path) => {
    r.need(off, Math.min(len, s.size), `struct ${s.name}`, path);
    for (const m of members) {
      if (m.offset + m.len > len) break; // a shorter struct from an older kernel
      into[m.name] = m.read(r, off + m.offset);
    }
  };
  let fast: ((r: ByteReader, off: number) => Record<string, unknown>) | null | undefined;
  return {
    name: s.name,
    size: s.size,
    memberNames: new Set(members.map((m) => m.name)),
    decodeInto,
    read(r, off, len = s.size) {
      if (fast === undefined) fast = jitStruct(s, names.jitHelpers()) ?? null;
      if (fast && len >= s.size) {
        if (off < 0 || off + s.size > r.length) r.need(off, s.size, `struct ${s.name}`, [s.name]);
        return fast(r, off);
      }
      const o: Record<string, unknown> = {};
      decodeInto(r, off, len, o, []);
      return o;
    },
    encode(w, value, path) {
      const start = w.pos;
      let next = 0;
      for (const m of layout) {
        if (m.offset > next) w.zeros(m.offset - next);
        if ("write" in m) m.write(w, value[m.name], [...path, m.name]);
        else w.zeros(m.len);
        next = m.offset + m.len;
      }
      w.zeros(s.size - (w.pos - start));
    },
  };
}
