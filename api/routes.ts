import { HOST_LITTLE_ENDIAN, NLM_F, type DecodedMessage } from "@nlwire/codec";
import { rtRoute, type Metrics, type RouteAttrs, type RtmType, type Rtmsg } from "@nlwire/codec/families/rt-route";
import {
  PROTOCOLS, RT_TABLE_MAIN, SCOPES, TABLES, addressFamily, compact, parseAddress, familyName, familyNumber, formatPrefix, parsePrefix, tableFields, tableOf,
  type IpFamily, type RouteProtocol, type Scope, type TableName,
} from "./convert.js";
import { InvalidArgumentError } from "./errors.js";
import type { Handle } from "./handle.js";
import type { LinkRef } from "./link-kinds.js";
import { camel } from "./link-view.js";
import { decodeMultipath, encodeMultipath, flagsOf, type Nexthop } from "./multipath.js";
import type { Req } from "./batch.js";

export type { Nexthop } from "./multipath.js";
export type { RtmType } from "@nlwire/codec/families/rt-route";

/** RTAX_* metrics, camelCase: mtu, advmss, hoplimit, initcwnd, rtoMin, ccAlgo, ... */
export type RouteMetrics = { [K in keyof Metrics as K extends `${infer A}-${infer B}-${infer C}` ? `${A}${Capitalize<B>}${Capitalize<C>}` : K extends `${infer A}-${infer B}` ? `${A}${Capitalize<B>}` : K]?: Metrics[K] };

/** RTA_PREF (IPv6 router preference): ICMPV6_ROUTER_PREF_*. */
const PREFS: Record<number, "low" | "medium" | "high"> = { 3: "low", 0: "medium", 1: "high" };

/** A route: the fields of `ip -j route show`, with dst always as a prefix and devices by ifindex. */
export interface Route {
  family: IpFamily;
  type: RtmType | number;
  /** "10.0.0.0/24"; the default route is "0.0.0.0/0" or "::/0". */
  dst: string;
  src?: string;
  tos: number;
  table: number;
  protocol: RouteProtocol | number;
  scope: Scope | number;
  /** RTNH_F_* of the route ("onlink", "linkdown", ...). */
  flags: string[];
  gateway?: string;
  oif?: number;
  iif?: number;
  prefsrc?: string;
  /** RTA_PRIORITY: what ip calls "metric". */
  priority?: number;
  metrics?: RouteMetrics;
  multipath?: Nexthop[];
  pref?: "low" | "medium" | "high";
  expires?: number;
  mark?: number;
}

export interface NewNexthop {
  gateway?: string;
  dev: LinkRef;
  /** 1..256, default 1. */
  weight?: number;
  onlink?: boolean;
}

export interface NewRoute {
  /** A prefix, a bare address (host route) or "default". */
  dst: string;
  /** Needed only for "default" with IPv6 and for routes without any address. */
  family?: IpFamily;
  src?: string;
  gateway?: string;
  dev?: LinkRef;
  onlink?: boolean;
  prefsrc?: string;
  /** Default: "link" for a unicast route without gateway, "host" for local, else "global" (as ip chooses). */
  scope?: Scope | number;
  type?: RtmType;
  /** Default "boot", as ip uses. */
  protocol?: RouteProtocol | number;
  table?: number | TableName;
  priority?: number;
  tos?: number;
  metrics?: RouteMetrics;
  multipath?: NewNexthop[];
}

export interface RouteFilter {
  family?: IpFamily;
  /** Default "main", as ip shows; "all" for every table. */
  table?: number | TableName | "all";
  protocol?: RouteProtocol | number;
  type?: RtmType;
  dev?: LinkRef;
  /** Only the route to exactly this prefix (checked here; the kernel does not filter by destination). */
  dst?: string;
}

export interface RouteLookup {
  src?: string;
  dev?: LinkRef;
  iif?: LinkRef;
  mark?: number;
}

const RTM_TYPES: readonly RtmType[] = ["unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"];

/** Routes: list (filtered by the kernel), get (its lookup), add, append, replace, delete. */
export class Routes {
  constructor(private readonly h: Handle) {}

