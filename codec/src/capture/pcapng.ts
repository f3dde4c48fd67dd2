import { MalformedError, TruncatedError } from "../errors.js";
import { decodeUtf8 } from "../text.js";
import type { ChunkBuffer } from "./chunks.js";
import { MAX_BLOCK, view, type FormatParser } from "./format.js";
import type { CaptureInterface, CaptureRecord, RecordDirection } from "./records.js";

export const BLOCK = { SHB: 0x0a0d0d0a, IDB: 1, OPB: 2, SPB: 3, EPB: 6 } as const;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const OPT = { END: 0, COMMENT: 1, IF_NAME: 2, IF_DESCRIPTION: 3, IF_TSRESOL: 9, IF_TSOFFSET: 14, EPB_FLAGS: 2 } as const;

export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

/** Options from `start` to `end`; a broken list ends where it breaks (what came before is kept). */
export function readOptions(b: Uint8Array, le: boolean, start: number, end: number): PcapngOption[] {
  const v = view(b);
  const opts: PcapngOption[] = [];
  let p = Math.max(0, start);
  while (p + 4 <= end) {
    const code = v.getUint16(p, le);
    const len = v.getUint16(p + 2, le);
    if (code === OPT.END || p + 4 + len > end) break;
    opts.push({ code, value: b.subarray(p + 4, p + 4 + len) });
    p += 4 + pad4(len);
  }
  return opts;
}

/** `n` rounded up to a multiple of 4, for any u32 (bit tricks would overflow to negative numbers). */
export const pad4 = (n: number): number => n + ((4 - (n % 4)) % 4);

const text = (o: PcapngOption): string => decodeUtf8(o.value, 0, o.value.length);

interface Iface extends CaptureInterface {
  /** Timestamp units per second: 10^n or 2^n. */
  unitsBase: 10 | 2;
  unitsExp: number;
  offsetNs: bigint;
}

/** pcapng: every section in its own byte order; IDB, EPB, SPB, OPB read; other blocks skipped. */
export class PcapngParser implements FormatParser {
  private le = true;
  private inSection = false;
  /** Interfaces of the current section, by local id. */
  private section: Iface[] = [];
  readonly interfaces: CaptureInterface[] = [];
  private count = 0;

  parse(buf: ChunkBuffer, out: CaptureRecord[]): void {
    for (;;) {
      const len = this.blockLength(buf);
      if (len === undefined || buf.length < len) return;
      const at = buf.position;
      const b = buf.peek(len);
      if (view(b).getUint32(len - 4, this.le) !== len) {
        throw new MalformedError(`pcapng block length ${len} does not match its trailer`, at, ["pcapng"]);
      }
      this.block(b, at, out);
      buf.consume(len);
    }
  }

  finish(buf: ChunkBuffer, out: CaptureRecord[]): void {
    if (buf.length === 0) return;
    const at = buf.position;
    const b = buf.peek(buf.length);
    const v = view(b);
    // A packet block cut by the end of the file: keep what it holds, as a truncated record.
    if (b.length >= 28 && this.inSection && v.getUint32(0, this.le) === BLOCK.EPB) {
      const caplen = v.getUint32(20, this.le);
      const have = Math.min(caplen, b.length - 28);
      const r = this.packet(b, at, v.getUint32(8, this.le), v.getUint32(12, this.le), v.getUint32(16, this.le), 28, have, v.getUint32(24, this.le), []);
      if (r) out.push(r);
      buf.consume(b.length);
      return;
    }
    throw new TruncatedError("pcapng block", at, ["pcapng"], Math.max(12, this.peekLength(v)), b.length);
  }

  private peekLength(v: DataView): number {
    return v.byteLength >= 8 ? v.getUint32(4, this.le) : 12;
  }

