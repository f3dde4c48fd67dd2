import { NLM_F, type DecodedMessage } from "@nlwire/codec";
import { netdev } from "@nlwire/codec/families/netdev";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { describe, expect, it } from "vitest";
import { openNetlink } from "../../client/index.js";
import { ip, ipIn } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { NETLINK_GENERIC, NETLINK_ROUTE, until } from "./helpers.js";

const ifname = (m: DecodedMessage) => (m.attrs as { ifname?: string }).ifname;
const isUp = (m: DecodedMessage) => ((m.fixed as { "ifi-flags"?: string[] })["ifi-flags"] ?? []).includes("up");

/** `count` veth pairs made by one synchronous `ip -batch`: a burst of notifications this thread cannot read meanwhile. */
function burst(ns: string, prefix: string, count: number): void {
  ip(["-n", ns, "-batch", "-"], Array.from({ length: count }, (_, i) => `link add ${prefix}${i} type veth peer name ${prefix}p${i}\n`).join(""));
}

describe("subscriptions", () => {
  const ns = throwAwayNetns("nlwsu");

  it("sees a veth created, set up, set down and deleted, in order", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"]);
      ipIn(ns.name, ["link add nlwsa type veth peer name nlwsb", "link set nlwsa up", "link set nlwsa down", "link del nlwsa"]);
      const got = await until(sub, (n) => n.type === "message" && n.message.header.type === 17 && ifname(n.message) === "nlwsa");
      const states: string[] = [];
      for (const n of got) {
        if (n.type !== "message" || ifname(n.message) !== "nlwsa") continue;
        const s = n.message.header.type === 17 ? "deleted" : isUp(n.message) ? "up" : "down";
        if (states.at(-1) !== s) states.push(s); // the kernel may repeat a state (carrier, mtu, ...)
      }
      expect(states).toEqual(["down", "up", "down", "deleted"]);
      expect(got.some((n) => n.type === "overrun")).toBe(false);
    } finally {
      c.close();
    }
  });

  it("follows routes by group name (the groups come from the rt-route overlay)", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const sub = await c.subscribe(rtRoute, ["rtnlgrp-ipv4-route"]);
      ipIn(ns.name, ["link set lo up", "route add blackhole 198.51.100.0/24", "route del blackhole 198.51.100.0/24"]);
      const dst = (m: DecodedMessage) => (m.attrs as { dst?: string }).dst;
      const got = await until(sub, (n) => n.type === "message" && n.message.header.type === 25 && dst(n.message) === "198.51.100.0");
      const mine = got.filter((n) => n.type === "message" && dst(n.message) === "198.51.100.0");
      expect(mine.map((n) => (n.type === "message" ? n.message.header.type : 0))).toEqual([24, 25]); // RTM_NEWROUTE, RTM_DELROUTE
    } finally {
      c.close();
    }
  });

  it("with NLM_F_ECHO, a request gets its own notification as its reply", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const add = { attrs: { ifname: "nlwecho", linkinfo: { kind: "veth" } } };
      const replies = await c.request(rtLink, "newlink", add, { flags: NLM_F.CREATE | NLM_F.EXCL | NLM_F.ECHO });
      expect(replies.map(ifname)).toContain("nlwecho");
    } finally {
      c.close();
    }
  });

  it("without resync, an overrun is an event and the stream goes on", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      c.transport.options!.set("rcvbuf", 1024);
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"]);
      burst(ns.name, "nlwr", 20);
      let overrun = false;
      const got = await until(sub, (n) => (n.type === "overrun" ? !(overrun = true) : overrun));
      expect(got.filter((n) => n.type === "overrun")).toHaveLength(1);
      expect(got.at(-1)?.type).toBe("message");
    } finally {
      c.close();
    }
  });

  it("subscribes to a generic netlink group by name, resolved through nlctrl", async () => {
    const c = openNetlink({ protocol: NETLINK_GENERIC, netns: ns.name });
    try {
      const sub = await c.subscribe(netdev, ["mgmt"]);
      ipIn(ns.name, ["link add nlwga type veth peer name nlwgb"]);
      const index = Number(JSON.parse(ip(["-n", ns.name, "-j", "link", "show", "nlwga"]))[0].ifindex);
      const got = await until(sub, (n) => n.type === "message" && (n.message.attrs as { ifindex?: number }).ifindex === index);
      expect(got.at(-1)).toMatchObject({ type: "message", message: { op: "dev-add-ntf" } });
    } finally {
      c.close();
    }
  });
});
