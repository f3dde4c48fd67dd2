import { NLM_F, type DecodedMessage, type Obj } from "@nlwire/codec";
import { tc, type Attrs, type Tcmsg } from "@nlwire/codec/families/tc";
import { Dump } from "../client/index.js";
import { compact } from "./convert.js";
import { InvalidArgumentError, named } from "./errors.js";
import type { Handle } from "./handle.js";
import type { LinkRef } from "./link-kinds.js";
import type { Req } from "./batch.js";

/**
 * Traffic control basics: qdiscs and classes. Handles are text as tc
 * prints them ("1:", "1:10", hex numbers); parents also "root" and
 * "ingress" (the ingress/clsact hook). Rates are in bytes per second and
 * sizes in bytes, as the kernel takes them.
 */

const TC_H_ROOT = 0xffffffff;
const TC_H_INGRESS = 0xfffffff1;
/** TC_LINKLAYER_ETHERNET: with it the kernel computes rates itself (no rate table needed). */
const LINKLAYER_ETHERNET = 1;
/** The kernel keeps tc times in "ticks" of 64 ns (PSCHED_SHIFT). */
const NS_PER_TICK = 64;

export interface Qdisc {
  ifindex: number;
  kind: string;
  handle: string;
  /** "root", "ingress" (ffff:fff1) or a class handle. */
  parent: string;
  /** TCA_OPTIONS as the tc spec names them for this kind. */
  options?: Obj;
}

export type TcClass = Qdisc;

export type QdiscSpec =
  | { kind: "pfifo" | "bfifo"; limit?: number }
  /** Rate in bytes/s, burst and limit in bytes. */
  | { kind: "tbf"; rate: number; burst: number; limit: number }
  /** `defaultClass`: the minor number of the class unclassified traffic goes to. */
  | { kind: "htb"; defaultClass?: number; r2q?: number }
  | { kind: "ingress" | "clsact" | "noqueue" | "pfifo_fast" }
  /** Any other kind, with TCA_OPTIONS as the tc spec names them. */
  | { kind: string & {}; options?: Obj };

export type NewQdisc = QdiscSpec & { dev: LinkRef; parent?: string; handle?: string };

export interface NewHtbClass {
  dev: LinkRef;
  parent: string;
  classid: string;
  kind: "htb";
  rate: number;
  ceil?: number;
  /** Bytes; default rate/1000 + 1600, close to tc's. */
  burst?: number;
  cburst?: number;
  prio?: number;
}

/** "1:", "1:10", "ffff:fff1", "root", "ingress" → the u32 handle. */
export function parseHandle(argument: string, text: string): number {
  if (text === "root") return TC_H_ROOT;
  if (text === "ingress" || text === "clsact") return TC_H_INGRESS;
  const m = /^([0-9a-f]{1,4})?:([0-9a-f]{0,4})$/i.exec(text);
  if (!m) throw new InvalidArgumentError(argument, `not a tc handle: ${JSON.stringify(text)}`);
  return ((parseInt(m[1] ?? "0", 16) << 16) | parseInt(m[2] || "0", 16)) >>> 0;
}

export function formatHandle(h: number, parent = false): string {
  if (parent && h === TC_H_ROOT) return "root";
  if (parent && h === TC_H_INGRESS) return "ingress";
  const major = (h >>> 16).toString(16);
  const minor = h & 0xffff;
  return minor ? `${major}:${minor.toString(16)}` : `${major}:`;
}

const ticks = (bytes: number, rate: number): number => Math.min(0xffffffff, Math.round((bytes * 1e9) / rate / NS_PER_TICK));
const u32Rate = (argument: string, r: number): number => {
  if (!Number.isInteger(r) || r <= 0 || r > 0xffffffff) throw new InvalidArgumentError(argument, `rate must be 1..2^32-1 bytes/s, is ${r}`);
  return r;
};

function qdiscOptions(s: QdiscSpec): Obj | undefined {
  switch (s.kind) {
    case "pfifo": case "bfifo": {
      const f = s as { limit?: number };
      return f.limit === undefined ? undefined : { limit: f.limit };
    }
    case "tbf": {
      const t = s as { rate: number; burst: number; limit: number };
      const rate = u32Rate("rate", t.rate);
      return { parms: { rate: { rate, linklayer: LINKLAYER_ETHERNET }, limit: t.limit, buffer: ticks(t.burst, rate) }, burst: t.burst };
    }
    case "htb": {
      const h = s as { defaultClass?: number; r2q?: number };
      return { init: { version: 3, rate2quantum: h.r2q ?? 10, defcls: h.defaultClass ?? 0 } };
    }
    case "ingress": case "clsact": case "noqueue": case "pfifo_fast": return undefined;
    default: return (s as { options?: Obj }).options;
  }
}

/** Qdiscs and classes: list, add, replace, delete. */
export class TrafficControl {
  constructor(private readonly h: Handle) {}