  /** The length of the next block, once its header is there (and a section's byte order, for an SHB). */
  private blockLength(buf: ChunkBuffer): number | undefined {
    if (buf.length < 12) return undefined;
    const v = view(buf.peek(12));
    const at = buf.position;
    if (v.getUint32(0, true) === BLOCK.SHB) {
      if (v.getUint32(8, true) === BYTE_ORDER_MAGIC) this.le = true;
      else if (v.getUint32(8, false) === BYTE_ORDER_MAGIC) this.le = false;
      else throw new MalformedError("pcapng section header without its byte-order magic", at, ["pcapng", "SHB"]);
    } else if (!this.inSection) {
      throw new MalformedError("not a pcapng file (no section header block)", at, ["pcapng"]);
    }
    const len = v.getUint32(4, this.le);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) throw new MalformedError(`pcapng block length ${len}`, at, ["pcapng"]);
    return len;
  }

  private block(b: Uint8Array, at: number, out: CaptureRecord[]): void {
    const v = view(b);
    const le = this.le;
    const type = v.getUint32(0, le);
    const end = b.length - 4;
    if (type === BLOCK.SHB) {
      this.inSection = true;
      this.section = [];
    } else if (type === BLOCK.IDB && end >= 16) {
      this.addInterface(b, v, end);
    } else if (type === BLOCK.EPB && end >= 28) {
      const caplen = v.getUint32(20, le);
      const dataEnd = Math.min(28 + caplen, end);
      const opts = readOptions(b, le, Math.min(end, 28 + pad4(caplen)), end);
      const r = this.packet(b, at, v.getUint32(8, le), v.getUint32(12, le), v.getUint32(16, le), 28, dataEnd - 28, v.getUint32(24, le), opts);
      if (r) out.push(r);
    } else if (type === BLOCK.OPB && end >= 28) {
      const caplen = v.getUint32(20, le);
      const dataEnd = Math.min(28 + caplen, end);
      const opts = readOptions(b, le, Math.min(end, 28 + pad4(caplen)), end);
      const r = this.packet(b, at, v.getUint16(8, le), v.getUint32(12, le), v.getUint32(16, le), 28, dataEnd - 28, v.getUint32(24, le), opts);
      if (r) out.push(r);
    } else if (type === BLOCK.SPB && end >= 12) {
      const iface = this.section[0];
      const origlen = v.getUint32(8, le);
      // The SPB holds min(original length, snaplen) bytes; the block length bounds it either way.
      const have = Math.min(origlen, end - 12, iface?.snapLength || Infinity);
      const r = this.packet(b, at, 0, undefined, undefined, 12, have, origlen, []);
      if (r) out.push(r);
    }
    // Any other block (name resolution, statistics, custom, ...) is skipped whole.
  }

  private addInterface(b: Uint8Array, v: DataView, end: number): void {
    const le = this.le;
    const iface: Iface = {
      id: this.interfaces.length,
      linkType: v.getUint16(8, le),
      snapLength: v.getUint32(12, le),
      unitsBase: 10,
      unitsExp: 6,
      offsetNs: 0n,
    };
    for (const o of readOptions(b, le, 16, end)) {
      if (o.code === OPT.IF_NAME) iface.name = text(o);
      else if (o.code === OPT.IF_DESCRIPTION) iface.description = text(o);
      else if (o.code === OPT.COMMENT) (iface.comments ??= []).push(text(o));
      else if (o.code === OPT.IF_TSRESOL && o.value.length >= 1) {
        const r = o.value[0]!;
        iface.unitsBase = r & 0x80 ? 2 : 10;
        iface.unitsExp = r & 0x7f;
      } else if (o.code === OPT.IF_TSOFFSET && o.value.length >= 8) {
        iface.offsetNs = view(o.value).getBigInt64(0, le) * 1_000_000_000n;
      }
    }
    this.section.push(iface);
    const { unitsBase: _b, unitsExp: _e, offsetNs: _o, ...pub } = iface;
    this.interfaces.push(pub);
  }

  private packet(
    b: Uint8Array, at: number, localId: number, tsHigh: number | undefined, tsLow: number | undefined,
    dataAt: number, have: number, origlen: number, opts: PcapngOption[],
  ): CaptureRecord | undefined {
    const iface = this.section[localId];
    if (!iface) return undefined; // a packet on an interface never described: nothing says how to read it
    const r: CaptureRecord = {
      index: this.count++,
      fileOffset: at,
      linkType: iface.linkType,
      interfaceId: iface.id,
      originalLength: Math.max(origlen, have),
      data: b.slice(dataAt, dataAt + Math.max(0, have)),
    };
    if (tsHigh !== undefined && tsLow !== undefined) r.timestampNs = toNs(iface, (BigInt(tsHigh) << 32n) | BigInt(tsLow));
    for (const o of opts) {
      if (o.code === OPT.COMMENT) (r.comments ??= []).push(text(o));
      else if (o.code === OPT.EPB_FLAGS && o.value.length >= 4) {
        const d = direction(view(o.value).getUint32(0, this.le));
        if (d) r.direction = d;
      }
    }
    return r;
  }
}

function direction(flags: number): RecordDirection | undefined {
  const bits = flags & 3;
  return bits === 1 ? "inbound" : bits === 2 ? "outbound" : undefined;
}

function toNs(i: Iface, ts: bigint): bigint {
  const e = BigInt(i.unitsExp);
  let ns: bigint;
  if (i.unitsBase === 2) ns = (ts * 1_000_000_000n) >> e;
  else if (i.unitsExp <= 9) ns = ts * 10n ** (9n - e);
  else ns = ts / 10n ** (e - 9n);
  return ns + i.offsetNs;
}
