/**
 * Where each decoded value sits in the message's bytes: the decoded tree of
 * the viewer. The codec decodes values; this walks the same bytes again,
 * guided by the family's model (attribute sets, structs, sub-messages), to
 * give every node its byte range, and takes each node's value from the
 * codec's lossless JSON of the decoded message, so names, enum and flag
 * names and addresses are the codec's own.
 */
import { flagNames, CONTROL_TYPE_NAMES, NLMSG_ERROR, type Family, type AttrSetModel, type StructModel } from "@nlwire/codec";
import { toJson, type CaptureEntry, type Json } from "@nlwire/codec/capture";
import type { TreeNode } from "./protocol.js";

const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;
const NLA_TYPE_MASK = 0x3fff;
const NLA_F_NESTED = 0x8000;
const NLA_F_NET_BYTEORDER = 0x4000;

type JsonObject = { [k: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const align4 = (n: number): number => (n + 3) & ~3;

/** How a value reads on one line: strings quoted, flag lists joined, bytes as hex; undefined for objects. */
export function valueText(v: Json | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v !== "object") return String(v);
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") ? (v.length ? v.join("|") : "(none)") : undefined;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === "hex") return (v.hex as string) || "(empty)";
  return undefined;
}

/** Children for a JSON value that has no byte layout of its own (ext-ack, policy, ...). */
function jsonChildren(v: Json | undefined, start: number, end: number): TreeNode[] | undefined {
  if (!isObject(v) && !Array.isArray(v)) return undefined;
  const entries: [string, Json][] = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : Object.entries(v);
  return entries.map(([label, x]) => leaf(label, x, start, end));
}

function leaf(label: string, v: Json | undefined, start: number, end: number): TreeNode {
  const n: TreeNode = { label, start, end };
  const text = valueText(v);
  if (text !== undefined) n.value = text;
  else {
    const c = jsonChildren(v, start, end);
    if (c) n.children = c;
  }
  return n;
}

class Walker {
  private readonly v: DataView;

  constructor(
    private readonly fam: Family,
    readonly bytes: Uint8Array,
    private readonly le: boolean,
  ) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  struct(label: string, name: string, start: number, value: Json | undefined): TreeNode {
    const s: StructModel | undefined = this.fam.model.structs[name];
    const size = Math.min(s?.size ?? 0, this.bytes.length - start);
    const obj = isObject(value) ? value : {};
    const children = (s?.members ?? [])
      .filter((m) => m.type !== "pad" && m.offset < size)
      .map((m) => leaf(m.name, obj[m.name], start + m.offset, start + Math.min(m.offset + m.len, size)));
    return { label: `${label} (struct ${name})`, start, end: start + size, children };
  }

  /** The attributes in [start, end) of attribute set `setName`, with values from `json`. */
  attrs(start: number, end: number, setName: string | undefined, json: Json | undefined): TreeNode[] {
    const set: AttrSetModel | undefined = setName ? this.fam.model.attrSets[setName] : undefined;
    const obj = isObject(json) ? json : {};
    const seen = new Map<string, number>();
    const unknown = Array.isArray(obj.$unknown) ? obj.$unknown : [];
    let unknownAt = 0;
    const out: TreeNode[] = [];
    for (let pos = start; end - pos >= 4; ) {
      const len = this.v.getUint16(pos, this.le);
      const rawType = this.v.getUint16(pos + 2, this.le);
      if (len < 4 || pos + len > end) {
        out.push({ label: "(malformed attribute run)", start: pos, end });
        break;
      }
      const type = rawType & NLA_TYPE_MASK;
      const a = set?.attrs.find((x) => x.value === type);
      let node: TreeNode;
      if (a && (a.type === "pad" || a.type === "unused") && !(a.name in obj)) {
        node = { label: `${a.name} (${a.type})`, start: pos, end: pos + len };
      } else if (!a || !(a.name in obj)) {
        const u = unknown[unknownAt++];
        node = { label: a ? `${a.name} (kept as bytes)` : `type ${type} (not in the spec)`, start: pos, end: pos + len };
        const hex = isObject(u) ? valueText(u.hex) : undefined;
        if (hex) node.value = hex;
      } else {
        let value: Json | undefined = obj[a.name];
        if (a.multiAttr && Array.isArray(value)) {
          const i = seen.get(a.name) ?? 0;
          seen.set(a.name, i + 1);
          value = value[i];
        }
        node = this.attr(a.name, a, pos, len, value, obj);
      }
      if (rawType & (NLA_F_NESTED | NLA_F_NET_BYTEORDER)) node.label += rawType & NLA_F_NESTED ? " [NESTED]" : " [NET_BYTEORDER]";
      out.push(node);
      pos += align4(len);
    }
    return out;
  }

  private attr(label: string, a: AttrSetModel["attrs"][number], pos: number, len: number, value: Json | undefined, parent: JsonObject): TreeNode {
    const start = pos + 4;
    const end = pos + len;
    const node: TreeNode = { label, start: pos, end };
    if (a.type === "nest") node.children = this.attrs(start, end, a.nested, value);
    else if (a.type === "indexed-array" || a.type === "nest-type-value") node.children = this.entries(start, end, a, value);
    else if (a.type === "sub-message") node.children = this.subMessage(start, end, a, value, parent);
    else if (a.struct && isObject(value)) node.children = this.struct("value", a.struct, start, value).children ?? [];
    else {
      const text = valueText(value);
      if (text !== undefined) node.value = text;
      else if (value !== undefined) node.children = jsonChildren(value, start, end) ?? [];
    }
    return node;
  }

  /** The entries of an indexed array or a nest-type-value (one TLV each, numbered by its type). */
  private entries(start: number, end: number, a: AttrSetModel["attrs"][number], value: Json | undefined): TreeNode[] {
    const items = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.$items) ? value.$items : [];
    const out: TreeNode[] = [];
    let i = 0;
    for (let pos = start; end - pos >= 4; i++) {
      const len = this.v.getUint16(pos, this.le);
      if (len < 4 || pos + len > end) break;
      const item = items[i];
      const node: TreeNode = { label: `[${i}]`, start: pos, end: pos + len };
      if (a.nested && (a.type === "nest-type-value" || a.subType === "nest")) node.children = this.attrs(pos + 4, pos + len, a.nested, item);
      else {
        const text = valueText(item);
        if (text !== undefined) node.value = text;
      }
      out.push(node);
      pos += align4(len);
    }
    return out;
  }

  /** A sub-message: its format is chosen by the selector attribute's value (linkinfo's kind, ...). */
  private subMessage(start: number, end: number, a: AttrSetModel["attrs"][number], value: Json | undefined, parent: JsonObject): TreeNode[] {
    const formats = a.subMessage ? this.fam.model.subMessages[a.subMessage]?.formats : undefined;
    const selector = a.selector ? parent[a.selector] : undefined;
    const f = formats?.find((x) => x.value === selector);
    if (!f) return jsonChildren(value, start, end) ?? [];
    const out: TreeNode[] = [];
    let off = start;
    if (f.fixedHeader) {
      const fixed = isObject(value) ? value.fixed ?? value : undefined;
      const s = this.struct("header", f.fixedHeader, off, fixed);
      out.push(s);
      off = s.end;
    }
    const attrs = isObject(value) && f.fixedHeader && isObject(value.attrs) ? value.attrs : value;
    if (f.attributeSet) out.push(...this.attrs(off, end, f.attributeSet, attrs));
    return out;
  }
}

