import type { Address, Link, Neighbour, Route, Rule } from "../../api/index.js";
import { ipJ } from "./helpers.js";

/**
 * `ip -j` output turned into the API's shapes, for field-by-field
 * comparison: ip prints names where the API has ifindexes, omits defaults
 * (table main, protocol boot, scope global, type unicast) and prints some
 * numbers as text. What ip leaves out for a field, the API must leave out too.
 */

type J = Record<string, unknown>;

export const ifindexes = (ns: string): Map<string, number> =>
  new Map(ipJ<{ ifname: string; ifindex: number }[]>(ns, "link show").map((l) => [l.ifname, l.ifindex]));

const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253 };
const tableNumber = (v: unknown): number => (v === undefined ? 254 : TABLE_NAMES[String(v)] ?? Number(v));

/** The fields of `ip -j -d link show` that Link carries, in the API's names and units. */
export function ipLinks(ns: string): Partial<Link>[] {
  const idx = ifindexes(ns);
  const ref = (v: unknown): number | undefined => (v === undefined ? undefined : (idx.get(String(v)) ?? Number(String(v).replace(/^if/, ""))));
  return ipJ<J[]>(ns, "-d link show").map((l) => {
    const info = (l.linkinfo ?? {}) as J;
    const out: J = {
      ifindex: l.ifindex, ifname: l.ifname,
      // M-DOWN is ip's own remark about the peer (it is not a flag the kernel sends).
      flags: (l.flags as string[]).filter((f) => f !== "M-DOWN"),
      mtu: l.mtu, qdisc: l.qdisc, master: ref(l.master), link: l.link_netnsid === undefined ? ref(l.link) : undefined,
      operstate: l.operstate, linkmode: l.linkmode, group: l.group === "default" ? 0 : Number(l.group), txqlen: l.txqlen,
      linkType: l.link_type, address: l.address, broadcast: l.broadcast, permaddr: l.permaddr, ifalias: l.ifalias,
      promiscuity: l.promiscuity, allmulti: l.allmulti, minMtu: l.min_mtu, maxMtu: l.max_mtu,
      numTxQueues: l.num_tx_queues, numRxQueues: l.num_rx_queues, kind: info.info_kind, slaveKind: info.info_slave_kind,
    };
    return strip(out) as Partial<Link>;
  });
}

/** A Link cut down to the fields ipLinks yields (info/slaveInfo are compared kind by kind). */
export function linkFields(l: Link): Partial<Link> {
  const { info: _i, slaveInfo: _s, linkNetnsid: _n, link, ...rest } = l;
  return strip({ ...rest, link: l.linkNetnsid === undefined ? link : undefined }) as Partial<Link>;
}

