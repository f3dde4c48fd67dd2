import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { formatIPv4, formatIPv6, type DecodedMessage } from "@nlwire/codec";
import { Checks, unexplained, type KnownBug } from "./crosscheck/check.js";
import { decodeAs, family, recorded, toolOutput, type Recorded } from "./crosscheck/decode.js";
import { compareBridgePort, compareLink, type Json } from "./crosscheck/links.js";
import { compareAddr, compareFdb, compareNeigh, compareRoute, compareRule, routeDst, routeKey } from "./crosscheck/rtnl.js";
import { IPPROTO, LEGACY_FEATURE_NAMES, NETDEV_FEATURES, OPERSTATE, RTPROT, SCOPE, ipLinkFlags, ipTable, tcHandle } from "./crosscheck/iproute.js";
import { DevNames, compareFilter, compareHtbClass, compareQdisc, qdiscKey } from "./crosscheck/tc.js";
import { colonFields, conntrackLine, ethtoolChannels, genlFamilies, genlPolicy, monitorAddr, monitorEvents, monitorLink, monitorRoute, tcClassLine } from "./crosscheck/text.js";
import { statements } from "./crosscheck/nft.js";

/**
 * Every recorded fixture that carries the output of an independent tool
 * (ip, bridge, tc, nft, conntrack, ethtool, genl) taken on the same kernel
 * state is compared with what the codec decodes, field by field. Where the
 * tool prints another representation, the decoded value is converted the
 * way the tool's source does, and the conversion says so. Tool entries and
 * decoded messages are paired by key, and neither side may have entries
 * left over. CROSSCHECK_REPORT=1 prints how many fields each fixture compared.
 */

/** Decoded values known to be wrong, each with the codec fix it waits for. */
// Disagreements with a tool that are understood and not yet fixed; each
// entry must keep matching, or the test asks for its removal.
const KNOWN: KnownBug[] = [];

const counts: string[] = [];
const covered: string[] = [];

function crossCheck(name: string, floor: number, body: (rec: Recorded, c: Checks) => void): void {
  covered.push(name);
  it(name, () => {
    const rec = recorded(name);
    const c = new Checks();
    body(rec, c);
    const { unexplained: rest, stale } = unexplained(name, c, KNOWN);
    counts.push(`${name}: ${c.objects} objects, ${c.fields} fields compared, ${c.absent} absent on both sides, ${c.disagreements.length} known disagreements`);
    expect(rest, "disagreements with the tool").toEqual([]);
    expect(stale, "known bugs no longer seen: remove them from KNOWN").toEqual([]);
    expect(c.fields).toBeGreaterThanOrEqual(floor);
  });
}

function ipLinkFlagsOf(m: DecodedMessage): string[] {
  return ipLinkFlags(m.fixed!["ifi-flags"] as string[]);
}

function replies(rec: Recorded, op?: string): DecodedMessage[] {
  return rec.messages.filter((m) => op === undefined || m.op === op);
}

afterAll(() => {
  if (process.env["CROSSCHECK_REPORT"]) console.log(counts.join("\n"));
});

describe("links", () => {
  crossCheck("rtnl-getlink-dump-kinds", 350, (rec, c) => {
    const ip = toolOutput<Json[]>(rec, "link show");
    const msgs = replies(rec, "getlink");
    const byIndex = new Map(msgs.map((m) => [m.fixed!["ifi-index"] as number, m]));
    c.at("dump").eq("links", ip.map((l) => l["ifindex"]), msgs.map((m) => m.fixed!["ifi-index"]));
    for (const l of ip) compareLink(c.at(`link ${String(l["ifname"])}`), l, byIndex.get(l["ifindex"] as number)!, byIndex, true);
  });
});

/**
 * ifindex → name for fixtures whose own messages carry no names: taken from
 * another fixture's tool output or messages, provided both namespaces were
 * built by the same link commands (so the kernel numbered them alike).
 */
function sameLinks(a: Recorded, b: Recorded): void {
  const links = (r: Recorded) => r.fixture.producedBy.filter((l) => / link (add|set)|tuntap /.test(l));
  expect(links(a), `${a.name} and ${b.name} build their links alike`).toEqual(links(b));
}

function namesFromIp(rec: Recorded, command: string): Map<number, string> {
  return new Map(toolOutput<Json[]>(rec, command).map((l) => [l["ifindex"] as number, l["ifname"] as string]));
}

function namesFromLinks(rec: Recorded): Map<number, string> {
  return new Map(rec.messages.filter((m) => m.family === "rt-link").map((m) => [m.fixed!["ifi-index"] as number, m.attrs["ifname"] as string]));
}

/** Pairs each tool entry with the decoded message of the same key; both sides must be used up. */
function pair<T>(c: Checks, what: string, tool: readonly T[], toolKey: (t: T) => string, msgs: readonly DecodedMessage[], msgKey: (m: DecodedMessage) => string): [T, DecodedMessage, string][] {
  const byKey = new Map<string, DecodedMessage[]>();
  for (const m of msgs) byKey.set(msgKey(m), [...(byKey.get(msgKey(m)) ?? []), m]);
  const out: [T, DecodedMessage, string][] = [];
  const missing: string[] = [];
  for (const t of tool) {
    const k = toolKey(t);
    const m = byKey.get(k)?.shift();
    if (m) out.push([t, m, k]);
    else missing.push(k);
  }
  const left = [...byKey.values()].flat().map(msgKey);
  c.at(what).eq("entries the tool printed and the codec did not decode, and back", { toolOnly: missing, decodedOnly: [] }, { toolOnly: [], decodedOnly: left });
  return out;
}

