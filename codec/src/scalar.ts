import { MalformedError, type AttrPath } from "./errors.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

/**
 * Integer kinds of netlink attributes and struct members. 64-bit kinds and the
 * variable-width uint/sint (4 or 8 bytes on the wire) decode to bigint so no
 * value is ever rounded; the narrower kinds decode to number.
 */
export type IntKind = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64" | "uint" | "sint";
export type ByteOrder = "host" | "big-endian" | "little-endian";

const FIXED_SIZE: Record<IntKind, number> = {
  u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8, uint: 0, sint: 0,
};

/** The wire size of a fixed-width kind, or 0 for uint/sint. */
export function intSize(kind: IntKind): number {
  return FIXED_SIZE[kind];
}

export function isBigKind(kind: IntKind): boolean {
  return kind === "u64" || kind === "s64" || kind === "uint" || kind === "sint";
}

function littleEndian(r: { littleEndian: boolean }, order: ByteOrder): boolean {
  return order === "host" ? r.littleEndian : order === "little-endian";
}

/**
 * Reads an integer of `kind` from [off, off+len); `len` must match the kind
 * (4 or 8 for uint/sint), otherwise a MalformedError names `path`.
 */
export function readInt(
  r: ByteReader,
  kind: IntKind,
  off: number,
  len: number,
  order: ByteOrder = "host",
  path: AttrPath = [],
): number | bigint {
  const size = FIXED_SIZE[kind];
  if (size ? len !== size : len !== 4 && len !== 8) {
    throw new MalformedError(`${kind} needs ${size || "4 or 8"} bytes, has ${len}`, off, path);
  }
  r.need(off, len, kind, path);
  const le = littleEndian(r, order);
  const v = r.view;
  switch (kind) {
    case "u8": return v.getUint8(off);
    case "s8": return v.getInt8(off);
    case "u16": return v.getUint16(off, le);
    case "s16": return v.getInt16(off, le);
    case "u32": return v.getUint32(off, le);
    case "s32": return v.getInt32(off, le);
    case "u64": return v.getBigUint64(off, le);
    case "s64": return v.getBigInt64(off, le);
    case "uint": return len === 4 ? BigInt(v.getUint32(off, le)) : v.getBigUint64(off, le);
    case "sint": return len === 4 ? BigInt(v.getInt32(off, le)) : v.getBigInt64(off, le);
  }
}

const U32_MAX = 0xffffffffn;
const S32_MIN = -0x80000000n;
const S32_MAX = 0x7fffffffn;

/** Wire size of a value: uint/sint take 4 bytes when the value fits, like the kernel's nla_put_uint. */
export function intWireSize(kind: IntKind, value: number | bigint): number {
  const size = FIXED_SIZE[kind];
  if (size) return size;
  const b = BigInt(value);
  return kind === "uint" ? (b <= U32_MAX ? 4 : 8) : b >= S32_MIN && b <= S32_MAX ? 4 : 8;
}

const RANGE: Record<IntKind, [bigint, bigint]> = {
  u8: [0n, 0xffn], u16: [0n, 0xffffn], u32: [0n, U32_MAX], u64: [0n, 0xffffffffffffffffn],
  s8: [-0x80n, 0x7fn], s16: [-0x8000n, 0x7fffn], s32: [S32_MIN, S32_MAX],
  s64: [-0x8000000000000000n, 0x7fffffffffffffffn],
  uint: [0n, 0xffffffffffffffffn], sint: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

/** Throws a RangeError-free, typed complaint for a value that does not fit. */
export function checkIntRange(kind: IntKind, value: number | bigint, path: AttrPath = []): void {
  if (typeof value === "number" && !Number.isInteger(value)) {
    throw new MalformedError(`${kind} value ${value} is not an integer`, 0, path);
  }
  const b = BigInt(value);
  const [lo, hi] = RANGE[kind];
  if (b < lo || b > hi) throw new MalformedError(`${kind} value ${b} out of range ${lo}..${hi}`, 0, path);
}

/** Writes an integer of `kind` (uint/sint in their smallest wire size). */
export function writeInt(
  w: ByteWriter,
  kind: IntKind,
  value: number | bigint,
  order: ByteOrder = "host",
  path: AttrPath = [],
): void {
  checkIntRange(kind, value, path);
  const net = order === "big-endian";
  // ByteWriter speaks "host" or "network"; little-endian on a big-endian host needs a swap.
  if (order === "little-endian" && !w.littleEndian) return writeSwapped(w, kind, value);
  switch (kind) {
    case "u8": w.u8(Number(value)); return;
    case "s8": w.s8(Number(value)); return;
    case "u16": w.u16(Number(value), net); return;
    case "s16": w.s16(Number(value), net); return;
    case "u32": w.u32(Number(value), net); return;
    case "s32": w.s32(Number(value), net); return;
    case "u64": w.u64(BigInt(value), net); return;
    case "s64": w.s64(BigInt(value), net); return;
    case "uint":
      if (intWireSize(kind, value) === 4) w.u32(Number(value), net);
      else w.u64(BigInt(value), net);
      return;
    case "sint":
      if (intWireSize(kind, value) === 4) w.s32(Number(value), net);
      else w.s64(BigInt(value), net);
      return;
  }
}

function writeSwapped(w: ByteWriter, kind: IntKind, value: number | bigint): void {
  const size = intWireSize(kind, value);
  let b = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    w.u8(Number(b & 0xffn));
    b >>= 8n;
  }
}

/** DataView getters per fixed-width kind, for hot decode paths that have checked lengths already. */
export const INT_GETTERS: Readonly<Record<Exclude<IntKind, "uint" | "sint">, (v: DataView, off: number, le: boolean) => number | bigint>> = {
  u8: (v, o) => v.getUint8(o),
  s8: (v, o) => v.getInt8(o),
  u16: (v, o, le) => v.getUint16(o, le),
  s16: (v, o, le) => v.getInt16(o, le),
  u32: (v, o, le) => v.getUint32(o, le),
  s32: (v, o, le) => v.getInt32(o, le),
  u64: (v, o, le) => v.getBigUint64(o, le),
  s64: (v, o, le) => v.getBigInt64(o, le),
};
