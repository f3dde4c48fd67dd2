// Run (bundled, with --expose-gc) by leaks.test.ts in a process of its own, so that nothing
// else allocates: open/receive/close cycles of the native transport ("native") or of the WASI
// one over the native-backed host ("wasi"), with RSS, heap and fds sampled after each window.
import { readdirSync } from "node:fs";
import { openNative, type Transport } from "../../transport/index.js";
import { WasiShim, openWasi } from "../../transport/wasi.js";
import { nativeHost } from "../../transport/wasi-native.js";

const kind = process.argv[2] ?? "native";
const guest = kind === "wasi" ? (await WasiShim.load()).instantiate(nativeHost()) : undefined;
const open = (i: number): Transport => (guest ? openWasi(guest, { protocol: 0 }) : openNative({ protocol: 0, readerThread: i % 2 === 0 }));
const WARM_UP = 20_000;
const WINDOW = 5_000;
const WINDOWS = 4;

const cycle = (i: number): void => {
  const t = open(i);
  t.receive({ datagram() {}, error() {} });
  t.close();
};
const gc = (globalThis as { gc?: () => void }).gc!;
async function sample(): Promise<{ rss: number; heap: number; fds: number }> {
  await new Promise((r) => setImmediate(r)); // uv_close completes on the next turn
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, fds: readdirSync("/proc/self/fd").length };
}
for (let i = 0; i < WARM_UP; i++) cycle(i);
const samples = [await sample()];
for (let w = 0; w < WINDOWS; w++) {
  for (let i = 0; i < WINDOW; i++) cycle(i);
  samples.push(await sample());
}
console.log(JSON.stringify({ window: WINDOW, samples }));
