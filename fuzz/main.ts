/**
 * `npm run fuzz -- --minutes N [--seed S] [--entry NAME] [--workers W] [--summary FILE]`
 *
 * Fuzzes every decode entry point in worker threads under a watchdog: an
 * input still running after HANG_MS is a "hang" (the worker is replaced and
 * goes on after it), a worker that runs out of its heap is a "memory"
 * finding. Prints inputs/s per entry point and the findings; each finding is
 * saved to test/fixtures/fuzz/ and replayed by the normal test suite.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { saveFinding } from "./engine.js";
import type { EntryStats } from "./run.js";
import { selectEntries } from "./table.js";
import type { WorkerData, WorkerMessage } from "./worker.js";

const HANG_MS = 10_000;
const HEAP_MB = 1024;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: "string", default: "1" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    entry: { type: "string" },
    workers: { type: "string", default: "1" },
    summary: { type: "string" },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const workers = Math.max(1, Number(values.workers));
const filter = values.entry;
const names = selectEntries(filter).map((e) => e.name);
if (!names.length) throw new Error(`no entry matches ${filter}`);
const startedAt = Date.now();
const endAt = startedAt + minutes * 60_000;

/** Per worker slot: its last stats (a replaced worker's totals are banked in `banked`). */
const live: Record<string, EntryStats>[] = [];
const banked: Record<string, EntryStats> = {};
const findings: { entry: string; kind: string; what: string; path?: string }[] = [];
let peakHeapMb = 0;

function add(into: Record<string, EntryStats>, from: Record<string, EntryStats>): void {
  for (const [k, s] of Object.entries(from)) {
    const t = (into[k] ??= { inputs: 0, decoded: 0, rejected: 0, findings: 0, ms: 0, maxMs: 0 });
    t.inputs += s.inputs;
    t.decoded += s.decoded;
    t.rejected += s.rejected;
    t.findings += s.findings;
    t.ms += s.ms;
    t.maxMs = Math.max(t.maxMs, s.maxMs);
  }
}

function totals(): Record<string, EntryStats> {
  const t: Record<string, EntryStats> = {};
  add(t, banked);
  for (const s of live) add(t, s);
  return t;
}

function spawn(slot: number, startAt: Record<string, number>): Promise<void> {
  return new Promise((resolve) => {
    const heartbeat = new SharedArrayBuffer(24);
    const beat = new Float64Array(heartbeat);
    const data: WorkerData = { seed, first: slot, stride: workers, endAt, startAt, heartbeat, ...(filter ? { filter } : {}) };
    const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    live[slot] = {};
    let finished = false;
    const restartAfter = (kind: "hang" | "memory", what: string) => {
      const entryIndex = beat[0]!;
      const n = beat[1]!;
      const entries = selectEntries(filter);
      const e = entries[entryIndex];
      add(banked, live[slot]!);
      live[slot] = {};
      if (e) {
        const f = { entry: e.name, kind, what, input: e.toJson(e.input(seed, n)) };
        const path = saveFinding(f, `npm run fuzz -- --seed ${seed} (entry ${e.name}, input ${n})`);
        findings.push({ entry: e.name, kind, what, path });
        console.log(`FINDING ${kind} ${e.name} input ${n}: ${what} -> ${path}`);
      }
      // Go on after the input that stopped the worker.
      const next = { ...startAt };
      if (e) next[e.name] = Math.floor((n - slot) / workers) + 1;
      if (Date.now() < endAt) resolve(spawn(slot, next));
      else resolve();
    };
    const dog = setInterval(() => {
      const t = beat[2]!;
      if (t > 0 && Date.now() - t > HANG_MS && !finished) {
        finished = true;
        clearInterval(dog);
        void w.terminate().then(() => restartAfter("hang", `still running after ${HANG_MS} ms`));
      }
    }, 500);
    w.on("message", (m: WorkerMessage) => {
      if (m.type === "finding") {
        findings.push(m);
        console.log(`FINDING ${m.kind} ${m.entry}: ${m.what}${m.path ? ` -> ${m.path}` : ""}`);
      } else {
        live[slot] = m.stats;
        peakHeapMb = Math.max(peakHeapMb, m.heapMb);
      }
      if (m.type === "done") {
        finished = true;
        clearInterval(dog);
        resolve();
      }
    });
    w.on("error", (err) => {
      if (finished) return;
      finished = true;
      clearInterval(dog);
      restartAfter("memory", `worker died: ${err.message}`);
    });
  });
}

function report(final: boolean): void {
  const t = totals();
  const all = Object.values(t).reduce((n, s) => n + s.inputs, 0);
  const secs = (Date.now() - startedAt) / 1000;
  if (!final) {
    console.log(`[${Math.round(secs)} s] ${all} inputs (${Math.round(all / secs)}/s), ${findings.length} findings, worker heap ≤ ${peakHeapMb} MB`);
    return;
  }
  console.log(`\nseed ${seed}, ${workers} worker(s), ${secs.toFixed(0)} s, ${all} inputs, ${findings.length} findings, worker heap ≤ ${peakHeapMb} MB\n`);
  console.log("entry point".padEnd(34) + "inputs".padStart(11) + "inputs/s".padStart(10) + "decoded".padStart(9) + "max ms".padStart(8) + "findings".padStart(9));
  for (const name of names) {
    const s = t[name];
    if (!s) continue;
    const rate = s.ms ? Math.round((s.inputs / s.ms) * 1000) : 0;
    console.log(name.padEnd(34) + String(s.inputs).padStart(11) + String(rate).padStart(10) + `${Math.round((100 * s.decoded) / Math.max(1, s.inputs))}%`.padStart(9) + s.maxMs.toFixed(1).padStart(8) + String(s.findings).padStart(9));
  }
  for (const f of findings) console.log(`  ${f.kind} ${f.entry}: ${f.what}${f.path ? ` (${f.path})` : ""}`);
  if (values.summary) {
    writeFileSync(values.summary, JSON.stringify({ seed, workers, seconds: Math.round(secs), inputs: all, peakHeapMb, entries: t, findings }, null, 1) + "\n");
  }
}

console.log(`fuzzing ${names.length} entry points for ${minutes} min, seed ${seed}, ${workers} worker(s)`);
const ticker = setInterval(() => report(false), 30_000);
// Stopped early: the figures so far still count.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    report(true);
    process.exit(findings.length ? 1 : 0);
  });
}
await Promise.all(Array.from({ length: workers }, (_x, i) => spawn(i, {})));
clearInterval(ticker);
report(true);
process.exitCode = findings.length ? 1 : 0;
