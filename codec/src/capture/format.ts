import type { ChunkBuffer } from "./chunks.js";
import type { CaptureInterface, CaptureRecord } from "./records.js";

/** Larger blocks than this are taken for corruption, not data (pcapng and pcap alike). */
export const MAX_BLOCK = 64 * 1024 * 1024;

/** One file format's state machine: it consumes whole blocks from the buffer. */
export interface FormatParser {
  readonly interfaces: readonly CaptureInterface[];
  /** Consumes every complete block in `buf`, appending packet records to `out`. */
  parse(buf: ChunkBuffer, out: CaptureRecord[]): void;
  /** At the end of the file: what is left, if it starts a packet, as a record cut short. */
  finish(buf: ChunkBuffer, out: CaptureRecord[]): void;
}

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
