/**
 * The fuzz loop shared by the command's workers and the short run in the
 * test suite: entries take turns in slices of a few milliseconds, each input
 * is built from (seed, entry, number) and judged by the engine, and each
 * distinct failure is minimised and saved once.
 */
import type { Entry } from "./entry.js";
import { check, saveFinding, signature, type Finding } from "./engine.js";
import { minimise } from "./minimise.js";

export interface EntryStats {
  inputs: number;
  decoded: number;
  rejected: number;
  findings: number;
  ms: number;
  /** The slowest single input. */
  maxMs: number;
}

export interface RunOptions {
  entries: Entry[];
  seed: number;
  /** Stop at this time (performance.now() clock)... */
  deadline?: number;
  /** ...or after this many inputs per entry. */
  inputsPerEntry?: number;
  /** Input numbers: this worker takes first + k * stride (k = 0, 1, ...). */
  first?: number;
  stride?: number;
  /** Per entry, the k to start at (after a restart). */
  startAt?: Record<string, number>;
  /** Save findings to test/fixtures/fuzz/ (the command does; the short test does not). */
  save?: boolean;
  /** Called before each input: the watchdog's view of what is running. */
  beat?: (entryIndex: number, n: number) => void;
  onFinding?: (f: Finding, path: string | undefined) => void;
  onSlice?: (stats: Record<string, EntryStats>) => void;
}

const SLICE_MS = 40;
const MAX_PER_KIND = 3;

export async function runFuzz(o: RunOptions): Promise<{ stats: Record<string, EntryStats>; findings: Finding[] }> {
  const stats: Record<string, EntryStats> = {};
  const seen = new Set<string>();
  const perKind = new Map<string, number>();
  const findings: Finding[] = [];
  const next: number[] = o.entries.map((e) => o.startAt?.[e.name] ?? 0);
  const stride = o.stride ?? 1;
  const first = o.first ?? 0;
  for (const e of o.entries) stats[e.name] = { inputs: 0, decoded: 0, rejected: 0, findings: 0, ms: 0, maxMs: 0 };
  const done = (i: number) => (o.inputsPerEntry !== undefined && stats[o.entries[i]!.name]!.inputs >= o.inputsPerEntry) || (o.deadline !== undefined && performance.now() >= o.deadline);
  for (let active = true; active; ) {
    active = false;
    for (let i = 0; i < o.entries.length; i++) {
      if (done(i)) continue;
      active = true;
      const e = o.entries[i]!;
      const s = stats[e.name]!;
      const sliceEnd = performance.now() + SLICE_MS;
      while (performance.now() < sliceEnd && !done(i)) {
        const n = first + next[i]!++ * stride;
        o.beat?.(i, n);
        const t0 = performance.now();
        const input = e.input(o.seed, n);
        const r = await check(e, input, undefined, () => o.beat?.(i, n));
        const ms = performance.now() - t0;
        s.inputs++;
        s.ms += ms;
        if (r.ms > s.maxMs) s.maxMs = r.ms;
        if (r.outcome === "decoded") s.decoded++;
        else if (r.outcome === "rejected") s.rejected++;
        else if (r.finding && !seen.has(signature(r.finding))) {
          seen.add(signature(r.finding));
          s.findings++;
          // A few of each kind per entry point: one bug seen through many operations would flood the fixtures.
          const kindKey = `${e.name}|${r.finding.kind}`;
          const k = (perKind.get(kindKey) ?? 0) + 1;
          perKind.set(kindKey, k);
          if (k > MAX_PER_KIND) continue;
          const f = await minimise(e, r.finding);
          findings.push(f);
          const path = o.save ? saveFinding(f, `npm run fuzz -- --seed ${o.seed} (entry ${e.name}, input ${n})`) : undefined;
          o.onFinding?.(f, path);
        }
      }
      o.beat?.(-1, 0);
    }
    o.onSlice?.(stats);
  }
  return { stats, findings };
}