export function ipAddresses(ns: string, args = ""): Address[] {
  const ipFlags = ["secondary", "nodad", "optimistic", "dadfailed", "home", "deprecated", "tentative", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy"];
  const names: Record<string, string> = { home: "homeaddress", mngtmpaddr: "managetempaddr", autojoin: "mcautojoin" };
  return ipJ<{ ifindex: number; addr_info: J[] }[]>(ns, `addr show ${args}`.trim()).flatMap((l) =>
    l.addr_info.map((a) => {
      const flags = ipFlags.filter((f) => a[f] === true).map((f) => names[f] ?? f);
      if (!a.dynamic) flags.push("permanent"); // ip prints "dynamic" for an address without IFA_F_PERMANENT
      const life = (v: unknown) => (v === 4294967295 ? "forever" : (v as number));
      return strip({
        ifindex: l.ifindex, family: a.family, local: a.local, prefixlen: a.prefixlen, address: a.address, broadcast: a.broadcast,
        scope: a.scope, label: a.label, flags: flags.sort(), validLft: life(a.valid_life_time), preferredLft: life(a.preferred_life_time),
      }) as unknown as Address;
    }),
  );
}

export const addressFields = (a: Address): Address => ({ ...a, flags: [...a.flags].sort() });

export function ipRoutes(ns: string, args: string, family: "-4" | "-6" | "" = ""): Partial<Route>[] {
  const idx = ifindexes(ns);
  // With "table N", "proto P" or "dev D" ip leaves that field out: the one asked for is implied.
  const asked = (word: string) => new RegExp(`${word} (\\S+)`).exec(args)?.[1];
  const table = asked("table") === "all" ? undefined : asked("table");
  const implied = strip({ table, protocol: asked("proto"), dev: asked("dev") });
  return ipJ<J[]>(ns, `${family} route show ${args}`.trim()).map((r) => routeFromIp({ ...implied, ...r }, idx));
}

function routeFromIp(r: J, idx: Map<string, number>): Partial<Route> {
  const dst = String(r.dst);
  const v6 = dst.includes(":") || String(r.gateway ?? "").includes(":") || r.pref !== undefined;
  const any = v6 ? "::/0" : "0.0.0.0/0";
  const metrics = r.metrics ? Object.assign({}, ...(r.metrics as J[])) : undefined;
  return strip({
    family: v6 ? "inet6" : "inet",
    type: r.type ?? "unicast",
    dst: dst === "default" ? any : dst.includes("/") ? dst : `${dst}/${v6 ? 128 : 32}`,
    src: r.from,
    table: tableNumber(r.table),
    protocol: r.protocol ?? "boot",
    scope: r.scope ?? "global",
    flags: r.flags,
    gateway: r.gateway,
    oif: r.dev === undefined ? undefined : idx.get(String(r.dev)),
    prefsrc: r.prefsrc,
    priority: r.metric,
    metrics,
    multipath: r.nexthops
      ? (r.nexthops as J[]).map((n) => strip({ oif: idx.get(String(n.dev)), weight: n.weight, flags: n.flags, gateway: n.gateway }))
      : undefined,
    pref: r.pref,
  }) as Partial<Route>;
}

/** The fields ip shows of a route: ip never prints tos 0, nor iif or mark of plain routes; expires varies with time. */
export function routeFields(r: Route): Partial<Route> {
  const { tos: _t, expires: _e, mark: _m, iif: _i, ...rest } = r;
  return strip({ ...rest, multipath: r.multipath?.map((n) => strip({ ...n })) }) as Partial<Route>;
}

export function ipNeighbours(ns: string, args: string): Partial<Neighbour>[] {
  const idx = ifindexes(ns);
  const dev = /dev (\S+)/.exec(args)?.[1]; // ip leaves out the link it was asked for
  return ipJ<J[]>(ns, `neigh show ${args}`.trim()).map((n) =>
    strip({
      ifindex: idx.get(String(n.dev ?? dev)), family: String(n.dst).includes(":") ? "inet6" : "inet", dst: n.dst, lladdr: n.lladdr,
      state: n.state, router: "router" in n ? true : undefined,
    }) as Partial<Neighbour>,
  );
}

export const neighbourFields = (n: Neighbour): Partial<Neighbour> =>
  strip({ ifindex: n.ifindex, family: n.family, dst: n.dst, lladdr: n.lladdr, state: n.state, router: n.flags.includes("router") ? true : undefined }) as Partial<Neighbour>;

export function ipRules(ns: string, family: "-4" | "-6"): Partial<Rule>[] {
  return ipJ<J[]>(ns, `${family} rule show`).map((r) => {
    const prefix = (a: unknown, len: unknown) => (a === undefined || a === "all" ? undefined : `${a}/${len ?? (family === "-4" ? 32 : 128)}`);
    return strip({
      family: family === "-4" ? "inet" : "inet6",
      priority: r.priority,
      table: r.action && r.table === undefined ? 0 : tableNumber(r.table),
      action: r.action ?? "to-tbl",
      src: prefix(r.src, r.srclen), dst: prefix(r.dst, r.dstlen),
      fwmark: num(r.fwmark), fwmask: num(r.fwmask), iif: r.iif, oif: r.oif,
      suppressPrefixlen: r.suppress_prefixlen, invert: "not" in r,
    }) as Partial<Rule>;
  });
}

export const ruleFields = (r: Rule): Partial<Rule> => {
  const { tos: _t, protocol: _p, goto: _g, ...rest } = r;
  // ip prints no fwmask when it is all ones (the kernel's "exact mark").
  return strip({ ...rest, fwmask: r.fwmask === 0xffffffff ? undefined : r.fwmask }) as Partial<Rule>;
};

/** Drops undefined members (ip left the field out). */
export function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
