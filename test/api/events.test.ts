import { describe, expect, test } from "vitest";
import type { EventStream, NetworkEvent } from "../../api/index.js";
import { ipIn } from "../../tools/netns.js";
import { withHandle } from "./helpers.js";

/** Reads `stream` until `stop` says so or `ms` pass. */
async function until(stream: EventStream, stop: (e: NetworkEvent, seen: NetworkEvent[]) => boolean, ms = 3000): Promise<NetworkEvent[]> {
  const seen: NetworkEvent[] = [];
  const timer = setTimeout(() => stream.close(), ms);
  try {
    for (let r = await stream.next(); !r.done; r = await stream.next()) {
      seen.push(r.value);
      if (stop(r.value, seen)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

describe("events", () => {
  test("link, address, route, neighbour and rule changes made by ip come as typed events", async () => {
    await withHandle(async (h, ns) => {
      const stream = await h.events.subscribe();
      ipIn(ns, [
        "link add v0 type veth peer name v1", "link set v0 up", "addr add 10.1.0.1/24 dev v0",
        "route add 10.9.0.0/16 via 10.1.0.2 table 90", "neigh add 10.1.0.7 lladdr 02:00:00:00:00:07 dev v0",
        "rule add priority 90 fwmark 9 table 90", "link set v0 mtu 1400", "route del 10.9.0.0/16 table 90", "link del v0",
      ]);
      const expected: [string, (e: NetworkEvent) => boolean][] = [
        ["new link", (e) => e.type === "link" && e.change === "new" && e.link.ifname === "v0"],
        ["changed link", (e) => e.type === "link" && e.change === "changed" && e.link.ifname === "v0" && e.link.mtu === 1400],
        ["new address", (e) => e.type === "address" && e.change === "new" && e.address.local === "10.1.0.1" && e.address.prefixlen === 24],
        ["new route", (e) => e.type === "route" && e.change === "new" && e.route.dst === "10.9.0.0/16" && e.route.table === 90 && e.route.gateway === "10.1.0.2"],
        ["deleted route", (e) => e.type === "route" && e.change === "deleted" && e.route.dst === "10.9.0.0/16"],
        ["new neighbour", (e) => e.type === "neighbour" && e.change === "new" && e.neighbour.dst === "10.1.0.7"],
        ["new rule", (e) => e.type === "rule" && e.change === "new" && e.rule.priority === 90 && e.rule.fwmark === 9 && e.rule.table === 90],
        ["deleted link", (e) => e.type === "link" && e.change === "deleted" && e.link.ifname === "v0"],
      ];
      // Each kind has its own socket, so kinds interleave freely: wait until every one was seen.
      const missing = (seen: NetworkEvent[]) => expected.filter(([, p]) => !seen.some(p)).map(([name]) => name);
      const seen = await until(stream, (_, all) => missing(all).length === 0);
      stream.close();
      expect(missing(seen)).toEqual([]);
      expect(seen.some((e) => "synthetic" in e)).toBe(false);
    });
  });

  test("initial: the current state as synthetic events, then resynced, then changes, with no gap", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
      await h.addresses.add({ dev: "v0", address: "10.1.0.1/24" });
      const stream = await h.events.subscribe({ kinds: ["link", "address"], initial: true });
      // A change made before the first next(): the groups are joined already, so it is not lost.
      ipIn(ns, ["addr add 10.1.0.2/24 dev v0"]);
      // The kinds come on sockets of their own, in any interleaving: wait for both listings and the live change.
      const done = (all: NetworkEvent[]) =>
        all.filter((e) => e.type === "resynced").length === 2 && all.some((e) => e.type === "address" && e.address.local === "10.1.0.2" && !e.synthetic);
      const seen = await until(stream, (_, all) => done(all));
      stream.close();
      const initialLinks = seen.filter((e) => e.type === "link" && e.synthetic).map((e) => (e as { link: { ifname: string } }).link.ifname).sort();
      expect(initialLinks).toEqual((await h.links.list()).map((l) => l.ifname).sort());
      expect(seen.filter((e) => e.type === "resynced").map((e) => (e as { kind: string }).kind).sort()).toEqual(["address", "link"]);
      const firstAddr = seen.findIndex((e) => e.type === "address" && e.address.local === "10.1.0.1");
      const resyncedAddr = seen.findIndex((e) => e.type === "resynced" && e.kind === "address");
      expect(firstAddr).toBeGreaterThanOrEqual(0);
      expect(firstAddr).toBeLessThan(resyncedAddr);
      const live = seen.map((e, i) => (e.type === "address" && e.address.local === "10.1.0.2" && !e.synthetic ? i : -1)).filter((i) => i >= 0);
      expect(live.length).toBeGreaterThan(0);
      expect(live.every((i) => i > resyncedAddr)).toBe(true);
    });
  });

  test("an overrun is reported, then the kind is re-read: every route comes, live or from the re-read", async () => {
    await withHandle(async (h) => {
      const stream = await h.events.subscribe({ kinds: ["route"], receiveBuffer: 8192 });
      const b = h.batch();
      const N = 3000;
      for (let i = 0; i < N; i++) b.add(await h.routes.request("add", { dst: `10.${i >> 8}.${i & 255}.0/24`, type: "blackhole", table: 77 }));
      // Nothing is read while the batch runs: the tiny receive buffer overflows.
      expect(await b.run()).toEqual({ ok: N, errors: [] });
      // The re-read may come while the batch still runs (it dumps through a socket of its own);
      // the routes it misses then come live, or from the re-read after the next overrun.
      const routes = new Set<string>();
      let resyncDue = false;
      const seen = await until(stream, (e) => {
        if (e.type === "route" && e.route.table === 77 && e.change !== "deleted") routes.add(e.route.dst);
        if (e.type === "overrun") resyncDue = true;
        if (e.type === "resynced" && e.cause === "overrun") resyncDue = false;
        return routes.size === N && !resyncDue;
      }, 10_000);
      stream.close();
      expect(seen.some((e) => e.type === "overrun" && e.kind === "route")).toBe(true);
      expect(seen.some((e) => e.type === "resynced" && e.cause === "overrun")).toBe(true);
      // On failure, the order of what came says where the re-read fell short.
      const story = () => seen.map((e) => (e.type === "route" ? (e.synthetic ? "S" : "L") + e.change[0] : e.type === "resynced" ? `R(${e.cause})` : e.type)).join(" ").replace(/(\S+)( \1)+/g, (m, c: string) => `${c}x${m.split(" ").length}`);
      expect(routes.size, story()).toBe(N);
      expect(seen.some((e) => e.type === "route" && e.synthetic)).toBe(true);
    });
  });

  test("closing the handle ends its streams", async () => {
    await withHandle(async (h) => {
      const stream = await h.events.subscribe({ kinds: ["link"] });
      const next = stream.next();
      h.close();
      expect(await next).toEqual({ done: true, value: undefined });
      expect(await stream.next()).toEqual({ done: true, value: undefined });
    });
  });
});
