import { NLMSG_HDRLEN, padLength } from "./align.js";
import { MalformedError, TruncatedError } from "./errors.js";
import { encodeHeader, type NlMsgHeader } from "./header.js";
import { ByteReader } from "./reader.js";
import { ByteWriter } from "./writer.js";

/**
 * A cursor over the messages of one datagram: no allocation per message.
 * A message whose nlmsg_len runs past the end raises a TruncatedError (the
 * datagram was cut short, e.g. by a capture's snaplen); fewer than 16 bytes
 * after the last message are trailing bytes, not an error.
 */
export class MessageCursor {
  offset = 0;
  length = 0;
  type = 0;
  flags = 0;
  private pos: number;

  constructor(
    readonly reader: ByteReader,
    start = 0,
    private readonly end: number = reader.length,
  ) {
    reader.need(start, end - start, "messages");
    this.pos = start;
  }

  next(): boolean {
    const pos = this.pos;
    if (this.end - pos < NLMSG_HDRLEN) return false;
    const v = this.reader.view;
    const le = this.reader.littleEndian;
    const len = v.getUint32(pos, le);
    if (len < NLMSG_HDRLEN || len > this.end - pos) badLength(len, pos, this.end - pos);
    // Four fields per step, the rest on demand: a lean cursor is one V8 keeps in registers.
    this.offset = pos;
    this.length = len;
    this.type = v.getUint16(pos + 4, le);
    this.flags = v.getUint16(pos + 6, le);
    // len fits the buffer (checked above), so the 32-bit `&` cannot overflow.
    const next = pos + ((len + 3) & ~3);
    this.pos = next < this.end ? next : this.end;
    return true;
  }

  get seq(): number {
    return this.reader.view.getUint32(this.offset + 8, this.reader.littleEndian);
  }
  get pid(): number {
    return this.reader.view.getUint32(this.offset + 12, this.reader.littleEndian);
  }
  /** The current message's header as a plain object. */
  header(): NlMsgHeader {
    return { length: this.length, type: this.type, flags: this.flags, seq: this.seq, pid: this.pid };
  }

  get payloadOffset(): number {
    return this.offset + NLMSG_HDRLEN;
  }
  get payloadLength(): number {
    return this.length - NLMSG_HDRLEN;
  }
  get position(): number {
    return this.pos;
  }
  get trailing(): number {
    return this.end - this.pos;
  }
}

/** Kept out of next(), so that next() stays small enough for V8 to inline it. */
function badLength(len: number, pos: number, room: number): never {
  if (len < NLMSG_HDRLEN) throw new MalformedError(`nlmsg_len ${len} shorter than the header`, pos, []);
  throw new TruncatedError(`message (nlmsg_len ${len})`, pos, [], len, room);
}

/** True when [from, to) is exactly the zero padding that follows `len` bytes. */
function isCanonicalPad(bytes: Uint8Array, from: number, to: number, len: number): boolean {
  if (to - from !== padLength(len)) return false;
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

export interface NetlinkMessage {
  header: NlMsgHeader;
  /** nlmsg_len - 16 bytes after the header (a view of the datagram). */
  payload: Uint8Array;
  /** Padding after the message when it is not the canonical zero bytes. */
  pad?: Uint8Array;
}

export interface Datagram {
  messages: NetlinkMessage[];
  /** Bytes after the last message that cannot hold a header. */
  trailing?: Uint8Array;
}

/**
 * Splits a datagram into messages. Payloads are views of `bytes`: the caller
 * owns the buffer and must not reuse it while the messages are alive (every
 * nlwire transport hands out a fresh buffer per datagram).
 */
export function splitDatagram(bytes: Uint8Array, reader = new ByteReader(bytes)): Datagram {
  const messages: NetlinkMessage[] = [];
  const c = new MessageCursor(reader);
  while (c.next()) {
    const end = c.offset + c.length;
    const msg: NetlinkMessage = {
      header: { length: c.length, type: c.type, flags: c.flags, seq: c.seq, pid: c.pid },
      payload: bytes.subarray(c.payloadOffset, end),
    };
    if (!isCanonicalPad(bytes, end, c.position, c.length)) msg.pad = bytes.slice(end, c.position);
    messages.push(msg);
  }
  const d: Datagram = { messages };
  if (c.trailing > 0) d.trailing = bytes.slice(c.position);
  return d;
}

/** Encodes messages into one datagram; nlmsg_len is computed from each payload. */
export function encodeDatagram(d: Datagram | readonly NetlinkMessage[], w = new ByteWriter()): Uint8Array {
  const messages = "messages" in d ? d.messages : d;
  for (const m of messages) encodeMessage(m, w);
  if ("messages" in d && d.trailing) w.bytes(d.trailing);
  return w.finish();
}

export function encodeMessage(m: NetlinkMessage, w: ByteWriter): void {
  const length = NLMSG_HDRLEN + m.payload.length;
  encodeHeader(w, { ...m.header, length });
  w.bytes(m.payload);
  if (m.pad) w.bytes(m.pad);
  else w.align();
}
