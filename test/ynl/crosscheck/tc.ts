import { ByteReader, type DecodedMessage, type Obj } from "@nlwire/codec";
import type { Scope } from "./check.js";
import { family, structTail, view } from "./decode.js";
import { ETH_P, tcHandle, tcQdiscHandle, tcRate, tcSize, tcTicksToUsec, tcXmitSize } from "./iproute.js";
import { cHex, type Json } from "./links.js";

/** tc's output (tc/q_*.c, f_*.c, m_mirred.c) against decoded RTM_NEWQDISC/NEWTCLASS/NEWTFILTER. */

const TC_H_ROOT = 0xffffffff;
const LINKLAYER = ["unaware", "ethernet", "atm"];

type Ratespec = { "cell-log": number; linklayer: number; mpu: number; rate: number };

/** A burst as tc prints it with -d: size, then "/" and the cell size (1 << cell_log). */
function burst(r: Ratespec, ticks: number): string {
  return `${tcSize(tcXmitSize(r.rate, ticks))}/${1 << r["cell-log"]}`;
}

/**
 * ifindex → dev name is not in tc's output nor in the tc fixtures; the names
 * are learnt from the qdisc listing (whose entries are paired by handle and
 * parent) and must then be the same one-to-one map everywhere else.
 */
export class DevNames {
  private readonly byIndex = new Map<number, string>();
  constructor(private readonly s: Scope) {}
  check(what: string, ifindex: number, dev: string | undefined): void {
    const known = this.byIndex.get(ifindex);
    if (known === undefined && dev !== undefined && ![...this.byIndex.values()].includes(dev)) this.byIndex.set(ifindex, dev);
    else this.s.eq(`${what}: dev of ifindex ${ifindex}`, dev, known);
  }
  name(ifindex: number): string | undefined {
    return this.byIndex.get(ifindex);
  }
}

export function qdiscKey(handle: number, parent: number): string {
  return `${tcQdiscHandle(handle)} ${parent === TC_H_ROOT ? "root" : tcHandle(parent)}`;
}

export function compareQdisc(s: Scope, tc: Json, m: DecodedMessage): void {
  const f = m.fixed!;
  const a = m.attrs;
  s.eq("kind", tc["kind"], a["kind"]);
  s.eq("handle", tc["handle"], tcQdiscHandle(f["handle"] as number));
  s.eq("root", tc["root"], f["parent"] === TC_H_ROOT ? true : undefined);
  s.eq("parent", tc["parent"], f["parent"] === TC_H_ROOT ? undefined : tcHandle(f["parent"] as number));
  // tcm_info of a qdisc is its reference count; tc prints it when it is not 1.
  s.eq("refcnt", tc["refcnt"], f["info"] === 1 ? undefined : f["info"]);
  const o = (tc["options"] ?? {}) as Json;
  const d = (a["options"] ?? {}) as Obj;
  switch (a["kind"]) {
    case "tbf": {
      const p = d["parms"] as { rate: Ratespec; limit: number; buffer: number };
      // JSON carries the rate in bytes per second; latency is what the limit leaves after the burst (q_tbf.c).
      s.eq("options.rate", o["rate"], p.rate.rate);
      s.eq("options.burst", o["burst"], burst(p.rate, p.buffer));
      s.eq("options.mpu", o["mpu"], p.rate.mpu);
      s.eq("options.lat", o["lat"], Math.trunc((1e6 * p.limit) / p.rate.rate) - tcTicksToUsec(p.buffer));
      s.eq("options.linklayer", o["linklayer"], LINKLAYER[p.rate.linklayer]);
      break;
    }
    case "htb": {
      const g = d["init"] as { version: number; "rate2quantum": number; defcls: number; "direct-pkts": number };
      s.eq("options.r2q", o["r2q"], g.rate2quantum);
      s.eq("options.default", o["default"], cHex(g.defcls));
      s.eq("options.direct_packets_stat", o["direct_packets_stat"], g["direct-pkts"]);
      s.eq("options.ver", o["ver"], `${g.version >> 16}.${g.version & 0xffff}`);
      s.eq("options.direct_qlen", o["direct_qlen"], d["direct-qlen"]);
      break;
    }
    case "pfifo": case "bfifo":
      s.eq("options.limit", o["limit"], d["limit"]);
      break;
    case "pfifo_fast":
      s.eq("options.bands", o["bands"], d["bands"]);
      s.eq("options.priomap", o["priomap"], [...(d["priomap"] as Uint8Array)]);
      break;
    default:
      // ingress, clsact, mq, noqueue: tc prints empty options, the kernel sends none or an empty nest.
      s.eq("options", o, Object.keys(d).length ? d : {});
  }
}

