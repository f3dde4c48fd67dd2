import type { DecodedMessage } from "@nlwire/codec";
import type { Link } from "../transport/rtnl.js";

export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

/** A getlink reply as `ip -j link show` names its fields. */
export function linkOf(m: DecodedMessage): Link {
  const a = m.attrs as { ifname?: string; mtu?: number; address?: string };
  const fixed = m.fixed as { "ifi-index": number };
  return { ifindex: fixed["ifi-index"], ifname: a.ifname ?? "", mtu: a.mtu ?? 0, address: a.address ?? "" };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