describe("bridge", () => {
  crossCheck("rtnl-getlink-dump-bridge", 25, (rec, c) => {
    const kinds = recorded("rtnl-getlink-dump-kinds");
    sameLinks(rec, kinds);
    const names = namesFromLinks(kinds);
    // bridge link lists bridge ports: the AF_BRIDGE messages that carry IFLA_PROTINFO.
    const ports = replies(rec, "getlink").filter((m) => m.attrs["protinfo"] !== undefined);
    for (const [br, m, k] of pair(c, "ports", toolOutput<Json[]>(rec, "link show"), (l) => String(l["ifindex"]), ports, (m) => String(m.fixed!["ifi-index"]))) {
      const s = c.at(`port ${k}`);
      s.eq("ifname", br["ifname"], m.attrs["ifname"]);
      s.eq("flags", br["flags"], ipLinkFlagsOf(m));
      s.eq("mtu", br["mtu"], m.attrs["mtu"]);
      s.eq("master", br["master"], names.get(m.attrs["master"] as number));
      s.eq("link", br["link"], names.get(m.attrs["link"] as number));
      // The 7.2 rt-link spec types IFLA_PROTINFO as binary; for AF_BRIDGE it is a nest of IFLA_BRPORT_* (linkinfo-brport-attrs).
      const pi = decodeAs(family("rt-link"), "linkinfo-brport-attrs", m.attrs["protinfo"] as Uint8Array);
      // bridge prints "mcast_router" where ip prints "multicast_router".
      compareBridgePort(s, br, pi, "", (k) => (k === "multicast_router" ? "mcast_router" : k));
    }
  });

  crossCheck("rtnl-getneigh-dump-fdb", 90, (rec, c) => {
    const kinds = recorded("rtnl-getlink-dump-kinds");
    sameLinks(rec, kinds);
    const names = namesFromLinks(kinds);
    const key = (mac: unknown, dev: unknown, master: unknown) => `${String(mac)} ${String(dev)} ${String(master ?? "self")}`;
    const fdb = replies(rec, "getneigh");
    const pairs = pair(c, "fdb", toolOutput<Json[]>(rec, "fdb show"), (e) => key(e["mac"], e["ifname"], e["master"]),
      fdb, (m) => key(m.attrs["lladdr"], names.get(m.fixed!["ndm-ifindex"] as number), m.attrs["master"] === undefined ? undefined : names.get(m.attrs["master"] as number)));
    for (const [e, m, k] of pairs) compareFdb(c.at(`fdb ${k}`), e, m, names);
  });
});

describe("addresses, routes, neighbours, rules", () => {
  crossCheck("rtnl-getaddr-dump", 90, (rec, c) => {
    const ip = toolOutput<Json[]>(rec, "addr show");
    const entries = ip.flatMap((l) => (l["addr_info"] as Json[]).map((x): Json => ({ ...x, ifindex: l["ifindex"] })));
    const key = (idx: unknown, fam: unknown, local: unknown) => `${String(idx)} ${String(fam)} ${String(local)}`;
    const AFN: Record<number, string> = { 2: "inet", 10: "inet6" };
    for (const [e, m, k] of pair(c, "addresses", entries, (e) => key(e["ifindex"], e["family"], e["local"]),
      replies(rec, "getaddr"), (m) => key(m.fixed!["ifa-index"], AFN[m.fixed!["ifa-family"] as number], m.attrs["local"] ?? m.attrs["address"]))) {
      compareAddr(c.at(`addr ${k}`), e, m);
    }
  });

  for (const [name, fam, floor] of [["rtnl-getroute-dump-ipv4", 2, 160], ["rtnl-getroute-dump-ipv6", 10, 230]] as const) {
    crossCheck(name, floor, (rec, c) => {
      const addr = recorded("rtnl-getaddr-dump");
      sameLinks(rec, addr);
      const names = namesFromIp(addr, "addr show");
      // "ip route show table all" without -4/-6 prints both families; the dump asked for one.
      const v6 = (r: Json) => String(r["dst"]).includes(":") || String(r["gateway"] ?? "").includes(":") || (r["nexthops"] as Json[] | undefined)?.some((n) => String(n["gateway"]).includes(":"));
      const ip = toolOutput<Json[]>(rec, "route show").filter((r) => (fam === 10) === !!v6(r));
      const msgs = replies(rec, "getroute");
      for (const [r, m, k] of pair(c, "routes", ip, (r) => routeKey(r["type"], r["dst"], ipTable(r["table"] as string | undefined), r["dev"]),
        msgs, (m) => routeKey(m.fixed!["rtm-type"], routeDst(m), (m.attrs["table"] ?? m.fixed!["rtm-table"]) as number, names.get(m.attrs["oif"] as number)))) {
        compareRoute(c.at(`route ${k}`), r, m, names);
      }
    });
  }

  crossCheck("rtnl-getneigh-dump", 35, (rec, c) => {
    const addr = recorded("rtnl-getaddr-dump");
    sameLinks(rec, addr);
    const names = namesFromIp(addr, "addr show");
    // ip neigh show leaves out NUD_NOARP entries (its default state filter is ~NUD_NOARP).
    const msgs = replies(rec, "getneigh").filter((m) => !(m.fixed!["ndm-state"] as string[]).includes("noarp"));
    const key = (dst: unknown, dev: unknown) => `${String(dst)} dev ${String(dev)}`;
    for (const [cmd, fam] of [["-j neigh show", 0], ["-6 neigh show", 10]] as const) {
      const mine = msgs.filter((m) => fam === 0 || m.fixed!["ndm-family"] === fam);
      for (const [n, m, k] of pair(c, cmd, toolOutput<Json[]>(rec, cmd), (n) => key(n["dst"], n["dev"]), mine, (m) => key(m.attrs["dst"], names.get(m.fixed!["ndm-ifindex"] as number)))) {
        compareNeigh(c.at(`${cmd}: ${k}`), n, m, names);
      }
    }
  });

  for (const [name, floor] of [["rtnl-getrule-dump-ipv4", 110], ["rtnl-getrule-dump-ipv6", 80]] as const) {
    crossCheck(name, floor, (rec, c) => {
      for (const [r, m, k] of pair(c, "rules", toolOutput<Json[]>(rec, "rule show"), (r) => String(r["priority"]), replies(rec, "getrule"), (m) => String(m.attrs["priority"] ?? 0))) {
        compareRule(c.at(`rule ${k}`), r, m);
      }
    });
  }
});

