// Run (bundled, with --expose-gc) by leaks.test.ts in a process of its own, so that nothing
// else allocates: RSS and heap after warm-up and after 10,000 more open/receive/close cycles.
import { openNative } from "../../transport/index.js";

const cycle = (i: number): void => {
  const t = openNative({ protocol: 0, readerThread: i % 2 === 0 });
  t.receive({ datagram() {}, error() {} });
  t.close();
};
const gc = (globalThis as { gc?: () => void }).gc!;
async function settle(): Promise<{ rss: number; heap: number }> {
  await new Promise((r) => setImmediate(r)); // uv_close completes on the next turn
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}
// Warm-up: the allocator's arenas and glibc's cache of thread stacks fill up, then stay
// (RSS grows by ~5 MB over the first 10-20k cycles, then not at all).
for (let i = 0; i < 20_000; i++) cycle(i);
const before = await settle();
for (let i = 0; i < 10_000; i++) cycle(i);
console.log(JSON.stringify({ before, after: await settle() }));
