/**
 * One line per message for the list, and the interfaces a capture shows
 * (from rt-link messages), both from the codec's decoded values.
 */
import { decodeUtf8, formatIPv4, formatIPv6 } from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";
import { toJson, type CaptureEntry, type Json } from "@nlwire/codec/capture";
import { valueText } from "./layout.js";
import type { LinkInfo } from "./protocol.js";

type Attrs = Record<string, unknown>;

/** IF_OPER_* (linux/if.h); the rt-link spec gives operstate as a bare u8. */
const OPER_STATES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"];
const operstate = (v: unknown): string | undefined =>
  typeof v === "number" ? (OPER_STATES[v] ?? String(v)) : str(v);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Tracks the interfaces named so far, so that summaries can say "dev v1" rather than "oif 7". */
export class Links {
  readonly byIndex = new Map<number, LinkInfo>();
  changed = false;

  name(ifindex: unknown): string | undefined {
    const i = num(ifindex);
    if (i === undefined) return undefined;
    return this.byIndex.get(i)?.name ?? `#${i}`;
  }

  /** Learns from one rt-link message (a dump reply, a notification, a request). */
  learn(e: CaptureEntry): void {
    const m = e.message;
    if (e.family !== "rt-link" || !m?.fixed || e.direction !== "from-kernel") return;
    const ifindex = num(m.fixed["ifi-index"]);
    if (ifindex === undefined || ifindex === 0) return;
    const a = m.attrs as Attrs;
    const old = this.byIndex.get(ifindex);
    if (m.op === "dellink") {
      if (old) old.deleted = true;
      this.changed = true;
      return;
    }
    const name = str(a.ifname) ?? old?.name;
    if (name === undefined) return;
    const info: LinkInfo = { ifindex, name };
    const kind = str((a.linkinfo as Attrs | undefined)?.kind) ?? old?.kind;
    if (kind) info.kind = kind;
    const master = num(a.master);
    if (master) info.master = master;
    // A veth's peer never changes, but the kernel leaves IFLA_LINK out while the peer is not (or no longer) there.
    const link = num(a.link) ?? old?.link;
    if (link && link !== ifindex) info.link = link;
    const oper = operstate(a.operstate);
    if (oper) info.operstate = oper;
    const address = str(a.address);
    if (address) info.address = address;
    this.byIndex.set(ifindex, info);
    this.changed = true;
  }
}

function prefix(addr: unknown, len: unknown): string | undefined {
  const a = str(addr);
  return a === undefined ? undefined : len === undefined ? a : `${a}/${String(len)}`;
}

function route(a: Attrs, f: Attrs, links: Links): string[] {
  const out = [prefix(a.dst, f["rtm-dst-len"]) ?? `default${f["rtm-family"] === "inet6" ? " (v6)" : ""}`];
  if (a.gateway !== undefined) out.push(`via ${String(a.gateway)}`);
  if (a.oif !== undefined) out.push(`dev ${links.name(a.oif)}`);
  if (a.table !== undefined && a.table !== 254) out.push(`table ${str(a.table)}`);
  if (f["rtm-type"] !== undefined && f["rtm-type"] !== "unicast") out.push(String(f["rtm-type"]));
  return out;
}

const IP_PROTOCOLS: Record<number, string> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp" };

/** A conntrack tuple as "10.0.0.1:40000 → 10.0.0.2:80". */
function tuple(t: Attrs | undefined): string | undefined {
  const ip = t?.["tuple-ip"] as Attrs | undefined;
  const proto = t?.["tuple-proto"] as Attrs | undefined;
  if (!ip) return undefined;
  const end = (addr: unknown, port: unknown) => (port === undefined ? String(addr) : `${String(addr)}:${String(port)}`);
  return `${end(ip["ip-v4-src"] ?? ip["ip-v6-src"], proto?.["proto-src-port"])} → ${end(ip["ip-v4-dst"] ?? ip["ip-v6-dst"], proto?.["proto-dst-port"])}`;
}

/** sock_diag's addresses are 16 bytes whatever the family: the first 4 hold an IPv4 address. */
function socketEnd(family: unknown, addr: unknown, port: unknown): string {
  if (!(addr instanceof Uint8Array) || addr.length < 16) return `:${String(port)}`;
  const text = family === "inet6" ? `[${formatIPv6(addr.subarray(0, 16))}]` : formatIPv4(addr.subarray(0, 4));
  return `${text}:${String(port)}`;
}

/** A unix socket's name: an abstract one (leading NUL) shown with "@", as ss does. */
function unixName(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (!(v instanceof Uint8Array) || v.length === 0) return undefined;
  return v[0] === 0 ? `@${decodeUtf8(v, 1, v.length)}` : decodeUtf8(v, 0, v[v.length - 1] === 0 ? v.length - 1 : v.length);
}