describe("tc", () => {
  /** The qdisc fixture teaches the ifindex → dev map that the other tc fixtures (same namespace recipe) are held to. */
  function qdiscs(c: Checks): DevNames {
    const rec = recorded("tc-getqdisc-dump");
    const devs = new DevNames(c.at("dev names"));
    const tool = toolOutput<Json[]>(rec, "qdisc show");
    for (const [q, m, k] of pair(c, "qdiscs", tool, (q) => `${String(q["handle"])} ${String(q["root"] ? "root" : q["parent"])}`,
      replies(rec, "getqdisc"), (m) => qdiscKey(m.fixed!["handle"] as number, m.fixed!["parent"] as number))) {
      devs.check(`qdisc ${k}`, m.fixed!["ifindex"] as number, q["dev"] as string);
      compareQdisc(c.at(`qdisc ${k} dev ${String(q["dev"])}`), q, m);
    }
    return devs;
  }

  crossCheck("tc-getqdisc-dump", 140, (_rec, c) => void qdiscs(c));

  crossCheck("tc-gettclass-dump-htb", 36, (rec, c) => {
    sameLinks(rec, recorded("tc-getqdisc-dump"));
    const devs = qdiscs(new Checks());
    const lines = toolOutput<string[]>(rec, "class show").map(tcClassLine);
    for (const [l, m, k] of pair(c, "classes", lines, (l) => l.handle, replies(rec, "gettclass"), (m) => tcHandle(m.fixed!["handle"] as number))) {
      const s = c.at(`class ${k}`);
      devs.check(`class ${k}`, m.fixed!["ifindex"] as number, "t0"); // tc -d class show dev t0
      compareHtbClass(s, l, m);
    }
  });

  for (const [name, cmd, floor] of [["tc-gettfilter-dump-htb", "parent 1:", 60], ["tc-gettfilter-dump-ingress", "ingress", 30]] as const) {
    crossCheck(name, floor, (rec, c) => {
      sameLinks(rec, recorded("tc-getqdisc-dump"));
      const devs = qdiscs(new Checks());
      // tc prints filters in dump order: a header entry per priority, then its filters.
      const tool = toolOutput<Json[]>(rec, cmd);
      const msgs = replies(rec, "gettfilter");
      c.at("filters").eq("count", tool.length, msgs.length);
      tool.forEach((t, i) => {
        const m = msgs[i]!;
        devs.check(`filter ${i}`, m.fixed!["ifindex"] as number, "t0"); // tc filter show dev t0
        compareFilter(c.at(`filter #${i} pref ${String(t["pref"])}`), t, m, devs);
      });
    });
  }
});

