import { HOST_LITTLE_ENDIAN, NLMSG_HDRLEN, align4 } from "./align.js";
import { AttrCursor, decodeAttrTree, encodeAttrTree, type AttrNode } from "./attr.js";
import { errnoName } from "./errno.js";
import { MalformedError } from "./errors.js";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR, decodeHeader, encodeHeader, type NlMsgHeader } from "./header.js";
import { ByteReader } from "./reader.js";
import { readInt } from "./scalar.js";
import { decodeUtf8, encodeUtf8, findNul } from "./text.js";
import type { ByteWriter } from "./writer.js";

/** enum nlmsgerr_attrs: the extended-ACK TLVs. */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
  MISS_TYPE: 5,
  MISS_NEST: 6,
} as const;

/** enum netlink_attribute_type: what a policy says an attribute must be. */
export const NL_ATTR_TYPE_NAMES: readonly string[] = [
  "invalid", "flag", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
  "binary", "string", "nul-string", "nested", "nested-array", "bitfield32", "sint", "uint",
];

/** enum netlink_policy_type_attr, in the form the codec decodes it. */
export interface PolicyDescription {
  type?: number;
  /** The type's name ("u32", "nested", ...), when the number is known. */
  typeName?: string;
  minValueS?: bigint;
  maxValueS?: bigint;
  minValueU?: bigint;
  maxValueU?: bigint;
  minLength?: number;
  maxLength?: number;
  policyIdx?: number;
  policyMaxType?: number;
  bitfield32Mask?: number;
  mask?: bigint;
  /** Policy attributes this codec does not know, kept as found. */
  unknown?: AttrNode[];
}

type PolicyField = Exclude<keyof PolicyDescription, "typeName" | "unknown">;
/** NL_POLICY_TYPE_ATTR_* number → [field, kind]; 10 is PAD. */
const POLICY_ATTRS: Readonly<Record<number, readonly [PolicyField, "u32" | "u64" | "s64"]>> = {
  1: ["type", "u32"],
  2: ["minValueS", "s64"],
  3: ["maxValueS", "s64"],
  4: ["minValueU", "u64"],
  5: ["maxValueU", "u64"],
  6: ["minLength", "u32"],
  7: ["maxLength", "u32"],
  8: ["policyIdx", "u32"],
  9: ["policyMaxType", "u32"],
  10: ["bitfield32Mask", "u32"],
  12: ["mask", "u64"],
};
const NL_POLICY_TYPE_ATTR_PAD = 11;

export interface ExtAck {
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  offset?: number;
  cookie?: Uint8Array;
  policy?: PolicyDescription;
  /** NLMSGERR_ATTR_MISS_TYPE: type of a required attribute that was missing. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest the missing attribute belongs in. */
  missingNest?: number;
  /** TLVs this codec does not know, kept in order. */
  unknown?: AttrNode[];
}

/** An NLMSG_ERROR message: an ACK when `errno` is 0. */
export interface ErrorMessage {
  /** The positive errno (the wire holds its negation); 0 for an ACK. */
  errno: number;
  /** "EPERM", ...; undefined for 0 or an unknown number. */
  errnoName?: string;
  /** The header of the request this answers. */
  request: NlMsgHeader;
  /** The request's payload, echoed unless the reply is CAPPED. */
  requestPayload?: Uint8Array;
  extAck?: ExtAck;
}

/** An NLMSG_DONE message: the end of a dump, possibly with an error. */
export interface DoneMessage {
  errno: number;
  errnoName?: string;
  extAck?: ExtAck;
}

function withName<T extends { errno: number }>(o: T): T & { errnoName?: string } {
  const name = o.errno ? errnoName(o.errno) : undefined;
  return name ? { ...o, errnoName: name } : o;
}

/**
 * Decodes the payload of an NLMSG_ERROR message; `flags` are the message's
 * nlmsg_flags (CAPPED and ACK_TLVS decide the layout). `littleEndian`: the
 * byte order of the message, for one captured on a host of the other order.
 */
