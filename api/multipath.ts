import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "@nlwire/codec";
import type { IpFamily } from "./convert.js";

/**
 * RTA_MULTIPATH: a run of struct rtnexthop (len u16, flags u8, hops u8 =
 * weight - 1, ifindex s32; linux/rtnetlink.h), each followed by its own
 * attributes, of which only RTA_GATEWAY (5) matters here. The rt-route
 * spec leaves the attribute as bytes, so it is built and read here.
 */
const RTNH_LEN = 8;
const RTA_GATEWAY = 5;

/** RTNH_F_* (the same bits as rtm_flags' low byte). */
export const NEXTHOP_FLAGS: readonly [number, string][] = [
  [1, "dead"], [2, "pervasive"], [4, "onlink"], [8, "offload"], [16, "linkdown"], [32, "unresolved"], [64, "trap"],
];

export const flagsOf = (bits: number): string[] => NEXTHOP_FLAGS.filter(([b]) => bits & b).map(([, n]) => n);

/** One path of a multipath route. */
export interface Nexthop {
  gateway?: string;
  /** The device's ifindex. */
  oif: number;
  /** 1..256; the kernel keeps weight - 1 in a byte. */
  weight: number;
  flags: string[];
}

const pad4 = (n: number): number => (n + 3) & ~3;

export function encodeMultipath(family: IpFamily, hops: readonly { gateway?: string | undefined; oif: number; weight: number; onlink: boolean }[], littleEndian: boolean): Uint8Array {
  const parts = hops.map((h) => {
    const gw = h.gateway === undefined ? undefined : family === "inet" ? parseIPv4(h.gateway) : parseIPv6(h.gateway);
    const len = RTNH_LEN + (gw ? 4 + pad4(gw.length) : 0);
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint16(0, len, littleEndian);
    b[2] = h.onlink ? 4 : 0;
    b[3] = h.weight - 1;
    v.setInt32(4, h.oif, littleEndian);
    if (gw) {
      v.setUint16(8, 4 + gw.length, littleEndian);
      v.setUint16(10, RTA_GATEWAY, littleEndian);
      b.set(gw, 12);
    }
    return b;
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** Reads RTA_MULTIPATH; a malformed run stops where it goes wrong (what came before is kept). */
export function decodeMultipath(b: Uint8Array, littleEndian: boolean): Nexthop[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Nexthop[] = [];
  for (let at = 0; at + RTNH_LEN <= b.length; ) {
    const len = v.getUint16(at, littleEndian);
    if (len < RTNH_LEN || at + len > b.length) break;
    const hop: Nexthop = { oif: v.getInt32(at + 4, littleEndian), weight: b[at + 3]! + 1, flags: flagsOf(b[at + 2]!) };
    for (let a = at + RTNH_LEN; a + 4 <= at + len; ) {
      const alen = v.getUint16(a, littleEndian);
      if (alen < 4 || a + alen > at + len) break;
      const type = v.getUint16(a + 2, littleEndian) & 0x3fff;
      const value = b.subarray(a + 4, a + alen);
      if (type === RTA_GATEWAY && (value.length === 4 || value.length === 16)) hop.gateway = value.length === 4 ? formatIPv4(value) : formatIPv6(value);
      a += pad4(alen);
    }
    out.push(hop);
    at += pad4(len);
  }
  return out;
}