/** A `tc -d class show` line (parsed by tcClassLine) against an htb class. */
export function compareHtbClass(s: Scope, line: { kind: string; handle: string; parent?: string; fields: Map<string, string> }, m: DecodedMessage): void {
  const f = m.fixed!;
  const p = (m.attrs["options"] as Obj)["parms"] as { rate: Ratespec; ceil: Ratespec; buffer: number; cbuffer: number; quantum: number; level: number; prio: number };
  const t = line.fields;
  s.eq("kind", line.kind, m.attrs["kind"]);
  s.eq("handle", line.handle, tcHandle(f["handle"] as number));
  s.eq("parent", line.parent, f["parent"] === TC_H_ROOT ? undefined : tcHandle(f["parent"] as number));
  // tcm_info of a class is its leaf qdisc's handle.
  s.eq("leaf", t.get("leaf"), f["info"] ? tcQdiscHandle(f["info"] as number) : undefined);
  // htb prints prio only for leaf classes (level 0).
  s.eq("prio", t.get("prio"), p.level === 0 ? String(p.prio) : undefined);
  s.eq("quantum", t.get("quantum"), p.level === 0 ? String(p.quantum) : undefined);
  s.eq("rate", t.get("rate"), tcRate(p.rate.rate));
  s.eq("ceil", t.get("ceil"), tcRate(p.ceil.rate));
  s.eq("linklayer", t.get("linklayer"), LINKLAYER[p.rate.linklayer]);
  // buffer and cbuffer are scheduler ticks: tc turns them back into bytes at the rate (and ceil).
  s.eq("burst", t.get("burst"), burst(p.rate, p.buffer));
  s.eq("mpu", t.get("mpu"), `${p.rate.mpu}b`);
  s.eq("cburst", t.get("cburst"), burst(p.ceil, p.cbuffer));
  s.eq("cburst mpu", t.get("cmpu"), `${p.ceil.mpu}b`);
  s.eq("level", t.get("level"), String(p.level));
}

/** A u32 handle as tc prints it: "htid:[hash][:node]" in hex (f_u32.c sprint_u32_handle). */
function u32Handle(h: number): string {
  const htid = h >>> 20;
  const hash = (h >>> 12) & 0xff;
  const node = h & 0xfff;
  return `${htid.toString(16)}:${hash ? hash.toString(16) : ""}${node ? `:${node.toString(16)}` : ""}`;
}

/** TCA_CLS_FLAGS_NOT_IN_HW */
const NOT_IN_HW = 8;

/** TC_ACT_* by tc's names; TCA_{EGRESS,INGRESS}_{REDIR,MIRROR} (linux/tc_act/tc_mirred.h). */
const TC_ACT: Record<number, string> = { 0: "ok", 1: "reclassify", 2: "drop", 3: "pipe", 4: "stolen" };
const MIRRED: Record<number, [string, string]> = { 1: ["redirect", "egress"], 2: ["mirror", "egress"], 3: ["redirect", "ingress"], 4: ["mirror", "ingress"] };

