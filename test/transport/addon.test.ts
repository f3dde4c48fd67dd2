import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { AddonUnavailableError, defaultAddonPath, loadNativeAddon, openNative } from "../../transport/index.js";
import { throwAwayNetns } from "./netns.js";
import { NETLINK_ROUTE, getlinkDump } from "./rtnl.js";

const fdCount = (): number => readdirSync("/proc/self/fd").length;
const threadCount = (): number => readdirSync("/proc/self/task").length;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("native addon resources", () => {
  const ns = throwAwayNetns("nlwr");

  it("leaves the fd and thread counts unchanged after 10,000 open/close cycles", async () => {
    openNative({ protocol: NETLINK_ROUTE }).close(); // the addon's own first-load fds
    const before = [fdCount(), threadCount()];
    for (let i = 0; i < 10_000; i++) {
      // Every 100th in the namespace (3 setns and 2 more fds on the way), every 10th polling when
      // closed, every 10th (another 10th) with its reader thread and eventfd receiving when closed.
      const readerThread = i % 10 === 5;
      const t = openNative(i % 100 === 0 ? { protocol: NETLINK_ROUTE, netns: ns.name } : { protocol: NETLINK_ROUTE, readerThread });
      if (i % 10 === 0 || readerThread) t.receive({ datagram() {}, error() {} });
      t.close();
    }
    await turn(); // uv_close finishes on the next loop turn
    expect([fdCount(), threadCount()]).toEqual(before);
  });

  it("closes a socket nobody closed once it is garbage collected", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const before = fdCount();
    (() => {
      for (let i = 0; i < 50; i++) openNative({ protocol: NETLINK_ROUTE });
    })();
    expect(fdCount()).toBe(before + 50);
    for (let i = 0; i < 20 && fdCount() > before; i++) {
      gc();
      await turn(); // Node runs Node-API finalizers after the collection, from the loop
    }
    expect(fdCount()).toBe(before);
  });

  it("lets a worker exit or be terminated with sockets receiving, paused or closing", () => {
    // In a child process: a crash (libuv calling into an unloaded addon) must not take vitest down.
    const script = `
      const { Worker } = require("node:worker_threads");
      const code = \`
        const a = require(${JSON.stringify(defaultAddonPath())});
        const { parentPort, workerData } = require("node:worker_threads");
        const open = () => { const s = a.open(0); a.bind(s, 0); return s; };
        for (const threaded of [false, true]) {                    // uv_poll, and a reader thread
          a.start(open(), () => {}, threaded);                       // receiving
          const paused = open(); a.start(paused, () => {}, threaded); a.stop(paused);
          const closing = open(); a.start(closing, () => {}, threaded); a.close(closing); // uv_close pending
        }
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

  it("turns an exception in a receiver into 'uncaughtException', as an event handler's would be", () => {
    const script = `
      const a = require(${JSON.stringify(defaultAddonPath())});
      const s = a.open(0); a.bind(s, 0);
      process.on("uncaughtException", (e) => { console.log("caught:", e.message); a.close(s); });
      a.start(s, () => { throw new Error("receiver failed"); });
      a.send(s, new Uint8Array(${JSON.stringify([...getlinkDump(1)])}));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 10_000 });
    expect(r.stdout.trim()).toBe("caught: receiver failed");
    expect(r.status).toBe(0);
  });
});

describe("a missing or broken addon", () => {
  const dir = mkdtempSync(join(tmpdir(), "nlwire-addon-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("raises AddonUnavailableError saying why and what to install", () => {
    mkdirSync(join(dir, "Release"));
    writeFileSync(join(dir, "addon-error.log"), "gyp info ok\nmake: g++: No such file or directory\n");
    const missing = join(dir, "Release", "nlwire_shim.node");
    expect(() => loadNativeAddon(missing)).toThrow(AddonUnavailableError);
    expect(() => loadNativeAddon(missing)).toThrow(/does not exist[\s\S]*apt-get install g\+\+ make python3; npm rebuild[\s\S]*g\+\+: No such file/);
    writeFileSync(missing, "not an ELF file");
    expect(() => loadNativeAddon(missing)).toThrow(expect.objectContaining({ reason: "load-failed", message: expect.stringMatching(/does not load: .*file too short/) }));
  });
});
