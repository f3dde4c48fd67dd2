import { ByteWriter, NLMSG_ERROR, NLM_F, decodeError } from "@nlwire/codec";
import { ethtool } from "@nlwire/codec/families/ethtool";
import { netdev } from "@nlwire/codec/families/netdev";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KernelError, NetlinkClient } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { WasiShim, openWasi } from "../../transport/wasi.js";
import { nativeHost } from "../../transport/wasi-native.js";
import { policyHost, readOnlyPolicy, type Policy } from "../../transport/wasi-policy.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { collect, endOf } from "../transport/rtnl.js";
import { headersOf, recordingHost } from "./hosts.js";

const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;
const NETLINK_NETFILTER = 12;
const RTNLGRP_LINK = 1;
const shim = await WasiShim.load();
const isGet = (type: number) => type >= 16 && (type - 16) % 4 === 2;

/** A guest whose every call goes through `policy` to a recording native host. */
function guarded(policy: Policy) {
  const inner = recordingHost(nativeHost());
  const host = policyHost(inner, policy);
  return { inner, host, guest: shim.instantiate(host) };
}

describe("policy host: read-only, with real requests", () => {
  const ns = throwAwayNetns("nlwpo");
  const { inner, host, guest } = guarded(readOnlyPolicy({ families: [ethtool, netdev] }));
  const client = (protocol: number) => new NetlinkClient(openWasi(guest, { protocol, netns: ns.name }));

  it("lets dumps and GET requests through", async () => {
    await addVethPairs(ns.name, 2);
    const c = client(NETLINK_ROUTE);
    try {
      const links = await c.dump(rtLink, "getlink").toArray();
      expect(links.map((l) => (l.attrs as { ifname: string }).ifname)).toEqual(linksIn(ns.name).map((l) => l.ifname));
      const [lo] = await c.request(rtLink, "getlink", { attrs: { ifname: "lo" } });
      expect((lo?.attrs as { ifname?: string }).ifname).toBe("lo");
      expect(await c.dump(rtRoute, "getroute").toArray()).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("answers NEW, DEL and SET with EPERM before they reach the kernel, and the namespace is unchanged", async () => {
    const before = ip(["-n", ns.name, "-j", "addr", "show"]);
    const sentBefore = inner.sent.length;
    const c = client(NETLINK_ROUTE);
    const refused = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(KernelError);
      expect((e as KernelError).errnoName).toBe("EPERM");
      expect((e as KernelError).kernelMessage).toMatch(/policy/);
    };
    try {
      const create = { flags: NLM_F.CREATE | NLM_F.EXCL };
      await refused(c.request(rtLink, "newlink", { attrs: { ifname: "nlwpol", linkinfo: { kind: "veth" } } }, create));
      await refused(c.request(rtLink, "dellink", { attrs: { ifname: "lo" } }));
      await refused(c.request(rtLink, "setlink", { attrs: { ifname: "lo", mtu: 1280 } }));
      await refused(c.request(rtAddr, "newaddr", { fixed: { "ifa-family": 2, "ifa-prefixlen": 8, "ifa-index": 1 }, attrs: { local: "10.9.8.7", address: "10.9.8.7" } }, create));
      await refused(c.request(rtRoute, "newroute", { fixed: { "rtm-family": 2, "rtm-dst-len": 8, "rtm-table": 254, "rtm-protocol": 4, "rtm-scope": 253, "rtm-type": 1 }, attrs: { dst: "10.0.0.0", oif: 1 } }, create));
    } finally {
      c.close();
    }
    expect(headersOf(inner.sent.slice(sentBefore)).filter((h) => !isGet(h.type))).toEqual([]);
    expect(linksIn(ns.name).map((l) => l.ifname)).not.toContain("nlwpol");
    expect(ip(["-n", ns.name, "-j", "addr", "show"])).toBe(before);
    expect(host.refusals.filter((r) => r.what === "message").length).toBeGreaterThanOrEqual(5);
  });

  it("generic netlink: resolves families, dumps and GETs of the families it knows; refuses their SETs", async () => {
    const c = client(NETLINK_GENERIC);
    try {
      const links = await c.dump(ethtool, "linkinfo-get").toArray();
      expect(links.length).toBeGreaterThan(0);
      // A GET do of a family the policy knows: the kernel answers it, whatever it answers.
      const dev = await c.request(netdev, "dev-get", { attrs: { ifindex: 1 } }).then(() => "answered", (x: KernelError) => x.errnoName);
      expect(dev).not.toBe("EPERM");
      const veth = linksIn(ns.name).find((l) => l.ifname !== "lo")!.ifname;
      const info = await c.request(ethtool, "linkinfo-get", { attrs: { header: { "dev-name": veth } } });
      expect(info.length).toBe(1);
      const e = await c.request(ethtool, "linkinfo-set", { attrs: { header: { "dev-name": veth }, port: 0 } }).catch((x: unknown) => x);
      expect((e as KernelError).errnoName).toBe("EPERM");
    } finally {
      c.close();
    }
  });

  it("refuses a socket of a protocol outside the policy", () => {
    expect(() => openWasi(guest, { protocol: NETLINK_NETFILTER })).toThrow(expect.objectContaining({ code: "EPERM" }));
  });
});

describe("policy host: groups", () => {
  const noLinkEvents: Policy = { ...readOnlyPolicy(), group: (p, g) => !(p === NETLINK_ROUTE && g === RTNLGRP_LINK) };
  const { guest } = guarded(noLinkEvents);

  it("refuses a group it does not allow, by join and in a bind mask, and allows the others", () => {
    const t = openWasi(guest, { protocol: NETLINK_ROUTE });
    try {
      expect(() => t.groups.join(RTNLGRP_LINK)).toThrow(expect.objectContaining({ code: "EPERM" }));
      t.groups.join(5); // RTNLGRP_IPV4_IFADDR
    } finally {
      t.close();
    }
    expect(() => openWasi(guest, { protocol: NETLINK_ROUTE, groups: 1 << (RTNLGRP_LINK - 1) })).toThrow(expect.objectContaining({ code: "EPERM" }));
  });
});

describe("policy host: generated requests", () => {
  const ns = throwAwayNetns("nlwpf");
  const { inner, guest } = guarded(readOnlyPolicy());

  const message = fc.record({
    type: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(16, 17, 18, 19, 20, 21, 24, 25, 26, 28, 29, 30)),
    flags: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0x5, 0x305, 0x605, 0x105)),
    payload: fc.uint8Array({ maxLength: 48 }),
  });

  it("lets nothing but GET requests reach the kernel, and answers every other one with EPERM", async () => {
    const t = openWasi(guest, { protocol: NETLINK_ROUTE, netns: ns.name });
    let seq = 1000;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 3 }), async (messages) => {
          const w = new ByteWriter();
          const seqs = messages.map((m) => {
            const at = w.beginMessage(m.type, m.flags | NLM_F.REQUEST, ++seq);
            w.bytes(m.payload);
            w.endMessage(at);
            return seq;
          });
          const sentBefore = inner.sent.length;
          const refused = messages.flatMap((m, i) => (isGet(m.type) ? [] : [seqs[i]!]));
          const answers = refused.length ? collect(t, endOf(refused.at(-1)!), 2000) : undefined;
          await t.send(w.finish());
          expect(headersOf(inner.sent.slice(sentBefore)).every((h) => isGet(h.type))).toBe(true);
          if (!answers) return;
          const errors = (await answers).messages.filter((m) => m.header.type === NLMSG_ERROR && refused.includes(m.header.seq));
          expect(errors.map((m) => decodeError(m.payload, m.header.flags).errnoName)).toEqual(refused.map(() => "EPERM"));
          // Replies to the GETs of this run may still be queued: drain them so they do not end a later collect.
          await new Promise((r) => setTimeout(r, 0));
        }),
        { numRuns: 60 },
      );
    } finally {
      t.close();
    }
    expect(headersOf(inner.sent).length).toBeGreaterThan(0);
  });
});
