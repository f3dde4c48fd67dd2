/**
 * Where the length fields of a netlink byte string are, so that mutations can
 * aim at them: nlmsg_len of each message in a chain, and nla_len of every
 * attribute of the attribute runs found inside. Which offset a message's
 * attributes start at depends on its family's fixed header, which bytes alone
 * do not tell; the walker tries the usual header sizes and keeps the first
 * that yields a run of attributes filling the message exactly. Tolerant by
 * design: on damaged input it returns what it could find.
 */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface LengthField {
  /** Offset of the field itself. */
  at: number;
  size: 2 | 4;
  /** The bytes the length covers: [start, end). */
  start: number;
  end: number;
}

/** Candidate fixed-header sizes after nlmsghdr: none, genlmsghdr (4), rtgenmsg, ifinfomsg (16), rtmsg (12), ndmsg (12), tcmsg (20), ... */
const HEADER_SIZES = [4, 16, 12, 8, 20, 0, 24, 28, 32, 64, 72];
const MAX_DEPTH = 24;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The attribute run [start, end) if it fills the range exactly; else undefined. */
function attrRun(v: DataView, start: number, end: number): number[] | undefined {
  const heads: number[] = [];
  let pos = start;
  while (end - pos >= 4) {
    const len = v.getUint16(pos, LE);
    if (len < 4 || len > end - pos) return undefined;
    heads.push(pos);
    pos += (len + 3) & ~3;
  }
  return pos >= end && heads.length > 0 ? heads : undefined;
}

/** nla_len fields of the run at [start, end), descending into values that are runs themselves. */
export function attrFields(b: Uint8Array, start: number, end: number, depth = 0, out: LengthField[] = []): LengthField[] {
  const v = dv(b);
  const heads = attrRun(v, start, end);
  if (!heads) return out;
  for (const at of heads) {
    const len = v.getUint16(at, LE);
    out.push({ at, size: 2, start: at, end: at + len });
    if (depth < MAX_DEPTH && len > 8) attrFields(b, at + 4, at + len, depth + 1, out);
  }
  return out;
}

/** nlmsg_len of each message of the chain at `start`, with the attributes found inside each. */
export function messageFields(b: Uint8Array, start = 0): LengthField[] {
  const v = dv(b);
  const out: LengthField[] = [];
  let pos = start;
  while (b.length - pos >= 16) {
    const len = v.getUint32(pos, LE);
    if (len < 16 || len > b.length - pos) break;
    out.push({ at: pos, size: 4, start: pos, end: pos + len });
    const type = v.getUint16(pos + 4, LE);
    if (type === 2) {
      // NLMSG_ERROR: errno, then the echoed request (itself a message).
      out.push(...messageFields(b.subarray(0, pos + len), pos + 20));
    } else {
      for (const h of HEADER_SIZES) {
        if (pos + 16 + h + 4 > pos + len) continue;
        const before = out.length;
        attrFields(b, pos + 16 + h, pos + len, 0, out);
        if (out.length > before) break;
      }
    }
    pos += (len + 3) & ~3;
  }
  return out;
}

/** Every length field of `b`, read as a datagram, or else as an attribute run. */
export function lengthFields(b: Uint8Array): LengthField[] {
  const m = messageFields(b);
  return m.length ? m : attrFields(b, 0, b.length);
}

/** Reads or writes a length field in place (a field a mutation moved out of the buffer reads as 0 and is not written). */
export function readField(b: Uint8Array, f: LengthField): number {
  if (f.at < 0 || f.at + f.size > b.length) return 0;
  return f.size === 2 ? dv(b).getUint16(f.at, LE) : dv(b).getUint32(f.at, LE);
}
export function writeField(b: Uint8Array, f: LengthField, value: number): void {
  if (f.at < 0 || f.at + f.size > b.length) return;
  if (f.size === 2) dv(b).setUint16(f.at, value & 0xffff, LE);
  else dv(b).setUint32(f.at, value >>> 0, LE);
}
