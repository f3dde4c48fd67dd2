import { readdirSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { openHandle, type Handle } from "../../api/index.js";
import { ipBatch } from "../../tools/netns.js";
import { createNetns } from "../transport/netns.js";
import { sleep } from "../client/helpers.js";

/**
 * Many clients: 50 handles, each in a namespace of its own, doing mixed
 * dumps and writes at once for a minute (SOAK_SECONDS to change it). Each
 * namespace gets blackhole routes of its own prefix: a dump that ever shows
 * another namespace's route, or a route this worker's bookkeeping does not
 * expect, is cross-talk. Afterwards no socket is left open, and the heap
 * after collection did not grow from the first samples to the last.
 */
const HANDLES = 50;
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const MB = 1 << 20;

const fdCount = (): number => readdirSync("/proc/self/fd").length;
const prefix = (w: number, k: number) => `10.${100 + w}.${k}.0/24`;

/** One handle's work: add and delete its own routes, list links and routes, check what it sees. */
async function worker(h: Handle, w: number, until: number, errors: string[]): Promise<number> {
  const mine = new Set<string>();
  let ops = 0;
  for (let k = 0; Date.now() < until; k = (k + 1) % 200) {
    const dst = prefix(w, k);
    if (mine.has(dst)) {
      await h.routes.delete({ dst, type: "blackhole" });
      mine.delete(dst);
    } else {
      await h.routes.add({ dst, type: "blackhole" });
      mine.add(dst);
    }
    ops++;
    if (k % 10 === 0) {
      const seen = (await h.routes.list({ family: "inet", table: "main" })).filter((r) => r.type === "blackhole").map((r) => r.dst);
      const foreign = seen.filter((d) => !d.startsWith(`10.${100 + w}.`));
      if (foreign.length) errors.push(`handle ${w} saw ${foreign.join(", ")}`);
      const missing = [...mine].filter((d) => !seen.includes(d));
      const extra = seen.filter((d) => !mine.has(d));
      if (missing.length || extra.length) errors.push(`handle ${w}: missing ${missing.join(",")} extra ${extra.join(",")}`);
      const links = await h.links.list();
      if (links.length !== 1 || links[0]!.ifname !== "lo") errors.push(`handle ${w} saw links ${links.map((l) => l.ifname).join(",")}`);
      ops += 2;
    }
  }
  return ops;
}

describe("many clients", () => {
  it(`${HANDLES} handles in ${HANDLES} namespaces, mixed dumps and writes for ${SECONDS} s: no cross-talk, no leaked sockets, a flat heap`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const spaces = Array.from({ length: HANDLES }, () => createNetns("nlwsk"));
    const fds = fdCount();
    const handles: Handle[] = [];
    try {
      await Promise.all(spaces.map((ns) => ipBatch(ns.name, ["link set lo up"])));
      for (const ns of spaces) handles.push(openHandle({ netns: ns.name, timeoutMs: 20_000 }));
      const heap: number[] = [];
      const until = Date.now() + SECONDS * 1000;
      const errors: string[] = [];
      const sampling = (async () => {
        while (Date.now() < until) {
          await sleep(Math.min(5000, (SECONDS * 1000) / 12));
          gc();
          heap.push(process.memoryUsage().heapUsed);
        }
      })();
      const ops = await Promise.all(handles.map((h, w) => worker(h, w, until, errors)));
      await sampling;
      expect(errors).toEqual([]);
      const total = ops.reduce((a, b) => a + b, 0);
      console.log(`many clients: ${total} operations in ${SECONDS} s over ${HANDLES} handles (${Math.round(total / SECONDS)}/s); heap after gc ${heap.map((b) => (b / MB).toFixed(1)).join(" ")} MB`);
      expect(Math.min(...ops)).toBeGreaterThan(10); // every handle worked all along
      // The heap settles once the decoders are compiled: from the second quarter on it stays put.
      const settled = heap.slice(Math.floor(heap.length / 4));
      expect((Math.max(...settled) - settled[0]!) / MB).toBeLessThan(16);
    } finally {
      for (const h of handles) h.close();
      for (const ns of spaces) ns.dispose();
    }
    await sleep(10); // uv_close finishes on a later turn
    expect(fdCount()).toBe(fds);
  });
});
