import { spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLAG_OPTIONS, SIZE_OPTIONS, TransportError, defaultAddonPath } from "../../transport/index.js";
import { WasiShim, openWasi } from "../../transport/wasi.js";
import { nativeHost } from "../../transport/wasi-native.js";
import { transportConformance } from "../transport/conformance.js";
import { addVethPairs, createNetns, linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE, exchange, getlinkDump, linksOf } from "../transport/rtnl.js";

const shim = await WasiShim.load();
const guest = shim.instantiate(nativeHost());

for (const readerThread of [true, false]) {
  const mode = readerThread ? "reading ahead on a reader thread" : "with uv_poll on this thread";
  const g = readerThread ? guest : shim.instantiate(nativeHost({ readerThread }));
  transportConformance(`wasi over the native host, ${mode}, in a throw-away namespace`, async () => {
    const ns = createNetns("nlwwc");
    await addVethPairs(ns.name, 1);
    return {
      open: (o) => openWasi(g, { protocol: NETLINK_ROUTE, netns: ns.name, ...o }),
      links: async () => linksIn(ns.name),
      addLinks: async (count) => void (await addVethPairs(ns.name, count)),
      dispose: () => ns.dispose(),
    };
  });
}

describe("wasi transport over the native host", () => {
  const a = throwAwayNetns("nlwwa");

  it("knows the same options as the native addon", () => {
    expect(guest.options).toEqual([...FLAG_OPTIONS, ...SIZE_OPTIONS]);
  });

  it("opens by name, path and fd, and the calling thread stays in its own namespace", async () => {
    const before = readlinkSync("/proc/thread-self/ns/net");
    await addVethPairs(a.name, 2);
    const want = linksIn(a.name);
    for (const netns of [a.name, `/run/netns/${a.name}`]) {
      const t = openWasi(guest, { protocol: NETLINK_ROUTE, netns });
      try {
        expect(linksOf((await exchange(t, getlinkDump(3), 3)).messages)).toEqual(want);
      } finally {
        t.close();
      }
    }
    expect(readlinkSync("/proc/thread-self/ns/net")).toBe(before);
  });

  it("gets dumps in datagrams of up to 32 KiB once a datagram has arrived", async () => {
    await addVethPairs(a.name, 20);
    const t = openWasi(guest, { protocol: NETLINK_ROUTE, netns: a.name });
    try {
      await exchange(t, getlinkDump(1), 1);
      const { datagrams } = await exchange(t, getlinkDump(2), 2);
      expect(Math.max(...datagrams.map((d) => d.data.length))).toBeGreaterThan(16384);
    } finally {
      t.close();
    }
  });

  it("reports the kernel's errnos by name", () => {
    expect(() => openWasi(guest, { protocol: 31 })).toThrow(expect.objectContaining({ code: "EPROTONOSUPPORT" }));
    expect(() => openWasi(guest, { protocol: NETLINK_ROUTE, netns: "/nonexistent/netns" })).toThrow(expect.objectContaining({ code: "ENOENT" }));
    const t = openWasi(guest, { protocol: NETLINK_ROUTE });
    expect(() => t.groups.join(1 << 30)).toThrow(TransportError);
    t.close();
  });

  it("lets a worker exit or be terminated while its fds are watched, polled or read ahead by a thread", () => {
    // In a child process: a crash (libuv calling into an unloaded addon, a reader thread left running) must not take vitest down.
    const script = `
      const { Worker } = require("node:worker_threads");
      const code = \`
        const h = require(${JSON.stringify(defaultAddonPath())}).host;
        const { parentPort, workerData } = require("node:worker_threads");
        const open = () => { const fd = h.socket(0); h.bind(fd, 0, 0); return fd; };
        h.watch(open(), () => {}, false);                  // polled
        h.watch(open(), () => {}, true);                   // read ahead
        const paused = open(); h.watch(paused, () => {}, true); h.watch(paused, null);
        const closing = open(); h.watch(closing, () => {}); h.close(closing);
        if (workerData === "exit") process.exit(0);
        parentPort.postMessage("ready");\`;
      (async () => {
        for (const mode of ["terminate", "exit"]) {
          const w = new Worker(code, { eval: true, workerData: mode });
          await new Promise((r) => { w.on("message", r); w.on("exit", r); });
          await w.terminate();
        }
        console.log("clean");
      })();`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
    expect([r.signal, r.status, r.stdout.trim()]).toEqual([null, 0, "clean"]);
  });
});
