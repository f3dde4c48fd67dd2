import { HOST_LITTLE_ENDIAN, NLA_HDRLEN, NLMSG_HDRLEN, GENL_HDRLEN } from "../align.js";
import { decodeDone, decodeError, type DoneMessage, type ErrorMessage } from "../ack.js";
import { isCodecError, type CodecError } from "../errors.js";
import { NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_MIN_TYPE, type NlMsgHeader } from "../header.js";
import { ByteReader } from "../reader.js";
import type { DecodedMessage, Family } from "../ynl/family.js";
import type { FamilyRegistry } from "../ynl/registry.js";
import { defaultRegistry } from "./families.js";
import { netlinkPayload } from "./link.js";
import type { CaptureRecord } from "./records.js";
import { decodeCnMsg, decodeConnector, type CnMsg, type ProcEvent } from "../dedicated/connector.js";
import { decodeUevent, type Uevent } from "../dedicated/uevent.js";

const NETLINK_GENERIC = 16;
const NETLINK_CONNECTOR = 11;
const NETLINK_KOBJECT_UEVENT = 15;
/** An EPB comment nlwire's recorder writes: `nlwire-genl: 20=netdev 21=ethtool`. */
export const GENL_MAP_COMMENT = "nlwire-genl:";

/**
 * to-kernel: a request (user space to the kernel); from-kernel: a reply or
 * notification. `source` says what decided it: the capture's own direction
 * flag (nlwire recordings), or the message header (NLM_F_REQUEST: the kernel
 * never sets it, and ignores messages without it).
 */
export type Direction = "to-kernel" | "from-kernel";

export interface DecodedControl {
  kind: "error" | "done";
  error?: ErrorMessage;
  done?: DoneMessage;
  /** The echoed request of an NLMSG_ERROR, decoded with its family. */
  request?: DecodedMessage;
}

/**
 * One netlink message of a capture, or a note on a record that held none.
 * Every entry has every key (undefined where it does not apply): one object
 * shape for all of them, which keeps decoding fast.
 */
export interface CaptureEntry {
  record: number;
  timestampNs: bigint | undefined;
  interfaceId: number;
  protocol: number | undefined;
  direction: Direction | undefined;
  directionSource: "capture" | "header" | undefined;
  /** Byte offset of the message among the record's netlink bytes. */
  offset: number | undefined;
  header: NlMsgHeader | undefined;
  /** The family's name, when the message has one; genl messages of an unknown id have `genlId` instead. */
  family: string | undefined;
  genlId: number | undefined;
  control: DecodedControl | undefined;
  message: DecodedMessage | undefined;
  /**
   * Formats YNL cannot describe (@nlwire/codec/dedicated): a kobject uevent
   * (its record has no netlink header at all), or the connector message
   * inside a NETLINK_CONNECTOR NLMSG_DONE, a process event when it is one.
   */
  dedicated: { kind: "uevent"; uevent: Uevent } | { kind: "connector"; cn: CnMsg; proc?: ProcEvent } | undefined;
  /** The record (snaplen, or the end of the file) cut this message: what was decoded is what there was. */
  truncated: { length: number; captured: number } | undefined;
  /** Netlink bytes in the other byte order than this host's (detected per record). */
  byteOrder: "big-endian" | "little-endian" | undefined;
  /** Why nothing, or not everything, could be decoded (the decode went on past it). */
  problems: CodecError[] | undefined;
  note: string | undefined;
}

/** What every entry of one record shares. */
interface RecordFacts {
  rec: CaptureRecord;
  protocol: number | undefined;
  byteOrder: CaptureEntry["byteOrder"];
}

function entry(f: RecordFacts, offset: number | undefined, header: NlMsgHeader | undefined, note: string | undefined): CaptureEntry {
  const rec = f.rec;
  let direction: Direction | undefined;
  let directionSource: CaptureEntry["directionSource"];
  if (header) {
    directionSource = rec.direction ? "capture" : "header";
    const toKernel = rec.direction ? rec.direction === "outbound" : (header.flags & NLM_F.REQUEST) !== 0;
    direction = toKernel ? "to-kernel" : "from-kernel";
  }
  return {
    record: rec.index, timestampNs: rec.timestampNs, interfaceId: rec.interfaceId, protocol: f.protocol, direction, directionSource,
    offset, header, family: undefined, genlId: undefined, control: undefined, message: undefined, dedicated: undefined, truncated: undefined,
    byteOrder: f.byteOrder, problems: undefined, note,
  };
}

