import { NLMSG_DONE, NLM_F, splitDatagram, type NetlinkMessage } from "@nlwire/codec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FLAG_OPTIONS,
  NotSupportedError,
  TransportError,
  datagrams,
  need,
  tee,
  type TeeRecord,
  type Transport,
} from "../../transport/index.js";
import { RTM_NEWLINK, RTNLGRP_LINK, badNewlink, collect, doneOf, errorOf, exchange, getlinkDump, linksOf, type Link } from "./rtnl.js";

/**
 * The behaviour every transport owes its users, run over any transport
 * (native now; WASI and replay later) through a target that opens
 * NETLINK_ROUTE transports on the kernel side under test and tells what that
 * side holds. Abilities a transport lacks must be refused with
 * NotSupportedError; the tests of an ability run where it is present.
 */
export interface ConformanceTarget {
  open(opts?: { groups?: number }): Transport | Promise<Transport>;
  /** The links the kernel side has, as `ip -j link show` reports them. */
  links(): Promise<Link[]>;
  /** Makes the kernel announce `count` new links (RTM_NEWLINK), if the target can. */
  addLinks?(count: number): Promise<void>;
  dispose(): void | Promise<void>;
}

export function transportConformance(name: string, makeTarget: () => Promise<ConformanceTarget>): void {
  describe(`transport conformance: ${name}`, () => {
    let target: ConformanceTarget;
    const open: Transport[] = [];
    beforeAll(async () => {
      target = await makeTarget();
    });
    afterAll(async () => {
      for (const t of open) t.close();
      await target?.dispose();
    });
    const opened = async (opts?: { groups?: number }): Promise<Transport> => {
      const t = await target.open(opts);
      open.push(t);
      return t;
    };

    it("answers a RTM_GETLINK dump whole, ending in DONE, with the kernel's links", async () => {
      const t = await opened();
      const { messages } = await exchange(t, getlinkDump(7), 7);
      expect(messages.every((m) => m.header.seq === 7)).toBe(true);
      if (t.portId !== undefined) expect(messages.every((m) => m.header.pid === t.portId)).toBe(true);
      expect(messages.at(-1)!.header.type).toBe(NLMSG_DONE);
      expect(messages.slice(0, -1).every((m) => m.header.type === RTM_NEWLINK && m.header.flags & NLM_F.MULTI)).toBe(true);
      expect(linksOf(messages)).toEqual(await target.links());
    });

    it("hands over every datagram in a buffer of its own", async () => {
      const t = await opened();
      const a = await exchange(t, getlinkDump(1), 1);
      const b = await exchange(t, getlinkDump(2), 2);
      const all = [...a.datagrams, ...b.datagrams].map((d) => d.data);
      expect(new Set(all.map((d) => d.buffer)).size).toBe(all.length);
      expect(all.every((d) => d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)).toBe(true);
      expect(a.datagrams.every((d) => d.info.from === 0)).toBe(true);
    });

    it("holds datagrams back while no receiver is attached, and goes on where it stopped", async () => {
      const t = await opened();
      const head = collect(t, () => true); // detaches inside the first datagram's callback
      await t.send(getlinkDump(3));
      const first = await head;
      expect(first.datagrams).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 100)); // the kernel holds the rest meanwhile
      const isDone = (m: NetlinkMessage) => m.header.type === NLMSG_DONE;
      const rest = first.messages.some(isDone) ? { messages: [] } : await collect(t, isDone);
      expect(linksOf([...first.messages, ...rest.messages])).toEqual(await target.links());
    });

    it("streams through datagrams() with a bounded queue", async () => {
      const t = await opened();
      const it = datagrams(t, { highWaterMark: 1 });
      await t.send(getlinkDump(4));
      const messages: NetlinkMessage[] = [];
      for await (const d of it) {
        await new Promise((r) => setTimeout(r, 1)); // a slow consumer
        messages.push(...splitDatagram(d.data).messages);
        if (messages.some((m) => m.header.type === NLMSG_DONE)) break;
      }
      expect(linksOf(messages)).toEqual(await target.links());
    });

    it("tees what it sends and receives, in order, with direction and timestamp", async () => {
      const records: TeeRecord[] = [];
      const t = tee(await opened(), (r) => records.push({ ...r, data: r.data.slice() }));
      const request = getlinkDump(5);
      const { datagrams: got } = await exchange(t, request, 5);
      expect(records.map((r) => r.direction)).toEqual(["sent", ...got.map(() => "received")]);
      expect(records[0]!.data).toEqual(request);
      expect(records.slice(1).map((r) => r.data)).toEqual(got.map((d) => d.data));
      expect(records.every((r, i) => r.protocol === t.protocol && (i === 0 || r.timestampNs >= records[i - 1]!.timestampNs))).toBe(true);
      expect(Number(records[0]!.timestampNs / 1_000_000n)).toBeCloseTo(Date.now(), -4);
    });

    it("closes idempotently, ends an attached receiver, and refuses to send afterwards", async () => {
      const t = await opened();
      let ended = 0;
      t.receive({ datagram() {}, error() {}, end: () => ended++ });
      t.close();
      t.close();
      expect(t.closed).toBe(true);
      expect(ended).toBe(1);
      await expect(t.send(getlinkDump(6))).rejects.toBeInstanceOf(TransportError);
      expect(() => t.receive({ datagram() {}, error() {} })).toThrow(TransportError);
    });

    it("probes optional abilities: a missing one is a NotSupportedError", async () => {
      const t = await opened();
      for (const ability of ["groups", "options", "portId"] as const) {
        if (t[ability] === undefined) expect(() => need(t, ability)).toThrow(NotSupportedError);
        else expect(need(t, ability)).toBe(t[ability]);
      }
    });

    describe("options", () => {
      it("sets and reads back every flag option and the buffer sizes", async () => {
        const o = need(await opened(), "options");
        for (const name of FLAG_OPTIONS) {
          o.set(name, true);
          expect(o.get(name), name).toBe(true);
          o.set(name, false);
          expect(o.get(name), name).toBe(false);
        }
        o.set("sndbuf", 65536);
        expect(o.get("sndbuf")).toBe(2 * 65536); // socket(7): the kernel doubles it
        o.set("rcvbufForce", 1 << 20);
        expect(o.get("rcvbuf")).toBe(2 << 20);
      });

      it("extAck: a bad request's NLMSG_ERROR carries the kernel's message", async () => {
        const t = await opened();
        const plain = errorOf(await exchange(t, badNewlink(8), 8));
        need(t, "options").set("extAck", true);
        const ext = errorOf(await exchange(t, badNewlink(9), 9));
        expect([plain.errnoName, ext.errnoName]).toEqual(["ERANGE", "ERANGE"]);
        expect(plain.extAck?.message).toBeUndefined();
        expect(ext.flags & NLM_F.ACK_TLVS).toBeTruthy();
        expect(ext.extAck?.message).toMatch(/\w+/);
        expect(ext.extAck?.offset).toBe(32); // IFLA_IFNAME, after nlmsghdr and ifinfomsg
      });

      it("getStrictChk: junk in a dump request's header is refused, in the DONE that ends it", async () => {
        const t = await opened();
        const o = need(t, "options");
        expect(doneOf(await exchange(t, getlinkDump(10, 1), 10)).errno).toBe(0);
        o.set("getStrictChk", true);
        o.set("extAck", true);
        const done = doneOf(await exchange(t, getlinkDump(11, 1), 11));
        expect(done.errnoName).toBe("EINVAL");
        expect(done.extAck?.message).toMatch(/header/);
      });

      it("capAck: an error echoes only the request's header", async () => {
        const t = await opened();
        expect(errorOf(await exchange(t, badNewlink(12), 12)).requestPayload?.length).toBeGreaterThan(16);
        need(t, "options").set("capAck", true);
        const capped = errorOf(await exchange(t, badNewlink(13), 13));
        expect(capped.flags & NLM_F.CAPPED).toBeTruthy();
        expect(capped.requestPayload).toBeUndefined();
        expect(capped.request.seq).toBe(13);
      });
    });

    describe("groups", () => {
      it("joining RTNLGRP_LINK delivers RTM_NEWLINK when a link appears", async (ctx) => {
        if (!target.addLinks) return ctx.skip();
        const t = await opened();
        need(t, "groups").join(RTNLGRP_LINK);
        const note = collect(t, (m) => m.header.type === RTM_NEWLINK && m.header.seq === 0);
        await target.addLinks(1);
        const { messages } = await note;
        expect(messages.every((m) => m.header.pid === 0)).toBe(true);
        need(t, "groups").leave(RTNLGRP_LINK);
      });

      it("opened with the RTNLGRP_LINK bit in its bind mask, it hears RTM_NEWLINK too", async (ctx) => {
        if (!target.addLinks) return ctx.skip();
        const t = await opened({ groups: 1 << (RTNLGRP_LINK - 1) });
        const note = collect(t, (m) => m.header.type === RTM_NEWLINK && m.header.seq === 0);
        await target.addLinks(1);
        expect((await note).messages.length).toBeGreaterThan(0);
      });

      it("a burst into a tiny receive buffer is an OverrunError, not silence; noEnobufs keeps it quiet", async (ctx) => {
        if (!target.addLinks) return ctx.skip();
        const [loud, quiet] = [await opened(), await opened()];
        for (const t of [loud, quiet]) {
          need(t, "options").set("rcvbuf", 1); // the kernel's minimum, a few kB
          need(t, "groups").join(RTNLGRP_LINK);
        }
        need(quiet, "options").set("noEnobufs", true);
        await target.addLinks(8); // nobody reads meanwhile: the queue overflows
        const [a, b] = await Promise.all([collect(loud, () => false, 200, true), collect(quiet, () => false, 200, true)]);
        expect(a.overruns).toBeGreaterThanOrEqual(1);
        expect(a.messages.length).toBeGreaterThan(0); // reception goes on after the overrun
        expect(b.overruns).toBe(0);
        expect(b.messages.length).toBeGreaterThan(0);
      });
    });
  });
}
