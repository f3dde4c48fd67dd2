import type { DecodedMessage, Obj } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtNeigh } from "@nlwire/codec/families/rt-neigh";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { rtRule } from "@nlwire/codec/families/rt-rule";
import type { AnyFamily, NetlinkClient } from "../client/index.js";
import { noExtraArgs, str, type Command, type Values } from "./command.js";
import type { Context } from "./context.js";
import { UsageError } from "./exit.js";
import { messageJson } from "./json.js";
import { ADDRESS_FAMILIES, OPERSTATES, PROTOCOLS, SCOPES, TABLES, familyNumber, nameOr, tableNumber } from "./rtnl-names.js";
import { renderTable } from "./table.js";

const NETLINK_ROUTE = 0;
type Any = Record<string, unknown>;
type Names = Map<number, string>;

/** One kind of rtnetlink object and how it shows as a table row. */
interface Kind {
  word: string;
  family: AnyFamily;
  op: string;
  /** The dump request's fixed header, given the --family filter (0: every family). */
  fixed(af: number): Obj;
  header: string[];
  row(m: DecodedMessage, names: Names): string[];
  /** Client-side filters beyond the address family, from the options (checked before anything is sent). */
  filter?(v: Values): (m: DecodedMessage) => boolean;
  afOf(m: DecodedMessage): number | undefined;
  examples: string[];
}

const fx = (m: DecodedMessage): Any => (m.fixed ?? {}) as Any;
const at = (m: DecodedMessage): Any => m.attrs as Any;
const text = (v: unknown): string => (v === undefined ? "" : Array.isArray(v) ? v.join(",") : String(v));
const dev = (names: Names, i: unknown): string => (typeof i === "number" && i > 0 ? (names.get(i) ?? `if${i}`) : "");
const prefix = (addr: unknown, len: unknown, af: number | undefined): string =>
  addr === undefined ? (len === 0 ? "default" : "") : `${text(addr)}/${text(len ?? (af === 10 ? 128 : 32))}`;

const LINK: Kind = {
  word: "link", family: rtLink, op: "getlink", fixed: (af) => ({ "ifi-family": af }),
  header: ["INDEX", "NAME", "STATE", "MTU", "ADDRESS", "KIND", "MASTER", "FLAGS"],
  row(m, names) {
    const a = at(m);
    const op = a.operstate as number | undefined;
    return [
      text(fx(m)["ifi-index"]), text(a.ifname), op === undefined ? "" : (OPERSTATES[op] ?? String(op)), text(a.mtu), text(a.address),
      text((a.linkinfo as Any | undefined)?.kind), dev(names, a.master), text(fx(m)["ifi-flags"]),
    ];
  },
  afOf: () => undefined,
  examples: ["nlwire link show", "nlwire link show --netns blue -j"],
};

const ADDR: Kind = {
  word: "addr", family: rtAddr, op: "getaddr", fixed: (af) => ({ "ifa-family": af }),
  header: ["DEV", "FAMILY", "ADDRESS", "SCOPE", "LABEL", "FLAGS"],
  row(m, names) {
    const f = fx(m), a = at(m);
    return [
      dev(names, f["ifa-index"]), nameOr(ADDRESS_FAMILIES, f["ifa-family"] as number), prefix(a.local ?? a.address, f["ifa-prefixlen"], f["ifa-family"] as number),
      nameOr(SCOPES, f["ifa-scope"] as number), text(a.label), text(a.flags ?? f["ifa-flags"]),
    ];
  },
  afOf: (m) => fx(m)["ifa-family"] as number,
  examples: ["nlwire addr show", "nlwire addr show --family inet6 -j"],
};

const routeTable = (m: DecodedMessage): number => (at(m).table as number | undefined) ?? (fx(m)["rtm-table"] as number);

const ROUTE: Kind = {
  word: "route", family: rtRoute, op: "getroute", fixed: (af) => ({ "rtm-family": af }),
  header: ["TABLE", "FAMILY", "TYPE", "DST", "GATEWAY", "DEV", "SRC", "PROTO", "SCOPE", "METRIC"],
  row(m, names) {
    const f = fx(m), a = at(m);
    const af = f["rtm-family"] as number;
    const hops = (a.multipath as Any[] | undefined)?.length ? "multipath" : "";
    return [
      nameOr(TABLES, routeTable(m)), nameOr(ADDRESS_FAMILIES, af), text(f["rtm-type"]), prefix(a.dst, f["rtm-dst-len"], af),
      text(a.gateway) || hops, dev(names, a.oif), text(a.prefsrc), nameOr(PROTOCOLS, f["rtm-protocol"] as number),
      nameOr(SCOPES, f["rtm-scope"] as number), text(a.priority),
    ];
  },
  filter: (v) => {
    const t = str(v, "table");
    if (t === undefined || t === "all") return () => true;
    const n = tableNumber(t);
    if (n === undefined) throw new UsageError(`--table wants a table name (main, local, default, all) or number, got "${t}"`);
    return (m) => routeTable(m) === n;
  },
  afOf: (m) => fx(m)["rtm-family"] as number,
  examples: ["nlwire route show", "nlwire route show --table main --family inet", "nlwire route show --netns blue -j"],
};

