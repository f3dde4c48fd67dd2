import type { DecodedMessage } from "@nlwire/codec";
import type { Ifinfomsg, LinkAttrs, LinkinfoAttrs, RtnlLinkStats64 } from "@nlwire/codec/families/rt-link";
import { compact } from "./convert.js";

/**
 * A link as the API returns it: the fields of `ip -j -d link show` in
 * camelCase, with ip's vocabulary for flags, operstate, linkmode and
 * link type; references to other links (master, link) by ifindex.
 */
export interface Link {
  ifindex: number;
  ifname: string;
  /** ip's names, in ip's order: "NO-CARRIER" (up without carrier), "BROADCAST", "MULTICAST", "UP", "LOWER_UP", ... */
  flags: string[];
  mtu: number;
  qdisc?: string;
  master?: number;
  /** The lower or peer device's ifindex (in `linkNetnsid`'s namespace when that is set). */
  link?: number;
  linkNetnsid?: number;
  operstate: Operstate;
  linkmode: string;
  group: number;
  txqlen: number;
  linkType: string;
  address?: string;
  broadcast?: string;
  permaddr?: string;
  ifalias?: string;
  altnames?: string[];
  promiscuity: number;
  allmulti: number;
  minMtu: number;
  maxMtu: number;
  numTxQueues: number;
  numRxQueues: number;
  /** IFLA_INFO_KIND: "veth", "bridge", ... (absent for lo and other kind-less devices). */
  kind?: string;
  /** IFLA_INFO_DATA as the rt-link spec names it. */
  info?: NonNullable<LinkinfoAttrs["data"]>;
  /** When enslaved: the master's kind ("bridge") and this port's settings. */
  slaveKind?: string;
  slaveInfo?: NonNullable<LinkinfoAttrs["slave-data"]>;
}

export type Operstate = "UNKNOWN" | "NOTPRESENT" | "DOWN" | "LOWERLAYERDOWN" | "TESTING" | "DORMANT" | "UP";
const OPERSTATES: readonly Operstate[] = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];
const LINKMODES = ["DEFAULT", "DORMANT", "TESTING"];

/** ARPHRD_* (linux/if_arp.h) as ip names them. */
const LINK_TYPES: Record<number, string> = {
  1: "ether", 768: "ipip", 769: "tunnel6", 772: "loopback", 776: "sit", 778: "gre", 823: "ip6gre", 65534: "none",
};

/** The codec's flag names → ip's, in the order ip prints them (print_link_flags). */
const IP_FLAGS: readonly [string, string][] = [
  ["loopback", "LOOPBACK"], ["broadcast", "BROADCAST"], ["point-to-point", "POINTOPOINT"], ["multicast", "MULTICAST"],
  ["no-arp", "NOARP"], ["all-multi", "ALLMULTI"], ["promisc", "PROMISC"], ["master", "MASTER"], ["slave", "SLAVE"],
  ["debug", "DEBUG"], ["dynamic", "DYNAMIC"], ["auto-media", "AUTOMEDIA"], ["portsel", "PORTSEL"], ["no-trailers", "NOTRAILERS"],
  ["up", "UP"], ["lower-up", "LOWER_UP"], ["dormant", "DORMANT"], ["echo", "ECHO"],
];

export function ipFlags(names: readonly string[]): string[] {
  const has = new Set(names);
  const out = has.has("up") && !has.has("running") ? ["NO-CARRIER"] : [];
  for (const [codec, ip] of IP_FLAGS) if (has.has(codec)) out.push(ip);
  return out;
}

/** 64-bit link counters (IFLA_STATS64), camelCase: rxBytes, txPackets, rxDropped, ... */
export type LinkStats = { [K in keyof RtnlLinkStats64 as K extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelTail<B>>}` : K]-?: bigint };
type CamelTail<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelTail<B>>}` : S;

export const camel = (s: string): string => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function statsOf(s: RtnlLinkStats64 | undefined): LinkStats | undefined {
  if (!s) return undefined;
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [camel(k), v])) as LinkStats;
}

export function linkOf(m: DecodedMessage): Link {
  const f = (m.fixed ?? {}) as Ifinfomsg;
  const a = m.attrs as LinkAttrs;
  const li = a.linkinfo;
  const str = (v: string | Uint8Array | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  return compact({
    ifindex: f["ifi-index"] ?? 0,
    ifname: a.ifname ?? "",
    flags: ipFlags((f["ifi-flags"] ?? []) as string[]),
    mtu: a.mtu ?? 0,
    qdisc: a.qdisc,
    master: a.master,
    link: a.link,
    linkNetnsid: a["link-netnsid"],
    operstate: OPERSTATES[a.operstate ?? 0] ?? "UNKNOWN",
    linkmode: LINKMODES[a.linkmode ?? 0] ?? String(a.linkmode),
    group: a.group ?? 0,
    txqlen: a.txqlen ?? 0,
    linkType: LINK_TYPES[f["ifi-type"] ?? 0] ?? `[${f["ifi-type"]}]`,
    address: str(a.address),
    broadcast: str(a.broadcast),
    permaddr: str(a["perm-address"]),
    ifalias: a.ifalias,
    altnames: a["prop-list"]?.["alt-ifname"],
    promiscuity: a.promiscuity ?? 0,
    allmulti: a.allmulti ?? 0,
    minMtu: a["min-mtu"] ?? 0,
    maxMtu: a["max-mtu"] ?? 0,
    numTxQueues: a["num-tx-queues"] ?? 0,
    numRxQueues: a["num-rx-queues"] ?? 0,
    kind: li?.kind,
    info: li?.data,
    slaveKind: li?.["slave-kind"],
    slaveInfo: li?.["slave-data"],
  });
}