  async list(filter: RouteFilter = {}): Promise<Route[]> {
    const { fixed, attrs } = await this.#filterBody(filter);
    const want = filter.dst === undefined ? undefined : parsePrefix("dst", filter.dst, filter.family);
    const ms = await this.h.dump(rtRoute, "getroute", { fixed, attrs }, "list routes");
    return ms.map(routeOf).filter((r): r is Route => !!r && (!want || r.dst === formatPrefix(want.address, want.len)));
  }

  /** Streams the routes (for tables too large to hold). */
  stream(filter: Omit<RouteFilter, "dst"> = {}): AsyncIterable<Route> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        yield* self.h.dumpStream(rtRoute, "getroute", await self.#filterBody(filter), "list routes", routeOf);
      },
    };
  }

  async #filterBody(f: RouteFilter): Promise<{ fixed: Rtmsg; attrs: RouteAttrs }> {
    const table = f.table === "all" ? 0 : f.table === undefined ? RT_TABLE_MAIN : TABLES.number("table", f.table);
    const fixed: Rtmsg = { "rtm-family": familyNumber(f.family), "rtm-table": tableFields(table).header };
    const attrs: RouteAttrs = {};
    if (table >= 256) attrs.table = table;
    if (f.protocol !== undefined) fixed["rtm-protocol"] = PROTOCOLS.number("protocol", f.protocol);
    if (f.type !== undefined) fixed["rtm-type"] = f.type;
    if (f.dev !== undefined) attrs.oif = await this.h.links.index(f.dev);
    return { fixed, attrs };
  }

  /** The kernel's route lookup for `dst` (`ip route get`). */
  async get(dst: string, o: RouteLookup = {}): Promise<Route> {
    const family = addressFamily("dst", dst);
    const attrs: RouteAttrs = compact({
      dst, src: o.src, mark: o.mark,
      oif: o.dev === undefined ? undefined : await this.h.links.index(o.dev),
      iif: o.iif === undefined ? undefined : await this.h.links.index(o.iif),
    });
    const fixed: Rtmsg = { "rtm-family": familyNumber(family), "rtm-dst-len": family === "inet" ? 32 : 128, "rtm-src-len": o.src ? (family === "inet" ? 32 : 128) : 0 };
    const [m] = await this.h.request(rtRoute, "getroute", { fixed, attrs }, 0, `get route ${dst}`);
    const r = m && routeOf(m);
    if (!r) throw new Error(`get route ${dst}: the kernel sent no route`);
    return r;
  }

  add = async (r: NewRoute): Promise<void> => this.h.run(await this.request("add", r));
  append = async (r: NewRoute): Promise<void> => this.h.run(await this.request("append", r));
  replace = async (r: NewRoute): Promise<void> => this.h.run(await this.request("replace", r));
  delete = async (r: NewRoute): Promise<void> => this.h.run(await this.request("delete", r));

  /** The request each operation sends, for a Batch. */
  async request(what: "add" | "append" | "replace" | "delete", r: NewRoute): Promise<Req> {
    // The family by a glance at the text; parsePrefix and parseAddress check it properly.
    const family = r.family ?? ((r.dst !== "default" ? r.dst : (r.gateway ?? "")).includes(":") ? "inet6" : "inet");
    const dst = parsePrefix("dst", r.dst, family);
    const src = r.src === undefined ? undefined : parsePrefix("src", r.src, family);
    const type = r.type ?? "unicast";
    const table = r.table === undefined ? RT_TABLE_MAIN : TABLES.number("table", r.table);
    const t = tableFields(table);
    const fixed: Rtmsg = {
      "rtm-family": familyNumber(family), "rtm-dst-len": dst.len, "rtm-src-len": src?.len ?? 0, "rtm-tos": r.tos ?? 0,
      "rtm-table": t.header, "rtm-protocol": what === "delete" && r.protocol === undefined ? 0 : PROTOCOLS.number("protocol", r.protocol ?? "boot"),
      "rtm-scope": this.#scope(what, r, type), "rtm-type": type, "rtm-flags": r.onlink ? 4 : 0,
    };
    const gateway = r.gateway === undefined ? undefined : parseAddress("gateway", r.gateway);
    if (gateway && gateway.family !== family) throw new InvalidArgumentError("gateway", `${r.gateway} is not an ${family} address`);
    const attrs: RouteAttrs = compact({
      dst: dst.len ? dst.bytes : undefined, src: src?.bytes, gateway: gateway?.bytes, prefsrc: r.prefsrc,
      priority: r.priority, table: t.attr,
      oif: r.dev === undefined ? undefined : await this.h.links.index(r.dev),
      metrics: r.metrics === undefined ? undefined : metricsAttrs(r.metrics),
      multipath: r.multipath === undefined ? undefined : await this.#multipath(family, r.multipath),
    });
    const flags = { add: NLM_F.CREATE | NLM_F.EXCL, append: NLM_F.CREATE | NLM_F.APPEND, replace: NLM_F.CREATE | NLM_F.REPLACE, delete: 0 }[what];
    return { family: rtRoute, op: what === "delete" ? "delroute" : "newroute", body: { fixed, attrs }, flags, action: `${what} route ${r.dst}` };
  }

  #scope(what: string, r: NewRoute, type: RtmType): number {
    if (r.scope !== undefined) return SCOPES.number("scope", r.scope);
    if (type === "local" || type === "nat") return 254;
    if (type === "broadcast" || type === "multicast" || type === "anycast") return 253;
    if (type === "unicast" && what === "delete") return 255; // RT_SCOPE_NOWHERE: matches a route of any scope
    if (type === "unicast" && r.gateway === undefined && r.multipath === undefined) return 253;
    return 0;
  }

  async #multipath(family: IpFamily, hops: NewNexthop[]): Promise<Uint8Array> {
    const resolved = [];
    for (const n of hops) {
      const weight = n.weight ?? 1;
      if (!Number.isInteger(weight) || weight < 1 || weight > 256) throw new InvalidArgumentError("multipath.weight", `must be 1..256, is ${weight}`);
      if (n.gateway !== undefined && addressFamily("multipath.gateway", n.gateway) !== family) throw new InvalidArgumentError("multipath.gateway", `${n.gateway} is not an ${family} address`);
      resolved.push({ gateway: n.gateway, oif: await this.h.links.index(n.dev), weight, onlink: n.onlink ?? false });
    }
    return encodeMultipath(family, resolved, HOST_LITTLE_ENDIAN);
  }
}

