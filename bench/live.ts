import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCReference, MNL_DUMP } from "./c-reference.js";
import type { LiveKind, MemoryResult, TimeResult } from "./live-child.js";
import { routeBatch } from "./record-routes.js";
import { addProcess, emptyPool, summarize, type Pool, type PoolSummary } from "./samples.js";
import { formatNumber, formatTable } from "./table.js";
import { median } from "./timing.js";
import { runAsync } from "../tools/exec.js";
import { ipBatch, withNetns } from "../tools/netns.js";
import { ROOT } from "../tools/paths.js";

/**
 * The live-dump benchmark: in one throw-away namespace holding 100k IPv4
 * routes and 10k links, times a dump end to end (request to DONE, decoded
 * into typed objects) three ways, round-robin in the same run:
 *
 * - nlwire: openNetlink + `for await (... of client.dump(...))`, in fresh
 *   processes (bench/live-child.ts);
 * - C: bench/c/mnl_dump.c, libmnl with mnl_attr_parse into tb[] per message;
 * - iproute2: `ip -n NS -j route show` / `ip -n NS -j link show` as child
 *   processes, wall time (process start, setns and JSON output included).
 *
 * and the peak memory growth of a fresh nlwire process while it streams the
 * route dump. Results go to bench/out/live.json.
 *
 *   node dist/bench/live.js [--routes N] [--links N] [--link-budget S]
 *                           [--processes N] [--warmup N] [--repeats N] [--mem-every N] [--mem-runs N]
 */

const OUT_FILE = join(ROOT, "bench", "out", "live.json");
const CHILD = join(dirname(fileURLToPath(import.meta.url)), "live-child.js");
/** Targets from the issue: the route dump within 1.3x C and faster than ip; memory growth under 30 MB. */
const TARGET_VS_C = 1.3;
const TARGET_VS_IP = 1.0;
const TARGET_MEM_MB = 30;
/** veth pairs per `ip -batch` process: small enough to check the time budget often. */
const PAIRS_PER_BATCH = 250;
const MB = 1e6;

interface Options {
  routes: number;
  links: number;
  linkBudgetS: number;
  processes: number;
  warmup: number;
  repeats: number;
  memEvery: number;
  memRuns: number;
}

