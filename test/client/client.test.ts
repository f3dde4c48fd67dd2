import { rtLink } from "@nlwire/codec/families/rt-link";
import { netdev } from "@nlwire/codec/families/netdev";
import { ethtool } from "@nlwire/codec/families/ethtool";
import { ByteWriter, NLM_F, encodeDoneMessage } from "@nlwire/codec";
import { closeSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClientClosedError, KernelError, NetlinkClient, TimeoutError, openNetlink } from "../../client/index.js";
import type { Receiver, Transport } from "../../transport/index.js";
import { ip } from "../../tools/netns.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_GENERIC, NETLINK_ROUTE, linkOf } from "./helpers.js";

describe("NetlinkClient against the kernel", () => {
  const ns = throwAwayNetns("nlwcl");

  it("dumps the links that `ip -j link show` shows", async () => {
    await addVethPairs(ns.name, 3);
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const links = (await c.dump(rtLink, "getlink").toArray()).map(linkOf);
      expect(links).toEqual(linksIn(ns.name));
    } finally {
      c.close();
    }
  });

  it("names the attribute the kernel refused, with its ext-ack text", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const p = c.request(rtLink, "newlink", { attrs: { ifname: "a-name-far-longer-than-ifnamsiz" } }, { flags: NLM_F.CREATE | NLM_F.EXCL });
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(KernelError);
      const k = e as KernelError;
      expect([k.errnoName, k.attrPath]).toEqual(["ERANGE", ["ifname"]]);
      expect(k.kernelMessage).toMatch(/\S/);
      expect(k.message).toContain(k.kernelMessage);
      expect(k.message).toContain("ifname");
    } finally {
      c.close();
    }
  });

  it("names nested attributes by path, through nests and a sub-message picked by its selector", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    const g = openNetlink({ protocol: NETLINK_GENERIC, netns: ns.name });
    try {
      const vxlan = { ifname: "nlwvx", linkinfo: { kind: "vxlan", data: { id: 1 << 25 } } };
      const e = (await c.request(rtLink, "newlink", { attrs: vxlan }, { flags: NLM_F.CREATE | NLM_F.EXCL }).catch((x: unknown) => x)) as KernelError;
      expect([e.errnoName, e.attrPath]).toEqual(["ERANGE", ["linkinfo", "data", "id"]]);
      expect(e.kernelMessage).toMatch(/VXLAN ID/);
      const f = (await g.request(ethtool, "linkinfo-get", { attrs: { header: { "dev-index": 9999 } } }).catch((x: unknown) => x)) as KernelError;
      expect([f.errnoName, f.attrPath]).toEqual(["ENODEV", ["header", "dev-index"]]);
    } finally {
      c.close();
      g.close();
    }
  });

  it("turns a refused dump into a KernelError (strict checking is on for rtnetlink)", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const e = (await c.dump(rtLink, "getlink", { fixed: { "ifi-flags": ["up"] } }).toArray().catch((x: unknown) => x)) as KernelError;
      expect(e).toBeInstanceOf(KernelError);
      expect([e.errnoName, e.op]).toEqual(["EINVAL", "rt-link getlink"]);
      expect(e.kernelMessage).toMatch(/header/);
      expect(await c.dump(rtLink, "getlink").toArray()).toHaveLength(linksIn(ns.name).length);
    } finally {
      c.close();
    }
  });

  it("names a missing attribute (MISS_TYPE) from the spec, through a genl family resolved by nlctrl", async () => {
    const c = openNetlink({ protocol: NETLINK_GENERIC, netns: ns.name });
    try {
      const info = await c.resolveFamily("netdev");
      expect(c.registry.genlName(info.id)).toBe("netdev");
      expect([...info.groups.keys()]).toContain("mgmt");
      expect(await c.resolveFamily("netdev")).toBe(info); // cached
      const e = await c.request(netdev, "dev-get", {}).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(KernelError);
      expect([(e as KernelError).errnoName, (e as KernelError).missingAttr, (e as KernelError).missingNestPath]).toEqual(["EINVAL", "ifindex", []]);
      const [lo] = await c.request(netdev, "dev-get", { attrs: { ifindex: 1 } });
      expect(lo?.attrs).toMatchObject({ ifindex: 1 });
    } finally {
      c.close();
    }
  });

  it("routes concurrent replies on one socket to their callers", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const want = linksIn(ns.name);
      const asks = [...want, ...want, ...want].map((l) => c.request(rtLink, "getlink", { fixed: { "ifi-index": l.ifindex } }));
      const got = (await Promise.all(asks)).map((r) => r.map(linkOf));
      expect(got).toEqual([...want, ...want, ...want].map((l) => [l]));
    } finally {
      c.close();
    }
  });

  it("runs dumps started together on one socket one after another (the kernel runs one at a time)", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      const all = await Promise.all([1, 2, 3].map(() => c.dump(rtLink, "getlink", {}, { highWaterMark: 1 }).toArray()));
      for (const links of all) expect(links.map(linkOf)).toEqual(linksIn(ns.name));
    } finally {
      c.close();
    }
  });

  it("stays usable after a dump is left early", async () => {
    const c = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name });
    try {
      for await (const m of c.dump(rtLink, "getlink", {}, { highWaterMark: 1 })) {
        expect(m.op).toBe("getlink");
        break;
      }
      const [lo] = await c.request(rtLink, "getlink", { fixed: { "ifi-index": 1 } });
      expect(linkOf(lo!).ifname).toBe("lo");
      expect(await c.dump(rtLink, "getlink").toArray()).toHaveLength(linksIn(ns.name).length);
    } finally {
      c.close();
    }
  });

  it("keeps two clients (a namespace and the host) apart while used concurrently", async () => {
    const a = openNetlink({ protocol: NETLINK_ROUTE, netns: `/run/netns/${ns.name}` });
    const fd = openSync(`/run/netns/${ns.name}`, "r");
    const byFd = openNetlink({ protocol: NETLINK_ROUTE, netns: fd });
    closeSync(fd); // the socket keeps the namespace
    const host = openNetlink({ protocol: NETLINK_ROUTE });
    try {
      for (let i = 0; i < 3; i++) {
        const [inA, onHost, viaFd] = await Promise.all([a, host, byFd].map((c) => c.dump(rtLink, "getlink").toArray()));
        expect(inA!.map(linkOf)).toEqual(linksIn(ns.name));
        expect(viaFd!.map(linkOf)).toEqual(linksIn(ns.name));
        expect(onHost!.map(linkOf)).toEqual(linksIn());
      }
      expect(JSON.parse(ip(["-j", "link", "show"])).map((l: { ifname: string }) => l.ifname)).not.toContain("nlwv0");
    } finally {
      for (const c of [a, byFd, host]) c.close();
    }
  });
});

