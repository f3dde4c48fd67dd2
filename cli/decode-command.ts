import { parseArgs } from "node:util";
import { CaptureDecoder, FilterError, parseFilter } from "@nlwire/codec/capture";
import { liveGenlMap } from "../capture/index.js";
import type { Command } from "./command.js";
import { DECODE_USAGE, decodeCommand, parseGenlMap } from "./decode.js";
import { EXIT, UsageError } from "./exit.js";
import { printSummary, summarize } from "./decode-summary.js";

/** decode.ts speaks sysexits; the CLI's codes are in exit.ts. */
const FROM_SYSEXITS: Record<number, number> = { 64: EXIT.usage, 65: EXIT.io, 66: EXIT.io };

/** Options the dispatcher handles and decode.ts does not take. */
const GLOBAL_ONLY = new Set(["--color", "--record"]);

/** The line as decode.ts wants it: -j is its --json, the dispatcher's own options are gone. */
function forDecode(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name] = a.split("=", 1);
    if (GLOBAL_ONLY.has(name!)) {
      if (!a.includes("=")) i++;
      continue;
    }
    out.push(a === "-j" ? "--json" : a);
  }
  return out;
}

const SUMMARY_OPTIONS = {
  summary: { type: "boolean" }, json: { type: "boolean", short: "j" }, protocol: { type: "string" }, family: { type: "string" },
  type: { type: "string" }, direction: { type: "string" }, seq: { type: "string" }, "genl-map": { type: "string" },
  "live-genl": { type: "boolean" }, netns: { type: "string", short: "n" }, color: { type: "string" },
} as const;

export const DECODE: Command = {
  words: ["decode"],
  summary: "decode a pcap/pcapng/nlmon capture: tree, JSON, NDJSON, filters, --summary",
  live: false,
  raw: true,
  options: {},
  help: `${DECODE_USAGE}
  --summary            counts instead of messages: per family, message type and direction,
                       kernel errors by errno and request, acks, interrupted dumps
                       (NLM_F_DUMP_INTR), truncated records, decode problems (-j: as JSON)

A progress bar shows on stderr (a TTY only) when a decode takes more than a moment.

examples:
  nlwire decode trace.pcapng
  nlwire decode trace.pcapng --ndjson --family rt-link --type newlink
  nlwire decode nlmon.pcap --summary
  nlwire decode nlmon.pcap --live-genl --direction from-kernel -j
  nlwire decode old.pcap --genl-map 20=netdev,21=ethtool`,
  async run(ctx, p) {
    const argv = p.args;
    if (!argv.includes("--summary")) {
      const code = await decodeCommand(forDecode(argv), process.stdout, process.stderr, ctx.progress ? ctx.stderr : undefined);
      return FROM_SYSEXITS[code] ?? code;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: SUMMARY_OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.split(". ")[0]!);
    }
    const { values, positionals } = parsed;
    const [file, extra] = positionals;
    if (!file || extra !== undefined) throw new UsageError("decode --summary wants one capture FILE");
    let filter;
    try {
      filter = parseFilter(values);
    } catch (e) {
      if (e instanceof FilterError) throw new UsageError(e.message);
      throw e;
    }
    let genlMap: Map<number, string>;
    try {
      genlMap = values["genl-map"] ? parseGenlMap(values["genl-map"]) : new Map();
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values["live-genl"]) for (const [id, name] of await liveGenlMap(values.netns)) if (!genlMap.has(id)) genlMap.set(id, name);
    const s = await summarize(file, new CaptureDecoder({ genlMap }), filter, ctx.progress ? ctx.stderr : undefined);
    printSummary(ctx, file, s);
  },
};
