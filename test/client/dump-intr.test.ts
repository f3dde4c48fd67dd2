import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { beforeAll, describe, expect, it } from "vitest";
import { DumpInterruptedError, NetlinkClient, openNetlink } from "../../client/index.js";
import { openNative, type Transport } from "../../transport/index.js";
import { ip, ipBatch } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE, sleep } from "./helpers.js";

/**
 * NLM_F_DUMP_INTR for real: the dump is read one datagram at a time (so the
 * kernel must wait between batches), and after the first message another
 * process (`ip`) changes the namespace's addresses. IPv4 address dumps check
 * consistency (inet_base_seq); IPv4 route dumps in this kernel do not (25k
 * routes changed mid-dump gave no flag), hence addresses, not routes. The
 * client receives on this thread (readerThread: false): a reader thread
 * would have the kernel build most of this dump before the first change.
 */
describe("interrupted dumps", () => {
  const ns = throwAwayNetns("nlwdi");
  const COUNT = 5000;
  let spare = 0;

  const change = (): void => void ip(["-n", ns.name, "addr", "add", `192.0.2.${++spare}/32`, "dev", "lo"]);
  const count = (): number => JSON.parse(ip(["-n", ns.name, "-4", "-j", "addr", "show"]))[0].addr_info.length;
  const dump = (c: NetlinkClient, o: Parameters<NetlinkClient["dump"]>[3]) => c.dump(rtAddr, "getaddr", { fixed: { "ifa-family": 2 } }, { highWaterMark: 1, ...o });

  /** Iterates `d`, calling `during` after the first message of each pass. */
  async function readSlowly(d: AsyncIterable<DecodedMessage>, during: (pass: number) => void, passes: { n: number }): Promise<DecodedMessage[]> {
    const got: DecodedMessage[] = [];
    let passSeen = -1;
    for await (const m of d) {
      got.push(m);
      if (passSeen !== passes.n) during((passSeen = passes.n));
    }
    return got;
  }

  beforeAll(async () => {
    const lines = Array.from({ length: COUNT }, (_, i) => `addr add 10.200.${i >> 8}.${i & 255}/32 dev lo`);
    await ipBatch(ns.name, ["link set lo up", ...lines]);
  });

  it("marks the dump interrupted, or retries it until it is consistent", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: false });
    try {
      const marked = dump(c, {});
      const got = await readSlowly(marked, change, { n: 0 });
      expect(marked.interrupted).toBe(true);
      expect(got.length).toBeGreaterThanOrEqual(COUNT);

      const passes = { n: 0 };
      let kept: DecodedMessage[] = [];
      const retried = dump(c, { onInterrupted: "retry", onRestart: () => ((kept = []), passes.n++) });
      for await (const m of retried) {
        if (!kept.length && passes.n === 0) change(); // only the first pass is disturbed
        kept.push(m);
      }
      expect([retried.restarts, retried.interrupted, kept.length]).toEqual([1, false, count()]);

      const never = { n: 0 };
      const doomed = dump(c, { onInterrupted: "retry", retries: 1, onRestart: () => void never.n++ });
      const e = await readSlowly(doomed, change, never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DumpInterruptedError);
      expect((e as DumpInterruptedError).attempts).toBe(2);

      const calm = dump(c, {});
      expect((await calm.toArray()).length).toBe(count());
      expect(calm.interrupted).toBe(false);
    } finally {
      c.close();
    }
  });

  it("reads ahead at most highWaterMark datagrams while the consumer waits (constant memory)", async () => {
    const inner = openNative({ protocol: NETLINK_ROUTE, netns: ns.name });
    let delivered = 0;
    const counting: Transport = {
      kind: "counting",
      protocol: inner.protocol,
      portId: inner.portId,
      options: inner.options,
      get closed() {
        return inner.closed;
      },
      send: (d) => inner.send(d),
      receive: (r) => inner.receive(r && { datagram: (d, i) => (delivered++, r.datagram(d, i)), error: (e) => r.error(e) }),
      close: () => inner.close(),
    };
    const c = new NetlinkClient(counting);
    try {
      let seen = 0;
      let ahead = 0;
      for await (const _ of c.dump(rtAddr, "getaddr", { fixed: { "ifa-family": 2 } }, { highWaterMark: 2 })) {
        if (seen++ === 0) {
          await sleep(100); // plenty of time for the kernel to send everything, were it asked to
          ahead = delivered;
        }
      }
      expect(seen).toBe(count());
      expect(ahead).toBeLessThanOrEqual(3); // the one being read and two queued
      expect(delivered).toBeGreaterThan(10);
    } finally {
      c.close();
    }
  });
});