/** Which meaning the NLM_F bits above 0xff have: the same rule the capture tree uses. */
function flagContext(e: CaptureEntry): "get" | "new" | "delete" | "ack" | "none" {
  if (e.header?.type === NLMSG_ERROR) return "ack";
  if (e.direction !== "to-kernel") return "none";
  const op = e.message?.op ?? "";
  if (/(^|-)(get|dump)/.test(op)) return "get";
  if (/(^|-)(new|add|set)/.test(op)) return "new";
  if (/(^|-)del/.test(op)) return "delete";
  return (e.header!.flags & 0x300) === 0x300 ? "get" : "none";
}

function headerNode(e: CaptureEntry, end: number): TreeNode {
  const h = e.header!;
  const flags = flagNames(h.flags, flagContext(e)).join("|") || "0";
  return {
    label: "nlmsghdr", start: 0, end: Math.min(NLMSG_HDRLEN, end),
    children: [
      { label: "len", value: String(h.length), start: 0, end: 4 },
      { label: "type", value: `${h.type}${CONTROL_TYPE_NAMES[h.type] ? ` (${CONTROL_TYPE_NAMES[h.type]})` : ""}`, start: 4, end: 6 },
      { label: "flags", value: flags, start: 6, end: 8 },
      { label: "seq", value: String(h.seq), start: 8, end: 12 },
      { label: "pid", value: String(h.pid), start: 12, end: 16 },
    ],
  };
}

