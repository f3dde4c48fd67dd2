/**
 * `nlwire decode FILE`: the netlink messages of a pcap or pcapng capture
 * (nlmon + tcpdump, Wireshark, or nlwire's own recordings), as a readable
 * tree, JSON or NDJSON, with filters. The file is streamed: memory stays flat
 * on captures of any size.
 */
import { parseArgs } from "node:util";
import { isCodecError } from "@nlwire/codec";
import {
  CaptureDecoder, FilterError, entryNdjson, entryTree, matches, parseFilter, type CaptureEntry, type CaptureFilter,
} from "@nlwire/codec/capture";
import { statSync } from "node:fs";
import { readCaptureFile } from "../capture/file.js";
import { Progress } from "./progress.js";
import { liveGenlMap } from "../capture/live-genl.js";

export const DECODE_USAGE = `usage: nlwire decode FILE [--json | --ndjson] [filters] [--genl-map ID=NAME,...] [--live-genl [--netns NS]]

  FILE                 a pcap or pcapng capture (LINKTYPE_NETLINK, or Linux cooked SLL/SLL2 of nlmon)
  --json               one JSON array of messages
  --ndjson             one JSON object per line
                       (both lossless: 64-bit values as decimal strings, bytes as {"hex": ...})
  --protocol P,...     route, generic, netfilter, sock_diag, ... or numbers
  --family F,...       family names: rt-link, nlctrl, conntrack, ...
  --type T,...         operation names (getlink), ERROR/DONE, or nlmsg_type numbers
  --direction D        to-kernel (out) or from-kernel (in)
  --seq N[-M],...      sequence numbers or ranges
  --genl-map ID=NAME   generic netlink ids the capture does not name (its nlctrl replies are learned)
  --live-genl          take generic netlink ids from this system (nlctrl dump), in --netns NS if given`;

const EXIT_USAGE = 64;
const EXIT_DATA = 65;
const EXIT_NOINPUT = 66;

const OPTIONS = {
  json: { type: "boolean" },
  ndjson: { type: "boolean" },
  protocol: { type: "string" },
  family: { type: "string" },
  type: { type: "string" },
  direction: { type: "string" },
  seq: { type: "string" },
  "genl-map": { type: "string" },
  "live-genl": { type: "boolean" },
  netns: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

/** "20=netdev,21=ethtool" → map. */
export function parseGenlMap(s: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const pair of s.split(",").filter(Boolean)) {
    const m = /^\s*(\d+)=([\w.-]+)\s*$/.exec(pair);
    if (!m) throw new UsageError(`--genl-map wants ID=NAME pairs, got ${JSON.stringify(pair)}`);
    map.set(Number(m[1]), m[2]!);
  }
  return map;
}

const OUT_CHUNK = 1 << 20;

/**
 * Output in 1 MiB writes that wait for stdout to drain: fast, and flat in
 * memory. Lines are encoded straight into the buffer that is written, with
 * no joined string in between.
 */
class Output {
  private buf = Buffer.allocUnsafe(OUT_CHUNK);
  private used = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}
  async line(s: string): Promise<void> {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = s.length * 3 + 1;
    if (this.used + room > this.buf.length) {
      await this.flush();
      if (room > this.buf.length) this.buf = Buffer.allocUnsafe(room);
    }
    this.used += this.buf.write(s, this.used);
    this.buf[this.used++] = 10;
  }
  async flush(): Promise<void> {
    if (!this.used) return;
    const chunk = this.buf.subarray(0, this.used);
    // The stream keeps the chunk until it is written: the next lines go into a fresh buffer.
    this.buf = Buffer.allocUnsafe(OUT_CHUNK);
    this.used = 0;
    if (!this.out.write(chunk)) await new Promise<void>((r) => this.out.once("drain", r));
  }
}

/** `progress`: where a progress bar goes for decodes that take more than a moment (a TTY's stderr), if anywhere. */
export async function decodeCommand(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, progress?: NodeJS.WritableStream): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (e) {
    err.write(`nlwire decode: ${(e as Error).message}\n${DECODE_USAGE}\n`);
    return EXIT_USAGE;
  }
  const file = positionals[0];
  if (values.help) {
    out.write(DECODE_USAGE + "\n");
    return 0;
  }
  if (!file || positionals.length > 1 || (values.json && values.ndjson)) {
    err.write(DECODE_USAGE + "\n");
    return EXIT_USAGE;
  }
  let filter: CaptureFilter;
  let decoder: CaptureDecoder;
  try {
    filter = parseFilter(values);
    const genlMap = values["genl-map"] ? parseGenlMap(values["genl-map"]) : new Map<number, string>();
    if (values["live-genl"]) for (const [id, name] of await liveGenlMap(values.netns)) if (!genlMap.has(id)) genlMap.set(id, name);
    decoder = new CaptureDecoder({ genlMap });
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof FilterError)) throw e;
    err.write(`nlwire decode: ${e.message}\n`);
    return EXIT_USAGE;
  }
  const mode = values.json ? "json" : values.ndjson ? "ndjson" : "tree";
  return run(file, decoder, filter, mode, new Output(out), err, progress);
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

async function run(file: string, decoder: CaptureDecoder, filter: CaptureFilter, mode: "json" | "ndjson" | "tree", o: Output, err: NodeJS.WritableStream, progress?: NodeJS.WritableStream): Promise<number> {
  let first = true;
  const emit = async (e: CaptureEntry): Promise<void> => {
    if (mode === "tree") return o.line(entryTree(e).join("\n"));
    const text = entryNdjson(e);
    if (mode === "ndjson") return o.line(text);
    await o.line((first ? "[\n" : ",\n") + text);
    first = false;
  };
  const unfiltered = Object.keys(filter).length === 0;
  let code = 0;
  let bar: Progress | undefined;
  try {
    if (progress) bar = new Progress(progress, statSync(file).size, "decoding");
    for await (const rec of readCaptureFile(file, undefined, (n) => bar?.update(n))) {
      for (const e of decoder.decode(rec)) if (unfiltered || (e.header && matches(e, filter))) await emit(e);
    }
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    if (errno === "ENOENT" || errno === "EACCES" || errno === "EISDIR") {
      err.write(`nlwire decode: ${file}: ${(e as Error).message}\n`);
      code = EXIT_NOINPUT;
    } else if (isCodecError(e)) {
      // What came before is already out; the file itself is broken from here on.
      err.write(`nlwire decode: ${file}: ${e.message}\n`);
      code = EXIT_DATA;
    } else throw e;
  }
  bar?.end();
  if (mode === "json") await o.line(first ? "[]" : "\n]");
  await o.flush();
  return code;
}
