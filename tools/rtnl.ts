/**
 * rtnetlink numbers the recorders and benchmarks use, from the kernel's
 * uapi headers (linux/rtnetlink.h, linux/if_link.h, linux/pkt_sched.h,
 * linux/socket.h). The request builders are in requests.ts.
 */

export const NETLINK_ROUTE = 0;

/** Address families: the family byte of rtnetlink's fixed headers (and of nfgenmsg). */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

/** Message types. */
export const RTM = {
  NEWLINK: 16, GETLINK: 18,
  GETADDR: 22,
  NEWROUTE: 24, GETROUTE: 26,
  GETNEIGH: 30,
  GETRULE: 34,
  GETQDISC: 38,
  GETTCLASS: 42,
  GETTFILTER: 46,
} as const;

/** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, u32 flags. */
export const RTMSG_LEN = 12;

export const IFLA_IFNAME = 3;
export const IFLA_LINKINFO = 18;
export const IFLA_INFO_KIND = 1;
export const IFLA_EXT_MASK = 29;
/** RTEXT_FILTER_* bits for IFLA_EXT_MASK. */
export const RTEXT_FILTER = { VF: 1, BRVLAN: 2, BRVLAN_COMPRESSED: 4, SKIP_STATS: 8 } as const;

/** Multicast groups (enum rtnetlink_groups): group n is bit n-1 of a bind mask. */
export const RTNLGRP = { LINK: 1, IPV4_IFADDR: 5, IPV4_ROUTE: 7 } as const;

/** A tc handle is major:minor in one u32 (TC_H_MAKE). */
export const TC_H = (major: number, minor: number): number => ((major << 16) | minor) >>> 0;
/** clsact's ingress hook as a filter parent: TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS). */
export const TC_H_CLSACT_INGRESS = TC_H(0xffff, 0xfff2);
