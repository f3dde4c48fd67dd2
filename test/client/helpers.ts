import type { DecodedMessage } from "@nlwire/codec";
import type { Notification, Subscription } from "../../client/index.js";
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

/** An address as `ip -j addr show` names its fields (addr_info, with the link's ifindex). */
export interface Addr {
  ifindex: number;
  family: string;
  local: string;
  prefixlen: number;
  label?: string;
  scope: string;
}

const SCOPES: Record<number, string> = { 0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere" };
const FAMILIES: Record<number, string> = { 2: "inet", 10: "inet6" };

/** A getaddr reply (or RTM_NEWADDR) as an Addr; IPv6 has no IFA_LOCAL, only IFA_ADDRESS. */
export function addrOf(m: DecodedMessage): Addr {
  const f = m.fixed as { "ifa-family": number; "ifa-prefixlen": number; "ifa-scope": number; "ifa-index": number };
  const a = m.attrs as { local?: string; address?: string; label?: string };
  const s = f["ifa-scope"];
  return {
    ifindex: f["ifa-index"], family: FAMILIES[f["ifa-family"]] ?? String(f["ifa-family"]), local: a.local ?? a.address ?? "",
    prefixlen: f["ifa-prefixlen"], ...(a.label === undefined ? {} : { label: a.label }), scope: SCOPES[s] ?? String(s),
  };
}

/** `ip -j addr show` flattened to Addrs. */
export function ipAddrs(json: string): Addr[] {
  const links = JSON.parse(json) as { ifindex: number; addr_info: (Omit<Addr, "ifindex"> & Record<string, unknown>)[] }[];
  return links.flatMap((l) =>
    l.addr_info.map(({ family, local, prefixlen, label, scope }) => ({ ifindex: l.ifindex, family, local, prefixlen, ...(label === undefined ? {} : { label }), scope })),
  );
}

/** Sorts by a stable text form, to compare sets. */
export const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Reads `sub` until `stop` says so (the subscription stays open) or `ms` pass (it is closed). */
export async function until(sub: Subscription, stop: (n: Notification) => boolean, ms = 3000): Promise<Notification[]> {
  const got: Notification[] = [];
  const timer = setTimeout(() => sub.close(), ms);
  try {
    for (let r = await sub.next(); !r.done; r = await sub.next()) {
      got.push(r.value);
      if (stop(r.value)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

