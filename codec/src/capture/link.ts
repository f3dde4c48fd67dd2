import { LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NETLINK } from "./records.js";
import { view } from "./format.js";

export const ARPHRD_NETLINK = 824;
const SLL_LEN = 16;
const SLL2_LEN = 20;

/** The cooked header's packet types (linux/if_packet.h). */
export const PACKET_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: "host", 1: "broadcast", 2: "multicast", 3: "otherhost", 4: "outgoing", 5: "loopback", 6: "user", 7: "kernel",
};

/** The netlink bytes of one record, with what the link layer said about them. */
export interface NetlinkPayload {
  /** The netlink protocol (NETLINK_ROUTE = 0, ...); undefined when no cooked header names it. */
  protocol?: number;
  pkttype?: number;
  /** Offset of the netlink bytes in the record's data. */
  offset: number;
}

/** Why a record holds no netlink bytes. */
export interface NotNetlink {
  reason: string;
}

/**
 * Finds the netlink bytes of a record by its link type. LINKTYPE_NETLINK
 * records start with the 16-byte cooked header (as nlmon captures and tshark
 * have it); one without it is taken as bare netlink. SLL and SLL2 records
 * count only when their hardware type is ARPHRD_NETLINK.
 */
export function netlinkPayload(linkType: number, data: Uint8Array): NetlinkPayload | NotNetlink {
  const v = view(data);
  if (linkType === LINKTYPE_NETLINK || linkType === LINKTYPE_LINUX_SLL) {
    const cooked = data.length >= SLL_LEN && v.getUint16(2, false) === ARPHRD_NETLINK;
    if (cooked) return { protocol: v.getUint16(14, false), pkttype: v.getUint16(0, false), offset: SLL_LEN };
    if (linkType === LINKTYPE_NETLINK) return { offset: 0 };
    return { reason: data.length < SLL_LEN ? "cooked header cut short" : `hardware type ${v.getUint16(2, false)}, not netlink` };
  }
  if (linkType === LINKTYPE_LINUX_SLL2) {
    if (data.length < SLL2_LEN) return { reason: "cooked (SLL2) header cut short" };
    const hatype = v.getUint16(8, false);
    if (hatype !== ARPHRD_NETLINK) return { reason: `hardware type ${hatype}, not netlink` };
    return { protocol: v.getUint16(0, false), pkttype: data[10]!, offset: SLL2_LEN };
  }
  return { reason: `link type ${linkType} carries no netlink` };
}

/** The 16-byte cooked header a LINKTYPE_NETLINK record starts with (all big-endian). */
export function cookedHeader(protocol: number, pkttype: number): Uint8Array {
  const h = new Uint8Array(SLL_LEN);
  const v = view(h);
  v.setUint16(0, pkttype, false);
  v.setUint16(2, ARPHRD_NETLINK, false);
  v.setUint16(14, protocol, false);
  return h;
}
