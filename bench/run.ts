import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCReference, runCReference } from "./c-reference.js";
import { runAsync } from "../tools/exec.js";
import { readNlrec, totalBytes } from "../tools/nlrec.js";
import { ROOT } from "../tools/paths.js";
import { ensureRouteDump } from "./record-routes.js";
import { printReport, toRows, writeResults, type Measured, type Skipped } from "./report.js";
import { addProcess, emptyPool } from "./samples.js";
import type { TimingOptions } from "./timing.js";
import { WALKS, type WalkDef, type WalkKind, type WalkName, type WalkSums } from "./walks.js";

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
/** The C walks, by the kind of work the TypeScript walks are compared on. */
const C_WALKS: Record<WalkKind, string> = {
  split: "libmnl split (C)",
  attrs: "libmnl split+attrs (C)",
  table: "libmnl tb[] → struct (C)",
};

interface Options extends TimingOptions {
  rerecord: boolean;
  processes: number;
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
async function measureAll(file: string, bytes: number, walks: readonly WalkName[], opts: Options): Promise<Measured[]> {
  const fresh = (name: string, kind: WalkKind): Measured => ({ name, kind, pool: emptyPool(), sums: zeroSums() });
  const c = (Object.entries(C_WALKS) as [WalkKind, string][]).map(([kind, name]) => fresh(name, kind));
  const ts = walks.map((n) => fresh(WALKS[n].label, WALKS[n].kind));
  for (let p = 0; p < opts.processes; p++) {
    const ref = await runCReference(file, opts);
    if (ref.bytes !== bytes) throw new Error(`C read ${ref.bytes} bytes, TypeScript ${bytes}`);
    for (const m of c) {
      addProcess(m.pool, ref.walks[m.kind].samplesNs);
      m.sums = ref.walks[m.kind];
    }
    for (const [i, name] of walks.entries()) {
      const m = ts[i]!;
      const out = await runChild(name, file, opts);
      addProcess(m.pool, out.samplesNs);
      m.sums = out.sums;
      checkSums(m, ref.walks[m.kind]);
    }
  }
  return [...c, ...ts];
}

/** The TypeScript walks that can run here, and notes on those that cannot. */
function availableWalks(): { walks: WalkName[]; skipped: Skipped[] } {
  const walks: WalkName[] = [];
  const skipped: Skipped[] = [];
  for (const name of Object.keys(WALKS) as WalkName[]) {
    const def: WalkDef = WALKS[name];
    const reason = def.unavailable?.();
    if (reason === undefined) walks.push(name);
    else skipped.push({ name: def.label, reason });
  }
  return { walks, skipped };
}

async function main(): Promise<void> {
  const opts = options();
  const file = await ensureRouteDump(DUMP_FILE, ROUTES, opts.rerecord);
  const datagrams = readNlrec(file);
  const bytes = totalBytes(datagrams);
  buildCReference();
  const { walks, skipped } = availableWalks();
  const rows = toRows(await measureAll(file, bytes, walks, opts), bytes);
  const report = { file, datagrams: datagrams.length, bytes, rows, skipped, opts };
  printReport(report);
  writeResults(RESULTS_FILE, report);
  console.log(`\nwrote ${relative(ROOT, RESULTS_FILE)}`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