  /** Qdiscs of every link, or of one. */
  async qdiscs(filter: { dev?: LinkRef } = {}): Promise<Qdisc[]> {
    const ifindex = filter.dev === undefined ? undefined : await this.h.links.index(filter.dev);
    const ms = await this.h.dump(tc, "getqdisc", { fixed: { ifindex: ifindex ?? 0 } }, "list qdiscs");
    return ms.map(tcObjectOf).filter((q) => ifindex === undefined || q.ifindex === ifindex);
  }

  addQdisc = async (q: NewQdisc): Promise<void> => this.h.run(await this.qdiscRequest("add", q));
  replaceQdisc = async (q: NewQdisc): Promise<void> => this.h.run(await this.qdiscRequest("replace", q));
  deleteQdisc = async (q: Pick<NewQdisc, "dev" | "parent" | "handle"> & { kind?: string }): Promise<void> =>
    this.h.run(await this.qdiscRequest("delete", { kind: q.kind ?? "", ...q } as NewQdisc));

  async qdiscRequest(what: "add" | "replace" | "delete", q: NewQdisc): Promise<Req> {
    const parent = q.parent ?? (q.kind === "ingress" || q.kind === "clsact" ? "ingress" : "root");
    // ingress and clsact live at ffff:0, the handle tc gives them.
    const handle = q.handle ?? (parent === "ingress" ? "ffff:" : "0:");
    const fixed: Tcmsg = { family: 0, ifindex: await this.h.links.index(q.dev), handle: parseHandle("handle", handle), parent: parseHandle("parent", parent) };
    const options = what === "delete" ? undefined : qdiscOptions(q);
    const attrs = compact({ kind: q.kind || undefined, options }) as Attrs;
    const flags = what === "add" ? NLM_F.CREATE | NLM_F.EXCL : what === "replace" ? NLM_F.CREATE | NLM_F.REPLACE : 0;
    return { family: tc, op: what === "delete" ? "delqdisc" : "newqdisc", body: { fixed, attrs }, flags, action: `${what} qdisc ${q.kind || handle} on ${q.dev}` };
  }

  /** The classes of one link (the kernel dumps classes per device). */
  async classes(dev: LinkRef): Promise<TcClass[]> {
    const ifindex = await this.h.links.index(dev);
    const client = this.h.client();
    // The tc spec describes gettclass as a do only; the kernel also dumps it, which this request asks for.
    const dump = new Dump(client, tc.family, "gettclass", {}, async (seq) =>
      tc.family.encodeRequest({ op: "gettclass", mode: "do", fixed: { ifindex }, seq, flags: NLM_F.REQUEST | NLM_F.DUMP }));
    const ms = await named(`list classes of ${dev}`, () => dump.toArray());
    return ms.map(tcObjectOf);
  }

  addClass = async (c: NewHtbClass): Promise<void> => this.h.run(await this.classRequest("add", c));
  replaceClass = async (c: NewHtbClass): Promise<void> => this.h.run(await this.classRequest("replace", c));
  deleteClass = async (c: Pick<NewHtbClass, "dev" | "classid" | "parent">): Promise<void> =>
    this.h.run(await this.classRequest("delete", { kind: "htb", rate: 1, ...c }));

  async classRequest(what: "add" | "replace" | "delete", c: NewHtbClass): Promise<Req> {
    const fixed: Tcmsg = { family: 0, ifindex: await this.h.links.index(c.dev), handle: parseHandle("classid", c.classid), parent: parseHandle("parent", c.parent) };
    let attrs: Attrs = {};
    if (what !== "delete") {
      const rate = u32Rate("rate", c.rate);
      const ceil = u32Rate("ceil", c.ceil ?? rate);
      const burst = c.burst ?? Math.ceil(rate / 1000) + 1600;
      const cburst = c.cburst ?? Math.ceil(ceil / 1000) + 1600;
      const parms = {
        rate: { rate, linklayer: LINKLAYER_ETHERNET }, ceil: { rate: ceil, linklayer: LINKLAYER_ETHERNET },
        buffer: ticks(burst, rate), cbuffer: ticks(cburst, ceil), quantum: 0, level: 0, prio: c.prio ?? 0,
      };
      attrs = { kind: c.kind, options: { parms } } as Attrs;
    }
    const flags = what === "add" ? NLM_F.CREATE | NLM_F.EXCL : what === "replace" ? NLM_F.CREATE | NLM_F.REPLACE : 0;
    return { family: tc, op: what === "delete" ? "deltclass" : "newtclass", body: { fixed, attrs }, flags, action: `${what} class ${c.classid} on ${c.dev}` };
  }
}

export function tcObjectOf(m: DecodedMessage): Qdisc {
  const f = (m.fixed ?? {}) as Tcmsg;
  const a = m.attrs as Attrs;
  return compact({
    ifindex: f.ifindex ?? 0,
    kind: a.kind ?? "",
    handle: formatHandle(f.handle ?? 0),
    parent: formatHandle(f.parent ?? 0, true),
    options: a.options instanceof Uint8Array ? undefined : (a.options as Obj | undefined),
  });
}
