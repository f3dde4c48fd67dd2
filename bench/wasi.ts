import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { routeBatch } from "./record-routes.js";
import { addProcess, emptyPool, summarize, type Pool } from "./samples.js";
import { formatNumber, formatTable } from "./table.js";
import type { WasiBenchTransport, WasiChildResult } from "./wasi-child.js";
import { runAsync } from "../tools/exec.js";
import { ipBatch, withNetns } from "../tools/netns.js";
import { ROOT } from "../tools/paths.js";

/**
 * The WASI benchmark: in one throw-away namespace holding 100k IPv4 routes
 * (as bench/live.ts makes them), the client's route dump to typed objects
 * over the WASI transport (the shim's Wasm build, its system calls made by
 * the native-backed host) against the native transport, round-robin in
 * fresh processes of the same run. Also the component's size.
 *
 *   node dist/bench/wasi.js [--routes N] [--processes N] [--warmup N] [--repeats N]
 */

const OUT_FILE = join(ROOT, "bench", "out", "wasi.json");
const CHILD = join(dirname(fileURLToPath(import.meta.url)), "wasi-child.js");
/** From the issue: the WASI dump within 1.25x of the native one. */
const TARGET = 1.25;
const TRANSPORTS: readonly WasiBenchTransport[] = ["native", "wasi", "native-poll", "wasi-poll"];

function options() {
  const { values: v } = parseArgs({
    options: {
      routes: { type: "string", default: "100000" },
      processes: { type: "string", default: "3" },
      warmup: { type: "string", default: "2" },
      repeats: { type: "string", default: "5" },
    },
  });
  const int = (s: string, flag: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer`);
    return n;
  };
  return { routes: int(v.routes, "routes"), processes: int(v.processes, "processes"), warmup: int(v.warmup, "warmup"), repeats: int(v.repeats, "repeats") };
}

/** The component and the core module inside it (what a host compiles), in bytes. */
function sizes(): Record<string, number> {
  const wasm = join(ROOT, "wasm");
  const manifest = JSON.parse(readFileSync(join(wasm, "manifest.json"), "utf8")) as { artifacts: Record<string, string> };
  const size = (f: string): number => statSync(join(wasm, f)).size;
  return {
    component: size("nlshim.wasm"),
    coreModule: size("js/nlshim.core.wasm"),
    transpiledJs: size("js/nlshim.js"),
    coreModulesTotal: Object.keys(manifest.artifacts).filter((f) => f.endsWith(".wasm") && f.startsWith("js/")).reduce((n, f) => n + size(f), 0),
  };
}

async function child(t: WasiBenchTransport, ns: string, o: ReturnType<typeof options>): Promise<WasiChildResult> {
  const out = await runAsync(process.execPath, [CHILD, t, ns, String(o.warmup), String(o.repeats)]);
  return JSON.parse(out.toString()) as WasiChildResult;
}

async function main(): Promise<void> {
  const o = options();
  const log = (s: string): void => console.error(s);
  const pools = Object.fromEntries(TRANSPORTS.map((t) => [t, emptyPool()])) as Record<WasiBenchTransport, Pool>;
  let items = 0;
  await withNetns(async (ns) => {
    log(`namespace ${ns}: adding ${o.routes} routes ...`);
    await ipBatch(ns, ["link set lo up", ...routeBatch(o.routes)]);
    for (let p = 0; p < o.processes; p++) {
      for (const t of TRANSPORTS) {
        const r = await child(t, ns, o);
        if (items && r.items !== items) throw new Error(`${t} got ${r.items} routes, another transport ${items}`);
        items = r.items;
        addProcess(pools[t], r.samplesNs);
      }
      log(`  round ${p + 1}/${o.processes}: ${TRANSPORTS.map((t) => `${t} ${ms(summarize(pools[t]).medianNs)} ms`).join(", ")}`);
    }
  }, "nlwwb");

  const s = Object.fromEntries(TRANSPORTS.map((t) => [t, summarize(pools[t])])) as Record<WasiBenchTransport, ReturnType<typeof summarize>>;
  const ratios = { wasiVsNative: s.wasi.medianNs / s.native.medianNs, wasiPollVsNativePoll: s["wasi-poll"].medianNs / s["native-poll"].medianNs };
  const size = sizes();
  console.log(`\nroute dump to typed objects, ${items} routes (${o.processes} fresh processes per transport, ${o.warmup} warm-up + ${o.repeats} timed dumps each)`);
  console.log(
    formatTable(
      ["transport", "receives", "median ms", "spread ms", "÷ native, same receive"],
      TRANSPORTS.map((t) => {
        const poll = t.endsWith("-poll");
        const base = s[poll ? "native-poll" : "native"].medianNs;
        return [t, poll ? "uv_poll" : "reader thread", ms(s[t].medianNs), `${ms(s[t].minProcessMedianNs)}..${ms(s[t].maxProcessMedianNs)}`, `${formatNumber(s[t].medianNs / base, 2)}x`];
      }),
    ),
  );
  const met = (r: number) => (r <= TARGET ? "met" : "MISSED");
  console.log(`\nwasi vs native (defaults, reader threads): ${formatNumber(ratios.wasiVsNative, 2)}x (target <= ${TARGET}x: ${met(ratios.wasiVsNative)})`);
  console.log(`wasi vs native, both with uv_poll: ${formatNumber(ratios.wasiPollVsNativePoll, 2)}x (${met(ratios.wasiPollVsNativePoll)})`);
  console.log(`component: ${size.component} bytes (core module ${size.coreModule} bytes; transpiled JS ${size.transpiledJs} bytes)`);
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  writeFileSync(OUT_FILE, JSON.stringify({ routes: o.routes, items, summaries: s, ratios, target: TARGET, sizes: size }, null, 2) + "\n");
}

const ms = (ns: number): string => formatNumber(ns / 1e6, 1);

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
