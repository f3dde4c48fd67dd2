import { readdirSync } from "node:fs";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { beforeAll, describe, expect, it } from "vitest";
import { openNetlink } from "../../client/index.js";
import { openNative } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE } from "../client/helpers.js";
import { runBundled } from "../helpers/child.js";

/** Resources after many uses: fds, threads, memory, multicast memberships. */
const fdCount = (): number => readdirSync("/proc/self/fd").length;
const threadCount = (): number => readdirSync("/proc/self/task").length;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const MB = 1 << 20;

/** The Groups column of /proc/net/netlink in `ns` for the socket with this port id (a bit mask of groups 1..32). */
function groupsOf(ns: string, portId: number): number | undefined {
  const lines = ip(["netns", "exec", ns, "cat", "/proc/net/netlink"]).trim().split("\n").slice(1);
  for (const l of lines) {
    const [, , pid, groups] = l.trim().split(/\s+/);
    if (Number(pid) === portId) return parseInt(groups!, 16);
  }
  return undefined;
}

/**
 * Runs leak-child.ts for `kind` in a process of its own: 20,000 cycles to warm up, then four
 * windows of 5,000. The allocator and V8 grow RSS in steps while they settle, once; a leak
 * grows it in every window (a kilobyte a cycle is 5 MB a window), so the calmest window must
 * show none. Heap and fds must not grow at all.
 */
async function expectFlat(kind: "native" | "wasi"): Promise<void> {
  type Sample = { rss: number; heap: number; fds: number };
  const { samples } = JSON.parse(await runBundled("test/reliability/leak-child.ts", [kind], undefined, ["--expose-gc"])) as { samples: Sample[] };
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const growth = samples.slice(1).map((s, i) => (s.rss - samples[i]!.rss) / MB);
  expect(last.fds).toBe(first.fds);
  expect(Math.min(...growth)).toBeLessThan(1);
  expect((last.heap - first.heap) / MB).toBeLessThan(2);
}

describe("no leaks", () => {
  const ns = throwAwayNetns("nlwlk");
  beforeAll(async () => void (await addVethPairs(ns.name, 40)));

  it("10,000 open/receive/close cycles of the native transport keep fds and threads flat here (and 40,000 RSS and heap, in a process of their own)", async () => {
    const cycle = (i: number) => {
      const t = openNative({ protocol: NETLINK_ROUTE, readerThread: i % 2 === 0 });
      t.receive({ datagram() {}, error() {} });
      t.close();
    };
    cycle(0);
    await turn();
    const before = [fdCount(), threadCount()];
    for (let i = 0; i < 10_000; i++) cycle(i);
    await turn();
    expect([fdCount(), threadCount()]).toEqual(before);
    await expectFlat("native");
  });

  it("40,000 open/receive/close cycles of the WASI transport keep fds, RSS and heap flat", async () => {
    await expectFlat("wasi");
  });

  it("a dump left after its first item leaves the socket usable (300 times), and nothing behind", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }); // the reader thread and its eventfd start with the first receive
      const fds = fdCount();
      for (let i = 0; i < 300; i++) {
        for await (const l of c.dump(rtLink, "getlink")) {
          expect(l.attrs).toBeDefined();
          break;
        }
        if (i % 50 === 0) expect((await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } })).length).toBe(1);
      }
      const all = await c.dump(rtLink, "getlink").toArray();
      expect(all.map((l) => (l.attrs as { ifname: string }).ifname).sort()).toEqual(linksIn(ns.name).map((l) => l.ifname).sort());
      expect(fdCount()).toBe(fds);
    } finally {
      c.close();
    }
  });

  it("a subscription the consumer stops leaves its groups and hears nothing more", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const port = c.transport.portId!;
      for (let i = 0; i < 100; i++) {
        const sub = await c.subscribe(rtLink, ["rtnlgrp-link"]);
        expect(groupsOf(ns.name, port)).toBe(1); // RTNLGRP_LINK is group 1: bit 0
        if (i % 2) sub.close();
        else await sub.return(); // what leaving a for-await loop calls
        expect(groupsOf(ns.name, port)).toBe(0);
        expect(await sub.next()).toEqual({ done: true, value: undefined });
      }
    } finally {
      c.close();
    }
  });
});
