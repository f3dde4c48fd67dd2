import { MalformedError, type AttrPath } from "./errors.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

/** struct nla_bitfield32: which bits to change (selector) and their new values. */
export interface Bitfield32 {
  value: number;
  selector: number;
}

export function readBitfield32(r: ByteReader, off: number, len: number, path: AttrPath = []): Bitfield32 {
  if (len !== 8) throw new MalformedError(`bitfield32 needs 8 bytes, has ${len}`, off, path);
  r.need(off, 8, "bitfield32", path);
  return { value: r.u32(off), selector: r.u32(off + 4) };
}

export function writeBitfield32(w: ByteWriter, b: Bitfield32): void {
  w.u32(b.value >>> 0).u32(b.selector >>> 0);
}
