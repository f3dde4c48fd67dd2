import { MalformedError, TruncatedError } from "../errors.js";
import type { ChunkBuffer } from "./chunks.js";
import { MAX_BLOCK, view, type FormatParser } from "./format.js";
import type { CaptureInterface, CaptureRecord } from "./records.js";

/** Classic pcap magic numbers, as read in the file's own byte order. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** Classic pcap (libpcap): either byte order, microsecond or nanosecond timestamps. */
export class PcapParser implements FormatParser {
  private le = true;
  private nanos = false;
  private linkType = -1;
  private snapLength = 0;
  private count = 0;
  readonly interfaces: CaptureInterface[] = [];

  parse(buf: ChunkBuffer, out: CaptureRecord[]): void {
    if (this.linkType < 0) {
      if (buf.length < FILE_HEADER) return;
      this.fileHeader(buf);
    }
    while (buf.length >= RECORD_HEADER) {
      const at = buf.position;
      const h = view(buf.peek(RECORD_HEADER));
      const caplen = h.getUint32(8, this.le);
      if (caplen > MAX_BLOCK) throw new MalformedError(`pcap record of ${caplen} bytes`, at, ["pcap", "record"]);
      if (buf.length < RECORD_HEADER + caplen) return;
      out.push(this.record(buf, h, caplen, caplen, at));
    }
  }

  finish(buf: ChunkBuffer, out: CaptureRecord[]): void {
    if (buf.length === 0) return;
    const at = buf.position;
    if (this.linkType < 0) throw new TruncatedError("pcap file header", at, ["pcap"], FILE_HEADER, buf.length);
    if (buf.length < RECORD_HEADER) throw new TruncatedError("pcap record header", at, ["pcap", "record"], RECORD_HEADER, buf.length);
    const h = view(buf.peek(RECORD_HEADER));
    out.push(this.record(buf, h, h.getUint32(8, this.le), buf.length - RECORD_HEADER, at));
  }

  private fileHeader(buf: ChunkBuffer): void {
    const v = view(buf.peek(FILE_HEADER));
    const magicLe = v.getUint32(0, true);
    const magicBe = v.getUint32(0, false);
    if (magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS) this.le = true;
    else if (magicBe === PCAP_MAGIC_US || magicBe === PCAP_MAGIC_NS) this.le = false;
    else throw new MalformedError(`not a pcap file (magic 0x${magicBe.toString(16)})`, buf.position, ["pcap"]);
    this.nanos = v.getUint32(0, this.le) === PCAP_MAGIC_NS;
    this.snapLength = v.getUint32(16, this.le);
    // The upper bits of the link type field carry FCS information.
    this.linkType = v.getUint32(20, this.le) & 0x0fffffff;
    this.interfaces.push({ id: 0, linkType: this.linkType, snapLength: this.snapLength });
    buf.consume(FILE_HEADER);
  }

  /** `caplen` is what the header claims, `have` what the file holds (less only at a cut end). */
  private record(buf: ChunkBuffer, h: DataView, caplen: number, have: number, at: number): CaptureRecord {
    const sec = BigInt(h.getUint32(0, this.le));
    const frac = BigInt(h.getUint32(4, this.le));
    const origlen = h.getUint32(12, this.le);
    const data = buf.peek(RECORD_HEADER + have).slice(RECORD_HEADER);
    buf.consume(RECORD_HEADER + have);
    return {
      index: this.count++,
      fileOffset: at,
      linkType: this.linkType,
      interfaceId: 0,
      timestampNs: sec * 1_000_000_000n + (this.nanos ? frac : frac * 1000n),
      // A record cut by the end of the file is as short as one cut by the snaplen.
      originalLength: Math.max(origlen, caplen),
      data,
    };
  }
}
