import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { describe, expect, it } from "vitest";
import { keyOf, openNetlink, type Notification } from "../../client/index.js";
import { ip, ipBatch } from "../../tools/netns.js";
import { linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE, addrOf, ipAddrs, linkOf, sorted, until } from "./helpers.js";

type Message = Extract<Notification, { type: "message" }>;
const isMsg = (n: Notification): n is Message => n.type === "message";
const ifname = (m: DecodedMessage) => (m.attrs as { ifname?: string }).ifname;
const byIndex = (ms: Iterable<DecodedMessage>) => [...ms].map(linkOf).sort((a, b) => a.ifindex - b.ifindex);

/**
 * Synchronous, so this thread reads nothing while the kernel sends: with a tiny rcvbuf it must drop.
 * The clients receive on this thread (readerThread: false) for that premise to hold: a reader
 * thread would go on reading during the batch, and the view would hold some links before the overrun.
 */
const batch = (ns: string, lines: string[]) => void ip(["-n", ns, "-batch", "-"], lines.join("\n") + "\n");

describe("subscriptions that keep a view", () => {
  const ns = throwAwayNetns("nlwrs");

  it("after an overrun, re-dumps and hands out the differences; the view is the kernel's", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: false });
    try {
      c.transport.options!.set("rcvbuf", 1024); // the kernel's minimum: a burst overflows it
      // The re-dump runs on the very socket that overran (this once stalled: see the small-buffer transport test).
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"], { resync: () => c.dump(rtLink, "getlink") });
      batch(ns.name, Array.from({ length: 20 }, (_, i) => `link add nlwo${i} type veth peer name nlwop${i}`));
      const got = await until(sub, (n) => n.type === "resynced");
      const at = got.findIndex((n) => n.type === "overrun");
      expect(at).toBeGreaterThanOrEqual(0);
      // The overrun, then only synthetic messages, then resynced.
      const after = got.slice(at + 1, -1);
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((n) => isMsg(n) && n.synthetic && n.kind === "new")).toBe(true);
      expect(got.at(-1)).toEqual({ type: "resynced", cause: "overrun" });
      expect(byIndex(sub.view!.values())).toEqual(linksIn(ns.name));
      // Every link shows up, live or synthetic: nothing is lost silently.
      const seen = new Set(got.filter(isMsg).map((n) => ifname(n.message)));
      for (const l of linksIn(ns.name)) if (l.ifname !== "lo") expect(seen).toContain(l.ifname);
      // With room in the buffer again, a live change comes as itself, with what it did to the view.
      c.transport.options!.set("rcvbuf", 1 << 20);
      batch(ns.name, ["link del nlwo0"]);
      const del = await until(sub, (n) => isMsg(n) && n.kind === "deleted" && ifname(n.message) === "nlwo0");
      expect(del.at(-1)).toMatchObject({ kind: "deleted" });
      expect((del.at(-1) as Message).synthetic).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it("does the same for addresses: the view after the resync is `ip -j -4 addr show`", async () => {
    ip(["-n", ns.name, "link", "add", "nlwad", "type", "veth", "peer", "name", "nlwadp"]);
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: false });
    const d = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: false });
    try {
      c.transport.options!.set("rcvbuf", 1024);
      const dump = () => d.dump(rtAddr, "getaddr", { fixed: { "ifa-family": 2 } });
      const sub = await c.subscribe(rtAddr, ["rtnlgrp-ipv4-ifaddr"], { resync: dump });
      batch(ns.name, Array.from({ length: 60 }, (_, i) => `addr add 10.7.${i}.1/24 dev nlwad label nlwad:${i}`));
      const got = await until(sub, (n) => n.type === "resynced");
      expect(got.filter((n) => n.type === "overrun").length).toBeGreaterThanOrEqual(1);
      const view = sorted([...sub.view!.values()].map(addrOf));
      expect(view).toEqual(sorted(ipAddrs(ip(["-n", ns.name, "-j", "-4", "addr", "show"]))));
      expect(view).toHaveLength(60);
      // Each address is one key: (ifindex, family, local, prefixlen).
      expect(new Set(sub.view!.keys()).size).toBe(60);
    } finally {
      c.close();
      d.close();
    }
  });

  it("with initial: true, lists the current state, then follows it, with nothing missed", async () => {
    ip(["-n", ns.name, "-batch", "-"], "link add nlwi0 type veth peer name nlwip0\nlink add nlwi1 type veth peer name nlwip1\n");
    const before = linksIn(ns.name);
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: false });
    try {
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"], { initial: true, resync: () => c.dump(rtLink, "getlink") });
      // Races the initial dump: whatever it misses, the notifications buffered meanwhile carry.
      const changes = ipBatch(ns.name, [
        ...Array.from({ length: 8 }, (_, i) => `link add nlwj${i} type veth peer name nlwjp${i}`),
        "link set nlwj0 up",
        "link del nlwi0",
        "link add nlwmark type veth peer name nlwmarkp",
      ]);
      const marks = new Set<string>(); // a veth's peer may be announced before or after it
      const got = await until(sub, (n) => isMsg(n) && /^nlwmark/.test(ifname(n.message) ?? "") && marks.add(ifname(n.message)!).size === 2);
      await changes;
      const first = got.findIndex((n) => n.type === "resynced");
      expect(got[first]).toEqual({ type: "resynced", cause: "initial" });
      const listed = got.slice(0, first) as Message[];
      expect(listed.every((n) => n.synthetic && n.kind === "new")).toBe(true);
      expect(got.slice(first + 1).every((n) => isMsg(n) && !n.synthetic)).toBe(true);
      // The listing has every link that was there before subscribing (nlwi0 may be gone by the time of the dump).
      const names = new Set(listed.map((n) => ifname(n.message)));
      for (const l of before) if (!["nlwi0", "nlwip0"].includes(l.ifname)) expect(names).toContain(l.ifname);
      // Replaying the events gives the kernel's state, and so does the view.
      const replay = new Map<string, DecodedMessage>();
      const key = keyOf(rtLink.family);
      for (const n of got.filter(isMsg)) {
        if (n.kind === "deleted") replay.delete(key(n.message)!);
        else replay.set(key(n.message)!, n.message);
      }
      expect(byIndex(replay.values())).toEqual(linksIn(ns.name));
      expect(byIndex(sub.view!.values())).toEqual(linksIn(ns.name));
      const touched = new Set(got.filter(isMsg).map((n) => ifname(n.message)));
      for (const n of ["nlwi0", "nlwip0", ...Array.from({ length: 8 }, (_, i) => `nlwj${i}`)]) expect(touched).toContain(n);
    } finally {
      c.close();
    }
  });
});
