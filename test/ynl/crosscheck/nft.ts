import { formatIPv4 } from "@nlwire/codec";
import { beUint, hostUint, rawAttrs } from "./decode.js";
import { IPPROTO } from "./iproute.js";

/**
 * The kernel holds nftables rules as register-machine expressions; `nft -j`
 * prints them as statements. This turns decoded expressions back into nft's
 * JSON statements for the patterns the fixtures use, the way nft's
 * netlink_delinearize does: a load into a register followed by cmp/lookup
 * becomes a match; protocol dependencies (meta nfproto, meta l4proto) are
 * checked and then folded into the payload's protocol name, as nft does.
 * Every value is read from the decoded expression: nothing is assumed.
 */

type Expr = { name: string; data?: Record<string, unknown> | Uint8Array };
type Json = Record<string, unknown>;

/**
 * Payload fields by base and offset, with their length: the header layouts nft
 * names them from ("th": the transport protocol comes from the l4proto dependency).
 */
const FIELDS: Record<string, [proto: string, field: string, len: number]> = {
  "network-header/12": ["ip", "saddr", 4],
  "network-header/16": ["ip", "daddr", 4],
  "network-header/6": ["ip6", "nexthdr", 1],
  "transport-header/0": ["th", "sport", 2],
  "transport-header/2": ["th", "dport", 2],
};

/** nft's names for what NFPROTO_* and IPPROTO_* dependencies select. */
const NFPROTO: Record<number, string> = { 2: "ip", 10: "ip6" };
const L4: Record<number, string> = { 6: "tcp", 17: "udp" };
/** Conntrack state bits (NF_CT_STATE_BIT / linux/netfilter/nf_conntrack_common.h), as nft names them. */
const CT_STATE: [number, string][] = [[1, "invalid"], [2, "established"], [4, "related"], [8, "new"], [64, "untracked"]];
/** NFT_REJECT_ICMPX_* codes. */
const ICMPX: Record<number, string> = { 0: "no-route", 1: "port-unreachable", 2: "host-unreachable", 3: "admin-prohibited" };
/** nft_limit time units are seconds; nft prints the common ones by name. */
const PER: Record<number, string> = { 1: "second", 60: "minute", 3600: "hour", 86400: "day" };

function bytes(d: unknown): Uint8Array {
  const v = (d as { value?: unknown } | undefined)?.value;
  if (!(v instanceof Uint8Array)) throw new Error(`expected nft data value, got ${String(v)}`);
  return v;
}

/** A register value as nft shows it for a meta/ct key: names are NUL-padded text, numbers host order. */
function keyValue(key: string, b: Uint8Array): unknown {
  if (key === "iifname" || key === "oifname") return new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  return hostUint(b);
}

const PROTO_NAMES = Object.fromEntries(Object.entries(IPPROTO).map(([n, v]) => [v, n]));