describe("nftables", () => {
  type Nft = { nftables: Json[] };
  /** NFPROTO_* by nft's family names. */
  const NFPROTO: Record<number, string> = { 1: "inet", 2: "ip", 3: "arp", 5: "netdev", 7: "bridge", 10: "ip6" };
  /** NF_INET_* hooks by nft's names. */
  const HOOK = ["prerouting", "input", "forward", "output", "postrouting", "ingress"];
  /** nft's datatype ids (TYPE_IPADDR, TYPE_INET_SERVICE) as NFTA_SET_KEY_TYPE carries them. */
  const DATATYPE: Record<number, string> = { 7: "ipv4_addr", 13: "inet_service" };
  const objects = (rec: Recorded, cmd: string, kind: string) => toolOutput<Nft>(rec, cmd).nftables.filter((x) => kind in x).map((x) => x[kind] as Json);
  const fam = (m: DecodedMessage) => NFPROTO[m.fixed!["nfgen-family"] as number];
  // Handles are u64 (bigint); nft prints them as JSON numbers.
  const handle = (m: DecodedMessage) => Number(m.attrs["handle"]);

  crossCheck("nft-gettable-dump", 4, (rec, c) => {
    for (const [t, m, k] of pair(c, "tables", objects(rec, "list tables", "table"), (t) => `${String(t["family"])} ${String(t["name"])}`, replies(rec, "gettable"), (m) => `${fam(m)} ${String(m.attrs["name"])}`)) {
      const s = c.at(`table ${k}`);
      s.eq("handle", t["handle"], handle(m));
      s.eq("flags", t["flags"], (m.attrs["flags"] as string[]).length ? m.attrs["flags"] : undefined); // nft prints flags only when there are some
    }
  });

  crossCheck("nft-getchain-dump", 12, (rec, c) => {
    for (const [t, m, k] of pair(c, "chains", objects(rec, "list chains", "chain"), (t) => `${String(t["family"])} ${String(t["table"])} ${String(t["name"])}`, replies(rec, "getchain"), (m) => `${fam(m)} ${String(m.attrs["table"])} ${String(m.attrs["name"])}`)) {
      const s = c.at(`chain ${k}`);
      const hook = m.attrs["hook"] as { num: number; priority: number } | undefined;
      s.eq("handle", t["handle"], handle(m));
      s.eq("type", t["type"], m.attrs["type"]);
      s.eq("hook", t["hook"], hook && HOOK[hook.num]);
      s.eq("prio", t["prio"], hook?.priority);
      // NFTA_CHAIN_POLICY is a verdict: NF_DROP = 0, NF_ACCEPT = 1.
      s.eq("policy", t["policy"], m.attrs["policy"] === undefined ? undefined : ["drop", "accept"][m.attrs["policy"] as number]);
    }
  });

  crossCheck("nft-getset-dump", 8, (rec, c) => {
    for (const [t, m, k] of pair(c, "sets", objects(rec, "list sets", "set"), (t) => `${String(t["family"])} ${String(t["table"])} ${String(t["name"])}`, replies(rec, "getset"), (m) => `${fam(m)} ${String(m.attrs["table"])} ${String(m.attrs["name"])}`)) {
      const s = c.at(`set ${k}`);
      s.eq("handle", t["handle"], handle(m));
      s.eq("type", t["type"], DATATYPE[m.attrs["key-type"] as number]);
      s.eq("flags", t["flags"], m.attrs["flags"]);
      // NFTA_SET_COUNT: the elements nft lists (an interval is one element).
      s.eq("elements", (t["elem"] as unknown[]).length, m.attrs["count"]);
    }
  });

  crossCheck("nft-getsetelem-dump-allowed", 2, (rec, c) => {
    const [set] = objects(rec, "list set", "set");
    const elems = replies(rec, "getsetelem").flatMap((m) => (((m.attrs["elements"] as Json)["elem"] ?? []) as Json[]));
    // Element keys are the set's key type in network order; this set holds ipv4_addr.
    c.at(`set ${String(set!["name"])}`).eq("elem", set!["elem"], elems.map((e) => formatIPv4((e["key"] as Json)["value"] as Uint8Array)));
  });

  crossCheck("nft-getobj-dump", 6, (rec, c) => {
    for (const [t, m, k] of pair(c, "counters", objects(rec, "list counters", "counter"), (t) => `${String(t["family"])} ${String(t["table"])} ${String(t["name"])}`, replies(rec, "getobj"), (m) => `${fam(m)} ${String(m.attrs["table"])} ${String(m.attrs["name"])}`)) {
      const s = c.at(`counter ${k}`);
      const d = m.attrs["data"] as { packets: bigint; bytes: bigint };
      s.eq("type", "counter", m.attrs["type"]);
      s.eq("handle", t["handle"], handle(m));
      s.eq("packets/bytes", [BigInt(t["packets"] as number), BigInt(t["bytes"] as number)], [d.packets, d.bytes]);
    }
  });

  crossCheck("nft-getrule-dump", 65, (rec, c) => {
    const key = (f: unknown, t: unknown, ch: unknown, h: unknown) => `${String(f)} ${String(t)} ${String(ch)} handle ${String(h)}`;
    for (const [t, m, k] of pair(c, "rules", objects(rec, "list ruleset", "rule"), (r) => key(r["family"], r["table"], r["chain"], r["handle"]),
      replies(rec, "getrule"), (m) => key(fam(m), m.attrs["table"], m.attrs["chain"], handle(m)))) {
      const s = c.at(`rule ${k}`);
      const exprs = ((m.attrs["expressions"] as Json)["elem"] ?? []) as { name: string; data?: Json }[];
      const stmts = statements(exprs, fam(m)!);
      const tool = t["expr"] as Json[];
      s.eq("statements", tool.length, stmts.length);
      tool.forEach((x, i) => s.eq(`statement ${i + 1} (${Object.keys(x)[0]!})`, x, stmts[i]));
    }
  });
});

