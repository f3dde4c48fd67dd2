import { closeSync, openSync, readSync } from "node:fs";
import { CaptureDecoder, CaptureReader, type CaptureDecoderOptions, type CaptureEntry, type CaptureRecord } from "@nlwire/codec/capture";

const CHUNK = 1024 * 1024;

/**
 * The records of a pcap or pcapng file, streamed: the file is read in 1 MiB
 * chunks into the incremental reader, so memory stays flat however large the
 * file is. A file cut inside a packet ends with that packet, truncated.
 * (A FIFO or /dev/stdin works too: reads block until data comes.)
 */
export async function* readCaptureFile(path: string, chunkSize = CHUNK, onRead?: (bytesSoFar: number) => void): AsyncGenerator<CaptureRecord> {
  const reader = new CaptureReader();
  // Plain reads into one buffer: a local file answers at once, and the reader copies what it keeps.
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(chunkSize);
    let read = 0;
    for (let n; (n = readSync(fd, buf, 0, chunkSize, null)) > 0; ) {
      yield* reader.push(buf.subarray(0, n));
      onRead?.((read += n));
    }
  } finally {
    closeSync(fd);
  }
  yield* reader.end();
}

/** Every netlink message of a capture file, decoded (see CaptureDecoder). */
export async function* decodeCaptureFile(path: string, o: CaptureDecoderOptions | CaptureDecoder = {}): AsyncGenerator<CaptureEntry> {
  const decoder = o instanceof CaptureDecoder ? o : new CaptureDecoder(o);
  for await (const rec of readCaptureFile(path)) yield* decoder.decode(rec);
}