export function decodeError(payload: Uint8Array, flags: number, littleEndian = HOST_LITTLE_ENDIAN): ErrorMessage {
  const r = new ByteReader(payload, littleEndian);
  r.need(0, 4 + NLMSG_HDRLEN, "nlmsgerr", ["error"]);
  const errno = 0 - r.s32(0); // not -r.s32(0): an ACK's errno must be 0, not -0
  const request = decodeHeader(r, 4);
  let tlvStart = 4 + NLMSG_HDRLEN;
  let requestPayload: Uint8Array | undefined;
  if (!(flags & NLM_F.CAPPED)) {
    const echoed = request.length - NLMSG_HDRLEN;
    if (echoed < 0) throw new MalformedError(`echoed nlmsg_len ${request.length}`, 4, ["request"]);
    r.need(tlvStart, echoed, "echoed request", ["request"]);
    requestPayload = r.copy(tlvStart, echoed);
    tlvStart = Math.min(tlvStart + align4(echoed), payload.length);
  }
  const e: ErrorMessage = withName({ errno, request });
  if (requestPayload) e.requestPayload = requestPayload;
  if (flags & NLM_F.ACK_TLVS) e.extAck = decodeExtAck(r, tlvStart, payload.length);
  return e;
}

/** Decodes the payload of an NLMSG_DONE message (`littleEndian` as for decodeError). */
export function decodeDone(payload: Uint8Array, flags: number, littleEndian = HOST_LITTLE_ENDIAN): DoneMessage {
  // Some families end a dump with an empty DONE; that is a clean end.
  if (payload.length < 4) return { errno: 0 };
  const r = new ByteReader(payload, littleEndian);
  const d: DoneMessage = withName({ errno: 0 - r.s32(0) });
  if (flags & NLM_F.ACK_TLVS) d.extAck = decodeExtAck(r, 4, payload.length);
  return d;
}

function u32At(r: ByteReader, c: AttrCursor, path: (string | number)[]): number {
  return readInt(r, "u32", c.valueOffset, c.valueLength, "host", path) as number;
}

export function decodeExtAck(r: ByteReader, start: number, end: number): ExtAck {
  const ack: ExtAck = {};
  const c = new AttrCursor(r, start, end, ["extack"]);
  while (c.next()) {
    const path = ["extack", c.type];
    switch (c.type) {
      case NLMSGERR_ATTR.MSG:
        ack.message = decodeUtf8(r.bytes, c.valueOffset, findNul(r.bytes, c.valueOffset, c.valueOffset + c.valueLength));
        break;
      case NLMSGERR_ATTR.OFFS:
        ack.offset = u32At(r, c, path);
        break;
      case NLMSGERR_ATTR.COOKIE:
        ack.cookie = r.copy(c.valueOffset, c.valueLength);
        break;
      case NLMSGERR_ATTR.POLICY:
        ack.policy = decodePolicy(r, c.valueOffset, c.valueOffset + c.valueLength, path);
        break;
      case NLMSGERR_ATTR.MISS_TYPE:
        ack.missingType = u32At(r, c, path);
        break;
      case NLMSGERR_ATTR.MISS_NEST:
        ack.missingNest = u32At(r, c, path);
        break;
      default:
        (ack.unknown ??= []).push({ type: c.type, flags: c.flags, value: r.copy(c.valueOffset, c.valueLength) });
    }
  }
  return ack;
}

/** Decodes NL_POLICY_TYPE_ATTR_* attributes (ext-ack POLICY, nlctrl policy dumps). */
export function decodePolicy(r: ByteReader, start: number, end: number, path: (string | number)[] = []): PolicyDescription {
  const p: PolicyDescription = {};
  const c = new AttrCursor(r, start, end, path);
  while (c.next()) {
    const known = POLICY_ATTRS[c.type];
    if (known) {
      const [field, kind] = known;
      const v = readInt(r, kind, c.valueOffset, c.valueLength, "host", [...path, field]);
      (p as Record<string, number | bigint>)[field] = v;
    } else if (c.type !== NL_POLICY_TYPE_ATTR_PAD) {
      (p.unknown ??= []).push(...decodeAttrTree(r, c.offset, c.position).attrs);
    }
  }
  const name = p.type !== undefined ? NL_ATTR_TYPE_NAMES[p.type] : undefined;
  if (name) p.typeName = name;
  return p;
}