describe("conntrack", () => {
  crossCheck("nf-conntrack-get-dump", 50, (rec, c) => {
    const lines = [...toolOutput<string[]>(rec, "-f ipv4"), ...toolOutput<string[]>(rec, "-f ipv6")].map(conntrackLine);
    const PROTO = Object.fromEntries(Object.entries(IPPROTO).map(([n, v]) => [v, n]));
    const tuple = (t: Json) => {
      const ip = t["tuple-ip"] as Json;
      const p = t["tuple-proto"] as Json;
      const out: Record<string, string> = { src: String(ip["ip-v4-src"] ?? ip["ip-v6-src"]), dst: String(ip["ip-v4-dst"] ?? ip["ip-v6-dst"]) };
      if (p["proto-src-port"] !== undefined) Object.assign(out, { sport: String(p["proto-src-port"]), dport: String(p["proto-dst-port"]) });
      if (p["proto-icmp-type"] !== undefined) Object.assign(out, { type: String(p["proto-icmp-type"]), code: String(p["proto-icmp-code"]), id: String(p["proto-icmp-id"]) });
      return out;
    };
    // Paired by protocol and ports (or ICMP type/id): the addresses are among the compared values.
    const key = (proto: unknown, t: Record<string, string>) => `${String(proto)} ${JSON.stringify({ ...t, src: undefined, dst: undefined })}`;
    for (const [l, m, k] of pair(c, "connections", lines, (l) => key(l.proto, l.orig), replies(rec, "get"), (m) => key(PROTO[((m.attrs["tuple-orig"] as Json)["tuple-proto"] as Json)["proto-num"] as number], tuple(m.attrs["tuple-orig"] as Json)))) {
      const s = c.at(`conntrack ${k}`);
      const a = m.attrs;
      s.eq("protonum", l.protonum, ((a["tuple-orig"] as Json)["tuple-proto"] as Json)["proto-num"]);
      for (const [dir, t, d] of [["orig", l.orig, tuple(a["tuple-orig"] as Json)], ["reply", l.reply, tuple(a["tuple-reply"] as Json)]] as const) {
        for (const f of new Set([...Object.keys(t), ...Object.keys(d)])) s.eq(`${dir} ${f}`, t[f], d[f]);
      }
      // The timeout counts down between the dump and conntrack's run.
      s.drift("timeout", l.timeout, a["timeout"] as number, -5, 0);
      // conntrack prints the TCP state in capitals; other protocols have none.
      const tcp = ((a["protoinfo"] as Json | undefined)?.["protoinfo-tcp"] as Json | undefined)?.["tcp-state"];
      s.eq("state", l.state, typeof tcp === "string" ? tcp.toUpperCase().replace(/-/g, "_") : undefined);
      // [UNREPLIED] is printed without IPS_SEEN_REPLY, [ASSURED] with IPS_ASSURED.
      const status = a["status"] as string[];
      s.eq("flags", l.flags, [...(status.includes("seen-reply") ? [] : ["UNREPLIED"]), ...(status.includes("assured") ? ["ASSURED"] : [])]);
      s.eq("mark", l.rest["mark"], String(a["mark"]));
      s.eq("use", l.rest["use"], String(a["use"]));
      // conntrack prints zone=N only for a zone other than 0.
      s.eq("zone", l.rest["zone"], a["zone"] ? String(a["zone"]) : undefined);
    }
  });
});