function positiveInt(s: string, flag: string, min: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}`);
  return n;
}

function options(): Options {
  const { values: v } = parseArgs({
    options: {
      routes: { type: "string", default: "100000" },
      links: { type: "string", default: "10000" },
      "link-budget": { type: "string", default: "60" },
      processes: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      repeats: { type: "string", default: "7" },
      "mem-every": { type: "string", default: "1000" },
      "mem-runs": { type: "string", default: "3" },
    },
  });
  return {
    routes: positiveInt(v.routes, "routes", 1),
    links: positiveInt(v.links, "links", 2),
    linkBudgetS: positiveInt(v["link-budget"], "link-budget", 1),
    processes: positiveInt(v.processes, "processes", 1),
    warmup: positiveInt(v.warmup, "warmup", 1),
    repeats: positiveInt(v.repeats, "repeats", 1),
    memEvery: positiveInt(v["mem-every"], "mem-every", 1),
    memRuns: positiveInt(v["mem-runs"], "mem-runs", 1),
  };
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

interface Setup {
  routes: number;
  routeSeconds: number;
  /** Links in the namespace: lo plus two per veth pair. */
  links: number;
  pairs: number;
  pairsWanted: number;
  linkSeconds: number;
  linkBudgetHit: boolean;
}

/** 100k blackhole /32s (as record-routes.ts makes them) and veth pairs until `links` or the time budget. */
async function populate(ns: string, o: Options): Promise<Setup> {
  let t0 = process.hrtime.bigint();
  await ipBatch(ns, ["link set lo up", ...routeBatch(o.routes)]);
  const routeSeconds = seconds(t0);
  const pairsWanted = Math.floor(o.links / 2);
  t0 = process.hrtime.bigint();
  let pairs = 0;
  let linkBudgetHit = false;
  while (pairs < pairsWanted) {
    if (seconds(t0) > o.linkBudgetS) {
      linkBudgetHit = true;
      break;
    }
    const lines: string[] = [];
    for (const end = Math.min(pairsWanted, pairs + PAIRS_PER_BATCH); pairs < end; pairs++) {
      const n = String(pairs).padStart(4, "0");
      lines.push(`link add v${n} type veth peer name w${n}`);
    }
    await ipBatch(ns, lines);
  }
  return { routes: o.routes, routeSeconds, links: 1 + 2 * pairs, pairs, pairsWanted, linkSeconds: seconds(t0), linkBudgetHit };
}

interface CResult {
  kind: LiveKind;
  items: number;
  check: number;
  datagrams: number;
  bytes: number;
  maxDatagram: number;
  maxRssKiB: number;
  samplesNs: number[];
  medianNs: number;
}

async function runC(kind: LiveKind, ns: string, o: Options): Promise<CResult> {
  const out = await runAsync(MNL_DUMP, [kind, ns, String(o.warmup), String(o.repeats)]);
  return JSON.parse(out.toString()) as CResult;
}

async function runNlwire(kind: LiveKind, ns: string, o: Options): Promise<TimeResult> {
  const out = await runAsync(process.execPath, [CHILD, "time", kind, ns, String(o.warmup), String(o.repeats)]);
  return JSON.parse(out.toString()) as TimeResult;
}

async function runMemory(ns: string, o: Options): Promise<MemoryResult> {
  const out = await runAsync(process.execPath, ["--expose-gc", CHILD, "memory", ns, String(o.memEvery)]);
  return JSON.parse(out.toString()) as MemoryResult;
}

const ipArgs = (kind: LiveKind, ns: string): string[] => ["-n", ns, "-j", kind, "show"];

/** One `ip -j ... show` with its output parsed: how many items it printed. */
async function countIp(kind: LiveKind, ns: string): Promise<number> {
  const out = await runAsync("ip", ipArgs(kind, ns));
  return (JSON.parse(out.toString()) as unknown[]).length;
}

/** `repeats` wall-clock runs of `ip -j ... show`, output to /dev/null (no pipe for this process to drain). */
async function timeIp(kind: LiveKind, ns: string, o: Options): Promise<number[]> {
  const fd = openSync("/dev/null", "w");
  try {
    const samples: number[] = [];
    for (let i = 0; i < o.warmup + o.repeats; i++) {
      const t0 = process.hrtime.bigint();
      await runAsync("ip", ipArgs(kind, ns), { stdio: ["ignore", fd, "pipe"] });
      if (i >= o.warmup) samples.push(Number(process.hrtime.bigint() - t0));
    }
    return samples;
  } finally {
    closeSync(fd);
  }
}

interface KindPools {
  nlwire: Pool;
  nlwireFirst: number[];
  nlwireOpen: number[];
  c: Pool;
  ip: Pool;
  nlwireItems: number;
  cItems: number;
  ipItems: number;
  c0?: CResult;
}

const freshPools = (): KindPools => ({
  nlwire: emptyPool(),
  nlwireFirst: [],
  nlwireOpen: [],
  c: emptyPool(),
  ip: emptyPool(),
  nlwireItems: 0,
  cItems: 0,
  ipItems: 0,
});

/** Round-robin, one process of each per round, so that a slow patch of the machine hits all three. */
async function measure(ns: string, o: Options, log: (s: string) => void): Promise<Record<LiveKind, KindPools>> {
  const pools: Record<LiveKind, KindPools> = { route: freshPools(), link: freshPools() };
  for (const kind of ["route", "link"] as const) pools[kind].ipItems = await countIp(kind, ns);
  for (let p = 0; p < o.processes; p++) {
    for (const kind of ["route", "link"] as const) {
      const k = pools[kind];
      const c = await runC(kind, ns, o);
      addProcess(k.c, c.samplesNs);
      k.cItems = c.items;
      k.c0 ??= c;
      const n = await runNlwire(kind, ns, o);
      addProcess(k.nlwire, n.samplesNs);
      k.nlwireFirst.push(n.firstNs);
      k.nlwireOpen.push(n.openNs);
      k.nlwireItems = n.items;
      if (n.items !== c.items) throw new Error(`${kind}: nlwire got ${n.items} items, C ${c.items}`);
      addProcess(k.ip, await timeIp(kind, ns, o));
      log(`  round ${p + 1}/${o.processes} ${kind}: C ${ms(c.medianNs)} ms, nlwire ${ms(median(n.samplesNs))} ms`);
    }
  }
  return pools;
}

const ms = (ns: number): string => formatNumber(ns / 1e6, 1);
const ratio = (x: number): string => `${formatNumber(x, 2)}x`;

interface Row {
  what: string;
  items: number;
  summary: PoolSummary;
  note: string;
}

function kindRows(kind: LiveKind, k: KindPools): Row[] {
  const ipWhat = `ip -n NS -j ${kind} show`;
  return [
    { what: `nlwire dump → typed objects`, items: k.nlwireItems, summary: summarize(k.nlwire), note: "warm: after the warm-up dumps" },
    {
      what: `nlwire, first dump of a process`,
      items: k.nlwireItems,
      summary: { medianNs: median(k.nlwireFirst), minProcessMedianNs: Math.min(...k.nlwireFirst), maxProcessMedianNs: Math.max(...k.nlwireFirst) },
      note: `decoders compiled + V8 cold; openNetlink ${ms(median(k.nlwireOpen))} ms more`,
    },
    { what: `C libmnl (mnl_dump)`, items: k.cItems, summary: summarize(k.c), note: "mnl_attr_parse into tb[], top level" },
    { what: ipWhat, items: k.ipItems, summary: summarize(k.ip), note: "wall: process start, setns, JSON to /dev/null" },
  ];
}

function memoryFigures(runs: readonly MemoryResult[]): Record<string, number> {
  const growth = runs.map((m) => m.peak.rss - m.baseline.rss);
  const heap = runs.map((m) => m.peak.heapUsed - m.baseline.heapUsed);
  const maxRss = runs.map((m) => m.maxRssAfter - m.baseline.rss);
  const second = runs.map((m) => m.second.peakRss - m.second.baselineRss);
  const secondHeap = runs.map((m) => m.second.peakHeap - m.second.baselineHeap);
  const worst = (v: number[]): number => Math.max(...v);
  return {
    rssGrowthMB: worst(growth) / MB,
    heapUsedGrowthMB: worst(heap) / MB,
    maxRssMinusBaselineMB: worst(maxRss) / MB,
    secondDumpRssGrowthMB: worst(second) / MB,
    secondDumpHeapUsedGrowthMB: worst(secondHeap) / MB,
  };
}

async function main(): Promise<void> {
  const o = options();
  const log = (s: string): void => console.error(s);
  buildCReference();
  const result = await withNetns(async (ns) => {
    log(`namespace ${ns}: adding ${o.routes} routes and up to ${o.links} links ...`);
    const setup = await populate(ns, o);
    log(`  routes: ${formatNumber(setup.routeSeconds, 1)} s; ${setup.pairs} veth pairs: ${formatNumber(setup.linkSeconds, 1)} s`);
    log(`measuring (${o.processes} rounds, ${o.warmup} warm-up + ${o.repeats} timed dumps each) ...`);
    const pools = await measure(ns, o, log);
    log(`memory (${o.memRuns} fresh processes) ...`);
    const mem: MemoryResult[] = [];
    for (let i = 0; i < o.memRuns; i++) mem.push(await runMemory(ns, o));
    return { setup, pools, mem };
  }, "nlwl");

  const { setup, pools, mem } = result;
  const rows = { route: kindRows("route", pools.route), link: kindRows("link", pools.link) };
  const m = (k: LiveKind, i: number): number => rows[k][i]!.summary.medianNs;
  const ratios = {
    routeVsC: m("route", 0) / m("route", 2),
    routeVsIp: m("route", 0) / m("route", 3),
    linkVsC: m("link", 0) / m("link", 2),
    linkVsIp: m("link", 0) / m("link", 3),
    routeFirstVsIp: m("route", 1) / m("route", 3),
  };
  const memory = memoryFigures(mem);
  const targets = {
    routeWithin1_3xC: ratios.routeVsC <= TARGET_VS_C,
    routeFasterThanIp: ratios.routeVsIp < TARGET_VS_IP,
    memoryUnder30MB: memory.rssGrowthMB! < TARGET_MEM_MB,
  };

  const table = (k: LiveKind): string =>
    formatTable(
      ["dump", "items", "median ms", "spread ms", "nlwire ÷ this", "note"],
      rows[k].map((r) => [
        r.what,
        String(r.items),
        ms(r.summary.medianNs),
        `${ms(r.summary.minProcessMedianNs)}..${ms(r.summary.maxProcessMedianNs)}`,
        ratio(m(k, 0) / r.summary.medianNs),
        r.note,
      ]),
    );
  const c0 = pools.route.c0!;
  console.log(`\nroute dump: ${setup.routes} blackhole /32s (+ lo's local routes), AF_INET, all tables; ${c0.datagrams} datagrams, ${formatNumber(c0.bytes / MB, 2)} MB`);
  console.log(table("route"));
  const linkNote = setup.linkBudgetHit
    ? `only ${setup.pairs} of ${setup.pairsWanted} veth pairs fit in the ${o.linkBudgetS} s budget`
    : `${setup.pairs} veth pairs made in ${formatNumber(setup.linkSeconds, 1)} s`;
  console.log(`\nlink dump: ${setup.links} links (lo + ${linkNote}); ${pools.link.c0!.datagrams} datagrams, ${formatNumber(pools.link.c0!.bytes / MB, 2)} MB`);
  console.log(table("link"));
  console.log(
    `\nspread: fastest..slowest per-process median (nlwire, C) or per-round median (ip); nlwire runs in ${o.processes} fresh processes.` +
      `\nip rows are wall time of a child process (process start, setns, JSON printing included); "ip route show" prints the main table only` +
      `\n(the blackhole routes), nlwire and C also receive lo's few local-table routes. C parses the top-level attributes a program reads;` +
      `\nnlwire decodes every attribute, nests included (links: stats, linkinfo, af-spec ...).`,
  );
  console.log(`\nnlwire route dump vs C: ${ratio(ratios.routeVsC)} (target <= ${TARGET_VS_C}x: ${targets.routeWithin1_3xC ? "met" : "MISSED"})`);
  console.log(`nlwire route dump vs ip -j route show: ${ratio(ratios.routeVsIp)} (target < 1x: ${targets.routeFasterThanIp ? "met" : "MISSED"})`);
  console.log(`nlwire link dump vs C: ${ratio(ratios.linkVsC)}; vs ip -j link show: ${ratio(ratios.linkVsIp)}`);
  console.log(
    `memory, streaming the route dump in a fresh process (worst of ${o.memRuns}, sampled every ${o.memEvery} routes, MB = 10^6 bytes):` +
      `\n  RSS growth ${formatNumber(memory.rssGrowthMB!, 1)} MB (target < ${TARGET_MEM_MB}: ${targets.memoryUnder30MB ? "met" : "MISSED"}),` +
      ` heapUsed growth ${formatNumber(memory.heapUsedGrowthMB!, 1)} MB, maxRSS − baseline ${formatNumber(memory.maxRssMinusBaselineMB!, 1)} MB;` +
      `\n  a second dump in the same process: RSS growth ${formatNumber(memory.secondDumpRssGrowthMB!, 1)} MB, heapUsed ${formatNumber(memory.secondDumpHeapUsedGrowthMB!, 1)} MB`,
  );

  mkdirSync(dirname(OUT_FILE), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    options: o,
    setup,
    rows,
    ratios,
    memory: { ...memory, runs: mem },
    targets,
    cReference: { route: pools.route.c0, link: pools.link.c0 },
  };
  writeFileSync(OUT_FILE, JSON.stringify(json, null, 2) + "\n");
  console.log(`\nwrote ${relative(ROOT, OUT_FILE)}`);
}

main().catch((e: unknown) => {
  console.error(`bench live: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
