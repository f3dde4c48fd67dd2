import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtNeigh } from "@nlwire/codec/families/rt-neigh";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { describe, expect, it } from "vitest";
import { KernelError, openNetlink, type NetlinkClient } from "../../client/index.js";
import { ip, ipBatch } from "../../tools/netns.js";
import { throwAwayNetns } from "../transport/netns.js";
import { NETLINK_ROUTE } from "./helpers.js";

/**
 * Filtered dumps: with GET_STRICT_CHK (which the client turns on for
 * rtnetlink) the kernel filters a dump by what the request's fixed header and
 * attributes say, and sends only what matches. Each filter is checked against
 * `ip -j` for the same selection, and against the unfiltered dump, to show
 * that the kernel (not the client) left the rest out.
 */
const SETUP = [
  "link set lo up",
  "link add nlwfbr type bridge",
  "link add nlwfa type veth peer name nlwfb",
  "link add nlwfc type veth peer name nlwfd",
  "link set nlwfa master nlwfbr",
  "link set nlwfc master nlwfbr",
  ...["nlwfbr", "nlwfa", "nlwfb", "nlwfc", "nlwfd"].map((l) => `link set ${l} up`),
  "addr add 10.7.0.1/24 dev nlwfb",
  "addr add 10.7.1.1/24 dev nlwfd",
  "addr add 10.7.2.1/24 dev nlwfd",
  "route add 10.70.0.0/16 via 10.7.0.2 table 100",
  "route add 10.71.0.0/16 via 10.7.1.2 table 100",
  "route add 10.72.0.0/16 via 10.7.1.2",
  "route add blackhole 10.73.0.0/16 table 200",
  "neigh add 10.7.0.5 lladdr 02:00:00:00:00:05 dev nlwfb",
  "neigh add 10.7.1.6 lladdr 02:00:00:00:00:06 dev nlwfd",
];

const AF_INET = 2;
const ipj = (ns: string, args: string): unknown[] => JSON.parse(ip(["-n", ns, "-4", "-j", ...args.split(" ")])) as unknown[];
const dstOf = (r: DecodedMessage) => `${(r.attrs as { dst?: string }).dst}/${(r.fixed as { "rtm-dst-len": number })["rtm-dst-len"]}`;
const ipDst = (r: { dst: string }) => (r.dst.includes("/") ? r.dst : `${r.dst}/32`);

async function indexOf(c: NetlinkClient, name: string): Promise<number> {
  const [l] = await c.request(rtLink, "getlink", { attrs: { ifname: name } });
  return (l!.fixed as { "ifi-index": number })["ifi-index"];
}

describe("filtered dumps (kernel-side, with strict checking)", () => {
  const ns = throwAwayNetns("nlwfd");
  const open = () => openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });

  it("routes by table (header and RTA_TABLE) and by output device", async () => {
    await ipBatch(ns.name, SETUP);
    const c = open();
    try {
      const all = await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": AF_INET } }).toArray();
      const byAttr = await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": AF_INET }, attrs: { table: 100 } }).toArray();
      const byHeader = await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": AF_INET, "rtm-table": 200 } }).toArray();
      const want100 = (ipj(ns.name, "route show table 100") as { dst: string }[]).map(ipDst).sort();
      expect(byAttr.map(dstOf).sort()).toEqual(want100);
      expect(byAttr.every((r) => r.attrs.table === 100)).toBe(true);
      expect(byHeader.map(dstOf)).toEqual(["10.73.0.0/16"]);
      expect(all.length).toBeGreaterThan(byAttr.length + byHeader.length); // main and local were left out

      const oif = await indexOf(c, "nlwfd");
      const viaD = await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": AF_INET }, attrs: { oif, table: 254 } }).toArray();
      const wantD = (ipj(ns.name, "route show table main dev nlwfd") as { dst: string }[]).map(ipDst).sort();
      expect(viaD.map(dstOf).sort()).toEqual(wantD);
      expect(viaD.every((r) => r.attrs.oif === oif)).toBe(true);
    } finally {
      c.close();
    }
  });

  it("links by master and by kind; addresses and neighbours by device", async () => {
    const c = open();
    try {
      const br = await indexOf(c, "nlwfbr");
      const ports = await c.dump(rtLink, "getlink", { attrs: { master: br } }).toArray();
      const wantPorts = (ipj(ns.name, "link show master nlwfbr") as { ifname: string }[]).map((l) => l.ifname).sort();
      expect(ports.map((l) => l.attrs.ifname).sort()).toEqual(wantPorts);
      expect(wantPorts).toEqual(["nlwfa", "nlwfc"]);

      const veths = await c.dump(rtLink, "getlink", { attrs: { linkinfo: { kind: "veth" } } }).toArray();
      const wantVeths = (ipj(ns.name, "link show type veth") as { ifname: string }[]).map((l) => l.ifname).sort();
      expect(veths.map((l) => l.attrs.ifname).sort()).toEqual(wantVeths);
      expect(wantVeths).toHaveLength(4);

      const d = await indexOf(c, "nlwfd");
      const addrs = await c.dump(rtAddr, "getaddr", { fixed: { "ifa-family": AF_INET, "ifa-index": d } }).toArray();
      const wantAddrs = (ipj(ns.name, "addr show dev nlwfd") as { addr_info: { local: string }[] }[])[0]!.addr_info.map((a) => a.local).sort();
      expect(addrs.map((a) => a.attrs.local).sort()).toEqual(wantAddrs);
      expect(wantAddrs).toEqual(["10.7.1.1", "10.7.2.1"]);

      // Neighbours are filtered by NDA_IFINDEX: strict checking wants ndm_ifindex zero.
      const neigh = await c.dump(rtNeigh, "getneigh", { fixed: { "ndm-family": AF_INET }, attrs: { ifindex: d } }).toArray();
      const wantNeigh = (ipj(ns.name, "neigh show dev nlwfd") as { dst: string }[]).map((n) => n.dst).sort();
      expect(neigh.map((n) => n.attrs.dst).sort()).toEqual(wantNeigh);
      expect(wantNeigh).toEqual(["10.7.1.6"]);
    } finally {
      c.close();
    }
  });

  it("a dump request the strict checks refuse comes back as the kernel's own ext-ack error", async () => {
    const c = open();
    try {
      const bad = c.dump(rtRoute, "getroute", { fixed: { "rtm-family": AF_INET, "rtm-dst-len": 24 } }).toArray();
      const e = await bad.catch((x: unknown) => x);
      expect(e).toBeInstanceOf(KernelError);
      expect(e).toMatchObject({ errnoName: "EINVAL", kernelMessage: expect.stringMatching(/header/i) });
    } finally {
      c.close();
    }
  });
});
