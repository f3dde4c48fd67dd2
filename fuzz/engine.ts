/**
 * Runs one input through an entry point and judges it: a clean decode or the
 * codec's own refusal is fine; any other exception, a broken round trip, an
 * allocation far above the input's size or a decode slower than SLOW_MS is a
 * finding. Findings are saved to test/fixtures/fuzz/ (minimised when cheap)
 * and replayed by test/fuzz/regressions.test.ts.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Violation, type Entry, type Outcome } from "./entry.js";
import { allocationLimit, allocationPeak, pauseAllocationWatch, resetAllocationPeak } from "./alloc.js";
import { FINDINGS_DIR } from "./seeds.js";
import { bytesHash } from "./rng.js";

/** An input slower than this (confirmed by a second run) is a "slow" finding; the watchdog's hang limit is far above. */
export const SLOW_MS = 250;
/** Reruns of an input that took longer than SLOW_MS; it is slow only if every one is. */
const CONFIRM_RUNS = 3;

/**
 * A fixed piece of CPU work (hashing 4 MiB), timed: how busy the shared
 * machine is right now. An input's time is judged relative to the machine
 * at the start of the run, so that other jobs on the same cores do not turn
 * into "slow" findings.
 */
const WORK = new Uint8Array(4 << 20).map((_x, i) => i * 31);
function machineMs(): number {
  let best = Infinity;
  for (let k = 0; k < 4; k++) {
    const t0 = performance.now();
    let h = 0x811c9dc5;
    for (let i = 0; i < WORK.length; i++) h = Math.imul(h ^ WORK[i]!, 0x01000193);
    best = Math.min(best, performance.now() - t0 + (h === 0.5 ? 1 : 0));
  }
  return best;
}
let baselineMs: number | undefined;
/** The machine at the start (timed twice: the first warms the loop up). */
function baseline(): number {
  return (baselineMs ??= (machineMs(), machineMs()));
}
/** How many times slower the machine is now than when the run started (at least 1). */
function slowdown(): number {
  return Math.max(1, machineMs() / baseline());
}

export type FindingKind = "exception" | "roundtrip" | "invariant" | "memory" | "slow" | "hang";

export interface Finding {
  entry: string;
  kind: FindingKind;
  /** What went wrong, first line. */
  what: string;
  /** The input, in the entry's JSON form. */
  input: unknown;
  stack?: string;
}

export interface Result {
  outcome: Outcome | "finding";
  ms: number;
  finding?: Finding;
}

type AsyncEntry = Entry & { runAsync?: (i: unknown) => Promise<Outcome> };

function judge(entry: Entry, input: unknown, e: unknown): Finding | undefined {
  if (e instanceof Violation) return { entry: entry.name, kind: e.kind, what: e.message, input: entry.toJson(input) };
  if (entry.refusal(e)) return undefined;
  const err = e instanceof Error ? e : new Error(String(e));
  const f: Finding = { entry: entry.name, kind: "exception", what: `${err.name}: ${err.message}`.split("\n")[0]!.slice(0, 300), input: entry.toJson(input) };
  if (err.stack) f.stack = err.stack.split("\n").slice(0, 8).join("\n");
  return f;
}

function memoryFinding(entry: Entry, input: unknown, size: number): Finding | undefined {
  const peak = allocationPeak();
  if (peak <= allocationLimit(size)) return undefined;
  return { entry: entry.name, kind: "memory", what: `allocated ${peak} bytes at once for a ${size}-byte input`, input: entry.toJson(input) };
}

/** Runs and judges one input (stack traces off for the common case: most inputs end in a codec error). */
/** `rerun` is called before each confirming run of a slow input (the watchdog times each run, not their sum). */
export async function check(entry: Entry, input: unknown, slowMs = SLOW_MS, rerun?: () => void): Promise<Result> {
  baseline();
  const a = entry as AsyncEntry;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  resetAllocationPeak();
  const t0 = performance.now();
  let outcome: Outcome | undefined;
  let thrown: unknown;
  let failed = false;
  try {
    outcome = a.runAsync ? await a.runAsync(input) : entry.run(input);
  } catch (e) {
    thrown = e;
    failed = true;
  } finally {
    Error.stackTraceLimit = limit;
  }
  const ms = performance.now() - t0;
  const size = entry.size(input);
  const mem = memoryFinding(entry, input, size);
  if (mem) return { outcome: "finding", ms, finding: mem };
  if (failed) {
    let f = judge(entry, input, thrown);
    if (f?.kind === "exception") f = await withStack(entry, input) ?? f;
    return f ? { outcome: "finding", ms, finding: f } : { outcome: "rejected", ms };
  }
  if (ms > slowMs) {
    // Again, to tell a slow decode from a busy machine (the cores are shared): the best of a few runs,
    // without the allocation watch (it slows allocation down).
    const resume = pauseAllocationWatch();
    let again = Infinity;
    try {
      for (let k = 0; k < CONFIRM_RUNS && again > slowMs; k++) {
        rerun?.();
        const t1 = performance.now();
        try {
          await (a.runAsync ? a.runAsync(input) : entry.run(input));
        } catch { /* judged above */ }
        again = Math.min(again, performance.now() - t1);
      }
    } finally {
      resume();
    }
    const factor = again > slowMs ? slowdown() : 1;
    if (again / factor > slowMs) {
      const what = `took ${Math.round(again / factor)} ms (limit ${slowMs}${factor > 1.05 ? `; ${Math.round(again)} ms on a machine ${factor.toFixed(1)}× busier than at the start` : ""})`;
      return { outcome: "finding", ms, finding: { entry: entry.name, kind: "slow", what, input: entry.toJson(input) } };
    }
  }
  return { outcome: outcome!, ms };
}

/** The same failure again with stack traces on, for the report. */
async function withStack(entry: Entry, input: unknown): Promise<Finding | undefined> {
  const a = entry as AsyncEntry;
  try {
    await (a.runAsync ? a.runAsync(input) : entry.run(input));
  } catch (e) {
    return judge(entry, input, e);
  }
  return undefined;
}

/** Same kind and same text with the numbers taken out: one saved file per distinct failure. */
export function signature(f: Pick<Finding, "entry" | "kind" | "what">): string {
  return `${f.entry}|${f.kind}|${f.what.replace(/\d+/g, "#")}`;
}

export interface SavedFinding extends Finding {
  /** How it was found (seed and input number), and what fixed it, when it is fixed. */
  foundBy: string;
  fixed?: string;
}

function fileName(f: Finding): string {
  const key = new TextEncoder().encode(JSON.stringify(f.input, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
  return `${f.entry.replace(/[^A-Za-z0-9_-]+/g, "_")}-${bytesHash(key)}.json`;
}

/** Writes the finding as a regression fixture (keeping an existing file's notes); returns its path. */
export function saveFinding(f: Finding, foundBy: string, dir = FINDINGS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName(f));
  if (existsSync(path)) return path;
  const saved: SavedFinding = { entry: f.entry, kind: f.kind, what: f.what, foundBy, input: f.input };
  if (f.stack) saved.stack = f.stack;
  writeFileSync(path, JSON.stringify(saved, null, 1) + "\n");
  return path;
}

export function savedFindings(dir = FINDINGS_DIR): { path: string; finding: SavedFinding }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith(".json")).sort()
    .map((n) => ({ path: join(dir, n), finding: JSON.parse(readFileSync(join(dir, n), "utf8")) as SavedFinding }));
}