/** The kernel writes the type-specific attributes first and TYPE last. */
const POLICY_ENCODE_ORDER = [...Object.keys(POLICY_ATTRS).map(Number).filter((n) => n !== 1), 1];

function encodePolicy(w: ByteWriter, p: PolicyDescription): void {
  for (const num of POLICY_ENCODE_ORDER) {
    const [field, kind] = POLICY_ATTRS[num]!;
    const v = p[field];
    if (v === undefined) continue;
    const at = w.beginAttr(num);
    if (kind === "u32") w.u32(Number(v));
    else if (kind === "u64") w.u64(BigInt(v));
    else w.s64(BigInt(v));
    w.endAttr(at);
  }
  if (p.unknown) encodeAttrTree(w, p.unknown);
}

function u32Attr(w: ByteWriter, type: number, v: number): void {
  const at = w.beginAttr(type);
  w.u32(v).endAttr(at);
}

/** Writes ext-ack TLVs in the order the kernel emits them. */
export function encodeExtAck(w: ByteWriter, a: ExtAck): void {
  if (a.message !== undefined) {
    const s = encodeUtf8(a.message);
    const at = w.beginAttr(NLMSGERR_ATTR.MSG);
    w.bytes(s).u8(0).endAttr(at);
  }
  if (a.cookie) w.attr(NLMSGERR_ATTR.COOKIE, a.cookie);
  if (a.offset !== undefined) u32Attr(w, NLMSGERR_ATTR.OFFS, a.offset);
  if (a.policy) {
    const at = w.beginNest(NLMSGERR_ATTR.POLICY);
    encodePolicy(w, a.policy);
    w.endNest(at);
  }
  if (a.missingType !== undefined) u32Attr(w, NLMSGERR_ATTR.MISS_TYPE, a.missingType);
  if (a.missingNest !== undefined) u32Attr(w, NLMSGERR_ATTR.MISS_NEST, a.missingNest);
  if (a.unknown) encodeAttrTree(w, a.unknown);
}

export interface ReplyAddress {
  seq: number;
  /** The port id the reply goes to (the kernel puts the requester's here). */
  pid: number;
}

/**
 * Builds a complete NLMSG_ERROR message, setting CAPPED when no request
 * payload is echoed and ACK_TLVS when ext-ack TLVs are present.
 */
export function encodeErrorMessage(w: ByteWriter, e: Omit<ErrorMessage, "errnoName">, to: ReplyAddress): void {
  let flags = e.requestPayload ? 0 : NLM_F.CAPPED;
  if (e.extAck) flags |= NLM_F.ACK_TLVS;
  const at = w.beginMessage(NLMSG_ERROR, flags, to.seq, to.pid);
  w.s32(-e.errno);
  encodeHeader(w, e.request);
  if (e.requestPayload) w.bytes(e.requestPayload).align();
  if (e.extAck) encodeExtAck(w, e.extAck);
  w.endMessage(at);
}

/** Builds a complete NLMSG_DONE message (MULTI is set, as dumps end with it). */
export function encodeDoneMessage(w: ByteWriter, d: Omit<DoneMessage, "errnoName">, to: ReplyAddress): void {
  const flags = NLM_F.MULTI | (d.extAck ? NLM_F.ACK_TLVS : 0);
  const at = w.beginMessage(NLMSG_DONE, flags, to.seq, to.pid);
  w.s32(-d.errno);
  if (d.extAck) encodeExtAck(w, d.extAck);
  w.endMessage(at);
}