/**
 * The tree of one message: its header, the genl header, the fixed header,
 * every attribute (nests, arrays and sub-messages opened), or, for an
 * NLMSG_ERROR, the errno, the echoed request and the ext-ack.
 */
export function messageTree(e: CaptureEntry, fam: Family | undefined, bytes: Uint8Array, le: boolean): TreeNode[] {
  const h = e.header;
  if (!h) return [];
  const end = bytes.length;
  const out: TreeNode[] = [headerNode(e, end)];
  if (e.control?.error) {
    const er = toJson(e.control.error);
    const obj = isObject(er) ? er : {};
    out.push(leaf("error", obj.errnoName ?? obj.errno, 16, Math.min(20, end)));
    out.push(leaf("request header", obj.request, 20, Math.min(36, end)));
    if (obj.extAck !== undefined) out.push(leaf("ext-ack", obj.extAck, 36, end));
    const r = e.control.request;
    if (r) out.push(leaf(`request ${r.family} ${r.op ?? "?"}`, toJson({ fixed: r.fixed, attrs: r.attrs }), 36, end));
    return out;
  }
  if (e.control?.done) {
    out.push(leaf("done", toJson(e.control.done), NLMSG_HDRLEN, end));
    return out;
  }
  if (e.dedicated) {
    const d = e.dedicated;
    out.push(leaf(d.kind, toJson(d.kind === "uevent" ? d.uevent : (d.proc ?? d.cn)), NLMSG_HDRLEN, end));
    return out;
  }
  const m = e.message;
  if (!m || !fam || h.type === NLMSG_ERROR) return out;
  const w = new Walker(fam, bytes, le);
  let off = NLMSG_HDRLEN;
  let id = h.type;
  if (m.genl) {
    out.push({
      label: "genlmsghdr", start: off, end: off + GENL_HDRLEN,
      children: [
        { label: "cmd", value: `${m.genl.cmd}${m.op ? ` (${m.op})` : ""}`, start: off, end: off + 1 },
        { label: "version", value: String(m.genl.version), start: off + 1, end: off + 2 },
      ],
    });
    id = m.genl.cmd;
    off += GENL_HDRLEN;
  }
  const info = fam.lookup(id, e.direction === "from-kernel", h.seq, undefined, h.flags);
  const json = toJson({ fixed: m.fixed, attrs: m.attrs });
  const parts = isObject(json) ? json : {};
  if (info?.fixedHeader) {
    const s = w.struct("fixed", info.fixedHeader, off, parts.fixed);
    out.push(s);
    off = s.end;
  }
  if (info?.attributeSet) out.push({ label: "attrs", start: off, end, children: w.attrs(off, end, info.attributeSet, parts.attrs) });
  return out;
}
