import { spawnSync } from "node:child_process";
import { AttrCursor, ByteReader, formatHex, formatIPv4, formatIPv6, GENL_HDRLEN, NLMSG_HDRLEN, type AttrModel, type Family, type FamilyModel } from "@nlwire/codec";
import { ARPHRD_NETLINK, type CaptureEntry, type CaptureInterface, type CaptureRecord } from "@nlwire/codec/capture";

/**
 * Compares nlwire's decoding of a capture with tshark's, field by field.
 * tshark's JSON tree is walked; every field it decodes is mapped to the
 * value nlwire decoded for the same thing (record, message, fixed header
 * member, attribute by its position in the wire tree) and counted as an
 * agreement or a disagreement. Fields with no nlwire counterpart are
 * counted by name in `unmapped`, so the list can be read and kept short.
 */

type TNode = string | TNode[] | { [k: string]: TNode };
type TObj = { [k: string]: TNode };

export interface Comparison {
  agreements: number;
  disagreements: string[];
  unmapped: Map<string, number>;
  /** Agreements by tshark field name. */
  fields: Map<string, number>;
  /** Fields where tshark is known to misread the kernel's layout, with the reason. */
  quirks: Map<string, { why: string; count: number }>;
}

/** Only the "running as root" warning may appear on stderr. */
export function tsharkJson(file: string): { packets: TObj[]; stderr: string } {
  const r = spawnSync("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys"], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr.toString()}`);
  const stderr = r.stderr.toString().split("\n").filter((l) => l && !/Running as user "root"/.test(l)).join("\n");
  const docs = JSON.parse(r.stdout.toString()) as { _source: { layers: TObj } }[];
  return { packets: docs.map((d) => d._source.layers), stderr };
}

const NLM_BITS: Record<string, number> = {
  request: 1, multi: 2, ack: 4, echo: 8, dump_intr: 0x10, dump_filtered: 0x20,
  root: 0x100, match: 0x200, atomic: 0x400, replace: 0x100, excl: 0x200, create: 0x400, append: 0x800,
};
/** frame.* fields that are tshark's own bookkeeping (derived times, marks, coloring), not file content. */
const FRAME_DERIVED = /^frame\.(time$|time_delta|time_relative|offset_shift|marked|ignored|protocols|encap_type|p2p_dir|packet_flags(_(reception_type|fcs_length|reserved|crc_error|packet_too|wrong|unaligned|start_frame|preamble|symbol).*)?$|interface_description|section_number|number|time_delta_displayed|comment_tree)$/;

class Counter implements Comparison {
  agreements = 0;
  disagreements: string[] = [];
  unmapped = new Map<string, number>();
  fields = new Map<string, number>();
  check(where: string, field: string, ok: boolean, detail: () => string): void {
    if (ok) {
      this.agreements++;
      this.fields.set(field, (this.fields.get(field) ?? 0) + 1);
    } else this.disagreements.push(`${where} ${field}: ${detail()}`);
  }
  quirks = new Map<string, { why: string; count: number }>();
  /** A field where tshark is known to be wrong: nlwire must agree with the kernel's layout instead. */
  quirk(where: string, field: string, why: string, ok: boolean, detail: () => string): void {
    if (!ok) return this.check(where, field, false, detail);
    const q = this.quirks.get(field) ?? { why, count: 0 };
    q.count++;
    this.quirks.set(field, q);
  }
  skip(field: string): void {
    this.unmapped.set(field, (this.unmapped.get(field) ?? 0) + 1);
  }
}

const num = (s: string): bigint | undefined => (/^-?(0x[0-9a-f]+|\d+)$/i.test(s) ? BigInt(s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s)) : undefined);
const list = (n: TNode | undefined): TNode[] => (n === undefined ? [] : Array.isArray(n) ? n : [n]);
const isObj = (n: TNode | undefined): n is TObj => typeof n === "object" && !Array.isArray(n);

/** One attribute of an nlwire message as it is on the wire, with the value nlwire decoded for it. */
interface RawAttr {
  type: number;
  flags: number;
  len: number;
  bytes: Uint8Array;
  value: unknown;
  model?: AttrModel;
  children?: RawAttr[];
  used?: boolean;
}

function rawAttrs(m: FamilyModel, r: ByteReader, start: number, end: number, set: string | undefined, decoded: unknown): RawAttr[] {
  const out: RawAttr[] = [];
  const seen = new Map<number, number>();
  const c = new AttrCursor(r, start, end);
  const obj = (decoded ?? {}) as Record<string, unknown>;
  while (c.next()) {
    const a: RawAttr = { type: c.type, flags: c.flags, len: c.valueLength + 4, bytes: r.bytes.subarray(c.valueOffset, c.valueOffset + c.valueLength), value: undefined };
    const model = set ? m.attrSets[set]?.attrs.find((x) => x.value === c.type) : undefined;
    if (model) {
      a.model = model;
      let v = obj[model.name];
      if (model.multiAttr && Array.isArray(v)) {
        const k = seen.get(c.type) ?? 0;
        seen.set(c.type, k + 1);
        v = v[k];
      }
      a.value = v;
      const vs = c.valueOffset;
      const ve = vs + c.valueLength;
      if (model.type === "nest" && model.nested) a.children = rawAttrs(m, r, vs, ve, model.nested, v);
      else if (model.type === "indexed-array") a.children = indexedEntries(m, r, vs, ve, model, v);
    }
    out.push(a);
  }
  return out;
}

function indexedEntries(m: FamilyModel, r: ByteReader, start: number, end: number, model: AttrModel, v: unknown): RawAttr[] {
  const items = Array.isArray(v) ? v : [];
  const out: RawAttr[] = [];
  const c = new AttrCursor(r, start, end);
  for (let i = 0; c.next(); i++) {
    const e: RawAttr = { type: c.type, flags: c.flags, len: c.valueLength + 4, bytes: r.bytes.subarray(c.valueOffset, c.valueOffset + c.valueLength), value: items[i] };
    if (model.subType === "nest" && model.nested) e.children = rawAttrs(m, r, c.valueOffset, c.valueOffset + c.valueLength, model.nested, items[i]);
    out.push(e);
  }
  return out;
}

/** An enum name or a flag-name list as the number on the wire. */
function enumNumber(m: FamilyModel, enumName: string | undefined, v: unknown): bigint | undefined {
  const e = enumName ? m.enums[enumName] : undefined;
  if (!e) return undefined;
  const one = (n: string): bigint | undefined => {
    const hit = e.entries.find((x) => x.name === n);
    return hit === undefined ? undefined : BigInt(hit.value);
  };
  if (typeof v === "string") return one(v);
  if (Array.isArray(v)) return v.reduce<bigint | undefined>((acc, n) => (acc === undefined || typeof n !== "string" ? undefined : (one(n) === undefined ? undefined : acc | one(n)!)), 0n);
  return undefined;
}

/** Does tshark's text for a value say what nlwire decoded? undefined: no way to compare. */
function sameValue(m: FamilyModel, text: string, v: unknown, enumName: string | undefined): boolean | undefined {
  if (typeof v === "number" || typeof v === "bigint") return num(text) === BigInt(v);
  if (typeof v === "string" || Array.isArray(v)) {
    const n = enumNumber(m, enumName, v);
    if (n !== undefined) return num(text) === n;
    if (typeof v === "string") return text === v || text.toLowerCase() === v.toLowerCase();
    return undefined;
  }
  if (v instanceof Uint8Array) {
    if (text.replace(/:/g, "").toLowerCase() === formatHex(v)) return true;
    // Text kept as bytes (a unix socket's path); an abstract name starts with NUL, which tshark shows as "@".
    const utf8 = new TextDecoder().decode(v[0] === 0 ? v.subarray(1) : v).replace(/\0+$/, "");
    if ((v[0] === 0 ? `@${utf8}` : utf8) === text) return true;
    // A struct member nlwire keeps as bytes that tshark shows as a number (host order) or an address.
    const n = num(text);
    if (n !== undefined && v.length <= 8) return n === [...v].reverse().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) return text === formatIPv4(v.subarray(0, 4));
    if (text.includes(":") && v.length === 16) return text === formatIPv6(v);
    return false;
  }
  return undefined;
}

export interface CaptureSide {
  records: CaptureRecord[];
  interfaces: readonly CaptureInterface[];
  entries: CaptureEntry[];
  family: (e: CaptureEntry) => Family | undefined;
}

export function compareWithTshark(side: CaptureSide, packets: TObj[]): Comparison {
  const k = new Counter();
  const byRecord = new Map<number, CaptureEntry[]>();
  for (const e of side.entries) if (e.header) byRecord.set(e.record, [...(byRecord.get(e.record) ?? []), e]);
  packets.forEach((layers, i) => {
    const rec = side.records[i];
    const where = `packet ${i + 1}`;
    if (!rec) return k.check(where, "frame", false, () => "nlwire has no such record");
    const iface = (r: CaptureRecord) => side.interfaces[r.interfaceId];
    frameFields(k, where, layers.frame, rec, iface);
    if (layers.pkt_comment) frameFields(k, where, layers.pkt_comment, rec, iface);
    const entries = byRecord.get(i) ?? [];
    for (const [layer, node] of Object.entries(layers)) {
      if (layer === "frame" || layer === "pkt_comment") continue;
      if (layer === "netlink" && isObj(node)) {
        for (const [f, v] of Object.entries(node)) {
          if (f === "netlink.hatype") k.check(where, f, v === String(ARPHRD_NETLINK), () => String(v));
          else if (f === "netlink.family") k.check(where, f, num(v as string) === BigInt(entries[0]?.protocol ?? -1), () => `${String(v)} vs ${entries[0]?.protocol}`);
          else k.skip(f);
        }
        continue;
      }
      if (layer === "data" && isObj(node)) {
        rawData(k, where, node, rec.data);
        continue;
      }
      for (const msg of list(node)) if (isObj(msg)) message(k, where, msg, entries, side);
    }
  });
  return k;
}

function frameFields(k: Counter, where: string, frame: TNode | undefined, rec: CaptureRecord, iface: (r: CaptureRecord) => CaptureInterface | undefined): void {
  if (!isObj(frame)) return;
  const walk = (o: TObj): void => {
    for (const [f, v] of Object.entries(o)) {
      if (isObj(v)) walk(v);
      else if (typeof v !== "string" || FRAME_DERIVED.test(f) || f.startsWith("_ws.expert") || f === "frame.comment.expert") continue;
      else if (f === "frame.len") k.check(where, f, Number(v) === rec.originalLength, () => `${v} vs ${rec.originalLength}`);
      else if (f === "frame.cap_len") k.check(where, f, Number(v) === rec.data.length, () => `${v} vs ${rec.data.length}`);
      else if (f === "frame.interface_name") k.check(where, f, v === iface(rec)?.name, () => `${v} vs ${iface(rec)?.name}`);
      else if (f === "frame.comment") k.check(where, f, !!rec.comments?.includes(v), () => `${v} vs ${JSON.stringify(rec.comments)}`);
      else if (f === "frame.interface_id") k.check(where, f, Number(v) === rec.interfaceId, () => v);
      else if (f === "frame.time_epoch") k.check(where, f, BigInt(v.replace(".", "")) === rec.timestampNs, () => `${v} vs ${rec.timestampNs}`);
      else if (f === "frame.packet_flags_direction") k.check(where, f, Number(v) === (rec.direction === "inbound" ? 1 : rec.direction === "outbound" ? 2 : 0), () => v);
      else k.skip(f);
    }
  };
  walk(frame);
}

const HEADER = "Netlink message header";

function message(k: Counter, where: string, msg: TObj, entries: CaptureEntry[], side: CaptureSide): void {
  const headerKeys = Object.keys(msg).filter((x) => x.startsWith(HEADER));
  const head = msg[headerKeys[0] ?? ""];
  if (!isObj(head)) {
    for (const f of Object.keys(msg)) k.skip(f);
    return;
  }
  const len = Number(head["netlink.hdr_len"]);
  const seq = Number(head["netlink.hdr_seq"]);
  const e = entries.find((x) => !(x as { used?: boolean }).used && x.header!.length === len && x.header!.seq === seq);
  if (!e) return k.check(where, "netlink message", false, () => `len ${len} seq ${seq}: nlwire has no such message`);
  (e as { used?: boolean }).used = true;
  const at = `${where} msg@${e.offset}`;
  headerFields(k, at, head, e.header!);
  // An NLMSG_ERROR: tshark shows the echoed request's header as a message header of its own.
  const echo = msg[headerKeys[1] ?? ""];
  if (isObj(echo)) {
    if (e.control?.error) headerFields(k, `${at} echo`, echo, e.control.error.request);
    else k.check(at, "echoed header", false, () => "nlwire decoded no NLMSG_ERROR here");
  }
  const fam = side.family(e);
  const m = e.message;
  const info = fam && m ? layoutOf(fam, m, e) : undefined;
  const structName = info?.fixedHeader;
  let attrStart = e.offset! + NLMSG_HDRLEN + (m?.genl ? GENL_HDRLEN : 0);
  if (fam && structName) attrStart += fam.compiler.struct(structName).size;
  const rec = side.records[e.record]!;
  let raw: RawAttr[] | undefined;
  const rawTop = (): RawAttr[] => {
    if (!raw) {
      const r = new ByteReader(rec.data.subarray(16)); // after the cooked header
      const end = Math.min(e.offset! + e.header!.length, r.length);
      raw = fam && m ? rawAttrs(fam.model, r, attrStart, end, info?.attributeSet, m.attrs) : rawAttrs({ attrSets: {}, enums: {} } as unknown as FamilyModel, r, attrStart, end, undefined, undefined);
    }
    return raw;
  };
  for (const [f, v] of Object.entries(msg)) {
    if (f.startsWith(HEADER)) continue;
    if (f.startsWith("Attribute")) {
      for (const a of list(v)) if (isObj(a)) attribute(k, at, a, rawTop(), fam?.model);
    } else if (f === "netlink.error") {
      k.check(at, f, num(v as string) === BigInt(-(e.control?.error?.errno ?? e.control?.done?.errno ?? NaN)), () => `${String(v)} vs ${e.control?.error?.errno}`);
    } else if (f === "data" && isObj(v)) {
      const bytes = rec.data.subarray(16 + e.offset!, 16 + e.offset! + e.header!.length);
      rawData(k, at, v, bytes);
    } else if (f === "genl.cmd" || f === "genl.ctrl.cmd") {
      k.check(at, f, Number(v) === m?.genl?.cmd, () => `${String(v)} vs ${m?.genl?.cmd}`);
    } else if (f === "genl.version") {
      k.check(at, f, Number(v) === m?.genl?.version, () => `${String(v)} vs ${m?.genl?.version}`);
    } else fixedField(k, at, f, v, e, fam?.model, structName);
  }
}

function headerFields(k: Counter, at: string, head: TObj, h: { length: number; type: number; flags: number; seq: number; pid: number }): void {
  for (const [f, node] of Object.entries(head)) {
    for (const v of list(node)) {
      if (isObj(v)) {
        for (const [bit, b] of Object.entries(v)) {
          const name = bit.slice(bit.lastIndexOf(".") + 1);
          const mask = NLM_BITS[name];
          if (mask === undefined) k.skip(bit);
          else k.check(at, bit, (b === "1") === ((h.flags & mask) !== 0), () => `${String(b)} vs flags 0x${h.flags.toString(16)}`);
        }
        continue;
      }
      const s = v as string;
      const want = f === "netlink.hdr_len" ? h.length : f === "netlink.hdr_seq" ? h.seq : f === "netlink.hdr_pid" ? h.pid : f === "netlink.hdr_flags" ? h.flags
        : /\.(hdr_type|nltype|family_id)$/.test(f) ? h.type : undefined;
      if (want === undefined) k.skip(f);
      else k.check(at, f, num(s) === BigInt(want), () => `${s} vs ${want}`);
    }
  }
}

/** tshark's names for sock_diag's struct members (its own), and the nlwire members they are: paths into `fixed`. */
const SOCK_DIAG_MEMBERS: Record<string, string[]> = {
  family: ["sdiag-family", "idiag-family", "udiag-family"], state: ["idiag-state", "udiag-state"], inet_protocol: ["sdiag-protocol"],
  inet_extended: ["idiag-ext"], inet_padding: ["sdiag-raw-protocol"], inet_states: ["idiag-states"], inet_sport: ["id.idiag-sport"],
  inet_dport: ["id.idiag-dport"], inet_src_ip4: ["id.idiag-src"], inet_dest_ip4: ["id.idiag-dst"], inet_src_ip6: ["id.idiag-src"],
  inet_dest_ip6: ["id.idiag-dst"], inet_interface: ["id.idiag-if"], cookie: ["id.idiag-cookie", "udiag-cookie"], recv_queue: ["idiag-rqueue"],
  send_queue: ["idiag-wqueue"], inode: ["idiag-inode", "udiag-ino"], unix_show: ["udiag-show"], unix_states: ["udiag-states"],
  uid: ["idiag-uid"], timer: ["idiag-timer"], retrans: ["idiag-retrans"], expires: ["idiag-expires"], type: ["udiag-type"],
};

/** Struct members tshark names after what the kernel puts in them (inet_diag_meminfo: idiag_tmem is sk_wmem_alloc). */
const STRUCT_ALIASES: Record<string, string> = {
  "netlink-sock_diag.rmem_alloc": "idiag-rmem", "netlink-sock_diag.wmem_queued": "idiag-wmem",
  "netlink-sock_diag.fwd_alloc": "idiag-fmem", "netlink-sock_diag.wmem_alloc": "idiag-tmem",
};

/**
 * Where tshark and the kernel disagree and nlwire follows the kernel: the
 * comparison applies the transformation and counts the field apart.
 */
const TSHARK_QUIRKS: Record<string, { why: string; expect: (v: bigint) => bigint }> = {
  "netlink-sock_diag.inet_states": {
    why: "tshark 4.0 reads inet_diag_req_v2.idiag_states big-endian; the kernel's u32 is in host order",
    expect: (v) => BigInt(((Number(v) & 0xff) << 24 | (Number(v) & 0xff00) << 8 | (Number(v) >>> 8) & 0xff00 | Number(v) >>> 24) >>> 0),
  },
};

function memberCandidates(f: string, short: string): string[] {
  const out = [short.replace(/_/g, "-"), `nfgen-${short}`, short.replace(/^rt_/, "rtm-").replace(/_/g, "-")];
  if (f.startsWith("netlink-sock_diag.")) out.unshift(...(SOCK_DIAG_MEMBERS[short] ?? []));
  return out;
}

function at(obj: Record<string, unknown>, path: string): unknown {
  let v: unknown = obj;
  for (const p of path.split(".")) v = isPlainObject(v) ? v[p] : undefined;
  return v;
}

function memberModel(m: FamilyModel, structName: string | undefined, path: string): { enum?: string } | undefined {
  let s = structName ? m.structs[structName] : undefined;
  let member: ReturnType<NonNullable<typeof s>["members"]["find"]>;
  for (const p of path.split(".")) {
    member = s?.members.find((x) => x.name === p);
    s = member?.struct ? m.structs[member.struct] : undefined;
  }
  return member;
}

/** A fixed-header member: tshark's `proto.ifi_index` is nlwire's `ifi-index`; nfnetlink's subsys is the upper byte of the type. */
function fixedField(k: Counter, where: string, f: string, node: TNode, e: CaptureEntry, m: FamilyModel | undefined, structName: string | undefined): void {
  const fixed = (e.message?.fixed ?? {}) as Record<string, unknown>;
  const short = lastName(f);
  if (f === "netlink-netfilter.subsys") return k.check(where, f, Number(node) === e.header!.type >> 8, () => String(node));
  if (isObj(node) && f.endsWith("_tree")) {
    // Bits of a flags member: proto.ifi_flags.iff_up is "up" among nlwire's ifi-flags.
    const parent = memberCandidates(f, short.replace(/_tree$/, "")).find((p) => at(fixed, p) !== undefined);
    bitTree(k, where, node, parent && at(fixed, parent));
    return;
  }
  const path = memberCandidates(f, short).find((p) => at(fixed, p) !== undefined);
  if (!path || typeof node !== "string" || !m) return k.skip(f);
  const value = at(fixed, path);
  const quirk = TSHARK_QUIRKS[f];
  if (quirk) {
    const n = enumNumber(m, memberModel(m, structName, path)?.enum, value) ?? (typeof value === "number" ? BigInt(value) : undefined);
    return k.quirk(where, f, quirk.why, n !== undefined && num(node) === quirk.expect(n), () => `${node} vs ${String(n)}`);
  }
  const same = sameValue(m, node, value, memberModel(m, structName, path)?.enum);
  if (same === undefined) k.skip(f);
  else k.check(where, f, same, () => `${node} vs ${JSON.stringify(value, (_, x) => (typeof x === "bigint" ? String(x) : x))}`);
}

const ATTR_META = new Set(["netlink.attr_len", "netlink.attr_type", "netlink.attr_type_tree", "netlink.attr_index"]);

function attribute(k: Counter, at: string, a: TObj, siblings: RawAttr[], m: FamilyModel | undefined): void {
  const len = Number(a["netlink.attr_len"]);
  const typeText = a["netlink.attr_type"] as string | undefined;
  const index = a["netlink.attr_index"] as string | undefined;
  const wire = typeText !== undefined ? Number(typeText) : undefined;
  const match = (r: RawAttr): boolean =>
    !r.used && r.len === len && (wire !== undefined ? (r.type | r.flags) === wire : index !== undefined && r.type === Number(index));
  const candidates = siblings.filter(match);
  // Of equal-looking siblings (a multi-attr, an array), the one whose value tshark shows.
  const r = candidates.find((c) => valueFieldsAgree(a, c, m)) ?? candidates[0];
  const what = `attr type ${typeText ?? `index ${index}`} len ${len}`;
  if (!r) return k.check(at, "netlink.attr", false, () => `${what}: nlwire has no such attribute`);
  r.used = true;
  k.check(at, "netlink.attr_len", true, () => "");
  if (wire !== undefined) k.check(at, "netlink.attr_type", true, () => "");
  const here = `${at} ${r.model?.name ?? what}`;
  for (const [f, v] of Object.entries(a)) {
    if (f === "netlink.attr_type_tree" && isObj(v)) {
      for (const [g, b] of Object.entries(v)) {
        if (g === "netlink.attr_type.nested") k.check(here, g, (b === "1") === ((r.flags & 0x8000) !== 0), () => String(b));
        else if (g === "netlink.attr_type.net_byteorder") k.check(here, g, (b === "1") === ((r.flags & 0x4000) !== 0), () => String(b));
        else k.check(here, "attr type number", Number(b) === r.type, () => `${String(b)} vs ${r.type}`);
      }
      continue;
    }
    if (ATTR_META.has(f)) continue;
    if (isObj(v) && !f.startsWith("Attribute")) {
      if (f.endsWith("_tree")) bitTree(k, here, v, r.value);
      else structTree(k, here, v, r.value, m);
      continue;
    }
    if (f.startsWith("Attribute")) {
      r.children ??= rawAttrs({ attrSets: {}, enums: {} } as unknown as FamilyModel, new ByteReader(r.bytes), 0, r.bytes.length, undefined, undefined);
      for (const c of list(v)) if (isObj(c)) attribute(k, here, c, r.children, m);
      continue;
    }
    for (const leaf of list(v)) {
      if (typeof leaf !== "string") {
        k.skip(f);
        continue;
      }
      if (f === "netlink.attr_data") {
        k.check(here, f, leaf.replace(/:/g, "") === formatHex(r.bytes), () => `${leaf} vs ${formatHex(r.bytes)}`);
        continue;
      }
      if (isPlainObject(r.value)) {
        structLeaf(k, here, f, leaf, r.value, m);
        continue;
      }
      if (r.model && r.value === undefined) {
        k.check(here, f, false, () => `${leaf} vs nothing: nlwire decoded no value for ${r.model!.name}`);
        continue;
      }
      const same = m ? sameValue(m, leaf, r.value, r.model?.enum) : undefined;
      if (same === undefined) k.skip(f);
      else k.check(here, f, same, () => `${leaf} vs ${JSON.stringify(r.value, (_, x) => (typeof x === "bigint" ? String(x) : x))}`);
    }
  }
}

function valueFieldsAgree(a: TObj, r: RawAttr, m: FamilyModel | undefined): boolean {
  for (const [f, v] of Object.entries(a)) {
    if (ATTR_META.has(f) || f.startsWith("Attribute") || typeof v !== "string") continue;
    if (f === "netlink.attr_data") return v.replace(/:/g, "") === formatHex(r.bytes);
    if (m && sameValue(m, v, r.value, r.model?.enum) === false) return false;
  }
  return true;
}

const norm = (x: string): string => x.toLowerCase().replace(/[-_]/g, "");
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const lastName = (f: string): string => f.slice(f.lastIndexOf(".") + 1);

/** Bits tshark shows of a flags value: set in nlwire's list of flag names, or not. */
function bitTree(k: Counter, at: string, tree: TObj, flags: unknown): void {
  for (const [bit, b] of Object.entries(tree)) {
    if (!Array.isArray(flags) || typeof b !== "string") {
      k.skip(bit);
      continue;
    }
    const name = norm(lastName(bit));
    const names = flags.map((x) => norm(String(x)));
    // tshark's link flag bits carry the C prefix (iff_up): nlwire's names do not.
    const set = names.includes(name.replace(/^iff/, ""));
    k.check(at, bit, (b === "1") === set, () => `${b} vs ${JSON.stringify(flags)}`);
  }
}

/** A struct member tshark shows as proto.struct.member: nlwire's member of the same name (ignoring - and _). */
function structLeaf(k: Counter, at: string, f: string, text: string, value: Record<string, unknown>, m: FamilyModel | undefined, group = ""): void {
  // tshark groups link error counters as "Rx errors"/"Tx errors" { length_errs, abort_errs, ... }.
  const errs = /^(\w+)_errs$/.exec(lastName(f));
  const wanted = [norm(lastName(f))];
  if (group && errs) wanted.push(norm(`${group}${({ abort: "aborted", miss: "missed" } as Record<string, string>)[errs[1]!] ?? errs[1]}errors`));
  const alias = STRUCT_ALIASES[f];
  if (alias) wanted.push(norm(alias));
  const key = Object.keys(value).find((x) => wanted.includes(norm(x)));
  const same = key !== undefined && m ? sameValue(m, text, value[key], undefined) : undefined;
  if (same === undefined) k.skip(f);
  else k.check(at, f, same, () => `${text} vs ${String(value[key!])}`);
}

function structTree(k: Counter, at: string, tree: TObj, value: unknown, m: FamilyModel | undefined, group = ""): void {
  for (const [f, v] of Object.entries(tree)) {
    if (isObj(v)) structTree(k, at, v, value, m, /^(rx|tx) errors$/i.exec(f)?.[1]?.toLowerCase() ?? group);
    else if (typeof v === "string" && isPlainObject(value)) structLeaf(k, at, f, v, value, m, group);
    else k.skip(f);
  }
}

/** Bytes tshark did not decode ({ data.data, data.len }): the last data.len bytes of what it was given. */
function rawData(k: Counter, at: string, node: TObj, bytes: Uint8Array): void {
  const len = Number(node["data.len"]);
  const tail = bytes.subarray(bytes.length - len);
  for (const [f, v] of Object.entries(node)) {
    if (f === "data.len") k.check(at, f, len <= bytes.length, () => `${len} of ${bytes.length}`);
    else if (f === "data.data" && typeof v === "string") k.check(at, f, v.replace(/:/g, "") === formatHex(tail), () => `${v} vs ${formatHex(tail)}`);
    else k.skip(f);
  }
}

/**
 * The fixed header and attribute set nlwire used for a message: the op's
 * message model for requests and replies (which may carry their own, as
 * sock_diag's do), the family's lookup for notifications.
 */
function layoutOf(fam: Family, m: NonNullable<CaptureEntry["message"]>, e: CaptureEntry): { fixedHeader?: string; attributeSet?: string } | undefined {
  const op = fam.model.ops.find((o) => o.name === m.op);
  if (!op) return undefined;
  const msgs = m.kind === "request" ? [op.do?.request, op.dump?.request] : m.kind === "reply" ? [op.do?.reply, op.dump?.reply] : [];
  const fixedOf = (x: { fixedHeader?: string } | undefined) => x?.fixedHeader ?? op.fixedHeader ?? fam.model.fixedHeader;
  // Of a do and a dump layout, the one whose fixed header nlwire's decode has the members of.
  const hit = msgs.find((x) => x && (!m.fixed || !fixedOf(x) || Object.keys(m.fixed).every((k) => fam.model.structs[fixedOf(x)!]?.members.some((mm) => mm.name === k))));
  if (!hit) {
    const info = fam.lookup(m.genl ? m.genl.cmd : e.header!.type, e.direction === "from-kernel", e.header!.seq);
    return info && { ...(info.fixedHeader ? { fixedHeader: info.fixedHeader } : {}), ...(info.attributeSet ? { attributeSet: info.attributeSet } : {}) };
  }
  const fixedHeader = fixedOf(hit);
  const attributeSet = hit.attributeSet ?? op.attributeSet;
  return { ...(fixedHeader ? { fixedHeader } : {}), ...(attributeSet ? { attributeSet } : {}) };
}