describe("ethtool", () => {
  /** ethtool examined g0 only. */
  const g0 = (rec: Recorded, op: string) => {
    const m = replies(rec, op).filter((x) => (x.attrs["header"] as Json)["dev-name"] === "g0");
    expect(m, `${rec.name}: one ${op} reply for g0`).toHaveLength(1);
    return m[0]!.attrs;
  };
  /** Bit i of a compact bitset: u32 words in host order (the recordings are little-endian). */
  const bit = (b: Uint8Array, i: number) => ((new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32((i >> 5) * 4, true) >>> (i & 31)) & 1) === 1;
  const none = (b: Uint8Array | undefined) => !b || b.every((x) => x === 0);

  crossCheck("ethtool-channels-get-dump", 8, (rec, c) => {
    const a = g0(rec, "channels-get");
    const { max, current } = ethtoolChannels(toolOutput<string[]>(rec, "ethtool -l"));
    const s = c.at("channels g0");
    // ethtool prints "n/a" for a count the driver does not report.
    const v = (x: unknown) => (x === undefined ? "n/a" : String(x));
    for (const [k, attr] of [["RX", "rx"], ["TX", "tx"], ["Other", "other"], ["Combined", "combined"]] as const) {
      s.eq(`${k} max`, max.get(k), v(a[`${attr}-max`]));
      s.eq(`${k} current`, current.get(k), v(a[`${attr}-count`]));
    }
  });

  crossCheck("ethtool-features-get-dump", 220, (rec, c) => {
    const a = g0(rec, "features-get");
    const [tool] = toolOutput<Json[]>(rec, "ethtool --json -k");
    const val = (k: string) => (a[k] as Json)["value"] as Uint8Array;
    const named = NETDEV_FEATURES.flatMap((n, i) => (n ? [[LEGACY_FEATURE_NAMES[n] ?? n, i] as const] : []));
    // Entries with "fixed": null are ethtool's legacy groups (tx-checksumming, ...), not features.
    const single = Object.entries(tool!).filter(([, v]) => (v as Json | null)?.["fixed"] !== null && typeof v === "object").map(([k]) => k);
    c.at("features g0").eq("feature names", single.sort(), named.map(([n]) => n).sort());
    for (const [name, i] of named) {
      // ethtool: fixed unless the hw bit says changeable and nochange does not forbid it.
      c.at(`feature ${name} (bit ${i})`).eq("active/fixed/requested", tool![name], {
        active: bit(val("active"), i), fixed: !bit(val("hw"), i) || bit(val("nochange"), i), requested: bit(val("wanted"), i),
      });
    }
  });

  for (const [name, floor] of [["ethtool-linkinfo-get-dump", 4], ["ethtool-linkmodes-get-dump", 6], ["ethtool-linkmodes-get-dump-verbose", 6], ["ethtool-linkstate-get-dump", 1]] as const) {
    crossCheck(name, floor, (rec, c) => {
      const t = colonFields(toolOutput<string[]>(rec, "ethtool g0"));
      const s = c.at("g0");
      if (name.includes("linkinfo")) {
        const a = g0(rec, "linkinfo-get");
        // PORT_*, XCVR_*, ETH_TP_MDI_* (linux/ethtool.h) by ethtool's words.
        s.eq("Port", t.get("Port"), { 0: "Twisted Pair", 1: "AUI", 2: "BNC", 3: "MII", 4: "FIBRE", 5: "Direct Attach Copper", 0xef: "None", 0xff: "Other" }[a["port"] as number]);
        s.eq("PHYAD", t.get("PHYAD"), String(a["phyaddr"]));
        s.eq("Transceiver", t.get("Transceiver"), ["internal", "external"][a["transceiver"] as number]);
        s.eq("MDI-X", t.get("MDI-X"), { 0: "Unknown", 1: "off", 2: "on" }[a["tp-mdix"] as number]);
      } else if (name.includes("linkmodes")) {
        const a = g0(rec, "linkmodes-get");
        const ours = a["ours"] as Json;
        s.eq("Speed", t.get("Speed"), `${String(a["speed"])}Mb/s`);
        s.eq("Duplex", t.get("Duplex"), { 0: "Half", 1: "Full", 0xff: "Unknown!" }[a["duplex"] as number]);
        s.eq("Auto-negotiation", t.get("Auto-negotiation"), a["autoneg"] ? "on" : "off");
        // Compact bitsets: value = advertised, mask = supported; verbose: a list of named bits. The recorded
        // veth reports none, which ethtool words as below; a device with modes would need the mode names.
        const supported = ours["mask"] ?? ours["bits"];
        const advertised = ours["value"] ?? ours["bits"];
        const empty = (x: unknown) => (x instanceof Uint8Array ? none(x) : !((x as Json)["bit"] as unknown[] | undefined)?.length);
        s.eq("Supported link modes", t.get("Supported link modes"), empty(supported) ? "Not reported" : "(listed)");
        s.eq("Advertised link modes", t.get("Advertised link modes"), empty(advertised) ? "Not reported" : "(listed)");
        s.eq("Supports auto-negotiation", t.get("Supports auto-negotiation"), empty(supported) ? "No" : "(from bit 6)");
      } else {
        s.eq("Link detected", t.get("Link detected"), g0(rec, "linkstate-get")["link"] ? "yes" : "no");
      }
    });
  }

  crossCheck("ethtool-tsinfo-get-dump", 5, (rec, c) => {
    const lines = toolOutput<string[]>(rec, "ethtool -T");
    const a = g0(rec, "tsinfo-get");
    const caps = lines.slice(lines.indexOf("Capabilities:") + 1).filter((l) => l.startsWith("\t")).map((l) => l.trim());
    const bits = (((a["timestamping"] as Json)["bits"] as Json)["bit"] as Json[]).map((b) => b["name"]);
    const s = c.at("g0");
    s.eq("Capabilities", caps, bits);
    const t = colonFields(lines);
    s.eq("PTP Hardware Clock", t.get("PTP Hardware Clock"), a["phc-index"] === undefined ? "none" : String(a["phc-index"]));
    s.eq("Hardware Transmit Timestamp Modes", t.get("Hardware Transmit Timestamp Modes"), a["tx-types"] === undefined ? "none" : "(listed)");
    s.eq("Hardware Receive Filter Modes", t.get("Hardware Receive Filter Modes"), a["rx-filters"] === undefined ? "none" : "(listed)");
  });
});

describe("generic netlink", () => {
  /** GENL_ADMIN_PERM, GENL_CMD_CAP_DO/DUMP/HASPOL, GENL_UNS_ADMIN_PERM (linux/genetlink.h) by the spec's op-flags names. */
  const OP_FLAG: Record<string, number> = { "admin-perm": 1, "cmd-cap-do": 2, "cmd-cap-dump": 4, "cmd-cap-haspol": 8, "uns-admin-perm": 16 };

  for (const [name, floor] of [["genl-ctrl-getfamily-dump", 120], ["genl-ctrl-getfamily-dump-init-netns", 220]] as const) {
    crossCheck(name, floor, (rec, c) => {
      for (const [t, m, k] of pair(c, "families", genlFamilies(toolOutput<string[]>(rec, "genl ctrl list")), (f) => f.name, replies(rec, "getfamily"), (m) => String(m.attrs["family-name"]))) {
        const s = c.at(`family ${k}`);
        const a = m.attrs;
        s.eq("id", t.id, a["family-id"]);
        s.eq("version", t.version, a["version"]);
        s.eq("header size", t.hdrsize, a["hdrsize"]);
        s.eq("max attribs", t.maxattr, a["maxattr"]);
        // genl prints an op's capabilities only for families of version 2 and later.
        s.eq("ops", t.ops, ((a["ops"] ?? []) as Json[]).map((o) => (t.version >= 2
          ? { id: o["id"], caps: ((o["flags"] ?? []) as string[]).reduce((x, f) => x | OP_FLAG[f]!, 0) }
          : { id: o["id"] })));
        s.eq("multicast groups", t.groups, ((a["mcast-groups"] ?? []) as Json[]).map((g) => ({ id: g["id"], name: g["name"] })));
      }
    });
  }

  crossCheck("genl-ctrl-getpolicy-dump-netdev", 55, (rec, c) => {
    const t = genlPolicy(toolOutput<string[]>(rec, "genl ctrl policy"));
    const ops = new Map<number, Json>();
    const attrs = new Map<string, Json>();
    for (const m of replies(rec, "getpolicy")) {
      for (const [op, p] of Object.entries((m.attrs["op-policy"] ?? {}) as Record<string, Json>)) ops.set(Number(op), p);
      for (const [pol, byAttr] of Object.entries((m.attrs["policy"] ?? {}) as Record<string, Record<string, Json>>)) {
        for (const [attr, p] of Object.entries(byAttr)) attrs.set(`${pol}/${attr}`, p);
      }
    }
    const s = c.at("netdev policy");
    s.eq("ops", [...t.ops.keys()], [...ops.keys()]);
    for (const [op, p] of t.ops) s.eq(`op ${op}`, p, ops.get(op));
    s.eq("policy attributes", [...t.attrs.keys()], [...attrs.keys()]);
    // genl's nl_print_policy: type=NAME (the kernel's NL_ATTR_TYPE_* in capitals; this iproute2 predates
    // NL_ATTR_TYPE_SINT/UINT and prints "unknown"), then range:[min,max] and policy:IDX maxattr:N.
    for (const [k, line] of t.attrs) {
      const p = attrs.get(k) ?? {};
      const type = String(p["type"]);
      let text = `type=${type === "uint" || type === "sint" ? "unknown" : type.toUpperCase().replace(/-/g, "_")}`;
      if (p["min-value-u"] !== undefined) text += ` range:[${String(p["min-value-u"])},${String(p["max-value-u"])}]`;
      if (p["min-value-s"] !== undefined) text += ` range:[${String(p["min-value-s"])},${String(p["max-value-s"])}]`;
      if (p["policy-idx"] !== undefined) text += ` policy:${String(p["policy-idx"])} maxattr:${String(p["policy-maxtype"])}`;
      s.eq(`policy[${k.replace("/", "]:attr[")}]`, line, text);
    }
  });
});

