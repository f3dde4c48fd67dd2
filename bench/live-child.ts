import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { fileURLToPath } from "node:url";
import { openNetlink, type NetlinkClient } from "../client/index.js";

/**
 * One nlwire measurement of bench/live.ts in a process of its own (fresh,
 * for the reasons walk-child.ts gives; and for the memory figure, so that
 * nothing allocated earlier hides the growth). Prints one JSON object.
 *
 *   node live-child.js time route|link NETNS WARMUP REPEATS
 *   node --expose-gc live-child.js memory NETNS EVERY
 */

export type LiveKind = "route" | "link";

export interface TimeResult {
  items: number;
  check: number;
  /** openNetlink (socket in the namespace, options) in this fresh process. */
  openNs: number;
  /** The first dump of the process: includes compiling the decoders and V8's warm-up. */
  firstNs: number;
  /** Dumps after WARMUP untimed ones. */
  samplesNs: number[];
}

export interface MemoryResult {
  items: number;
  every: number;
  samples: number;
  baseline: { rss: number; heapUsed: number };
  /** Largest values seen at a sample point (every EVERY items and at the end). */
  peak: { rss: number; heapUsed: number };
  /** process.resourceUsage().maxRSS (bytes) before and after the dump: catches peaks between samples. */
  maxRssBefore: number;
  maxRssAfter: number;
  /** The same dump again in the same process (decoders compiled, heap settled). */
  second: { baselineRss: number; peakRss: number; baselineHeap: number; peakHeap: number };
}

/**
 * The dump as an application writes it: typed objects out of the client's
 * async iterator, each one touched (a field read) so that it is used.
 */
export async function dumpOnce(c: NetlinkClient, kind: LiveKind, onItem?: (n: number) => void): Promise<{ items: number; check: number }> {
  let items = 0;
  let check = 0;
  if (kind === "route") {
    for await (const r of c.dump(rtRoute, "getroute", { fixed: { "rtm-family": 2 } })) {
      items++;
      const dst = r.attrs["dst"];
      check += typeof dst === "string" ? dst.length : 0;
      onItem?.(items);
    }
  } else {
    for await (const l of c.dump(rtLink, "getlink")) {
      items++;
      const name = l.attrs["ifname"];
      check += typeof name === "string" ? name.length : 0;
      onItem?.(items);
    }
  }
  return { items, check };
}

const now = (): bigint => process.hrtime.bigint();

async function timeDumps(kind: LiveKind, ns: string, warmup: number, repeats: number): Promise<TimeResult> {
  let t0 = now();
  const c = openNetlink({ protocol: 0, netns: ns });
  const openNs = Number(now() - t0);
  try {
    t0 = now();
    let last = await dumpOnce(c, kind);
    const firstNs = Number(now() - t0);
    for (let i = 1; i < warmup; i++) await dumpOnce(c, kind);
    const samplesNs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      t0 = now();
      last = await dumpOnce(c, kind);
      samplesNs.push(Number(now() - t0));
    }
    return { ...last, openNs, firstNs, samplesNs };
  } finally {
    c.close();
  }
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error("the memory measurement needs node --expose-gc");
  g();
  g();
}

async function memory(ns: string, every: number): Promise<MemoryResult> {
  const c = openNetlink({ protocol: 0, netns: ns });
  try {
    // Loaded and opened; the decoders are compiled on first use, inside the measured dump.
    gc();
    const base = process.memoryUsage();
    const baseline = { rss: base.rss, heapUsed: base.heapUsed };
    const peak = { ...baseline };
    let samples = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      samples++;
      if (m.rss > peak.rss) peak.rss = m.rss;
      if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
    };
    const maxRssBefore = process.resourceUsage().maxRSS * 1024;
    const { items } = await dumpOnce(c, "route", (n) => n % every === 0 && sample());
    sample();
    const maxRssAfter = process.resourceUsage().maxRSS * 1024;

    gc();
    const b2 = process.memoryUsage();
    const second = { baselineRss: b2.rss, peakRss: b2.rss, baselineHeap: b2.heapUsed, peakHeap: b2.heapUsed };
    await dumpOnce(c, "route", (n) => {
      if (n % every !== 0) return;
      const m = process.memoryUsage();
      second.peakRss = Math.max(second.peakRss, m.rss);
      second.peakHeap = Math.max(second.peakHeap, m.heapUsed);
    });
    return { items, every, samples, baseline, peak, maxRssBefore, maxRssAfter, second };
  } finally {
    c.close();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [mode, ...rest] = argv;
  let out: TimeResult | MemoryResult;
  if (mode === "time") {
    const [kind = "", ns = "", warmup = "", repeats = ""] = rest;
    if (kind !== "route" && kind !== "link") throw new Error(`unknown kind ${JSON.stringify(kind)}`);
    out = await timeDumps(kind, ns, Number(warmup), Number(repeats));
  } else if (mode === "memory") {
    const [ns = "", every = ""] = rest;
    out = await memory(ns, Number(every));
  } else {
    throw new Error("usage: live-child.js time route|link NETNS WARMUP REPEATS | memory NETNS EVERY");
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

// Only when run as a program: bench/wasi-child.ts imports dumpOnce from here.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exitCode = 1;
  });
}
