import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCReference, runCReference } from "./c-reference.js";
import { runAsync } from "../tools/exec.js";
import { readNlrec, totalBytes } from "../tools/nlrec.js";
import { ROOT } from "../tools/paths.js";
import { ensureRouteDump } from "./record-routes.js";
import { addProcess, emptyPool, summarize, type Pool, type PoolSummary } from "./samples.js";
import { formatNumber, formatTable } from "./table.js";
import { perSecond, type TimingOptions } from "./timing.js";
import { WALKS, type WalkKind, type WalkName, type WalkSums } from "./walks.js";

/**
 * The codec benchmark: walks a recorded 100k-route dump with the codec and
 * with libmnl and prints their throughput side by side. Every walk runs in
 * several fresh processes (see walk-child.ts for why) and the samples of all
 * of them are pooled.
 *
 *   npm run bench [-- --rerecord] [-- --processes N --repeats N --warmup N]
 */

const ROUTES = 100_000;
/** Recordings and results: git-ignored, reused across runs. */
const OUT_DIR = join(ROOT, "bench", "out");
const DUMP_FILE = join(OUT_DIR, "routes-100k.nlrec");
const RESULTS_FILE = join(OUT_DIR, "results.json");
const CHILD = join(dirname(fileURLToPath(import.meta.url)), "walk-child.js");
const TS_WALKS = Object.keys(WALKS) as WalkName[];

interface Options extends TimingOptions {
  rerecord: boolean;
  processes: number;
}

/** One measured walk: its pooled samples and the sums of its last run. */
interface Measured {
  name: string;
  kind: WalkKind;
  pool: Pool;
  sums: WalkSums;
}

interface Row extends PoolSummary {
  name: string;
  kind: WalkKind;
  mbPerSec: number;
  msgsPerSec: number;
  /** This walk's throughput over the C walk's of the same kind. */
  vsC: number;
  sums: WalkSums;
}

function positiveInt(s: string, flag: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}`);
  return n;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      rerecord: { type: "boolean", default: false },
      processes: { type: "string", default: "7" },
      repeats: { type: "string", default: "21" },
      warmup: { type: "string", default: "5" },
    },
  });
  return {
    rerecord: values.rerecord,
    processes: positiveInt(values.processes, "processes", 1),
    repeats: positiveInt(values.repeats, "repeats", 1),
    warmup: positiveInt(values.warmup, "warmup", 0),
  };
}

async function runChild(name: WalkName, file: string, opts: Options): Promise<{ sums: WalkSums; samplesNs: number[] }> {
  const args = [...process.execArgv, CHILD, name, file, String(opts.warmup), String(opts.repeats)];
  return JSON.parse((await runAsync(process.execPath, args)).toString());
}

/** Equal sums mean both sides walked the same messages and attributes. */
function checkSums(m: Measured, ref: WalkSums): void {
  const same = m.sums.messages === ref.messages && m.sums.attrs === ref.attrs && m.sums.check === ref.check;
  if (!same) throw new Error(`${m.name}: sums ${JSON.stringify(m.sums)} differ from C's ${JSON.stringify(ref)}`);
}

function zeroSums(): WalkSums {
  return { messages: 0, attrs: 0, check: 0 };
}

/**
 * Round-robin over the walks, one process each per round, so that a slow
 * patch of the machine (other work, a noisy neighbour) hits all of them.
 */
async function measureAll(file: string, bytes: number, opts: Options): Promise<Measured[]> {
  const fresh = (name: string, kind: WalkKind): Measured => ({ name, kind, pool: emptyPool(), sums: zeroSums() });
  const c = [fresh("libmnl split (C)", "split"), fresh("libmnl split+attrs (C)", "attrs")];
  const ts = TS_WALKS.map((n) => fresh(WALKS[n].label, WALKS[n].kind));
  for (let p = 0; p < opts.processes; p++) {
    const ref = await runCReference(file, opts);
    if (ref.bytes !== bytes) throw new Error(`C read ${ref.bytes} bytes, TypeScript ${bytes}`);
    for (const m of c) {
      addProcess(m.pool, ref.walks[m.kind].samplesNs);
      m.sums = ref.walks[m.kind];
    }
    for (const [i, name] of TS_WALKS.entries()) {
      const m = ts[i]!;
      const out = await runChild(name, file, opts);
      addProcess(m.pool, out.samplesNs);
      m.sums = out.sums;
      checkSums(m, ref.walks[m.kind]);
    }
  }
  return [...c, ...ts];
}

function toRows(measured: readonly Measured[], bytes: number): Row[] {
  const cMedian = (kind: WalkKind): number => summarize(measured.find((m) => m.kind === kind)!.pool).medianNs;
  const rows = measured.map((m): Row => {
    const s = summarize(m.pool);
    const { messages, attrs, check } = m.sums;
    return {
      name: m.name,
      kind: m.kind,
      ...s,
      mbPerSec: perSecond(bytes, s.medianNs) / 1e6,
      msgsPerSec: perSecond(messages, s.medianNs),
      vsC: cMedian(m.kind) / s.medianNs,
      sums: { messages, attrs, check },
    };
  });
  // Group by kind, so each C line sits above the walks compared with it.
  return rows.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "split" ? -1 : 1));
}

function printReport(file: string, datagrams: number, bytes: number, rows: readonly Row[], opts: Options): void {
  const messages = rows[0]?.sums.messages ?? 0;
  console.log(`input: ${relative(ROOT, file)}: ${datagrams} datagrams, ${formatNumber(bytes / 1e6, 2)} MB, ${messages} messages`);
  console.log(
    `median of ${opts.processes} processes x ${opts.repeats} runs (after ${opts.warmup} warm-up runs each); ` +
      `MB = 10^6 bytes; spread = fastest..slowest process median\n`,
  );
  const header = ["walk", "median ms", "spread ms", "MB/s", "msgs/s", "vs C"];
  const ms = (ns: number): string => formatNumber(ns / 1e6, 2);
  const body = rows.map((r) => [
    r.name,
    ms(r.medianNs),
    `${ms(r.minProcessMedianNs)}..${ms(r.maxProcessMedianNs)}`,
    formatNumber(r.mbPerSec, 0),
    formatNumber(r.msgsPerSec, 0),
    `${formatNumber(r.vsC, 2)}x`,
  ]);
  console.log(formatTable(header, body));
}

function writeResults(file: string, datagrams: number, bytes: number, rows: readonly Row[], opts: Options): void {
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    kernel: release(),
    cpu: cpus()[0]?.model ?? "unknown",
    input: { file: relative(ROOT, file), datagrams, bytes },
    processes: opts.processes,
    warmup: opts.warmup,
    repeats: opts.repeats,
    results: rows,
  };
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2) + "\n");
}

async function main(): Promise<void> {
  const opts = options();
  const file = await ensureRouteDump(DUMP_FILE, ROUTES, opts.rerecord);
  const datagrams = readNlrec(file);
  const bytes = totalBytes(datagrams);
  buildCReference();
  const rows = toRows(await measureAll(file, bytes, opts), bytes);
  printReport(file, datagrams.length, bytes, rows, opts);
  writeResults(file, datagrams.length, bytes, rows, opts);
  console.log(`\nwrote ${relative(ROOT, RESULTS_FILE)}`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
