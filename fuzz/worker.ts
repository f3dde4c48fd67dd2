/**
 * One fuzz worker thread: runs its share of the input numbers of every
 * selected entry until the deadline, publishing what it runs (entry, input
 * number, start time) in shared memory for the main thread's watchdog.
 */
import { parentPort, workerData } from "node:worker_threads";
import { installAllocationWatch } from "./alloc.js";
import { cleanupCli, loadCli } from "./entries/capture.js";
import { runFuzz, type EntryStats } from "./run.js";
import { selectEntries } from "./table.js";

export interface WorkerData {
  seed: number;
  first: number;
  stride: number;
  /** Wall-clock end (Date.now()). */
  endAt: number;
  filter?: string;
  startAt: Record<string, number>;
  /** Float64Array over it: [entry index, input number, Date.now() at start (0: idle)]. */
  heartbeat: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: "stats"; stats: Record<string, EntryStats>; heapMb: number }
  | { type: "finding"; entry: string; kind: string; what: string; path?: string }
  | { type: "done"; stats: Record<string, EntryStats>; heapMb: number };

const d = workerData as WorkerData;
const beat = new Float64Array(d.heartbeat);
const port = parentPort!;
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1048576);

const entries = selectEntries(d.filter);
if (entries.some((e) => e.name === "nlwire decode")) await loadCli();
installAllocationWatch();
let lastReport = 0;
const { stats } = await runFuzz({
  entries,
  seed: d.seed,
  first: d.first,
  stride: d.stride,
  startAt: d.startAt,
  deadline: performance.now() + (d.endAt - Date.now()),
  save: true,
  beat: (i, n) => {
    beat[0] = i;
    beat[1] = n;
    beat[2] = i < 0 ? 0 : Date.now();
  },
  onFinding: (f, path) => port.postMessage({ type: "finding", entry: f.entry, kind: f.kind, what: f.what, ...(path ? { path } : {}) } satisfies WorkerMessage),
  onSlice: (s) => {
    if (Date.now() - lastReport < 2000) return;
    lastReport = Date.now();
    port.postMessage({ type: "stats", stats: s, heapMb: heapMb() } satisfies WorkerMessage);
  },
});
cleanupCli();
port.postMessage({ type: "done", stats, heapMb: heapMb() } satisfies WorkerMessage);