const METRIC_NAMES: Record<string, string> = { rtoMin: "rto-min", ccAlgo: "cc-algo", fastopenNoCookie: "fastopen-no-cookie" };

function metricsAttrs(m: RouteMetrics): Metrics {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined).map(([k, v]) => [METRIC_NAMES[k] ?? k, v])) as Metrics;
}

export function routeOf(m: DecodedMessage): Route | undefined {
  const f = (m.fixed ?? {}) as Rtmsg;
  const a = m.attrs as RouteAttrs;
  const family = familyName(f["rtm-family"] ?? 0);
  if (!family) return undefined;
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const any = family === "inet" ? "0.0.0.0" : "::";
  const type = f["rtm-type"] ?? 0;
  return compact({
    family,
    type: typeof type === "number" ? (RTM_TYPES[type] ?? type) : type,
    dst: formatPrefix(text(a.dst) ?? any, f["rtm-dst-len"] ?? 0),
    src: a.src === undefined ? undefined : formatPrefix(text(a.src) ?? any, f["rtm-src-len"] ?? 0),
    tos: f["rtm-tos"] ?? 0,
    table: tableOf(f["rtm-table"], a.table),
    protocol: PROTOCOLS.name(f["rtm-protocol"] ?? 0),
    scope: SCOPES.name(f["rtm-scope"] ?? 0),
    flags: flagsOf(f["rtm-flags"] ?? 0),
    gateway: text(a.gateway),
    oif: a.oif,
    iif: a.iif,
    prefsrc: text(a.prefsrc),
    priority: a.priority,
    metrics: a.metrics ? (Object.fromEntries(Object.entries(a.metrics).map(([k, v]) => [camel(k), v])) as RouteMetrics) : undefined,
    multipath: a.multipath ? decodeMultipath(a.multipath, HOST_LITTLE_ENDIAN) : undefined,
    pref: a.pref === undefined ? undefined : PREFS[a.pref],
    expires: a.expires,
    mark: a.mark,
  });
}