/** A transport whose kernel answers only what `reply` says; for what a real kernel will not do on cue. */
function fakeTransport(reply: (req: Uint8Array, deliver: Receiver["datagram"]) => void): Transport {
  let receiver: Receiver | null = null;
  return {
    kind: "fake",
    protocol: NETLINK_ROUTE,
    portId: 77,
    closed: false,
    groups: { join() {}, leave() {} },
    send(d) {
      queueMicrotask(() => receiver && reply(d, receiver.datagram));
      return Promise.resolve();
    },
    receive(r) {
      receiver = r;
    },
    close() {
      (this as { closed: boolean }).closed = true;
      receiver?.end?.();
    },
  };
}

/** An ACK for `req`, from port `from`, addressed to port `to`. */
function ackFor(req: Uint8Array, to: number): Uint8Array {
  const out = new Uint8Array(36);
  const v = new DataView(out.buffer);
  v.setUint32(0, 36, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, NLM_F.CAPPED, true);
  v.setUint32(8, new DataView(req.buffer, req.byteOffset).getUint32(8, true), true);
  v.setUint32(12, to, true);
  out.set(req.subarray(0, 16), 20);
  return out;
}

describe("NetlinkClient matching, timeouts and close", () => {
  it("drops datagrams from other processes and replies to other ports, then times out with a TimeoutError", async () => {
    const c = new NetlinkClient(
      fakeTransport((req, deliver) => {
        deliver(ackFor(req, 77), { from: 4242 }); // not the kernel
        deliver(ackFor(req, 78), { from: 0 }); // another socket's reply
      }),
      { timeoutMs: 50 },
    );
    const e = await c.request(rtLink, "getlink", { fixed: { "ifi-index": 1 } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    c.close();
  });

  it("times out a dump that stops coming, and goes on", async () => {
    const c = new NetlinkClient(fakeTransport(() => {}), { timeoutMs: 50 });
    await expect(c.dump(rtLink, "getlink").toArray()).rejects.toBeInstanceOf(TimeoutError);
    await expect(c.dump(rtLink, "getlink").toArray()).rejects.toBeInstanceOf(TimeoutError);
    c.close();
  });

  it("accepts the kernel's reply to its own port, and ignores other seqs", async () => {
    const c = new NetlinkClient(
      fakeTransport((req, deliver) => {
        const other = ackFor(req, 77);
        new DataView(other.buffer).setUint32(8, 12345, true);
        deliver(other, { from: 0 });
        deliver(ackFor(req, 77), { from: 0 });
      }),
    );
    await expect(c.request(rtLink, "setlink", { fixed: { "ifi-index": 1 } })).resolves.toEqual([]);
    c.close();
  });

  it("ends a dump whose DONE carries an errno with a KernelError, ext-ack text included", async () => {
    const c = new NetlinkClient(
      fakeTransport((req, deliver) => {
        const seq = new DataView(req.buffer, req.byteOffset).getUint32(8, true);
        const w = new ByteWriter();
        encodeDoneMessage(w, { errno: 16, extAck: { message: "dump went away" } }, { seq, pid: 77 });
        deliver(w.finish(), { from: 0 });
      }),
    );
    const e = (await c.dump(rtLink, "getlink").toArray().catch((x: unknown) => x)) as KernelError;
    expect(e).toBeInstanceOf(KernelError);
    expect([e.errnoName, e.kernelMessage]).toEqual(["EBUSY", "dump went away"]);
    c.close();
  });

  it("hands a notification carrying a pending request's seq to the subscribers when the request has no reply", async () => {
    const c = new NetlinkClient(
      fakeTransport((req, deliver) => {
        const note = new Uint8Array(32);
        note.set(req.subarray(0, 16)); // RTM_NEWLINK with the request's seq, as the kernel announces a change
        new DataView(note.buffer).setUint32(0, 32, true);
        new DataView(note.buffer).setUint32(12, 77, true);
        deliver(note, { from: 0 });
        deliver(ackFor(req, 77), { from: 0 });
      }),
    );
    const sub = await c.subscribe(rtLink, ["rtnlgrp-link"]);
    await expect(c.request(rtLink, "newlink", { fixed: { "ifi-index": 1 } })).resolves.toEqual([]);
    const first = await sub.next();
    expect(first.value).toMatchObject({ type: "message", message: { header: { type: 16, pid: 77 } } });
    c.close();
    expect((await sub.next()).done).toBe(true);
  });

  it("rejects pending requests on close, and new ones after it", async () => {
    const c = new NetlinkClient(fakeTransport(() => {}));
    const p = c.request(rtLink, "getlink", { fixed: { "ifi-index": 1 } });
    c.close();
    await expect(p).rejects.toBeInstanceOf(ClientClosedError);
    await expect(c.request(rtLink, "getlink", {})).rejects.toBeInstanceOf(ClientClosedError);
  });
});
