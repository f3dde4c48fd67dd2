import { isCodecError, type DecodedMessage } from "@nlwire/codec";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { beforeAll, describe, expect, it } from "vitest";
import { ClientClosedError, KernelError, NetlinkClient, TimeoutError, type Anomaly } from "../../client/index.js";
import { TransportError, faulty, openNative, seededRandom, type Fault, type FaultPlan, type FaultyTransport } from "../../transport/index.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE } from "../client/helpers.js";

/**
 * The client over a transport that injects faults (transport/faults.ts), in
 * a namespace whose link dump spans several datagrams. Every fault must end
 * in complete data or a typed error, within the timeout, with nothing
 * dropped or repeated unless an anomaly says so.
 */
const TIMEOUT_MS = 400;
const ALL_FAULTS: Fault[] = [
  { kind: "eintr" }, { kind: "eagain" }, { kind: "kernel-error", errno: 16, message: "injected" }, { kind: "kernel-error", errno: 22 },
  { kind: "enobufs" }, { kind: "truncate" }, { kind: "foreign-seq" }, { kind: "foreign-port" }, { kind: "duplicate" },
  { kind: "reorder" }, { kind: "drop-done" }, { kind: "close" },
];

const names = (ms: readonly DecodedMessage[]) => ms.map((m) => (m.attrs as { ifname: string }).ifname).sort();
const isTyped = (e: unknown) =>
  e instanceof TimeoutError || e instanceof KernelError || e instanceof TransportError || e instanceof ClientClosedError || isCodecError(e);

