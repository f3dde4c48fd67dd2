import { MalformedError, TruncatedError } from "../errors.js";
import { ChunkBuffer } from "./chunks.js";
import { view, type FormatParser } from "./format.js";
import { PCAP_MAGIC_NS, PCAP_MAGIC_US, PcapParser } from "./pcap.js";
import { BLOCK, PcapngParser } from "./pcapng.js";
import type { CaptureFormat, CaptureInterface, CaptureRecord } from "./records.js";

/**
 * A streaming capture reader: feed it the file's bytes in chunks of any size
 * (a Node stream, a browser File stream, or one whole Uint8Array) and it
 * returns the packet records each chunk completes. It holds at most one
 * block plus one chunk, whatever the size of the file.
 *
 *   const r = new CaptureReader();
 *   for await (const chunk of stream) for (const rec of r.push(chunk)) use(rec);
 *   for (const rec of r.end()) use(rec);
 */
export class CaptureReader {
  private readonly buf = new ChunkBuffer();
  private parser: FormatParser | undefined;
  private fmt: CaptureFormat | undefined;

  get format(): CaptureFormat | undefined {
    return this.fmt;
  }

  /** Interfaces described so far (one for classic pcap). */
  get interfaces(): readonly CaptureInterface[] {
    return this.parser?.interfaces ?? [];
  }

  push(chunk: Uint8Array): CaptureRecord[] {
    this.buf.append(chunk);
    const out: CaptureRecord[] = [];
    if (!this.parser && !this.detect()) return out;
    this.parser!.parse(this.buf, out);
    return out;
  }

  /**
   * Call once the file has ended: a packet the end cut short comes back as a
   * truncated record; bytes that cannot start one raise a TruncatedError.
   */
  end(): CaptureRecord[] {
    const out: CaptureRecord[] = [];
    if (!this.parser) {
      if (this.buf.length === 0) return out;
      throw new TruncatedError("capture file header", this.buf.position, [], 24, this.buf.length);
    }
    this.parser.finish(this.buf, out);
    return out;
  }

  private detect(): boolean {
    if (this.buf.length < 4) return false;
    const v = view(this.buf.peek(4));
    const le = v.getUint32(0, true);
    const be = v.getUint32(0, false);
    if (le === BLOCK.SHB) {
      this.fmt = "pcapng";
      this.parser = new PcapngParser();
    } else if ([PCAP_MAGIC_US, PCAP_MAGIC_NS].some((m) => m === le || m === be)) {
      this.fmt = "pcap";
      this.parser = new PcapParser();
    } else {
      throw new MalformedError(`not a pcap or pcapng file (starts with 0x${be.toString(16).padStart(8, "0")})`, 0, []);
    }
    return true;
  }
}

/** Every record of a capture held whole in memory. */
export function readCaptureBytes(bytes: Uint8Array): { format: CaptureFormat | undefined; interfaces: readonly CaptureInterface[]; records: CaptureRecord[] } {
  const r = new CaptureReader();
  const records = [...r.push(bytes), ...r.end()];
  return { format: r.format, interfaces: r.interfaces, records };
}
