/**
 * Small request builders for the recorders: the fixed headers of
 * rtnetlink, tc, nfnetlink and generic netlink, written with the codec's
 * ByteWriter, and generic netlink family resolution through nlctrl.
 * Message and attribute numbers are the kernel's (linux/netfilter/nfnetlink.h,
 * linux/genetlink.h and the YNL specs; rtnetlink's are in rtnl.ts).
 */
import {
  AttrCursor, ByteReader, ByteWriter, GENL_ID_CTRL, NLM_F, decodeUtf8, encodeGenlHeader, encodeUtf8, readInt,
  splitDatagram,
} from "@nlwire/codec";
import { record } from "./nlrec.js";

export const NETLINK_NETFILTER = 12;
export const NETLINK_GENERIC = 16;

/** NLM_F_REQUEST | NLM_F_DUMP. */
export const DUMP = NLM_F.REQUEST | NLM_F.DUMP;

/** nlctrl (linux/genetlink.h). */
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_CMD_GETPOLICY = 10;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_OP = 10;

/** netdev (linux/netdev.h). */
export const NETDEV_CMD_DEV_GET = 1;

/** A string attribute with its NUL terminator, as the kernel's NLA_NUL_STRING wants. */
export function stringAttr(w: ByteWriter, type: number, s: string): void {
  const at = w.beginAttr(type);
  w.bytes(encodeUtf8(s)).u8(0).endAttr(at);
}

export function u32Attr(w: ByteWriter, type: number, v: number): void {
  const at = w.beginAttr(type);
  w.u32(v).endAttr(at);
}

/** One netlink message: header, then whatever `body` writes. */
export function message(type: number, flags: number, seq: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  const m = w.beginMessage(type, flags, seq);
  body(w);
  w.endMessage(m);
  return w.finish();
}

/** struct ifinfomsg (16 bytes). */
export function ifinfomsg(w: ByteWriter, h: { family?: number; type?: number; index?: number; flags?: number; change?: number } = {}): void {
  w.u8(h.family ?? 0).u8(0).u16(h.type ?? 0).s32(h.index ?? 0).u32(h.flags ?? 0).u32(h.change ?? 0);
}

/** struct ifaddrmsg (8 bytes). */
export function ifaddrmsg(w: ByteWriter, h: { family?: number; prefixlen?: number; flags?: number; scope?: number; index?: number } = {}): void {
  w.u8(h.family ?? 0).u8(h.prefixlen ?? 0).u8(h.flags ?? 0).u8(h.scope ?? 0).u32(h.index ?? 0);
}

/** struct rtmsg (12 bytes). */
export function rtmsg(
  w: ByteWriter,
  h: { family?: number; dstLen?: number; srcLen?: number; tos?: number; table?: number; protocol?: number; scope?: number; type?: number; flags?: number } = {},
): void {
  w.u8(h.family ?? 0).u8(h.dstLen ?? 0).u8(h.srcLen ?? 0).u8(h.tos ?? 0);
  w.u8(h.table ?? 0).u8(h.protocol ?? 0).u8(h.scope ?? 0).u8(h.type ?? 0).u32(h.flags ?? 0);
}

/** struct ndmsg (12 bytes). */
export function ndmsg(w: ByteWriter, h: { family?: number; ifindex?: number; state?: number; flags?: number; type?: number } = {}): void {
  w.u8(h.family ?? 0).zeros(3).s32(h.ifindex ?? 0).u16(h.state ?? 0).u8(h.flags ?? 0).u8(h.type ?? 0);
}

/** struct fib_rule_hdr (12 bytes). */
export function fibRuleHdr(w: ByteWriter, h: { family?: number; table?: number; action?: number; flags?: number } = {}): void {
  w.u8(h.family ?? 0).u8(0).u8(0).u8(0).u8(h.table ?? 0).u8(0).u8(0).u8(h.action ?? 0).u32(h.flags ?? 0);
}

/** struct tcmsg (20 bytes). */
export function tcmsg(w: ByteWriter, h: { family?: number; ifindex?: number; handle?: number; parent?: number; info?: number } = {}): void {
  w.u8(h.family ?? 0).zeros(3).s32(h.ifindex ?? 0).u32(h.handle ?? 0).u32(h.parent ?? 0).u32(h.info ?? 0);
}

/** A dump request with a fixed header and optional attributes. */
export function dumpRequest(type: number, seq: number, header: (w: ByteWriter) => void, attrs?: (w: ByteWriter) => void): Uint8Array {
  return message(type, DUMP, seq, (w) => {
    header(w);
    attrs?.(w);
  });
}

/** nfnetlink subsystems and the message type they make: (subsys << 8) | msg. */
export const NFNL_SUBSYS_CTNETLINK = 1;
export const NFNL_SUBSYS_NFTABLES = 10;
export function nfnlType(subsys: number, msg: number): number {
  return (subsys << 8) | msg;
}

/** struct nfgenmsg (4 bytes): family, version (NFNETLINK_V0), res_id in network order. */
export function nfgenmsg(w: ByteWriter, family: number, resId = 0): void {
  w.u8(family).u8(0).u16(resId, true);
}

/** A generic netlink request: nlmsghdr, genlmsghdr, attributes. */
export function genlRequest(
  family: number,
  cmd: number,
  version: number,
  seq: number,
  attrs?: (w: ByteWriter) => void,
  flags: number = NLM_F.REQUEST | NLM_F.ACK,
): Uint8Array {
  return message(family, flags, seq, (w) => {
    encodeGenlHeader(w, { cmd, version, reserved: 0 });
    attrs?.(w);
  });
}

/** Asks nlctrl for a family's id and reads CTRL_ATTR_FAMILY_ID from the reply. */
export function resolveFamily(name: string, netns: string): number {
  const req = genlRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2, 1, (w) => stringAttr(w, CTRL_ATTR_FAMILY_NAME, name));
  const id = familyMap(record(NETLINK_GENERIC, [req], { netns }))[name];
  if (id === undefined) throw new Error(`generic netlink family ${name} not found`);
  return id;
}

/** Reads name → id from nlctrl replies (a GETFAMILY do or dump). */
export function familyMap(datagrams: readonly Uint8Array[]): Record<string, number> {
  const map: Record<string, number> = {};
  for (const dgram of datagrams) {
    for (const m of splitDatagram(dgram).messages) {
      if (m.header.type !== GENL_ID_CTRL) continue;
      const r = new ByteReader(m.payload);
      const c = new AttrCursor(r, 4, m.payload.length);
      let id: number | undefined;
      let name: string | undefined;
      while (c.next()) {
        if (c.type === CTRL_ATTR_FAMILY_ID) id = readInt(r, "u16", c.valueOffset, c.valueLength) as number;
        if (c.type === CTRL_ATTR_FAMILY_NAME) {
          let end = c.valueOffset + c.valueLength;
          while (end > c.valueOffset && r.bytes[end - 1] === 0) end--;
          name = decodeUtf8(r.bytes, c.valueOffset, end);
        }
      }
      if (id !== undefined && name !== undefined) map[name] = id;
    }
  }
  return map;
}