export function compareFilter(s: Scope, tc: Json, m: DecodedMessage, devs: DevNames): void {
  const f = m.fixed!;
  const a = m.attrs;
  const info = f["info"] as number;
  // tcm_info of a filter: priority in the upper 16 bits, the protocol (network order) in the lower.
  const proto = ((info & 0xff) << 8) | ((info >>> 8) & 0xff);
  s.eq("protocol", ETH_P[tc["protocol"] as string], proto);
  s.eq("pref", tc["pref"], info >>> 16);
  s.eq("kind", tc["kind"], a["kind"]);
  s.eq("chain", tc["chain"], a["chain"]);
  const o = tc["options"] as Json | undefined;
  const d = a["options"] as Obj | undefined;
  if (!o || !d) {
    s.eq("options", o, d); // the per-priority header entry: neither has options
    return;
  }
  if (a["kind"] === "bpf") {
    s.eq("options.handle", o["handle"], cHex(f["handle"] as number));
    s.eq("options.flowid", o["flowid"], tcHandle(d["classid"] as number));
    s.eq("options.not_in_hw", o["not_in_hw"], ((d["flags-gen"] as number) & NOT_IN_HW) !== 0 || undefined);
    // TCA_BPF_OPS is an array of struct sock_filter { __u16 code; __u8 jt, jf; __u32 k; } in host order.
    const ops = d["ops"] as Uint8Array;
    const v = view(ops);
    const insns = Array.from({ length: ops.length / 8 }, (_, i) => ({ code: v.getUint16(i * 8, true), jt: ops[i * 8 + 2], jf: ops[i * 8 + 3], k: v.getUint32(i * 8 + 4, true) }));
    s.eq("options.bytecode", o["bytecode"], { length: d["ops-len"], insns });
    return;
  }
  // u32
  s.eq("options.fh", o["fh"], u32Handle(f["handle"] as number));
  s.eq("options.ht_divisor", o["ht_divisor"], d["divisor"]);
  if (d["divisor"] !== undefined) return;
  s.eq("options.order", o["order"], (f["handle"] as number) & 0xfff);
  s.eq("options.key_ht", o["key_ht"], ((d["hash"] as number) >>> 20).toString(16));
  s.eq("options.bkt", o["bkt"], (((d["hash"] as number) >>> 12) & 0xff).toString(16));
  s.eq("options.flowid", o["flowid"], d["classid"] === undefined ? undefined : tcHandle(d["classid"] as number));
  s.eq("options.not_in_hw", o["not_in_hw"], ((d["flags"] as number) & NOT_IN_HW) !== 0 || undefined);
  // The 7.2 spec gives struct tc_u32_sel one key (its keys[] array is a TODO): the codec keeps the
  // others as bytes after the struct; read them with the same tc-u32-key struct.
  const sel = d["sel"] as Obj & { nkeys: number; keys: Obj };
  const keyCodec = family("tc").compiler.struct("tc-u32-key");
  const rest = structTail(d, "sel") ?? new Uint8Array();
  const keys = [sel.keys, ...Array.from({ length: rest.length / keyCodec.size }, (_, i) => keyCodec.read(new ByteReader(rest), i * keyCodec.size))];
  s.eq("nkeys", sel.nkeys, keys.length);
  // tc -j writes one "match" key per selector key into the same object; JSON keeps the last.
  const k = keys.at(-1) as { mask: number; val: number; off: number; offmask: number };
  s.eq("options.match", o["match"], { value: k.val.toString(16), mask: k.mask.toString(16), offmask: k.offmask ? k.offmask.toString(16) : "", off: k.off });
  const acts = o["actions"] as Json[] | undefined;
  const dacts = d["act"] as Obj[] | undefined;
  s.eq("options.actions.length", acts?.length, dacts?.length);
  acts?.forEach((act, i) => {
    const da = dacts![i]!;
    s.eq(`action ${i + 1} order`, act["order"], i + 1);
    s.eq(`action ${i + 1} kind`, act["kind"], da["kind"]);
    // The 7.2 spec leaves TCA_MIRRED_PARMS binary: struct tc_mirred { tc_gen (index, capab, action,
    // refcnt, bindcnt); int eaction; __u32 ifindex; }, host order.
    const parms = view((da["options"] as Obj)["parms"] as Uint8Array);
    const [index, , action, ref, bind, eaction, ifindex] = Array.from({ length: 7 }, (_, j) => parms.getInt32(j * 4, true));
    s.eq(`action ${i + 1} mirred_action/direction`, [act["mirred_action"], act["direction"]], MIRRED[eaction!]);
    s.eq(`action ${i + 1} to_dev`, act["to_dev"], devs.name(ifindex!));
    s.eq(`action ${i + 1} control_action`, act["control_action"], { type: TC_ACT[action!] });
    s.eq(`action ${i + 1} index/ref/bind`, [act["index"], act["ref"], act["bind"]], [index, ref, bind]);
  });
}