describe("mptcp, netdev, tcp_metrics", () => {
  const names = () => namesFromIp(recorded("netdev-dev-get-dump"), "link show");

  crossCheck("mptcp-pm-get-addr-dump", 14, (rec, c) => {
    sameLinks(rec, recorded("netdev-dev-get-dump"));
    const devs = names();
    for (const [e, m, k] of pair(c, "endpoints", toolOutput<Json[]>(rec, "endpoint show"), (e) => String(e["id"]), replies(rec, "get-addr"), (m) => String((m.attrs["addr"] as Json)["id"]))) {
      const s = c.at(`endpoint ${k}`);
      const a = m.attrs["addr"] as Json;
      // The 7.2 mptcp_pm spec gives addr4 (big-endian u32) and addr6 (binary) no display hint: format them here.
      const addr4 = a["addr4"] as number | undefined;
      const addr = addr4 !== undefined ? formatIPv4(new Uint8Array([addr4 >>> 24, (addr4 >>> 16) & 255, (addr4 >>> 8) & 255, addr4 & 255])) : formatIPv6(a["addr6"] as Uint8Array);
      s.eq("address", e["address"], addr);
      s.eq("family", e["address"] && String(e["address"]).includes(":") ? 10 : 2, a["family"]);
      s.eq("port", e["port"], a["port"] ? a["port"] : undefined); // ip omits port 0
      // MPTCP_PM_ADDR_FLAG_SIGNAL/SUBFLOW/BACKUP/FULLMESH, printed as booleans.
      const flags = a["flags"] as number;
      for (const [bit, f] of [[1, "signal"], [2, "subflow"], [4, "backup"], [8, "fullmesh"]] as const) s.eq(f, e[f], flags & bit ? true : undefined);
      s.eq("dev", e["dev"], devs.get(a["if-idx"] as number));
    }
  });

  crossCheck("mptcp-pm-get-limits", 2, (rec, c) => {
    const [line] = toolOutput<string[]>(rec, "limits show");
    const m = /add_addr_accepted (\d+) subflows (\d+)/.exec(line!)!;
    const a = replies(rec, "get-limits")[0]!.attrs;
    const s = c.at("limits");
    s.eq("add_addr_accepted", Number(m[1]), a["rcv-add-addrs"]);
    s.eq("subflows", Number(m[2]), a["subflows"]);
  });

  crossCheck("netdev-dev-get-dump", 3, (rec, c) => {
    // ip link prints none of netdev's XDP features: what both show is the set of devices.
    c.at("devices").eq("ifindexes", toolOutput<Json[]>(rec, "link show").map((l) => l["ifindex"]), replies(rec, "dev-get").map((m) => m.attrs["ifindex"]));
  });

  crossCheck("tcp-metrics-get-dump", 12, (rec, c) => {
    const fam = (dst: unknown) => (String(dst).includes(":") ? "inet6" : "inet");
    for (const [t, m, k] of pair(c, "metrics", toolOutput<Json[]>(rec, "tcp_metrics show"), (t) => fam(t["dst"]), replies(rec, "get"), (m) => (m.attrs["addr-ipv6"] !== undefined ? "inet6" : "inet"))) {
      const s = c.at(`tcp_metrics ${k}`);
      const a = m.attrs;
      const v = a["vals"] as Json;
      s.eq("dst", t["dst"], a["addr-ipv4"] ?? a["addr-ipv6"]);
      s.eq("source", t["source"], a["saddr-ipv4"] ?? a["saddr-ipv6"]);
      s.eq("cwnd", t["cwnd"], v["cwnd"]);
      // The kernel keeps srtt scaled by 8 and rttvar by 4; ip undoes that and prints seconds (tcp_metrics.c).
      s.eq("rtt", t["rtt"], ((v["rtt-us"] as number) >> 3) / 1e6);
      s.eq("rttvar", t["rttvar"], ((v["rttvar-us"] as number) >> 2) / 1e6);
      // Age in ms, printed in seconds by ip a moment later.
      s.drift("age", t["age"] as number, Number(a["age"]) / 1000, 0, 1);
    }
  });
});