const NEIGH: Kind = {
  word: "neigh", family: rtNeigh, op: "getneigh", fixed: (af) => ({ "ndm-family": af }),
  header: ["DEV", "FAMILY", "DST", "LLADDR", "STATE", "FLAGS"],
  row(m, names) {
    const f = fx(m), a = at(m);
    return [
      dev(names, f["ndm-ifindex"]), nameOr(ADDRESS_FAMILIES, f["ndm-family"] as number), text(a.dst), text(a.lladdr),
      text(f["ndm-state"]), text(f["ndm-flags"]),
    ];
  },
  afOf: (m) => fx(m)["ndm-family"] as number,
  examples: ["nlwire neigh show", "nlwire neigh show --netns blue -j"],
};

const RULE: Kind = {
  word: "rule", family: rtRule, op: "getrule", fixed: (af) => ({ family: af }),
  header: ["PRIORITY", "FAMILY", "FROM", "TO", "IIF", "OIF", "FWMARK", "ACTION", "TABLE"],
  row(m, _names) {
    const f = fx(m), a = at(m);
    const af = f.family as number;
    return [
      text(a.priority ?? 0), nameOr(ADDRESS_FAMILIES, af), prefix(a.src, f["src-len"], af) || "all", prefix(a.dst, f["dst-len"], af),
      text(a.iifname), text(a.oifname), text(a.fwmark), text(f.action), nameOr(TABLES, (a.table as number | undefined) ?? (f.table as number)),
    ];
  },
  afOf: (m) => fx(m).family as number,
  examples: ["nlwire rule show", "nlwire rule show --family inet6 -j"],
};

export const KINDS = [LINK, ADDR, ROUTE, NEIGH, RULE];

/** ifindex → name, for the DEV and MASTER columns. */
async function linkNames(c: NetlinkClient): Promise<Names> {
  const names: Names = new Map();
  for await (const m of c.dump(rtLink, "getlink", { fixed: { "ifi-family": 0 } })) {
    names.set(fx(m)["ifi-index"] as number, text(at(m).ifname));
  }
  return names;
}

async function show(ctx: Context, k: Kind, v: Values): Promise<void> {
  const fam = str(v, "family");
  const af = fam === undefined ? 0 : familyNumber(fam);
  if (af === undefined) throw new UsageError(`--family wants inet, inet6 or bridge (or 4, 6), got "${fam}"`);
  const keep = k.filter?.(v);
  const c = ctx.client(NETLINK_ROUTE);
  const items: DecodedMessage[] = [];
  const dump = c.dump(k.family, k.op, { fixed: k.fixed(af) }, { onInterrupted: "mark" });
  for await (const m of dump) {
    if (af && k.afOf(m) !== undefined && k.afOf(m) !== af) continue;
    if (keep && !keep(m)) continue;
    items.push(m);
  }
  if (dump.interrupted) ctx.warn("nlwire: warning: the dump was interrupted by concurrent changes (NLM_F_DUMP_INTR): it may be inconsistent");
  if (ctx.opts.json) return ctx.out(JSON.stringify(items.map(messageJson)));
  const names = k === LINK ? new Map(items.map((m) => [fx(m)["ifi-index"] as number, text(at(m).ifname)])) : await linkNames(c);
  const [head, ...rows] = renderTable(k.header, items.map((m) => k.row(m, names)));
  ctx.out(ctx.paint("bold", head ?? ""), ...rows);
}

function showCommand(k: Kind): Command {
  const route = k === ROUTE;
  return {
    words: [k.word, "show"],
    summary: `list ${k.word === "addr" ? "addresses" : k.word === "neigh" ? "neighbours" : `${k.word}s`} as a table, or as JSON with -j`,
    live: true,
    options: { family: { type: "string", short: "f" }, ...(route ? { table: { type: "string" } } : {}) },
    help: [
      `usage: nlwire ${k.word} show [--family inet|inet6]${route ? " [--table main|local|default|all|N]" : ""} [--netns NAME] [-j]`,
      "",
      `Dumps the ${k.word} objects of the namespace (rtnetlink ${k.op}). The table shows the usual`,
      "columns; -j prints every message as JSON, losslessly, with the spec's attribute names",
      "(the shape is in docs/cli.md).",
      ...(route ? ["", "  --table T   only routes of table T (default: every table, like `ip route show table all`)"] : []),
      "  --family F  only this address family",
      "",
      "examples:",
      ...k.examples.map((e) => `  ${e}`),
    ].join("\n"),
    run: async (ctx, p) => {
      noExtraArgs(p);
      await show(ctx, k, p.values);
    },
  };
}

export const SHOW_COMMANDS: Command[] = KINDS.map(showCommand);
