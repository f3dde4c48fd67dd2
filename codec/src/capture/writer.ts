import { HOST_LITTLE_ENDIAN } from "../align.js";
import { encodeUtf8 } from "../text.js";
import { BLOCK, BYTE_ORDER_MAGIC, OPT } from "./pcapng.js";
import type { RecordDirection } from "./records.js";

export interface InterfaceOptions {
  linkType: number;
  /** 0: no limit. */
  snapLength?: number;
  name?: string;
  description?: string;
  comments?: string[];
}

export interface PacketOptions {
  interfaceId: number;
  timestampNs: bigint;
  data: Uint8Array;
  /** Defaults to data.length. */
  originalLength?: number;
  direction?: RecordDirection;
  comments?: string[];
}

const SHB_APPLICATION = 4;

/**
 * Builds pcapng blocks as bytes, in the host's byte order: a section header,
 * interfaces with nanosecond timestamps (if_tsresol 9), and enhanced packet
 * blocks with direction flags and comments. Where the bytes go is the
 * caller's business (a file, a download, a test).
 */
export class PcapngWriter {
  private interfaces = 0;

  sectionHeader(o: { application?: string; comments?: string[] } = {}): Uint8Array {
    const opts: [number, Uint8Array][] = [];
    for (const c of o.comments ?? []) opts.push([OPT.COMMENT, encodeUtf8(c)]);
    if (o.application) opts.push([SHB_APPLICATION, encodeUtf8(o.application)]);
    this.interfaces = 0;
    return block(BLOCK.SHB, 16, opts, (v) => {
      v.setUint32(8, BYTE_ORDER_MAGIC, HOST_LITTLE_ENDIAN);
      v.setUint16(12, 1, HOST_LITTLE_ENDIAN); // version 1.0
      v.setUint16(14, 0, HOST_LITTLE_ENDIAN);
      v.setBigInt64(16, -1n, HOST_LITTLE_ENDIAN); // section length not given
    });
  }

  /** An interface description block; the new interface's id is `lastInterfaceId`. */
  interfaceDescription(o: InterfaceOptions): Uint8Array {
    const opts: [number, Uint8Array][] = [];
    if (o.name) opts.push([OPT.IF_NAME, encodeUtf8(o.name)]);
    if (o.description) opts.push([OPT.IF_DESCRIPTION, encodeUtf8(o.description)]);
    for (const c of o.comments ?? []) opts.push([OPT.COMMENT, encodeUtf8(c)]);
    opts.push([OPT.IF_TSRESOL, Uint8Array.of(9)]);
    this.interfaces++;
    return block(BLOCK.IDB, 8, opts, (v) => {
      v.setUint16(8, o.linkType, HOST_LITTLE_ENDIAN);
      v.setUint32(12, o.snapLength ?? 0, HOST_LITTLE_ENDIAN);
    });
  }

  get lastInterfaceId(): number {
    return this.interfaces - 1;
  }

  enhancedPacket(p: PacketOptions): Uint8Array {
    const opts: [number, Uint8Array][] = [];
    for (const c of p.comments ?? []) opts.push([OPT.COMMENT, encodeUtf8(c)]);
    if (p.direction) {
      const f = new Uint8Array(4);
      new DataView(f.buffer).setUint32(0, p.direction === "inbound" ? 1 : 2, HOST_LITTLE_ENDIAN);
      opts.push([OPT.EPB_FLAGS, f]);
    }
    const fixed = 20 + pad4(p.data.length);
    return block(BLOCK.EPB, fixed, opts, (v, b) => {
      const le = HOST_LITTLE_ENDIAN;
      v.setUint32(8, p.interfaceId, le);
      v.setUint32(12, Number(p.timestampNs >> 32n), le);
      v.setUint32(16, Number(p.timestampNs & 0xffffffffn), le);
      v.setUint32(20, p.data.length, le);
      v.setUint32(24, p.originalLength ?? p.data.length, le);
      b.set(p.data, 28);
    });
  }
}

const pad4 = (n: number): number => n + ((4 - (n % 4)) % 4);

/** A block: 8-byte head, `fixed` body bytes filled by `body`, the options, the trailing length. */
function block(type: number, fixed: number, opts: [number, Uint8Array][], body: (v: DataView, b: Uint8Array) => void): Uint8Array {
  let optLen = 0;
  for (const [, val] of opts) optLen += 4 + pad4(val.length);
  if (opts.length) optLen += 4; // opt_endofopt
  const len = 8 + fixed + optLen + 4;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  const le = HOST_LITTLE_ENDIAN;
  v.setUint32(0, type, le);
  v.setUint32(4, len, le);
  body(v, b);
  let p = 8 + fixed;
  for (const [code, val] of opts) {
    v.setUint16(p, code, le);
    v.setUint16(p + 2, val.length, le);
    b.set(val, p + 4);
    p += 4 + pad4(val.length);
  }
  v.setUint32(len - 4, len, le);
  return b;
}
