import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { netdev } from "@nlwire/codec/families/netdev";
import { describe, expect, it } from "vitest";
import { View, canon, isDeletion, keyOf } from "../../client/index.js";

const msg = (type: number, fixed: object, attrs: object, op?: string): DecodedMessage => ({
  family: "x", header: { length: 0, type, flags: 0, seq: 0, pid: 0 }, fixed: fixed as never, attrs: attrs as never, ...(op ? { op } : {}),
});
const link = (index: number, ifname: string, extra: object = {}, type = 16) => msg(type, { "ifi-family": 0, "ifi-index": index }, { ifname, ...extra });

describe("a subscription's view", () => {
  it("keys each object kind the kernel's way", () => {
    const k = keyOf(rtLink.family);
    expect(k(link(3, "a"))).toBe(k(link(3, "renamed")));
    expect(k(msg(16, { "ifi-family": 7, "ifi-index": 3 }, {}))).toBeUndefined(); // bridge port info
    const a = keyOf(rtAddr.family);
    const addr = (local: string, len: number) => msg(20, { "ifa-family": 2, "ifa-index": 2, "ifa-prefixlen": len }, { local, label: "x" });
    expect(a(addr("10.0.0.1", 24))).not.toBe(a(addr("10.0.0.1", 16)));
    const r = keyOf(rtRoute.family);
    const route = (family: number, oif: number, priority?: number) =>
      msg(24, { "rtm-family": family, "rtm-dst-len": 64, "rtm-table": 254 }, { dst: "fe80::", oif, ...(priority === undefined ? {} : { priority }) });
    expect(r(route(10, 2))).not.toBe(r(route(10, 3))); // IPv6: one fe80::/64 per device
    expect(r(route(2, 2))).toBe(r(route(2, 3))); // IPv4: a new nexthop replaces the route
    expect(r(route(2, 2, 5))).not.toBe(r(route(2, 2)));
    // Families without a key function: an object is its content (volatile counters aside).
    const d = keyOf(netdev.family);
    expect(d(msg(1, {}, { ifindex: 1, stats: { rx: 1 } }))).toBe(d(msg(1, {}, { ifindex: 1, stats: { rx: 2 } })));
  });

  it("tells deletions by message type (rtnetlink) or op name (generic netlink)", () => {
    expect(isDeletion(rtLink.family, link(1, "a", {}, 17))).toBe(true);
    expect(isDeletion(rtLink.family, link(1, "a"))).toBe(false);
    expect(isDeletion(netdev.family, msg(0x20, {}, {}, "dev-del-ntf"))).toBe(true);
    expect(isDeletion(netdev.family, msg(0x20, {}, {}, "dev-add-ntf"))).toBe(false);
  });

  it("upserts and removes from notifications, and diffs a fresh dump by content", () => {
    const v = new View(rtLink.family, keyOf(rtLink.family));
    expect([v.apply(link(1, "lo")), v.apply(link(2, "a")), v.apply(link(2, "a", { mtu: 9000 })), v.apply(link(3, "b"))]).toEqual(["new", "new", "changed", "new"]);
    expect(v.apply(link(3, "b", {}, 17))).toBe("deleted");
    expect([...v.objects.keys()]).toHaveLength(2);
    const diff = v.replace([link(1, "lo", { stats64: { rx: 99n } }), link(2, "a", { mtu: 1500 }), link(4, "c")]);
    expect(diff.map((d) => [d.kind, (d.message.attrs as { ifname: string }).ifname])).toEqual([["changed", "a"], ["new", "c"]]);
    expect(v.replace([link(4, "c")]).map((d) => d.kind)).toEqual(["deleted", "deleted"]);
  });

  it("writes a stable text form: sorted keys, bytes as hex, bigints marked", () => {
    expect(canon({ b: new Uint8Array([1, 255]), a: 1n, c: [undefined, "x"] })).toBe('{"a":1n,"b":"01ff","c":[null,"x"]}');
    expect(canon({ x: 1, y: 2 })).toBe(canon({ y: 2, x: 1 }));
  });
});
