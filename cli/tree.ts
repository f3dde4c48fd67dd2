import {
  NLMSG_HDRLEN, attrPathAt, ByteReader, CONTROL_TYPE_NAMES, NLMSG_DONE, NLMSG_ERROR, decodeAttrTree, decodeDone, decodeError,
  flagNames, formatHex, type AttrNode, type ExtAck, type FlagContext, type NetlinkMessage,
} from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";

/**
 * Renders messages as an indented text tree. Control messages (ERROR, DONE)
 * are decoded fully; other payloads are shown as attributes from `attrsAt`
 * on, when the caller knows where they start, and as hex otherwise.
 */
export interface TreeOptions {
  /** Byte offset in the payload where attributes start (after the family's fixed header). */
  attrsAt?: number;
}

const INDENT = "  ";

export function messageTree(m: NetlinkMessage, opts: TreeOptions = {}, depth = 0): string[] {
  const h = m.header;
  const pad = INDENT.repeat(depth);
  const typeName = CONTROL_TYPE_NAMES[h.type];
  const context = flagContext(h.type);
  const lines = [
    `${pad}message ${typeName ?? `type ${h.type}`} len=${h.length} flags=${flagNames(h.flags, context).join("|") || "0"} seq=${h.seq} pid=${h.pid}`,
  ];
  const inner = pad + INDENT;
  if (h.type === NLMSG_ERROR) lines.push(...errorTree(m, inner, opts.attrsAt));
  else if (h.type === NLMSG_DONE) {
    const d = decodeDone(m.payload, h.flags);
    lines.push(`${inner}errno ${describeErrno(d.errno)}`, ...extAckTree(d.extAck, inner));
  } else if (opts.attrsAt !== undefined && opts.attrsAt <= m.payload.length) {
    lines.push(`${inner}fixed header ${formatHex(m.payload.subarray(0, opts.attrsAt))}`);
    const tree = decodeAttrTree(new ByteReader(m.payload), opts.attrsAt, m.payload.length);
    lines.push(...attrLines(tree.attrs, inner));
    if (tree.trailing) lines.push(`${inner}trailing ${formatHex(tree.trailing)}`);
  } else {
    lines.push(`${inner}payload ${formatHex(m.payload)}`);
  }
  return lines;
}

/** The upper flag bits of requests mean GET/NEW/DEL things only the family can tell apart. */
function flagContext(type: number): FlagContext {
  return type === NLMSG_ERROR ? "ack" : "none";
}

function describeErrno(errno: number): string {
  if (errno === 0) return "0 (success)";
  const msg = errnoMessage(errno);
  return `${errno}${msg ? ` (${msg})` : ""}`;
}

function errorTree(m: NetlinkMessage, pad: string, attrsAt: number | undefined): string[] {
  const e = decodeError(m.payload, m.header.flags);
  const r = e.request;
  const lines = [
    `${pad}${e.errno ? `error ${e.errnoName ?? "errno"}` : "ack"} ${describeErrno(e.errno)}`,
    `${pad}request type ${r.type} len=${r.length} flags=0x${r.flags.toString(16)} seq=${r.seq}${e.requestPayload ? "" : " (capped)"}`,
  ];
  lines.push(...extAckTree(e.extAck, pad));
  const offs = e.extAck?.offset;
  if (offs !== undefined && e.requestPayload && attrsAt !== undefined) {
    const path = attrPathAt(new ByteReader(e.requestPayload), attrsAt, e.requestPayload.length, offs - NLMSG_HDRLEN);
    if (path) lines.push(`${pad}offending attribute path: ${path.join(".")}`);
  }
  return lines;
}

function extAckTree(a: ExtAck | undefined, pad: string): string[] {
  if (!a) return [];
  const lines: string[] = [];
  if (a.message !== undefined) lines.push(`${pad}kernel says: ${a.message}`);
  if (a.offset !== undefined) lines.push(`${pad}offending attribute at request byte ${a.offset}`);
  if (a.missingType !== undefined) lines.push(`${pad}missing attribute type ${a.missingType}`);
  if (a.missingNest !== undefined) lines.push(`${pad}in the nest at request byte ${a.missingNest}`);
  if (a.cookie) lines.push(`${pad}cookie ${formatHex(a.cookie)}`);
  if (a.policy) {
    const p = Object.entries(a.policy)
      .filter(([k]) => k !== "unknown")
      .map(([k, v]) => `${k}=${String(v)}`);
    lines.push(`${pad}policy ${p.join(" ")}`);
  }
  return lines;
}

function attrLines(attrs: readonly AttrNode[], pad: string): string[] {
  const lines: string[] = [];
  for (const a of attrs) {
    const flags = [a.flags & 0x8000 ? "nested" : "", a.flags & 0x4000 ? "net-order" : ""].filter(Boolean);
    const head = `${pad}attr ${a.type}${flags.length ? ` [${flags.join(",")}]` : ""}`;
    if (a.children) {
      lines.push(head, ...attrLines(a.children, pad + INDENT));
    } else {
      lines.push(`${head} ${describeValue(a.value ?? new Uint8Array())}`);
    }
  }
  return lines;
}

/** Hex, plus the text when the bytes look like a NUL-terminated string. */
function describeValue(v: Uint8Array): string {
  const hex = formatHex(v);
  const body = v[v.length - 1] === 0 ? v.subarray(0, -1) : undefined;
  if (body && body.length > 0 && body.every((b) => b >= 0x20 && b < 0x7f)) {
    return `${hex} "${String.fromCharCode(...body)}"`;
  }
  return hex || "(empty)";
}
