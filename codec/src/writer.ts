import { HOST_LITTLE_ENDIAN, padLength } from "./align.js";
import { NLA_F_NESTED } from "./attr-consts.js";
import { MalformedError } from "./errors.js";

/**
 * A growable writer. Nests and messages are opened with a token (the offset
 * of their header) and closed by back-patching their length, so callers
 * never compute sizes up front.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;
  readonly littleEndian: boolean;

  constructor(initialSize = 256, littleEndian: boolean = HOST_LITTLE_ENDIAN) {
    this.buf = new Uint8Array(Math.max(16, initialSize));
    this.view = new DataView(this.buf.buffer);
    this.littleEndian = littleEndian;
  }

  /** Claims n bytes and returns their offset; may replace buf and view, so call it first. */
  private reserve(n: number): number {
    const at = this.pos;
    const end = at + n;
    if (end > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < end) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.pos = end;
    return at;
  }

  private le(netOrder: boolean): boolean {
    return netOrder ? false : this.littleEndian;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.buf[at] = v;
    return this;
  }
  s8(v: number): this {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
    return this;
  }
  u16(v: number, netOrder = false): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v, this.le(netOrder));
    return this;
  }
  s16(v: number, netOrder = false): this {
    const at = this.reserve(2);
    this.view.setInt16(at, v, this.le(netOrder));
    return this;
  }
  u32(v: number, netOrder = false): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v, this.le(netOrder));
    return this;
  }
  s32(v: number, netOrder = false): this {
    const at = this.reserve(4);
    this.view.setInt32(at, v, this.le(netOrder));
    return this;
  }
  u64(v: bigint, netOrder = false): this {
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, this.le(netOrder));
    return this;
  }
  s64(v: bigint, netOrder = false): this {
    const at = this.reserve(8);
    this.view.setBigInt64(at, v, this.le(netOrder));
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }
  zeros(n: number): this {
    const at = this.reserve(n);
    this.buf.fill(0, at, this.pos);
    return this;
  }
  /** Pads with zeros to the next 4-byte boundary. */
  align(): this {
    return this.zeros(padLength(this.pos));
  }

  patchU16(at: number, v: number): void {
    // nla_len is 16 bits: a longer attribute must not get a wrapped length.
    if (v > 0xffff) throw new MalformedError(`attribute length ${v} exceeds 65535`, at, []);
    this.view.setUint16(at, v, this.littleEndian);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, this.littleEndian);
  }

  /** Writes an attribute header and value, then pads to alignment. */
  attr(type: number, value: Uint8Array): this {
    const at = this.beginAttr(type);
    this.bytes(value);
    return this.endAttr(at);
  }

  /** Starts an attribute whose value the caller writes next; close with `endAttr`. */
  beginAttr(type: number): number {
    const at = this.pos;
    this.u16(0).u16(type);
    return at;
  }
  /** Patches the attribute length (unpadded, as the kernel does) and pads. */
  endAttr(token: number): this {
    this.patchU16(token, this.pos - token);
    return this.align();
  }
  beginNest(type: number, flags = NLA_F_NESTED): number {
    return this.beginAttr(type | flags);
  }
  endNest(token: number): this {
    return this.endAttr(token);
  }

  beginMessage(type: number, flags: number, seq = 0, pid = 0): number {
    const at = this.pos;
    this.u32(0).u16(type).u16(flags).u32(seq).u32(pid);
    return at;
  }
  /** Patches nlmsg_len with the message's unpadded length, then pads. */
  endMessage(token: number): this {
    this.patchU32(token, this.pos - token);
    return this.align();
  }

  /** The bytes written so far, copied: the writer may be reused afterwards. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  /** The bytes written so far, without a copy; valid until the next write. */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  reset(): this {
    this.pos = 0;
    return this;
  }
}

