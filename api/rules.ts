import { NLM_F, type DecodedMessage } from "@nlwire/codec";
import { rtRule, type FibRuleAttrs, type FibRuleHdr, type FrAct } from "@nlwire/codec/families/rt-rule";
import {
  PROTOCOLS, RT_TABLE_MAIN, TABLES, compact, familyName, familyNumber, formatPrefix, parsePrefix, tableFields, tableOf,
  type IpFamily, type RouteProtocol, type TableName,
} from "./convert.js";
import type { Handle } from "./handle.js";
import type { Req } from "./batch.js";

/** FIB_RULE_INVERT (linux/fib_rules.h): "not" in `ip rule`. */
const FIB_RULE_INVERT = 2;

export type RuleAction = Exclude<FrAct, "unspec" | "res3" | "res4">;

/** A policy routing rule, as `ip -j rule show` describes it. */
export interface Rule {
  family: IpFamily;
  priority: number;
  table: number;
  action: RuleAction | number;
  src?: string;
  dst?: string;
  tos: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  suppressPrefixlen?: number;
  goto?: number;
  invert: boolean;
  protocol: RouteProtocol | number;
}

export interface NewRule {
  /** Taken from src or dst when they are given; default "inet". */
  family?: IpFamily;
  priority?: number;
  /** Default "main" for the "to-tbl" action (as ip does). */
  table?: number | TableName;
  /** Default "to-tbl". */
  action?: RuleAction;
  goto?: number;
  src?: string;
  dst?: string;
  tos?: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  suppressPrefixlen?: number;
  invert?: boolean;
  protocol?: RouteProtocol | number;
}

/** Rules: list, add, delete. */
export class Rules {
  constructor(private readonly h: Handle) {}

  async list(filter: { family?: IpFamily } = {}): Promise<Rule[]> {
    const ms = await this.h.dump(rtRule, "getrule", { fixed: { family: familyNumber(filter.family) } }, "list rules");
    return ms.map(ruleOf).filter((r): r is Rule => r !== undefined);
  }

  add = async (r: NewRule): Promise<void> => this.h.run(this.request("add", r));
  /** Deletes the first rule that matches every field given (a priority alone is enough). */
  delete = async (r: NewRule): Promise<void> => this.h.run(this.request("delete", r));

  request(what: "add" | "delete", r: NewRule): Req {
    const src = r.src === undefined ? undefined : parsePrefix("src", r.src, r.family);
    const dst = r.dst === undefined ? undefined : parsePrefix("dst", r.dst, r.family ?? src?.family);
    const family = r.family ?? src?.family ?? dst?.family ?? "inet";
    const action = r.action ?? (r.goto !== undefined ? "goto" : "to-tbl");
    const tableNumber = r.table === undefined ? (what === "add" && action === "to-tbl" ? RT_TABLE_MAIN : undefined) : TABLES.number("table", r.table);
    const t = tableNumber === undefined ? undefined : tableFields(tableNumber);
    const fixed: FibRuleHdr = {
      family: familyNumber(family), "dst-len": dst?.len ?? 0, "src-len": src?.len ?? 0, tos: r.tos ?? 0,
      table: t?.header ?? 0, action: what === "delete" && r.action === undefined ? "unspec" : action, flags: r.invert ? FIB_RULE_INVERT : 0,
    };
    const attrs: FibRuleAttrs = compact({
      priority: r.priority, table: t?.attr, src: src?.len ? src.address : undefined, dst: dst?.len ? dst.address : undefined,
      fwmark: r.fwmark, fwmask: r.fwmask, iifname: r.iif, oifname: r.oif, "suppress-prefixlen": r.suppressPrefixlen, goto: r.goto,
      protocol: r.protocol === undefined ? undefined : PROTOCOLS.number("protocol", r.protocol),
    });
    const flags = what === "add" ? NLM_F.CREATE | NLM_F.EXCL : 0;
    const name = r.priority === undefined ? "" : ` ${r.priority}`;
    return { family: rtRule, op: what === "add" ? "newrule" : "delrule", body: { fixed, attrs }, flags, action: `${what} rule${name}` };
  }
}

export function ruleOf(m: DecodedMessage): Rule | undefined {
  const f = (m.fixed ?? {}) as FibRuleHdr;
  const a = m.attrs as FibRuleAttrs;
  const family = familyName(f.family ?? 0);
  if (!family) return undefined;
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  return compact({
    family,
    priority: a.priority ?? 0,
    table: tableOf(f.table, a.table),
    action: (f.action ?? 0) as RuleAction | number,
    src: f["src-len"] ? formatPrefix(text(a.src) ?? "", f["src-len"]) : undefined,
    dst: f["dst-len"] ? formatPrefix(text(a.dst) ?? "", f["dst-len"]) : undefined,
    tos: f.tos ?? 0,
    fwmark: a.fwmark,
    fwmask: a.fwmask,
    iif: a.iifname,
    oif: a.oifname,
    // The kernel reports -1 (all ones) for "not set".
    suppressPrefixlen: a["suppress-prefixlen"] === undefined || a["suppress-prefixlen"] === 0xffffffff ? undefined : a["suppress-prefixlen"],
    goto: a.goto,
    invert: ((f.flags ?? 0) & FIB_RULE_INVERT) !== 0,
    protocol: PROTOCOLS.name(a.protocol ?? 0),
  });
}
