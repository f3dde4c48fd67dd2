import type { DecodedMessage } from "@nlwire/codec";
import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { describe, expect, it } from "vitest";
import { openNetlink } from "../../client/index.js";
import { ip, withNetns } from "../../tools/netns.js";
import { runText } from "../../tools/exec.js";
import { NETLINK_GENERIC, NETLINK_ROUTE, addrOf, ipAddrs, sorted } from "./helpers.js";

/** Proof that dumps say what the kernel's own tools say, field by field. */

/** veths kept from making IPv6 link-local addresses (and their routes) on their own, later, while we compare. */
const SETUP = [
  "link set lo up",
  "link add nlwka type veth peer name nlwkb",
  "link set nlwka addrgenmode none",
  "link set nlwkb addrgenmode none",
  "link set nlwka up",
  "link set nlwkb up",
  "addr add 10.1.0.1/24 dev nlwka",
  "addr add 10.1.0.9/24 dev nlwka label nlwka:sec",
  "addr add 10.2.0.1/16 dev nlwka scope link",
  "addr add 10.3.0.1 peer 10.3.0.2/32 dev nlwkb",
  "addr add 2001:db8::1/64 dev nlwka nodad",
  "addr add fe80::5/64 dev nlwkb nodad",
  "addr add 2001:db8:1::7/128 dev lo",
];

const ROUTES = [
  "route add 10.9.0.0/16 nexthop via 10.1.0.2 weight 3 nexthop via 10.1.0.3 weight 1",
  "route add 10.8.0.0/16 via 10.1.0.2 table 100",
  "route add 10.8.1.0/24 via 10.1.0.2 table 100 metric 7",
  "route add blackhole 10.66.0.0/16 table 200",
  "route add unreachable 10.67.0.0/16",
  "route add default via 10.1.0.254 table 200",
  "route add 10.1.5.0/24 dev nlwkb scope link src 10.1.0.9",
  "route add 2001:db8:5::/64 nexthop via 2001:db8::2 weight 2 nexthop via 2001:db8::3 weight 5",
  "route add 2001:db8:6::/64 via 2001:db8::2 table 100 metric 42",
  "route add blackhole 2001:db8:7::/64 table 200",
  "route add ::/0 via fe80::1 dev nlwkb table 200",
];

const TABLES: Record<number, string> = { 254: "main", 255: "local" };
const SCOPES: Record<number, string> = { 0: "global", 253: "link", 254: "host" };

/** Route fields as `ip -j route` prints them: absent when default (main table, unicast, global scope). */
interface Route {
  table?: string;
  type?: string;
  dst: string;
  dev?: string;
  gateway?: string;
  prefsrc?: string;
  scope?: string;
  metric?: number;
  nexthops?: { gateway?: string; dev: string; weight: number }[];
}

/** struct rtnexthop: len u16, flags u8, hops u8 (weight - 1), ifindex s32, then attributes (RTA_GATEWAY = 5). */
function nexthops(b: Uint8Array, v6: boolean, dev: (i: number) => string): NonNullable<Route["nexthops"]> {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: NonNullable<Route["nexthops"]> = [];
  for (let o = 0; o + 8 <= b.length; ) {
    const len = dv.getUint16(o, true);
    const hop: { gateway?: string; dev: string; weight: number } = { dev: dev(dv.getInt32(o + 4, true)), weight: b[o + 3]! + 1 };
    for (let a = o + 8; a + 4 <= o + len; a += (dv.getUint16(a, true) + 3) & ~3) {
      if (dv.getUint16(a + 2, true) !== 5) continue;
      const g = b.subarray(a + 4, a + dv.getUint16(a, true));
      hop.gateway = v6 ? ipv6(g) : [...g].join(".");
    }
    out.push(hop);
    o += (len + 3) & ~3;
  }
  return out;
}

/** RFC 5952 text, as inet_ntop writes it: the longest run (2+) of zero groups becomes "::". */
function ipv6(g: Uint8Array): string {
  const w = Array.from({ length: 8 }, (_, i) => ((g[2 * i]! << 8) | g[2 * i + 1]!).toString(16));
  let best = [-1, 0];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && w[j] === "0") j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best[0]! < 0) return w.join(":");
  return `${w.slice(0, best[0]).join(":")}::${w.slice(best[0]! + best[1]!).join(":")}`;
}

function routeOf(m: DecodedMessage, dev: (i: number) => string): Route {
  const f = m.fixed as { "rtm-family": number; "rtm-dst-len": number; "rtm-table": number; "rtm-type": string; "rtm-scope": number };
  const a = m.attrs as { table?: number; dst?: string; gateway?: string; oif?: number; prefsrc?: string; priority?: number; multipath?: Uint8Array };
  const v6 = f["rtm-family"] === 10;
  const table = a.table ?? f["rtm-table"];
  const full = v6 ? 128 : 32;
  const len = f["rtm-dst-len"];
  const r: Route = { dst: len === 0 ? "default" : len === full ? a.dst! : `${a.dst}/${len}` };
  if (table !== 254) r.table = TABLES[table] ?? String(table);
  if (f["rtm-type"] !== "unicast") r.type = f["rtm-type"];
  if (a.oif !== undefined) r.dev = dev(a.oif);
  if (a.gateway !== undefined) r.gateway = a.gateway;
  if (a.prefsrc !== undefined) r.prefsrc = a.prefsrc;
  if (f["rtm-scope"] !== 0) r.scope = SCOPES[f["rtm-scope"]] ?? String(f["rtm-scope"]);
  if (a.priority !== undefined) r.metric = a.priority;
  if (a.multipath) r.nexthops = nexthops(a.multipath, v6, dev);
  return r;
}