export interface CaptureDecoderOptions {
  registry?: FamilyRegistry;
  /** Generic netlink ids the capture does not teach (from the user, or the live system). */
  genlMap?: ReadonlyMap<number, string> | Record<number, string>;
  /** The protocol of records whose link layer does not say (bare LINKTYPE_NETLINK). */
  defaultProtocol?: number;
}

/**
 * Decodes capture records into messages, learning generic netlink ids from
 * nlctrl replies (CTRL_CMD_NEWFAMILY: id and name) and from nlwire's own
 * recording comments as it goes. A record that fails to decode yields a note
 * and the next one is decoded as if nothing happened.
 */
export class CaptureDecoder {
  readonly registry: FamilyRegistry;
  private readonly defaultProtocol: number | undefined;

  constructor(o: CaptureDecoderOptions = {}) {
    this.registry = o.registry ?? defaultRegistry();
    this.defaultProtocol = o.defaultProtocol;
    const map = o.genlMap instanceof Map ? o.genlMap : new Map(Object.entries(o.genlMap ?? {}).map(([k, v]) => [Number(k), v]));
    for (const [id, name] of map) this.registry.learnGenl(id, name);
  }

  decode(rec: CaptureRecord): CaptureEntry[] {
    for (const c of rec.comments ?? []) this.learnFromComment(c);
    const f: RecordFacts = { rec, protocol: undefined, byteOrder: undefined };
    const p = netlinkPayload(rec.linkType, rec.data);
    if ("reason" in p) return [entry(f, undefined, undefined, `not netlink: ${p.reason}`)];
    f.protocol = p.protocol ?? this.defaultProtocol;
    const bytes = rec.data.subarray(p.offset);
    if (f.protocol === NETLINK_KOBJECT_UEVENT) return [this.uevent(f, bytes)];
    const le = byteOrderOf(bytes);
    if (le !== HOST_LITTLE_ENDIAN) f.byteOrder = le ? "little-endian" : "big-endian";
    const r = new ByteReader(bytes, le);
    const out: CaptureEntry[] = [];
    let pos = 0;
    while (bytes.length - pos >= NLMSG_HDRLEN) {
      const len = r.view.getUint32(pos, le);
      if (len < NLMSG_HDRLEN) {
        out.push(entry(f, pos, undefined, `corrupt: nlmsg_len ${len} at byte ${pos}; the rest of the record is skipped`));
        break;
      }
      const e = this.message(f, r, pos, len);
      out.push(e);
      if (e.truncated) break; // the record ends inside this message
      pos += len + ((4 - (len % 4)) % 4);
    }
    if (out.length === 0) out.push(entry(f, undefined, undefined, bytes.length ? `${bytes.length} bytes, no whole netlink header` : "empty record"));
    return out;
  }

  private message(f: RecordFacts, r: ByteReader, pos: number, len: number): CaptureEntry {
    const v = r.view;
    const le = r.littleEndian;
    const header: NlMsgHeader = {
      length: len, type: v.getUint16(pos + 4, le), flags: v.getUint16(pos + 6, le), seq: v.getUint32(pos + 8, le), pid: v.getUint32(pos + 12, le),
    };
    const e = entry(f, pos, header, undefined);
    const room = r.length - pos;
    const end = pos + Math.min(len, room);
    if (len > room) e.truncated = { length: len, captured: room };
    try {
      if (header.type < NLMSG_MIN_TYPE) this.control(e, r, pos, end, f.protocol);
      else this.familyMessage(e, r, pos, end, f.protocol);
    } catch (err) {
      if (!isCodecError(err)) throw err;
      (e.problems ??= []).push(err);
    }
    return e;
  }

  /** A kobject uevent record: text (or udevd's framing), one entry, no netlink header. */
  private uevent(f: RecordFacts, bytes: Uint8Array): CaptureEntry {
    const e = entry(f, 0, undefined, undefined);
    e.direction = "from-kernel";
    try {
      e.dedicated = { kind: "uevent", uevent: decodeUevent(bytes) };
    } catch (err) {
      if (!isCodecError(err)) throw err;
      e.problems = [err];
    }
    return e;
  }

