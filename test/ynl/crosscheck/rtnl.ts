import { formatIPv4, formatIPv6, type DecodedMessage, type Obj } from "@nlwire/codec";
import type { Scope } from "./check.js";
import { rawAttrs, view } from "./decode.js";
import { IPPROTO, RTPROT, SCOPE, ipTable } from "./iproute.js";
import { cHex, type Json } from "./links.js";

/** Addresses, routes, neighbours and rules as ip prints them (ipaddress.c, iproute.c, ipneigh.c, iprule.c). */

const AF: Record<number, string> = { 2: "inet", 10: "inet6", 7: "bridge" };
const FOREVER = 0xffffffff;

/** ip's scope names (rtnl_rtscope_n2a). */
export function scopeName(n: number): string {
  return Object.entries(SCOPE).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** IFA_F_* flags ip prints as JSON booleans; "dynamic" is ip's word for "not permanent". */
function addrFlags(family: string, flags: readonly string[]): Record<string, true> {
  const out: Record<string, true> = {};
  const names: Record<string, string> = {
    secondary: family === "inet6" ? "temporary" : "secondary", nodad: "nodad", optimistic: "optimistic",
    dadfailed: "dadfailed", homeaddress: "home", deprecated: "deprecated", tentative: "tentative",
    managetempaddr: "mngtmpaddr", noprefixroute: "noprefixroute", "stable-privacy": "stable-privacy",
  };
  for (const f of flags) if (names[f]) out[names[f]] = true;
  if (!flags.includes("permanent")) out["dynamic"] = true;
  return out;
}

/** One entry of ip -j addr show's addr_info against RTM_NEWADDR. */
export function compareAddr(s: Scope, ip: Json, m: DecodedMessage): void {
  const f = m.fixed!;
  const a = m.attrs;
  const family = AF[f["ifa-family"] as number]!;
  s.eq("family", ip["family"], family);
  // ip's "local" is IFA_LOCAL when there is one, and then IFA_ADDRESS is the peer.
  s.eq("local", ip["local"], a["local"] ?? a["address"]);
  s.eq("address (peer)", ip["address"], a["local"] !== undefined && a["local"] !== a["address"] ? a["address"] : undefined);
  s.eq("prefixlen", ip["prefixlen"], f["ifa-prefixlen"]);
  s.eq("broadcast", ip["broadcast"], a["broadcast"]);
  s.eq("scope", ip["scope"], scopeName(f["ifa-scope"] as number));
  s.eq("label", ip["label"], a["label"]);
  const flagKeys = Object.fromEntries(Object.entries(ip).filter(([, v]) => v === true));
  s.eq("flags", flagKeys, addrFlags(family, (a["flags"] ?? f["ifa-flags"]) as string[]));
  const ci = a["cacheinfo"] as Obj;
  for (const [k, attr] of [["valid_life_time", "ifa-valid"], ["preferred_life_time", "ifa-prefered"]] as const) {
    const v = ci[attr] as number;
    // Finite lifetimes count down between the dump and ip's run.
    if (v === FOREVER) s.eq(k, ip[k], v);
    else s.drift(k, ip[k] as number, v, -5, 0);
  }
}

/** RTNH_F_* by ip's names (print_rt_flags). */
const RTNH_F: [number, string][] = [[1, "dead"], [2, "pervasive"], [4, "onlink"], [8, "offload"], [16, "linkdown"], [32, "unresolved"], [64, "trap"]];
function rtFlags(n: number): string[] {
  return RTNH_F.filter(([b]) => n & b).map(([, name]) => name);
}
const PREF = { 0: "medium", 1: "high", 3: "low" } as Record<number, string>;

/** ip's "dst": "default" for a zero-length prefix, else the address with /len unless it is a host route. */
export function routeDst(m: DecodedMessage): string {
  const f = m.fixed!;
  const len = f["rtm-dst-len"] as number;
  if (len === 0) return "default";
  const full = f["rtm-family"] === 2 ? 32 : 128;
  return len === full ? String(m.attrs["dst"]) : `${String(m.attrs["dst"])}/${len}`;
}

/**
 * RTA_MULTIPATH is binary in the 7.2 rt-route spec (an array of struct
 * rtnexthop, each followed by route attributes): walk it with linux/rtnetlink.h's
 * layout (len u16, flags u8, hops u8, ifindex s32; RTA_GATEWAY = 5). ip prints
 * weight = rtnh_hops + 1.
 */
export function nexthops(b: Uint8Array, family: number, names: Map<number, string>): Json[] {
  const out: Json[] = [];
  const v = view(b);
  for (let off = 0; off + 8 <= b.length;) {
    const len = v.getUint16(off, true);
    const attrs = rawAttrs(b.subarray(off + 8, off + len));
    const gw = attrs.get(5);
    out.push({
      gateway: gw && (family === 2 ? formatIPv4(gw) : formatIPv6(gw)),
      dev: names.get(v.getInt32(off + 4, true)),
      weight: v.getUint8(off + 3) + 1,
      flags: rtFlags(v.getUint8(off + 2)),
    });
    off += (len + 3) & ~3;
  }
  return out;
}

export function routeKey(type: unknown, dst: unknown, table: number, dev: unknown): string {
  return `${String(type ?? "unicast")} ${String(dst)} table ${table} dev ${String(dev ?? "-")}`;
}

export function compareRoute(s: Scope, ip: Json, m: DecodedMessage, names: Map<number, string>): void {
  const f = m.fixed!;
  const a = m.attrs;
  s.eq("type", ip["type"] ?? "unicast", f["rtm-type"]); // ip leaves out "unicast"
  s.eq("dst", ip["dst"], routeDst(m));
  s.eq("gateway", ip["gateway"], a["gateway"]);
  s.eq("dev", ip["dev"], a["oif"] === undefined ? undefined : names.get(a["oif"] as number));
  s.eq("table", ipTable(ip["table"] as string | undefined), a["table"] ?? f["rtm-table"]);
  // ip leaves out "proto boot" and "scope global" (universe).
  s.eq("protocol", RTPROT[(ip["protocol"] as string | undefined) ?? "boot"], f["rtm-protocol"]);
  s.eq("scope", SCOPE[(ip["scope"] as string | undefined) ?? "global"], f["rtm-scope"]);
  s.eq("prefsrc", ip["prefsrc"], a["prefsrc"]);
  s.eq("metric", ip["metric"], a["priority"]);
  s.eq("flags", ip["flags"], rtFlags(f["rtm-flags"] as number));
  s.eq("pref", ip["pref"], a["pref"] === undefined ? undefined : PREF[a["pref"] as number]);
  // ip prints the one RTA_METRICS nest as a one-element list.
  s.eq("metrics", ip["metrics"], a["metrics"] === undefined ? undefined : [a["metrics"]]);
  s.eq("nexthops", ip["nexthops"], a["multipath"] === undefined ? undefined : nexthops(a["multipath"] as Uint8Array, f["rtm-family"] as number, names));
  // rta_expires is in clock_t (USER_HZ = 100); ip prints whole seconds, a little later.
  const ci = a["cacheinfo"] as Obj | undefined;
  const expires = ci?.["rta-expires"] as number | undefined;
  if (expires) s.drift("expires", ip["expires"] as number, Math.trunc(expires / 100), -5, 0);
  else s.eq("expires", ip["expires"], undefined);
}

/** ip prints NUD states by their names in capitals. */
export function compareNeigh(s: Scope, ip: Json, m: DecodedMessage, names: Map<number, string>): void {
  const f = m.fixed!;
  s.eq("dst", ip["dst"], m.attrs["dst"]);
  s.eq("dev", ip["dev"], names.get(f["ndm-ifindex"] as number));
  s.eq("lladdr", ip["lladdr"], m.attrs["lladdr"]);
  s.eq("state", ip["state"], (f["ndm-state"] as string[]).map((x) => x.toUpperCase()));
  // NTF_ROUTER: ip prints a "router" key with no value.
  s.eq("router", "router" in ip, (f["ndm-flags"] as string[]).includes("router"));
}

/** bridge fdb's state_n2a: permanent before static (NOARP), then stale; reachable prints as "". */
function fdbState(states: readonly string[]): string {
  if (states.includes("permanent")) return "permanent";
  if (states.includes("noarp")) return "static";
  if (states.includes("stale")) return "stale";
  if (states.includes("reachable")) return "";
  return states.join(",");
}

/** NTF_* in bridge fdb's order and names. */
const NTF: [string, string][] = [["self", "self"], ["router", "router"], ["ext-learned", "extern_learn"], ["offloaded", "offload"], ["master", "master"], ["sticky", "sticky"]];

export function compareFdb(s: Scope, br: Json, m: DecodedMessage, names: Map<number, string>): void {
  const f = m.fixed!;
  const flags = f["ndm-flags"] as string[];
  s.eq("mac", br["mac"], m.attrs["lladdr"]);
  s.eq("ifname", br["ifname"], names.get(f["ndm-ifindex"] as number));
  s.eq("flags", br["flags"], NTF.filter(([x]) => flags.includes(x)).map(([, n]) => n));
  s.eq("master", br["master"], m.attrs["master"] === undefined ? undefined : names.get(m.attrs["master"] as number));
  s.eq("state", br["state"], fdbState(f["ndm-state"] as string[]));
  s.eq("dst", br["dst"], m.attrs["dst"]);
}

/** FIB_RULE_INVERT */
const INVERT = 2;

export function compareRule(s: Scope, ip: Json, m: DecodedMessage): void {
  const f = m.fixed!;
  const a = m.attrs;
  s.eq("priority", ip["priority"], a["priority"] ?? 0); // the kernel leaves out priority 0
  // "all" for no source prefix; the prefix length is printed apart.
  s.eq("src", ip["src"], f["src-len"] === 0 ? "all" : a["src"]);
  s.eq("srclen", ip["srclen"], f["src-len"] === 0 ? undefined : f["src-len"]);
  s.eq("dst", ip["dst"], a["dst"]);
  s.eq("dstlen", ip["dstlen"], f["dst-len"] === 0 ? undefined : f["dst-len"]);
  s.eq("not", "not" in ip, ((f["flags"] as number) & INVERT) !== 0);
  // ip prints the table for FR_ACT_TO_TBL and the action's name otherwise.
  const table = a["table"] ?? f["table"];
  s.eq("table", ip["table"] === undefined ? undefined : ipTable(ip["table"] as string), table === 0 ? undefined : table);
  s.eq("action", ip["action"], f["action"] === "to-tbl" ? undefined : f["action"]);
  s.eq("fwmark", ip["fwmark"], a["fwmark"] === undefined ? undefined : cHex(a["fwmark"] as number));
  s.eq("fwmask", ip["fwmask"], a["fwmask"] === undefined ? undefined : cHex(a["fwmask"] as number));
  s.eq("iif", ip["iif"], a["iifname"]);
  s.eq("oif", ip["oif"], a["oifname"]);
  // ip leaves out suppress_prefixlength when it is -1 (unset).
  s.eq("suppress_prefixlen", ip["suppress_prefixlen"], a["suppress-prefixlen"] === 0xffffffff ? undefined : a["suppress-prefixlen"]);
  s.eq("ipproto", ip["ipproto"] === undefined ? undefined : IPPROTO[ip["ipproto"] as string], a["ip-proto"]);
  for (const port of ["sport", "dport"] as const) {
    const r = a[`${port}-range`] as { start: number; end: number } | undefined;
    // A one-port range prints as "dport": N, a wider one as dport_start/dport_end.
    if (r && r.start === r.end) s.eq(port, ip[port], r.start);
    else s.eq(`${port}_start/${port}_end`, [ip[`${port}_start`], ip[`${port}_end`]], [r?.start, r?.end]);
  }
  const uid = a["uid-range"] as { start: number; end: number } | undefined;
  s.eq("uidrange", [ip["uid_start"], ip["uid_end"]], [uid?.start, uid?.end]);
}