/** `ip -j route` objects reduced to the same fields. */
function ipRoutes(json: string): Route[] {
  return (JSON.parse(json) as (Route & { type?: string; nexthops?: Record<string, unknown>[] })[]).map((x) => {
    const r: Route = { dst: x.dst };
    for (const k of ["table", "dev", "gateway", "prefsrc", "scope", "metric"] as const) if (x[k] !== undefined) Object.assign(r, { [k]: x[k] });
    if (x.type !== undefined && x.type !== "unicast") r.type = x.type;
    if (x.nexthops) r.nexthops = x.nexthops.map((h) => ({ ...(h.gateway === undefined ? {} : { gateway: h.gateway as string }), dev: h.dev as string, weight: h.weight as number }));
    return r;
  });
}

describe("dumps agree with the kernel's own tools", () => {
  it("addresses: family, local, prefixlen, label and scope, as `ip -j addr show` has them", async () => {
    await withNetns(async (ns) => {
      ip(["-n", ns, "-batch", "-"], SETUP.join("\n") + "\n");
      const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns });
      try {
        const dumped = (await c.dump(rtAddr, "getaddr").toArray()).map(addrOf);
        const shown = ipAddrs(ip(["-n", ns, "-j", "addr", "show"]));
        expect(sorted(dumped)).toEqual(sorted(shown));
        expect(dumped.map((a) => a.scope).sort()).toEqual(expect.arrayContaining(["global", "host", "link"]));
        expect(dumped).toContainEqual(expect.objectContaining({ local: "10.1.0.9", label: "nlwka:sec" }));
        expect(dumped).toContainEqual(expect.objectContaining({ family: "inet6", local: "2001:db8:1::7", prefixlen: 128 }));
      } finally {
        c.close();
      }
    }, "nlwka");
  });

  it("routes: IPv4 and IPv6, several tables and types, multipath with weights, as `ip -j route show table all` has them", async () => {
    await withNetns(async (ns) => {
      ip(["-n", ns, "-batch", "-"], [...SETUP, ...ROUTES].join("\n") + "\n");
      const names = new Map((JSON.parse(ip(["-n", ns, "-j", "link", "show"])) as { ifindex: number; ifname: string }[]).map((l) => [l.ifindex, l.ifname]));
      const dev = (i: number) => names.get(i) ?? `if${i}`;
      const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns });
      try {
        for (const [family, flag] of [[2, "-4"], [10, "-6"]] as const) {
          const dumped = (await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": family } }).toArray()).map((m) => routeOf(m, dev));
          const shown = ipRoutes(ip(["-n", ns, "-j", flag, "route", "show", "table", "all"]));
          expect(sorted(dumped)).toEqual(sorted(shown));
          expect(new Set(dumped.map((r) => r.table ?? "main"))).toEqual(new Set(["main", "local", "100", "200"]));
        }
        const all = (await c.dump(rtRoute, "getroute").toArray()).map((m) => routeOf(m, dev));
        expect(all).toContainEqual(expect.objectContaining({ dst: "10.9.0.0/16", nexthops: [{ gateway: "10.1.0.2", dev: "nlwka", weight: 3 }, { gateway: "10.1.0.3", dev: "nlwka", weight: 1 }] }));
        expect(all).toContainEqual(expect.objectContaining({ dst: "2001:db8:5::/64", nexthops: [{ gateway: "2001:db8::2", dev: "nlwka", weight: 2 }, { gateway: "2001:db8::3", dev: "nlwka", weight: 5 }] }));
      } finally {
        c.close();
      }
    }, "nlwkr");
  });

  it("generic netlink: the nlctrl family dump names the families and ids `genl ctrl list` does (host namespace, read only)", async () => {
    const c = openNetlink({ protocol: NETLINK_GENERIC });
    try {
      const dumped = (await c.dump(nlctrl, "getfamily").toArray()).map((m) => {
        const a = m.attrs as { "family-name": string; "family-id": number; version: number };
        return { name: a["family-name"], id: a["family-id"], version: a.version };
      });
      const listed = [...runText("genl", ["ctrl", "list"]).matchAll(/^Name: (\S+)\s+ID: 0x([0-9a-f]+)\s+Version: 0x([0-9a-f]+)/gm)].map((x) => ({
        name: x[1]!, id: parseInt(x[2]!, 16), version: parseInt(x[3]!, 16),
      }));
      expect(sorted(dumped)).toEqual(sorted(listed));
      expect(dumped).toContainEqual({ name: "nlctrl", id: 16, version: 2 });
    } finally {
      c.close();
    }
  });
});