export function statements(exprs: readonly Expr[], tableFamily: string): Json[] {
  const out: Json[] = [];
  let nfproto: string | undefined = tableFamily === "ip" || tableFamily === "ip6" ? tableFamily : undefined;
  let l4: string | undefined;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i]!;
    const d = (e.data ?? {}) as Record<string, unknown>;
    const next = exprs[i + 1];
    const nd = (next?.data ?? {}) as Record<string, unknown>;
    switch (e.name) {
      case "meta": {
        const key = String(d["key"]);
        if (d["sreg"] !== undefined) throw new Error("meta set without a preceding immediate");
        if (next?.name !== "cmp" || nd["op"] !== "eq") throw new Error(`meta ${key} load not followed by cmp eq`);
        const v = keyValue(key, bytes(nd["data"]));
        i++;
        // Dependencies: nft leaves them out and names the payload's protocol instead.
        if (key === "nfproto") nfproto = NFPROTO[v as number] ?? `nfproto ${String(v)}`;
        else if (key === "l4-proto") l4 = L4[v as number] ?? `l4proto ${String(v)}`;
        else out.push({ match: { op: "==", left: { meta: { key } }, right: v } });
        break;
      }
      case "payload": {
        const spec = FIELDS[`${String(d["base"])}/${String(d["offset"])}`];
        if (!spec || Number(d["len"]) > spec[2]) throw new Error(`payload ${JSON.stringify(d)} not in FIELDS`);
        // An address prefix on a byte boundary loads only its bytes: nft shows it as addr/len.
        const prefixBits = Number(d["len"]) < spec[2] ? Number(d["len"]) * 8 : undefined;
        const isAddress = spec[1] === "saddr" || spec[1] === "daddr";
        const protocol = spec[0] === "th" ? l4 : spec[0] === "ip" || spec[0] === "ip6" ? nfproto : spec[0];
        if (spec[0] !== "th" && protocol !== spec[0]) throw new Error(`payload ${spec.join(" ")} under nfproto ${String(protocol)}`);
        const left = { payload: { protocol, field: spec[1] } };
        i++;
        if (next?.name === "lookup") {
          out.push({ match: { op: "==", left, right: `@${String(nd["set"])}` } });
        } else if (next?.name === "cmp" && nd["op"] === "eq") {
          const b = bytes(nd["data"]);
          let right: unknown;
          if (prefixBits !== undefined && isAddress) {
            const a = new Uint8Array(4);
            a.set(b.subarray(0, 4));
            right = { prefix: { addr: formatIPv4(a), len: prefixBits } };
          } else if (isAddress) right = formatIPv4(b);
          else if (spec[1] === "nexthdr") right = PROTO_NAMES[beUint(b)!] ?? beUint(b);
          else right = beUint(b); // header fields are in network order
          out.push({ match: { op: "==", left, right } });
        } else throw new Error(`payload not followed by cmp/lookup`);
        break;
      }
      case "ct": {
        const key = String(d["key"]);
        if (next?.name === "bitwise" && exprs[i + 2]?.name === "cmp") {
          // ct state {a, b}: (state & mask) != 0
          const cmp = (exprs[i + 2]!.data ?? {}) as Record<string, unknown>;
          if (cmp["op"] !== "neq" || hostUint(bytes(cmp["data"])) !== 0 || hostUint(bytes(nd["xor"])) !== 0) throw new Error("ct bitwise not a set test");
          const mask = hostUint(bytes(nd["mask"]))!;
          out.push({ match: { op: "in", left: { ct: { key } }, right: CT_STATE.filter(([bit]) => mask & bit).map(([, n]) => n) } });
          i += 2;
        } else if (next?.name === "cmp" && nd["op"] === "eq") {
          out.push({ match: { op: "==", left: { ct: { key } }, right: hostUint(bytes(nd["data"])) } });
          i++;
        } else throw new Error(`ct ${key} not followed by a comparison`);
        break;
      }
      case "counter":
        // nft -j prints counters as plain numbers.
        out.push({ counter: { packets: Number(d["packets"]), bytes: Number(d["bytes"]) } });
        break;
      case "objref":
        if (d["imm-type"] !== 1) throw new Error(`objref type ${String(d["imm-type"])}`); // NFT_OBJECT_COUNTER
        out.push({ counter: d["imm-name"] });
        break;
      case "immediate": {
        const data = d["data"] as { verdict?: { code: string; chain?: string }; value?: Uint8Array };
        if (data.verdict) {
          const { code, chain } = data.verdict;
          out.push(code === "jump" || code === "goto" ? { [code]: { target: chain } } : { [code]: null });
        } else if (next?.name === "meta" && nd["sreg"] === d["dreg"]) {
          out.push({ mangle: { key: { meta: { key: nd["key"] } }, value: hostUint(data.value) } });
          i++;
        } else throw new Error("immediate value without a consumer");
        break;
      }
      case "limit": {
        // The 7.2 nftables spec has no limit attributes; the project's overlay adds them. Without it the
        // data stays bytes: NFTA_LIMIT_RATE = 1, UNIT = 2 (u64), BURST = 3, TYPE = 4 (u32), all big-endian.
        let rate: unknown, unit: unknown, burst: unknown, type: unknown;
        if (e.data instanceof Uint8Array) {
          const a = rawAttrs(e.data);
          [rate, unit, burst, type] = [beUint(a.get(1)), beUint(a.get(2)), beUint(a.get(3)), beUint(a.get(4)) === 0 ? "pkts" : "bytes"];
        } else {
          // u64 values decode as bigint; nft prints plain numbers.
          [rate, unit, burst, type] = [Number(d["rate"]), Number(d["unit"]), d["burst"], d["type"]];
        }
        if (type !== "pkts") throw new Error(`limit type ${String(type)}`); // NFT_LIMIT_PKTS: nft prints no unit
        out.push({ limit: { rate, burst, per: PER[unit as number] } });
        break;
      }
      case "log": {
        const log: Json = { prefix: d["prefix"] };
        if (d["level"] !== "warning") log["level"] = d["level"]; // nft leaves out its default level
        out.push({ log });
        break;
      }
      case "reject":
        if (d["type"] !== "icmpx-unreach") throw new Error(`reject type ${String(d["type"])}`);
        out.push({ reject: { type: "icmpx", expr: ICMPX[d["icmp-code"] as number] } });
        break;
      case "masq":
        out.push({ masquerade: null });
        break;
      default:
        throw new Error(`no nft statement for expression ${e.name}`);
    }
  }
  return out;
}
