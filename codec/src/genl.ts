import { GENL_HDRLEN } from "./align.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

/** The nlmsg_type of the generic netlink controller (nlctrl). */
export const GENL_ID_CTRL = 0x10;

/** struct genlmsghdr: the 4 bytes after nlmsghdr in every generic netlink message. */
export interface GenlHeader {
  cmd: number;
  version: number;
  reserved: number;
}

export function decodeGenlHeader(r: ByteReader, off: number): GenlHeader {
  r.need(off, GENL_HDRLEN, "genlmsghdr");
  return { cmd: r.bytes[off]!, version: r.bytes[off + 1]!, reserved: r.u16(off + 2) };
}

export function encodeGenlHeader(w: ByteWriter, h: GenlHeader): void {
  w.u8(h.cmd).u8(h.version).u16(h.reserved);
}