describe("ip monitor", () => {
  crossCheck("rtnl-events-link-veth", 140, (rec, c) => {
    const events = monitorEvents(toolOutput<string[]>(rec, "monitor")).map(monitorLink);
    const msgs = rec.messages;
    const names = namesFromLinks(rec);
    c.at("events").eq("count", events.length, msgs.length);
    events.forEach((e, i) => {
      const m = msgs[i]!;
      const a = m.attrs;
      const s = c.at(`event ${i + 1}`);
      s.eq("parsed", e !== undefined, true);
      if (!e) return;
      s.eq("Deleted", e.deleted, m.op === "dellink");
      s.eq("ifindex", e.ifindex, m.fixed!["ifi-index"]);
      s.eq("ifname", e.ifname, a["ifname"]);
      // "@NONE" for IFLA_LINK 0 (a veth whose peer is not there yet, or gone).
      s.eq("link", e.link, a["link"] ? names.get(a["link"] as number) : "NONE");
      // M-DOWN comes from ip's cache of the peer's state, not from this message.
      s.eq("flags", e.flags.filter((f) => f !== "M-DOWN"), ipLinkFlags(m.fixed!["ifi-flags"] as string[]));
      s.eq("mtu", e.fields.get("mtu"), String(a["mtu"]));
      s.eq("qdisc", e.fields.get("qdisc"), a["qdisc"]);
      s.eq("state", e.fields.get("state"), OPERSTATE[a["operstate"] as number]);
      s.eq("group", e.fields.get("group"), a["group"] === 0 ? "default" : String(a["group"]));
      s.eq("link/ether", e.fields.get("link/ether"), m.fixed!["ifi-type"] === 1 ? a["address"] : undefined);
      s.eq("brd", e.fields.get("brd"), a["broadcast"]);
    });
  });

  crossCheck("rtnl-events-addr-route", 80, (rec, c) => {
    const events = monitorEvents(toolOutput<string[]>(rec, "monitor"));
    const msgs = rec.messages;
    // No link messages here: an address added without a label is labelled with its device's name.
    const names = new Map(msgs.filter((m) => m.family === "rt-addr").map((m) => [m.fixed!["ifa-index"] as number, String(m.attrs["label"])]));
    c.at("events").eq("count", events.length, msgs.length);
    events.forEach((ev, i) => {
      const m = msgs[i]!;
      const a = m.attrs;
      const s = c.at(`event ${i + 1}`);
      const addr = monitorAddr(ev);
      if (m.family === "rt-addr") {
        s.eq("parsed as an address", addr !== undefined, true);
        if (!addr) return;
        s.eq("Deleted", addr.deleted, m.op === "deladdr");
        s.eq("ifindex", addr.ifindex, m.fixed!["ifa-index"]);
        s.eq("dev", addr.dev, names.get(m.fixed!["ifa-index"] as number));
        s.eq("family", addr.family, { 2: "inet", 10: "inet6" }[m.fixed!["ifa-family"] as number]);
        s.eq("local", addr.local, a["local"] ?? a["address"]);
        s.eq("prefixlen", addr.prefixlen, m.fixed!["ifa-prefixlen"]);
        s.eq("scope", addr.scope, Object.entries(SCOPE).find(([, v]) => v === m.fixed!["ifa-scope"])?.[0]);
        s.eq("label", addr.label, a["label"]);
        const ci = a["cacheinfo"] as Json;
        s.eq("valid_lft", addr.valid, ci["ifa-valid"] === 0xffffffff ? "forever" : `${String(ci["ifa-valid"])}sec`);
        s.eq("preferred_lft", addr.preferred, ci["ifa-prefered"] === 0xffffffff ? "forever" : `${String(ci["ifa-prefered"])}sec`);
        return;
      }
      const r = monitorRoute(ev);
      s.eq("Deleted", r.deleted, m.op === "delroute");
      s.eq("type", r.type, m.fixed!["rtm-type"]);
      s.eq("dst", r.dst, routeDst(m));
      s.eq("via", r.fields.get("via"), a["gateway"]);
      s.eq("dev", r.fields.get("dev"), names.get(a["oif"] as number));
      s.eq("table", ipTable(r.fields.get("table")), a["table"]);
      // ip leaves out "proto boot" and "scope global".
      s.eq("proto", RTPROT[r.fields.get("proto") ?? "boot"], m.fixed!["rtm-protocol"]);
      s.eq("scope", SCOPE[r.fields.get("scope") ?? "global"], m.fixed!["rtm-scope"]);
      s.eq("src", r.fields.get("src"), a["prefsrc"]);
    });
  });
});

it("covers every fixture that carries a cross-check", () => {
  const dir = new URL("../fixtures/families/", import.meta.url).pathname;
  const withCrossCheck = readdirSync(dir).filter((f) => f.endsWith(".json") && (JSON.parse(readFileSync(dir + f, "utf8")) as { crossCheck?: unknown[] }).crossCheck?.length).map((f) => f.replace(/\.json$/, ""));
  expect(covered.sort()).toEqual(withCrossCheck.sort());
});
