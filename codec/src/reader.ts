import { HOST_LITTLE_ENDIAN } from "./align.js";
import { TruncatedError, type AttrPath } from "./errors.js";

const NO_PATH: AttrPath = Object.freeze([]);

/**
 * A bounds-checked reader over any Uint8Array view (its byteOffset respected).
 * Offsets are relative to the view. Every read checks its bounds first, so a
 * DataView RangeError can never escape; callers that know the attribute path
 * call `need` themselves to get a better error.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly length: number;
  /** Byte order of "host order" fields (netlink headers, most attributes). */
  readonly littleEndian: boolean;

  constructor(bytes: Uint8Array, littleEndian: boolean = HOST_LITTLE_ENDIAN) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
    this.littleEndian = littleEndian;
  }

  /** Throws a TruncatedError unless `n` bytes are readable at `offset`. */
  need(offset: number, n: number, what: string, path: AttrPath = NO_PATH): void {
    // `>>> 0` rejects negative, fractional and NaN offsets and lengths in one test each.
    if (offset >>> 0 !== offset || n >>> 0 !== n || offset + n > this.length) {
      throw new TruncatedError(what, offset, path, n, this.length - offset);
    }
  }

  private le(netOrder: boolean): boolean {
    return netOrder ? false : this.littleEndian;
  }

  u8(off: number): number {
    this.need(off, 1, "u8");
    return this.bytes[off]!;
  }
  s8(off: number): number {
    this.need(off, 1, "s8");
    return this.view.getInt8(off);
  }
  u16(off: number, netOrder = false): number {
    this.need(off, 2, "u16");
    return this.view.getUint16(off, this.le(netOrder));
  }
  s16(off: number, netOrder = false): number {
    this.need(off, 2, "s16");
    return this.view.getInt16(off, this.le(netOrder));
  }
  u32(off: number, netOrder = false): number {
    this.need(off, 4, "u32");
    return this.view.getUint32(off, this.le(netOrder));
  }
  s32(off: number, netOrder = false): number {
    this.need(off, 4, "s32");
    return this.view.getInt32(off, this.le(netOrder));
  }
  u64(off: number, netOrder = false): bigint {
    this.need(off, 8, "u64");
    return this.view.getBigUint64(off, this.le(netOrder));
  }
  s64(off: number, netOrder = false): bigint {
    this.need(off, 8, "s64");
    return this.view.getBigInt64(off, this.le(netOrder));
  }

  /** A copy of `len` bytes: safe to keep after the input buffer is reused. */
  copy(off: number, len: number): Uint8Array {
    this.need(off, len, "bytes");
    return this.bytes.slice(off, off + len);
  }

  /** A view of `len` bytes, sharing memory with the input. */
  sub(off: number, len: number): Uint8Array {
    this.need(off, len, "bytes");
    return this.bytes.subarray(off, off + len);
  }
}