  private control(e: CaptureEntry, r: ByteReader, pos: number, end: number, protocol: number | undefined): void {
    const h = e.header!;
    if (h.type !== NLMSG_ERROR && h.type !== NLMSG_DONE) return;
    const payload = r.bytes.subarray(pos + NLMSG_HDRLEN, end);
    const le = r.littleEndian; // the capturing host's order, which may not be this one's
    // The connector sends every message as an NLMSG_DONE carrying a cn_msg.
    // Requests to it (a listen op) carry no process event.
    if (protocol === NETLINK_CONNECTOR && h.type === NLMSG_DONE) {
      e.dedicated = { kind: "connector", ...(e.direction === "to-kernel" ? { cn: decodeCnMsg(payload) } : decodeConnector(payload)) };
      return;
    }
    if (h.type === NLMSG_DONE) {
      e.control = { kind: "done", done: decodeDone(payload, h.flags, le) };
      return;
    }
    // A cut ACK may lose its echo and TLVs: the errno and the request header are what counts.
    const flags = e.truncated ? (h.flags | NLM_F.CAPPED) & ~NLM_F.ACK_TLVS : h.flags;
    const error = decodeError(payload, flags, le);
    e.control = { kind: "error", error };
    const fam = protocol === undefined ? undefined : this.registry.forMessage(protocol, error.request.type);
    if (fam && error.requestPayload) {
      const rr = new ByteReader(error.requestPayload, le);
      e.control.request = fam.decodeAt(rr, 0, error.requestPayload.length, error.request, { fromKernel: false });
    }
  }

  private familyMessage(e: CaptureEntry, r: ByteReader, pos: number, end: number, protocol: number | undefined): void {
    const h = e.header!;
    if (protocol === undefined) return;
    const fam = this.registry.forMessage(protocol, h.type);
    if (!fam) {
      if (protocol === NETLINK_GENERIC) {
        e.genlId = h.type;
        e.note = `generic netlink family id ${h.type} unknown (give --genl-map ${h.type}=NAME, or capture the nlctrl exchange)`;
      }
      return;
    }
    e.family = fam.model.name;
    const fromKernel = e.direction === "from-kernel";
    const start = pos + NLMSG_HDRLEN;
    const stop = e.truncated ? wholeAttrsEnd(fam, r, start, end, h, fromKernel) : end;
    const m = fam.decodeAt(r, start, stop, h, { fromKernel });
    e.message = m;
    if (m.problems) (e.problems ??= []).push(...m.problems);
    if (fam.model.name === "nlctrl" && fromKernel) this.learnFromNlctrl(m);
  }

  private learnFromNlctrl(m: DecodedMessage): void {
    const a = m.attrs as { "family-id"?: unknown; "family-name"?: unknown };
    if (typeof a["family-id"] === "number" && typeof a["family-name"] === "string") this.registry.learnGenl(a["family-id"], a["family-name"]);
  }

  private learnFromComment(c: string): void {
    if (!c.startsWith(GENL_MAP_COMMENT)) return;
    for (const pair of c.slice(GENL_MAP_COMMENT.length).trim().split(/\s+/)) {
      const m = /^(\d+)=(\S+)$/.exec(pair);
      if (m) this.registry.learnGenl(Number(m[1]), m[2]!);
    }
  }
}

/**
 * The byte order of a record's netlink bytes: the host's unless the first
 * nlmsg_len only makes sense read the other way (a capture from a host of the
 * other endianness).
 */
export function byteOrderOf(b: Uint8Array): boolean {
  if (b.length < 4) return HOST_LITTLE_ENDIAN;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const fits = (len: number): boolean => len >= NLMSG_HDRLEN && (len <= b.length || len < 1 << 20);
  const host = v.getUint32(0, HOST_LITTLE_ENDIAN);
  const other = v.getUint32(0, !HOST_LITTLE_ENDIAN);
  return fits(host) || !fits(other) ? HOST_LITTLE_ENDIAN : !HOST_LITTLE_ENDIAN;
}

/**
 * Where the whole attributes of a cut message end: decoding stops before an
 * attribute the cut went through, so every attribute before it decodes.
 */
function wholeAttrsEnd(fam: Family, r: ByteReader, start: number, end: number, h: NlMsgHeader, fromKernel: boolean): number {
  let off = start;
  let id = h.type;
  if (fam.isGenetlink) {
    if (end - off < GENL_HDRLEN) return end;
    id = r.bytes[off]!;
    off += GENL_HDRLEN;
  }
  const info = fam.lookup(id, fromKernel, h.seq);
  if (info?.fixedHeader) off += fam.compiler.struct(info.fixedHeader).size;
  if (off >= end) return end;
  while (end - off >= NLA_HDRLEN) {
    const alen = r.view.getUint16(off, r.littleEndian);
    if (alen < NLA_HDRLEN || off + alen > end) break;
    off += (alen + 3) & ~3;
  }
  return Math.min(off, end);
}
