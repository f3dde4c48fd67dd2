import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { CaptureDecoder, readCaptureBytes, type CaptureEntry, type CaptureRecord } from "@nlwire/codec/capture";
import { ROOT } from "../../tools/paths.js";

export const CAPTURES = join(ROOT, "test", "fixtures", "captures");
export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(CAPTURES, name)));

export function decodeAll(records: CaptureRecord[], decoder = new CaptureDecoder()): CaptureEntry[] {
  return records.flatMap((r) => decoder.decode(r));
}

export function decodeBytes(bytes: Uint8Array, decoder = new CaptureDecoder()): CaptureEntry[] {
  return decodeAll(readCaptureBytes(bytes).records, decoder);
}

/** A classic pcap file (byte order and timestamp unit chosen), for the link types pcapng writers do not make. */
export function pcapFile(o: { littleEndian: boolean; nanos: boolean; linkType: number; records: { ns: bigint; data: Uint8Array; origLen?: number }[] }): Uint8Array {
  const parts: Uint8Array[] = [];
  const h = new DataView(new ArrayBuffer(24));
  const le = o.littleEndian;
  h.setUint32(0, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  h.setUint16(4, 2, le);
  h.setUint16(6, 4, le);
  h.setUint32(16, 262144, le);
  h.setUint32(20, o.linkType, le);
  parts.push(new Uint8Array(h.buffer));
  for (const r of o.records) {
    const rh = new DataView(new ArrayBuffer(16));
    rh.setUint32(0, Number(r.ns / 1_000_000_000n), le);
    rh.setUint32(4, Number(o.nanos ? r.ns % 1_000_000_000n : (r.ns % 1_000_000_000n) / 1000n), le);
    rh.setUint32(8, r.data.length, le);
    rh.setUint32(12, r.origLen ?? r.data.length, le);
    parts.push(new Uint8Array(rh.buffer), r.data);
  }
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs editcap (Wireshark's converter, an independent writer) and returns the file it wrote. */
export function editcap(args: string[], input: string, output: string): Uint8Array {
  const r = spawnSync("editcap", [...args, input, output]);
  if (r.status !== 0) throw new Error(`editcap ${args.join(" ")}: ${r.stderr.toString()}`);
  return new Uint8Array(readFileSync(output));
}

/** Whole records in JSON shape, for comparing two decodes of the same traffic. */
export const shape = (es: CaptureEntry[]): unknown[] => es.map((e) => JSON.parse(JSON.stringify({ ...e, problems: e.problems?.map((p) => p.message) }, (_, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? [...v] : v))));
