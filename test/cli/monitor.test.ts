import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ipBatch, ipIn } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { buildCli, ndjsonOf, Running, startCli, type Cli, type MessageJson } from "./helpers.js";

let cli: Cli;
beforeAll(async () => void (cli = await buildCli()));
afterAll(() => cli.remove());

interface Event {
  time: string;
  object: string;
  event: string;
  synthetic?: boolean;
  cause?: string;
  error?: string;
  message?: MessageJson;
}

const events = (r: Running): Event[] => ndjsonOf<Event>(r.lines.join("\n"));
const started = (r: Running) => r.until(() => r.stderr.includes("following"), 5000, "the subscription");

describe("nlwire monitor", () => {
  const ns = throwAwayNetns("nlwmon");

  it("-j: NDJSON events with timestamps for a veth created and deleted in the namespace", async () => {
    const r = new Running(startCli(cli, ["monitor", "link", "--netns", ns.name, "-j"]));
    try {
      await started(r);
      ipIn(ns.name, ["link add nlwm0 type veth peer name nlwm1"]);
      await r.until(() => events(r).some((e) => e.event === "new" && e.message?.attrs.ifname === "nlwm0"));
      ipIn(ns.name, ["link del nlwm0"]);
      await r.until(() => events(r).some((e) => e.event === "deleted" && e.message?.attrs.ifname === "nlwm0"));
    } finally {
      expect(await r.stop()).toBe(0);
    }
    const ev = events(r);
    for (const e of ev) {
      expect(e.object).toBe("link");
      expect(Date.parse(e.time)).toBeGreaterThan(Date.now() - 60_000);
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    }
    const names = ev.filter((e) => e.event === "new").map((e) => e.message!.attrs.ifname);
    expect(names).toEqual(expect.arrayContaining(["nlwm0", "nlwm1"]));
    const del = ev.find((e) => e.event === "deleted")!;
    expect(del.message).toMatchObject({ family: "rt-link", op: "dellink" });
  });

  it("text: one line per change, with the time, the object and what changed", async () => {
    ipIn(ns.name, ["link set lo up"]);
    const r = new Running(startCli(cli, ["monitor", "addr", "link", "--netns", ns.name, "--count", "1"]));
    await started(r);
    ipIn(ns.name, ["addr add 10.77.0.1/32 dev lo"]);
    expect(await r.exited).toBe(0); // --count 1 ends it
    expect(r.lines.join("\n")).toMatch(/^\[\d{4}-[^\]]+Z\] addr new dev lo family inet address 10\.77\.0\.1\/32 scope/m);
  });

  it("--initial lists first (synthetic new, then resynced), then follows", async () => {
    const r = new Running(startCli(cli, ["monitor", "link", "--initial", "--netns", ns.name, "-j", "--count", "1"]));
    await r.until(() => events(r).some((e) => e.event === "resynced"));
    ipIn(ns.name, ["link add nlwm2 type veth peer name nlwm3"]);
    expect(await r.exited).toBe(0);
    const ev = events(r);
    const at = ev.findIndex((e) => e.event === "resynced");
    expect(ev[at]!.cause).toBe("initial");
    expect(ev.slice(0, at).every((e) => e.synthetic && e.event === "new")).toBe(true);
    expect(ev.slice(0, at).map((e) => e.message!.attrs.ifname)).toContain("lo");
    expect(ev.slice(at + 1).some((e) => !e.synthetic && e.message!.attrs.ifname?.toString().startsWith("nlwm"))).toBe(true);
  });

  it("reports an overrun (a burst into a tiny receive buffer) and, with --resync, re-reads the state", async () => {
    ipIn(ns.name, ["link add nlwov type veth peer name nlwov1", "link set nlwov up"]);
    const r = new Running(startCli(cli, ["monitor", "route", "--netns", ns.name, "-j", "--rcvbuf", "2048", "--resync"]));
    try {
      await started(r);
      const routes = Array.from({ length: 2000 }, (_, i) => `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 dev nlwov`);
      await ipBatch(ns.name, routes);
      await r.until(() => events(r).some((e) => e.event === "resynced"), 20_000, "a resync");
    } finally {
      expect(await r.stop()).toBe(0);
    }
    const ev = events(r);
    const over = ev.findIndex((e) => e.event === "overrun");
    const resynced = ev.findIndex((e) => e.event === "resynced");
    expect(over).toBeGreaterThanOrEqual(0);
    expect(ev[over]!.error).toBe("ENOBUFS");
    expect(ev[resynced]!.cause).toBe("overrun");
    expect(resynced).toBeGreaterThan(over);
    // Between them: what the re-dump found that the notifications had missed, marked synthetic.
    expect(ev.slice(over + 1, resynced).every((e) => e.synthetic)).toBe(true);
    expect(ev.slice(over + 1, resynced).length).toBeGreaterThan(0);
  });
});