describe("the client over a fault-injecting transport", () => {
  const ns = throwAwayNetns("nlwfi");
  let want: string[] = [];

  beforeAll(async () => {
    await addVethPairs(ns.name, 40); // 81 links: a dump of several 32 KiB datagrams
    want = linksIn(ns.name).map((l) => l.ifname).sort();
  });

  function open(plan: FaultPlan): { c: NetlinkClient; t: FaultyTransport; anomalies: Anomaly[] } {
    const t = faulty(openNative({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: true }), plan);
    const anomalies: Anomaly[] = [];
    return { c: new NetlinkClient(t, { timeoutMs: TIMEOUT_MS, onAnomaly: (a) => anomalies.push(a) }), t, anomalies };
  }
  const links = (c: NetlinkClient) => c.dump(rtLink, "getlink").toArray();

  it("retries EINTR and a short EAGAIN storm on send", async () => {
    const { c, t } = open({ schedule: [{ on: "send", at: 1, fault: { kind: "eintr" } }, { on: "send", at: 2, fault: { kind: "eagain", times: 4 } }] });
    try {
      expect(names(await links(c))).toEqual(want);
      expect(t.injected.map((i) => i.kind)).toEqual(["eintr", "eagain"]);
    } finally {
      c.close();
    }
  });

  it("fails a request with a typed EAGAIN when the storm outlasts the retries, and goes on working", async () => {
    const { c } = open({ schedule: [{ on: "send", at: 1, fault: { kind: "eagain", times: 8 } }] });
    try {
      const e = await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TransportError);
      expect((e as TransportError).code).toBe("EAGAIN");
      expect(names(await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }))).toEqual(["lo"]);
    } finally {
      c.close();
    }
  });

  it("hands ENOBUFS to subscribers as an overrun, while a dump in flight goes on", async () => {
    const { c } = open({ schedule: [{ on: "receive", at: 2, fault: { kind: "enobufs" } }] });
    try {
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"]);
      expect(names(await links(c))).toEqual(want);
      const first = await sub.next();
      expect(first.value).toMatchObject({ type: "overrun" });
      sub.close();
    } finally {
      c.close();
    }
  });

  it("fails a dump whose datagram was cut short with the codec's typed error; the socket stays usable", async () => {
    const { c } = open({ schedule: [{ on: "receive", at: 2, fault: { kind: "truncate" } }] });
    try {
      const e = await links(c).catch((x: unknown) => x);
      expect(isCodecError(e)).toBe(true);
      expect(names(await links(c))).toEqual(want);
    } finally {
      c.close();
    }
  });

  it("takes copies with a foreign seq or port id for no reply, and says so", async () => {
    const { c, anomalies } = open({
      schedule: [{ on: "receive", at: 1, fault: { kind: "foreign-seq" } }, { on: "receive", at: 2, fault: { kind: "foreign-port" } }],
    });
    try {
      expect(names(await links(c))).toEqual(want);
      expect(anomalies.filter((a) => a.type === "stray-reply")).toHaveLength(2);
    } finally {
      c.close();
    }
  });

  it("yields no object twice when a datagram comes twice, and says so", async () => {
    const { c, anomalies } = open({ schedule: [{ on: "receive", at: 2, fault: { kind: "duplicate" } }] });
    try {
      expect(names(await links(c))).toEqual(want);
      expect(anomalies).toEqual([{ type: "duplicate-datagram", seq: expect.any(Number) }]);
    } finally {
      c.close();
    }
  });

  it("yields every object once when parts come out of order", async () => {
    const { c, t } = open({ schedule: [{ on: "receive", at: 1, fault: { kind: "reorder" } }] });
    try {
      expect(names(await links(c))).toEqual(want);
      expect(t.injected).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it("ends a dump whose DONE never comes with a TimeoutError, after everything before it", async () => {
    const schedule = Array.from({ length: 50 }, (_, i) => ({ on: "receive" as const, at: i + 1, fault: { kind: "drop-done" as const } }));
    const { c } = open({ schedule });
    try {
      const got: string[] = [];
      const e = await (async () => {
        for await (const l of c.dump(rtLink, "getlink")) got.push((l.attrs as { ifname: string }).ifname);
      })().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TimeoutError);
      expect(got.sort()).toEqual(want);
    } finally {
      c.close();
    }
  });

  it("marks, or retries, a dump flagged DUMP_INTR (every second dump)", async () => {
    const { c } = open({ dumpIntrEvery: 2 });
    try {
      const first = c.dump(rtLink, "getlink");
      expect(names(await first.toArray())).toEqual(want);
      const second = c.dump(rtLink, "getlink");
      expect(names(await second.toArray())).toEqual(want);
      expect([first.interrupted, second.interrupted]).toEqual([false, true]);
      c.dump(rtLink, "getlink"); // never iterated: sends nothing
      expect(names(await links(c))).toEqual(want); // the third dump sent
      let restarts = 0;
      const retried = c.dump(rtLink, "getlink", {}, { onInterrupted: "retry", onRestart: () => restarts++ });
      expect(names(await retried.toArray())).toEqual(want);
      expect([retried.restarts, restarts, retried.interrupted]).toEqual([1, 1, false]);
    } finally {
      c.close();
    }
  });

  it("turns kernel errors, with and without ext-ack, into KernelErrors", async () => {
    const { c } = open({
      schedule: [
        { on: "send", at: 1, fault: { kind: "kernel-error", errno: 1, message: "injected refusal" } },
        { on: "send", at: 2, fault: { kind: "kernel-error", errno: 22 } },
      ],
    });
    try {
      const a = await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }).catch((x: unknown) => x);
      expect(a).toMatchObject({ name: "KernelError", errnoName: "EPERM", kernelMessage: "injected refusal", missingCapability: "CAP_NET_ADMIN" });
      const b = await links(c).catch((x: unknown) => x);
      expect(b).toMatchObject({ name: "KernelError", errnoName: "EINVAL", kernelMessage: undefined });
    } finally {
      c.close();
    }
  });

  it("ends a dump with ClientClosedError when the socket closes in the middle of it", async () => {
    const { c } = open({ schedule: [{ on: "receive", at: 2, fault: { kind: "close" } }] });
    const e = await links(c).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClientClosedError);
    expect(c.closed).toBe(true);
  });

  it("random faults from a seed: every operation ends complete or with a typed error, in bounded time", async () => {
    let clean = 0;
    let failed = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const pick = seededRandom(seed * 7919);
      let o = open({ random: { seed, rate: 0.15, faults: ALL_FAULTS } });
      for (let op = 0; op < 12; op++) {
        if (o.c.closed) o = open({ random: { seed: seed * 1000 + op, rate: 0.15, faults: ALL_FAULTS } });
        const before = o.anomalies.length;
        const started = Date.now();
        try {
          const got = pick() < 0.7 ? names(await links(o.c)) : names(await o.c.request(rtLink, "getlink", { attrs: { ifname: "lo" } }));
          expect(new Set(got).size).toBe(got.length); // never an object twice
          const expected = got.length === 1 ? ["lo"] : want;
          // Complete, or the client said why not (a part came after its DONE).
          if (o.anomalies.length === before) expect(got).toEqual(expected);
          else expect(expected).toEqual(expect.arrayContaining(got));
          clean++;
        } catch (e) {
          if (!isTyped(e)) throw e;
          failed++;
        }
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4);
      }
      o.c.close();
    }
    expect(clean).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  });
});