function perFamily(e: CaptureEntry, links: Links): string[] | undefined {
  const m = e.message!;
  const a = m.attrs as Attrs;
  const f = (m.fixed ?? {}) as Attrs;
  switch (e.family) {
    case "rt-link": {
      const li = a.linkinfo as Attrs | undefined;
      const out = [str(a.ifname) ?? `#${str(f["ifi-index"])}`];
      if (li?.kind) out.push(String(li.kind));
      if (a.master !== undefined) out.push(`master ${links.name(a.master)}`);
      if (a.operstate !== undefined) out.push(operstate(a.operstate)!);
      if (a.address !== undefined) out.push(String(a.address));
      return out;
    }
    case "rt-addr":
      return [prefix(a.local ?? a.address, f["ifa-prefixlen"]) ?? "", `dev ${links.name(f["ifa-index"])}`];
    case "rt-route":
      return route(a, f, links);
    case "rt-neigh":
      return [str(a.dst) ?? "", a.lladdr !== undefined ? `lladdr ${String(a.lladdr)}` : "", `dev ${links.name(f["ndm-ifindex"])}`];
    case "conntrack": {
      const proto = ((a["tuple-orig"] as Attrs | undefined)?.["tuple-proto"] as Attrs | undefined)?.["proto-num"];
      const state = ((a.protoinfo as Attrs | undefined)?.["protoinfo-tcp"] as Attrs | undefined)?.["tcp-state"];
      const t = tuple(a["tuple-orig"] as Attrs | undefined);
      return t ? [IP_PROTOCOLS[num(proto) ?? -1] ?? String(proto ?? ""), t, str(state) ?? "", a.mark ? `mark ${String(a.mark)}` : ""] : undefined;
    }
    case "sock-diag": {
      if (f["udiag-ino"] !== undefined) {
        const name = unixName(a.name);
        return ["unix", str(f["udiag-state"]) ?? "", `ino ${String(f["udiag-ino"])}`, name ?? "", a.peer !== undefined ? `peer ${String(a.peer)}` : ""];
      }
      const id = f.id as Attrs | undefined;
      if (!id || e.direction === "to-kernel") return undefined;
      return [socketEnd(f["idiag-family"], id["idiag-src"], id["idiag-sport"]), "→", socketEnd(f["idiag-family"], id["idiag-dst"], id["idiag-dport"]), str(f["idiag-state"]) ?? ""];
    }
    case "nlctrl":
      return a["family-name"] !== undefined ? [`${String(a["family-name"])}${a["family-id"] !== undefined ? ` id ${String(a["family-id"])}` : ""}`] : undefined;
  }
  return undefined;
}

/** The first few scalar attributes, as name=value. */
function firstScalars(v: Json | undefined): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    const t = valueText(x);
    if (t !== undefined && t.length <= 40) out.push(`${k}=${t}`);
    if (out.length === 4) break;
  }
  return out;
}

/**
 * Puts names on the "dev #N" and "master #N" a summary made before the capture
 * named that interface (a dump lists a port before its bridge).
 */
export function withLinkNames(text: string, links: Links): string {
  return text.replace(/\b(dev|master) #(\d+)\b/g, (all, word: string, i: string) => {
    const l = links.byIndex.get(Number(i));
    return l ? `${word} ${l.name}` : all;
  });
}

export function summary(e: CaptureEntry, links: Links): string {
  if (!e.header) return e.note ?? "";
  const c = e.control;
  if (c?.error) {
    const er = c.error;
    if (!er.errno) return `ack of seq ${er.request.seq}`;
    const msg = er.extAck?.message ? `: ${er.extAck.message}` : "";
    return `${er.errnoName ?? er.errno} (${errnoMessage(er.errno) ?? "?"})${msg}${c.request?.op ? ` for ${c.request.op}` : ""}`;
  }
  if (c?.done) return c.done.errno ? `done with ${c.done.errnoName ?? c.done.errno}` : "end of dump";
  if (e.dedicated) return firstScalars(toJson(e.dedicated.kind === "uevent" ? e.dedicated.uevent : (e.dedicated.proc ?? e.dedicated.cn))).join(" ");
  if (!e.message) return e.note ?? (e.genlId !== undefined ? `genl id ${e.genlId} unknown` : "");
  // A dump request's header is mostly zeros: what it asks for is the dump, and its filter attributes.
  const dumpRequest = e.direction === "to-kernel" && (e.header.flags & 0x300) === 0x300;
  const parts = dumpRequest ? ["dump", ...firstScalars(toJson(e.message.attrs))] : (perFamily(e, links) ?? firstScalars(toJson(e.message.attrs)));
  const text = parts.filter(Boolean).join(" ");
  return e.truncated ? `${text} (truncated)` : text;
}
