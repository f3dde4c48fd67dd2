/**
 * The capture side: the streaming pcap/pcapng reader (fed whole and in
 * chunks of an odd size, which must give the same records), the record
 * decoder with the tree and JSON renderings (what `nlwire decode` prints),
 * and the CLI's decode command itself, in-process on a file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { CaptureDecoder, CaptureReader, entryJson, entryTree, readCaptureBytes, type CaptureRecord } from "@nlwire/codec/capture";
import { byteInputs, bytesJson, violated, type ByteRecipe, type Entry, type Outcome } from "../entry.js";
import { seedOf } from "../mutate.js";
import { bytesHash } from "../rng.js";
import { sameValue } from "../same.js";
import { pcapOf, pcapngOf, recordedFixtures } from "../seeds.js";

const captures: ByteRecipe = {
  seeds: () => recordedFixtures().flatMap((f) => [seedOf(pcapngOf(f), f.file), seedOf(pcapOf(f), f.file)]),
};

function chunked(b: Uint8Array, size: number): CaptureRecord[] {
  const r = new CaptureReader();
  const out: CaptureRecord[] = [];
  for (let i = 0; i < b.length; i += size) out.push(...r.push(b.subarray(i, i + size)));
  out.push(...r.end());
  return out;
}

const reader: Entry<Uint8Array> = {
  name: "CaptureReader",
  ...bytesJson,
  input: byteInputs("CaptureReader", captures),
  run(b) {
    const whole = readCaptureBytes(b).records;
    for (const rec of whole) violated(rec.data.length <= b.length, "invariant", () => `record of ${rec.data.length} bytes from a ${b.length}-byte file`);
    const size = 1 + (parseInt(bytesHash(b), 16) % 97);
    violated(sameValue(chunked(b, size), whole), "invariant", () => `records read in ${size}-byte chunks differ from the whole file's`);
    return "decoded";
  },
};

/**
 * What `nlwire decode` does with a file, as library calls: the reader may
 * refuse a broken file (a codec error, exit 65), the decoder must not throw
 * at all — a bad record becomes a note — and both renderings must work.
 */
const decoder: Entry<Uint8Array> = {
  name: "CaptureDecoder",
  ...bytesJson,
  input: byteInputs("CaptureDecoder", captures),
  run(b) {
    let records: CaptureRecord[];
    let outcome: Outcome = "decoded";
    try {
      records = readCaptureBytes(b).records;
    } catch (e) {
      if (!bytesJson.refusal(e)) throw e;
      outcome = "rejected";
      const r = new CaptureReader();
      try {
        records = r.push(b);
      } catch {
        return outcome;
      }
    }
    const d = new CaptureDecoder();
    for (const rec of records) {
      for (const e of d.decode(rec)) {
        entryTree(e);
        JSON.stringify(entryJson(e));
      }
    }
    return outcome;
  },
};

class Sink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

let dir: string | undefined;
let decodeCommand: ((argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>) | undefined;

/** Loads cli/decode.ts (it pulls in the client; only this entry needs it). */
export async function loadCli(): Promise<void> {
  decodeCommand ??= (await import("../../cli/decode.js")).decodeCommand;
}

export function cleanupCli(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

/** The CLI's `decode` command on the input as a file: it must end with 0 or 65 (EX_DATAERR), never throw. */
export const cliDecode: Entry<Uint8Array> & { runAsync(b: Uint8Array): Promise<Outcome> } = {
  name: "nlwire decode",
  ...bytesJson,
  input: byteInputs("cli-decode", captures),
  run() {
    throw new Error("nlwire decode runs asynchronously (runAsync)");
  },
  async runAsync(b) {
    if (!decodeCommand) await loadCli();
    dir ??= mkdtempSync(join(tmpdir(), "nlwire-fuzz-"));
    const file = join(dir, "input.pcap");
    writeFileSync(file, b);
    const mode = ["", "--json", "--ndjson"][b.length % 3]!;
    const code = await decodeCommand!(mode ? [file, mode] : [file], new Sink(), new Sink());
    violated(code === 0 || code === 65, "invariant", () => `exit code ${code}`);
    return code === 0 ? "decoded" : "rejected";
  },
};

export const captureEntries: Entry<Uint8Array>[] = [reader, decoder];
