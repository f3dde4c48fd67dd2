import { closeSync, openSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLAG_OPTIONS, SIZE_OPTIONS, TransportError, defaultAddonPath, loadNativeAddon, openNative } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { transportConformance } from "./conformance.js";
import { addVethPairs, createNetns, linksIn, throwAwayNetns } from "./netns.js";
import { NETLINK_ROUTE, RTNLGRP_LINK, RTM_NEWLINK, collect, exchange, getlinkDump, linksOf } from "./rtnl.js";

// Both ways of receiving: uv_poll on the event loop's thread, and the socket's own reader thread.
for (const readerThread of [false, true]) {
  transportConformance(`native (${readerThread ? "reader thread" : "uv_poll"}), in a throw-away namespace`, async () => {
    const ns = createNetns("nlwc");
    await addVethPairs(ns.name, 1); // links beyond lo, so that dumps span datagrams
    return {
      open: (o) => openNative({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread, ...o }),
      links: async () => linksIn(ns.name),
      addLinks: async (count) => void (await addVethPairs(ns.name, count)),
      dispose: () => ns.dispose(),
    };
  });
}

describe("native transport", () => {
  const a = throwAwayNetns("nlwa");
  const threadNetns = () => readlinkSync("/proc/thread-self/ns/net");

  it("knows the same options as the addon", () => {
    expect(loadNativeAddon().options).toEqual([...FLAG_OPTIONS, ...SIZE_OPTIONS]);
  });

  it("sees only the namespace's links, by name, path and fd, while a host socket sees the host's, also concurrently", async () => {
    const names = await addVethPairs(a.name, 2);
    const fd = openSync(`/run/netns/${a.name}`, "r");
    const inA = [openNative({ protocol: NETLINK_ROUTE, netns: a.name }), openNative({ protocol: NETLINK_ROUTE, netns: `/run/netns/${a.name}` })];
    inA.push(openNative({ protocol: NETLINK_ROUTE, netns: fd }));
    closeSync(fd); // the socket keeps its namespace; the fd was only needed to enter it
    const host = openNative({ protocol: NETLINK_ROUTE });
    try {
      const want = linksIn(a.name);
      expect(want.map((l) => l.ifname)).toEqual(expect.arrayContaining(names));
      for (let round = 1; round <= 5; round++) {
        const [h, ...dumps] = await Promise.all([host, ...inA].map((t, i) => exchange(t, getlinkDump(round * 10 + i), round * 10 + i)));
        for (const d of dumps) expect(linksOf(d.messages)).toEqual(want);
        expect(linksOf(h!.messages)).toEqual(linksIn());
      }
      expect(linksIn().map((l) => l.ifname)).not.toContain(names[0]);
    } finally {
      for (const t of [host, ...inA]) t.close();
    }
  });

  it("moves only the calling thread: a worker opening sockets in the namespace never moves the main thread", async () => {
    const before = threadNetns();
    const worker = new Worker(
      `const { parentPort, workerData: w } = require("node:worker_threads");
       const { readlinkSync } = require("node:fs");
       const a = require(w.addon), home = readlinkSync("/proc/thread-self/ns/net");
       let moved = 0;
       for (let i = 0; i < 2000; i++) {
         const s = a.open(0, w.netns);
         if (typeof s === "number") throw new Error("open: " + s);
         a.close(s);
         if (readlinkSync("/proc/thread-self/ns/net") !== home) moved++;
       }
       parentPort.postMessage(moved);`,
      { eval: true, workerData: { addon: defaultAddonPath(), netns: `/run/netns/${a.name}` } },
    );
    const done = new Promise<number>((resolve, reject) => worker.on("message", resolve).on("error", reject));
    let opened = 0;
    let moved = 0;
    for (let finished = false; !finished; opened++) {
      openNative({ protocol: NETLINK_ROUTE }).close();
      if (threadNetns() !== before) moved++;
      finished = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
    }
    expect([await done, moved]).toEqual([0, 0]);
    expect(opened).toBeGreaterThan(1);
    await worker.terminate();
  });

  it("gets dumps in datagrams of up to 32 KiB once a datagram has arrived, not a page each", async () => {
    await addVethPairs(a.name, 20);
    const t = openNative({ protocol: NETLINK_ROUTE, netns: a.name });
    try {
      await exchange(t, getlinkDump(1), 1); // the kernel made its first datagram before we read
      const { datagrams } = await exchange(t, getlinkDump(2), 2);
      expect(Math.max(...datagrams.map((d) => d.data.length))).toBeGreaterThan(16384);
    } finally {
      t.close();
    }
  });

  it.each([4096, 8192, 16000])("completes dumps with a small receive buffer (%i): no 32 KiB datagrams it cannot hold", async (size) => {
    const t = openNative({ protocol: NETLINK_ROUTE, netns: a.name });
    try {
      t.options!.set("rcvbufForce", size);
      // Before the fix, the wide peek made the kernel build 32 KiB dump datagrams,
      // and every read of this socket returned ENOBUFS while the dump never moved.
      for (let seq = 1; seq <= 3; seq++) {
        const { messages } = await exchange(t, getlinkDump(seq), seq);
        expect(linksOf(messages).length).toBeGreaterThan(0); // exchange() resolved: the dump reached its DONE
      }
    } finally {
      t.close();
    }
  });

  it("keeps the calling thread in its own namespace, whatever fails", () => {
    const before = threadNetns();
    const notNetns = join(tmpdir(), `nlwire-not-a-netns-${process.pid}`);
    writeFileSync(notNetns, "");
    const cases: [string | number, number, string][] = [
      ["/nonexistent/netns", NETLINK_ROUTE, "ENOENT"], // before any setns
      [notNetns, NETLINK_ROUTE, "EINVAL"], // setns refuses a file that is no namespace
      [1 << 20, NETLINK_ROUTE, "EBADF"],
      [a.name, 31, "EPROTONOSUPPORT"], // socket() fails inside the namespace
    ];
    try {
      for (const [netns, protocol, code] of cases) {
        expect(() => openNative({ protocol, netns }), String(netns)).toThrow(expect.objectContaining({ code }));
        expect(threadNetns()).toBe(before);
      }
    } finally {
      rmSync(notNetns);
    }
    const t = openNative({ protocol: NETLINK_ROUTE, netns: a.name });
    t.close();
    expect(threadNetns()).toBe(before);
  });

  it("reports errors as TransportError with the errno's name", async () => {
    const t = openNative({ protocol: NETLINK_ROUTE });
    expect(() => t.groups.join(1 << 30)).toThrow(TransportError);
    t.close();
    await expect(t.send(getlinkDump(1))).rejects.toMatchObject({ code: "EBADF", op: "send" });
  });

  it("goes on after an overrun: libuv stops polling on the EPOLLERR that ENOBUFS raises, the addon polls again", async () => {
    const t = openNative({ protocol: NETLINK_ROUTE, netns: a.name });
    const seen: string[] = [];
    t.options.set("rcvbuf", 1);
    t.groups.join(RTNLGRP_LINK);
    t.receive({ datagram: () => void seen.push("datagram"), error: (e) => void seen.push(e.name) });
    const burst = (tag: string): void => {
      // Synchronous: the event loop is blocked, so nothing is read while the burst overflows the socket.
      ip(["-n", a.name, "-batch", "-"], [0, 1, 2, 3].map((i) => `link add ${tag}${i} type veth peer name ${tag}p${i}`).join("\n"));
    };
    try {
      burst("nlwx");
      await new Promise((r) => setTimeout(r, 50));
      burst("nlwy");
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.filter((s) => s === "OverrunError")).toHaveLength(2);
      expect(seen.lastIndexOf("datagram")).toBeGreaterThan(seen.lastIndexOf("OverrunError"));
    } finally {
      t.close();
    }
  });

  it("listenAllNsid: a notification from a peer namespace carries its nsid", async () => {
    const b = createNetns("nlwb");
    const t = openNative({ protocol: NETLINK_ROUTE, netns: a.name });
    try {
      ip(["-n", a.name, "netns", "set", b.name, "42"]); // b's id as seen from a
      t.options.set("listenAllNsid", true);
      t.groups.join(RTNLGRP_LINK);
      const note = collect(t, (m) => m.header.type === RTM_NEWLINK);
      await addVethPairs(b.name, 1);
      const { datagrams } = await note;
      expect(datagrams.map((d) => d.info)).toContainEqual({ from: 0, nsid: 42 });
    } finally {
      t.close();
      b.dispose();
    }
  });
});
