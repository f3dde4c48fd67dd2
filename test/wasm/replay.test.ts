import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { build } from "rolldown";
import { afterAll, describe, expect, it } from "vitest";
import { recordTo } from "../../capture/index.js";
import { NetlinkClient } from "../../client/index.js";
import { ipIn } from "../../tools/netns.js";
import { ROOT } from "../../tools/paths.js";
import { openNative } from "../../transport/index.js";
import { WasiShim, openWasi } from "../../transport/wasi.js";
import { conversationsOf, replayHost } from "../../transport/wasi-replay.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { linkOf } from "../client/helpers.js";
import { SCENARIOS } from "./replay-scenarios.js";

const shim = await WasiShim.load();

describe("replay host", () => {
  const ns = throwAwayNetns("nlwrp");
  const dir = mkdtempSync(join(tmpdir(), "nlwire-replay-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files: string[] = [];
  const live: Record<string, unknown> = {};

  it("records the client's sessions live, one pcapng per socket through the tee", async () => {
    await addVethPairs(ns.name, 2);
    ipIn(ns.name, ["link set lo up", "addr add 192.0.2.1/24 dev lo", "route add blackhole 198.51.100.0/24"]);
    const env = {
      open(protocol: number) {
        const file = join(dir, `${files.length}.pcapng`);
        files.push(file);
        return new NetlinkClient(recordTo(openNative({ protocol, netns: ns.name }), file).transport);
      },
      act: (lines: readonly string[]) => ipIn(ns.name, lines),
    };
    for (const [name, run] of Object.entries(SCENARIOS)) live[name] = await run(env);
    expect(live["links"]).toEqual(linksIn(ns.name).filter((l) => !l.ifname.startsWith("nlwrp")));
    expect((live["list then follow"] as string[]).some((s) => s.startsWith("new nlwrpa"))).toBe(true);
  });

  it("gives the client the same results from the recordings, with no system call", async () => {
    const host = replayHost(files.flatMap((f) => conversationsOf(readFileSync(f))));
    const guest = shim.instantiate(host);
    const env = { open: (protocol: number) => new NetlinkClient(openWasi(guest, { protocol })), act() {} };
    for (const [name, run] of Object.entries(SCENARIOS)) expect(await run(env), name).toEqual(live[name]);
    expect(host.problems).toEqual([]);
  });

  it("does the same as a user with no capabilities, who could not open a netlink socket in that namespace", async () => {
    // The child runs plain JS: bundled next to the checkout, so that it finds wasm/ (the committed component).
    const bundle = join(ROOT, "build-tools", `replay-test-${process.pid}`);
    mkdirSync(bundle, { recursive: true });
    try {
      const file = join(bundle, "replay-child.mjs");
      await build({
        input: join(ROOT, "test/wasm/replay-child.ts"),
        platform: "node",
        logLevel: "silent",
        resolve: { conditionNames: ["source", "import", "node", "default"] },
        output: { file, format: "esm" },
      });
      chmodSync(dir, 0o755); // the recordings, for the unprivileged reader
      const nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"];
      const out = JSON.parse(execFileSync("setpriv", [...nobody, process.execPath, file, ns.name, ...files], { encoding: "utf8", timeout: 30_000 }));
      expect(out).toEqual({ uid: 65534, native: "EPERM", results: live, problems: [] });
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
  });

  it("refuses a request the recording does not hold, and says so", async () => {
    const host = replayHost(conversationsOf(readFileSync(files[0]!)));
    const c = new NetlinkClient(openWasi(shim.instantiate(host), { protocol: 0 }));
    try {
      const e = await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }).catch((x: unknown) => x);
      expect(e).toMatchObject({ name: "TransportError", code: "EPROTO" });
      expect(host.problems).toEqual([{ fd: expect.any(Number), what: expect.stringMatching(/other than the recorded one/) }]);
      // The recorded dump still plays.
      expect((await c.dump(rtLink, "getlink").toArray()).map(linkOf)).toEqual(live["links"]);
    } finally {
      c.close();
    }
    expect(() => openWasi(shim.instantiate(replayHost([])), { protocol: 0 })).toThrow(expect.objectContaining({ code: "ENODATA" }));
  });
});
