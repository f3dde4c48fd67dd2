import { describe, expect, test } from "vitest";
import { NetlinkOperationError, type Link, type NewLink } from "../../api/index.js";
import { ip, withNetns } from "../../tools/netns.js";
import { runText } from "../../tools/exec.js";
import { bridgeJ, byKey, ipJ, withHandle } from "./helpers.js";
import { ipLinks, linkFields } from "./ip-json.js";

const sortLinks = (ls: Partial<Link>[]) => byKey(ls, (l) => String(l.ifindex).padStart(6, "0"));
const linkJ = (ns: string, name: string) => ipJ(ns, `-d link show ${name}`)[0] as Record<string, any>;

describe("links", () => {
  test("add of every kind this kernel offers, each checked with ip -d; the list agrees with ip -j -d field for field", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1", mtu: 1400 }, mtu: 1400, txqlen: 500, up: true, alias: "uplink" });
      await h.links.add({ name: "br0", kind: "bridge", forwardDelay: 400, stpState: 0, ageingTime: 20000 });
      await h.links.add({ name: "vx0", kind: "vxlan", vni: 42, port: 4789, remote: "192.0.2.9", local: "192.0.2.1", dev: "v0", ttl: 9, learning: false });
      await h.links.add({ name: "mv0", kind: "macvlan", link: "v0", mode: "bridge" });
      await h.links.add({ name: "mvt0", kind: "macvtap", link: "v0", mode: "vepa" });
      await h.links.add({ name: "ifb0", kind: "ifb", address: "02:00:00:00:00:0b" });
      await h.links.set("v1", { master: "br0", up: true });

      expect(linkJ(ns, "v1").mtu).toBe(1400);
      expect(linkJ(ns, "v0")).toMatchObject({ mtu: 1400, txqlen: 500, ifalias: "uplink", linkinfo: { info_kind: "veth" } });
      expect(linkJ(ns, "br0").linkinfo).toMatchObject({ info_kind: "bridge", info_data: { forward_delay: 400, stp_state: 0, ageing_time: 20000 } });
      expect(linkJ(ns, "vx0").linkinfo).toMatchObject({ info_kind: "vxlan", info_data: { id: 42, remote: "192.0.2.9", local: "192.0.2.1", link: "v0", port: 4789, ttl: 9, learning: false } });
      expect(linkJ(ns, "mv0").linkinfo).toMatchObject({ info_kind: "macvlan", info_data: { mode: "bridge" } });
      expect(linkJ(ns, "mvt0").linkinfo).toMatchObject({ info_kind: "macvtap", info_data: { mode: "vepa" } });
      expect(linkJ(ns, "ifb0")).toMatchObject({ address: "02:00:00:00:00:0b", linkinfo: { info_kind: "ifb" } });

      const links = await h.links.list();
      expect(sortLinks(links.map(linkFields))).toEqual(sortLinks(ipLinks(ns)));
      // The kind-specific data comes back by the spec's names.
      const vx = links.find((l) => l.ifname === "vx0")!;
      expect(vx.info).toMatchObject({ id: 42, port: 4789, group: "192.0.2.9", local: "192.0.2.1", ttl: 9, learning: 0 });
      expect(links.find((l) => l.ifname === "v1")).toMatchObject({ master: links.find((l) => l.ifname === "br0")!.ifindex, slaveKind: "bridge" });
    });
  });

  test("the kernel's filtered dumps: by kind and by master, as ip link show type/master", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "br0", kind: "bridge" });
      await h.links.add({ name: "a0", kind: "veth", peer: { name: "a1" }, master: "br0" });
      await h.links.add({ name: "b0", kind: "veth", peer: { name: "b1" } });
      const names = (ls: { ifname: string }[]) => ls.map((l) => l.ifname).sort();
      expect(names(await h.links.list({ kind: "veth" }))).toEqual(names(ipJ(ns, "link show type veth") as { ifname: string }[]));
      expect(names(await h.links.list({ kind: "veth" }))).toEqual(["a0", "a1", "b0", "b1"]);
      expect(names(await h.links.list({ master: "br0" }))).toEqual(names(ipJ(ns, "link show master br0") as { ifname: string }[]));
      expect(names(await h.links.list({ master: "br0" }))).toEqual(["a0"]);
    });
  });

  test("get by name, index and alias; a missing link is the kernel's ENODEV, named", async () => {
    await withHandle(async (h) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, alias: "to-the-left" });
      const byName = await h.links.get("v0");
      expect(await h.links.get(byName.ifindex)).toEqual(byName);
      expect((await h.links.byAlias("to-the-left")).map((l) => l.ifindex)).toEqual([byName.ifindex]);
      const e = await h.links.get("nope0").catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NetlinkOperationError);
      expect((e as NetlinkOperationError).errnoName).toBe("ENODEV");
      expect((e as Error).message).toMatch(/^get link nope0: ENODEV \(No such device\)/);
    });
  });

  test("a refusal names the operation, the errno, the kernel's words and the attribute", async () => {
    await withHandle(async (h) => {
      const e = (await h.links.add({ name: "a-name-longer-than-ifnamsiz", kind: "bridge" }).catch((x: unknown) => x)) as NetlinkOperationError;
      expect(e).toBeInstanceOf(NetlinkOperationError);
      expect(e).toMatchObject({ errnoName: "ERANGE", attrPath: ["ifname"], action: "add link a-name-longer-than-ifnamsiz" });
      expect(e.message).toMatch(/^add link a-name-longer-than-ifnamsiz: ERANGE \([^)]+\): Attribute failed policy validation: at attribute ifname$/);
    });
  });

  test("set: up/down, mtu, name, alias, address, txqlen, group, master/nomaster, promisc, arp; delete", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" } });
      await h.links.add({ name: "br0", kind: "bridge" });
      await h.links.set("v0", { up: true, mtu: 1300, alias: "a", address: "02:00:00:00:01:01", txqlen: 77, group: 5, promisc: true, arp: false });
      expect(linkJ(ns, "v0")).toMatchObject({ mtu: 1300, ifalias: "a", address: "02:00:00:00:01:01", txqlen: 77, group: "5", promiscuity: 1 });
      expect(linkJ(ns, "v0").flags).toEqual(expect.arrayContaining(["UP", "NOARP", "PROMISC"]));
      await h.links.setDown("v0");
      await h.links.set("v0", { promisc: false, arp: true, name: "renamed0", master: "br0" });
      const l = linkJ(ns, "renamed0");
      expect(l.flags).not.toContain("UP");
      expect(l.flags).not.toContain("NOARP");
      expect(l).toMatchObject({ master: "br0", promiscuity: 1 }); // the bridge keeps its port promiscuous
      await h.links.set("renamed0", { master: null });
      expect(linkJ(ns, "renamed0").master).toBeUndefined();
      await h.links.setUp("renamed0");
      expect(linkJ(ns, "renamed0").flags).toContain("UP");
      await h.links.delete("renamed0");
      expect(ipJ(ns, "link show type veth")).toEqual([]);
      expect(((await h.links.delete("renamed0").catch((e: unknown) => e)) as NetlinkOperationError).errnoName).toBe("ENODEV");
    });
  });

  test("veth pairs with the peer in another namespace; links moved by netns name, fd and pid", async () => {
    await withHandle(async (h, ns) => {
      await withNetns(async (other) => {
        await h.links.add({ name: "in0", kind: "veth", peer: { name: "out0", netns: other } });
        expect(ipJ(other, "link show out0")).toHaveLength(1);
        expect(ipJ(ns, "link show in0")[0]).toMatchObject({ link_netnsid: expect.any(Number) });
        // The API reports the peer's ifindex with the namespace id it lives in.
        expect(await h.links.get("in0")).toMatchObject({ linkNetnsid: expect.any(Number), link: ipJ(other, "link show out0")[0]!.ifindex });

        // A link made straight in the other namespace comes back as the kernel reports it there.
        const far = await h.links.add({ name: "far0", kind: "veth", peer: { name: "far1" }, netns: other, alias: "far", mtu: 1450 });
        expect(far).toMatchObject({ ifname: "far0", ifalias: "far", mtu: 1450, ifindex: ipJ(other, "link show far0")[0]!.ifindex });
        expect(ipJ(other, "link show far0")[0]).toMatchObject({ ifalias: "far", mtu: 1450 });

        await h.links.add({ name: "m0", kind: "veth", peer: { name: "m1" } });
        await h.links.set("m0", { netns: other });
        expect(ipJ(other, "link show m0")).toHaveLength(1);
        const { openSync, closeSync } = await import("node:fs");
        const fd = openSync(`/run/netns/${other}`, "r");
        try {
          await h.links.set("m1", { netns: { fd } });
        } finally {
          closeSync(fd);
        }
        expect(ipJ(other, "link show m1")).toHaveLength(1);
        // By pid: a process living in the namespace.
        await h.links.add({ name: "p0", kind: "veth", peer: { name: "p1" } });
        const pid = Number(runText("ip", ["netns", "exec", other, "sh", "-c", "sleep 5 >/dev/null 2>&1 & echo $!"]).trim());
        try {
          await h.links.set("p0", { netns: { pid } });
        } finally {
          process.kill(pid);
        }
        expect(ipJ(other, "link show p0")).toHaveLength(1);
      }, "nlw-api-peer");
    });
  });

  test("bridge port settings, verified with bridge -j -d link show", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "br0", kind: "bridge" });
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, master: "br0" });
      await h.links.setBridgePort("v0", { cost: 9, priority: 7, learning: false, hairpin: true, guard: true, fastLeave: true, protect: true, unicastFlood: false, isolated: true, neighSuppress: true });
      const port = bridgeJ(ns, "-d link show dev v0")[0];
      expect(port).toMatchObject({ cost: 9, priority: 7, learning: false, hairpin: true, guard: true, fastleave: true, root_block: true, flood: false, isolated: true, neigh_suppress: true });
      expect(await h.links.bridgePort("v0")).toMatchObject({ cost: 9, priority: 7, learning: 0, mode: 1, guard: 1, "fast-leave": 1, protect: 1, "unicast-flood": 0, isolated: 1 });
    });
  });

  test("64-bit statistics lie between two ip -s readings around them", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
      await h.links.set("v1", { up: true });
      await h.addresses.add({ dev: "v0", address: "10.7.0.1/24" });
      // Real traffic: UDP datagrams sent from inside the namespace to a neighbour out on v0.
      await h.neighbours.add({ dev: "v0", dst: "10.7.0.2", lladdr: "02:00:00:00:07:02" });
      const send = "const s=require('dgram').createSocket('udp4');let n=0;const f=()=>s.send(Buffer.alloc(100),9,'10.7.0.2',()=>{if(++n<20)f();else s.close()});f()";
      runText("ip", ["netns", "exec", ns, process.execPath, "-e", send]);
      const ipStats = () => (ipJ(ns, "-s link show v0")[0] as { stats64: { tx: { packets: number; bytes: number }; rx: { packets: number } } }).stats64;
      const before = ipStats();
      const s = await h.links.stats("v0");
      const after = ipStats();
      expect(before.tx.packets).toBeGreaterThanOrEqual(20);
      expect(s.txPackets).toBeGreaterThanOrEqual(BigInt(before.tx.packets));
      expect(s.txPackets).toBeLessThanOrEqual(BigInt(after.tx.packets));
      expect(s.txBytes).toBeGreaterThanOrEqual(BigInt(before.tx.bytes));
      expect(s.rxPackets).toBeLessThanOrEqual(BigInt(after.rx.packets));
      expect(typeof s.rxBytes).toBe("bigint");
    });
  });
});

/** Kinds described by the specs; whether this kernel has them is asked of `ip link add` first. */
const CANDIDATES: { spec: NewLink; ipArgs: string }[] = [
  { spec: { name: "x-vlan", kind: "vlan", link: "base0", id: 10 }, ipArgs: "link base0 type vlan id 10" },
  { spec: { name: "x-bond", kind: "bond", mode: "active-backup", miimon: 100 }, ipArgs: "type bond mode active-backup miimon 100" },
  { spec: { name: "x-dummy", kind: "dummy" }, ipArgs: "type dummy" },
  { spec: { name: "x-vrf", kind: "vrf", table: 10 }, ipArgs: "type vrf table 10" },
  { spec: { name: "x-wg", kind: "wireguard" }, ipArgs: "type wireguard" },
  { spec: { name: "x-ipvlan", kind: "ipvlan", link: "base0", mode: "l2" }, ipArgs: "link base0 type ipvlan mode l2" },
  { spec: { name: "x-gre", kind: "gre", remote: "192.0.2.2", local: "192.0.2.1", ttl: 64 }, ipArgs: "type gre remote 192.0.2.2 local 192.0.2.1 ttl 64" },
  { spec: { name: "x-ipip", kind: "ipip", remote: "192.0.2.2", local: "192.0.2.1" }, ipArgs: "type ipip remote 192.0.2.2 local 192.0.2.1" },
  { spec: { name: "x-sit", kind: "sit", remote: "192.0.2.2", local: "192.0.2.1" }, ipArgs: "type sit remote 192.0.2.2 local 192.0.2.1" },
  { spec: { name: "x-geneve", kind: "geneve", vni: 7, remote: "192.0.2.2" }, ipArgs: "type geneve id 7 remote 192.0.2.2" },
];

describe("kinds this kernel may lack", () => {
  test("each either works as ip says it does, or fails with the kernel's own error, named, as ip's does", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "base0", kind: "veth", peer: { name: "base1" } });
      const seen: string[] = [];
      for (const { spec, ipArgs } of CANDIDATES) {
        let ipError: string | undefined;
        try {
          ip(["-n", ns, "link", "add", "probe0", ...ipArgs.split(" ")]);
          ip(["-n", ns, "link", "del", "probe0"]);
        } catch (e) {
          ipError = String((e as Error).message);
        }
        const got = await h.links.add(spec).then(() => undefined, (e: unknown) => e);
        if (ipError === undefined) {
          expect(got, spec.kind).toBeUndefined();
          expect(linkJ(ns, spec.name).linkinfo.info_kind).toBe(spec.kind);
          seen.push(`${spec.kind}: available`);
          continue;
        }
        expect(got, spec.kind).toBeInstanceOf(NetlinkOperationError);
        const e = got as NetlinkOperationError;
        // ip says "Error: Unknown device type." for the kernel's ext-ack text.
        expect(ipError).toContain(e.kernelMessage ?? "\0");
        expect(e.errnoName).toBe("EOPNOTSUPP");
        expect(e.message).toMatch(new RegExp(`^add link ${spec.name}: EOPNOTSUPP \\([^)]+\\): ${e.kernelMessage}$`));
        seen.push(`${spec.kind}: ${e.errnoName}`);
      }
      expect(seen).toHaveLength(CANDIDATES.length);
    });
  });

  test("tun/tap: made through /dev/net/tun in the handle's namespace (and another), set up like any link, deleted", async () => {
    await withHandle(async (h, ns) => {
      const tap = await h.links.add({ name: "nlwtap0", kind: "tap", mtu: 1400, up: true, owner: 65534 });
      const tun = await h.links.add({ name: "nlwtun0", kind: "tun", multiQueue: true });
      type TunInfo = { ifname: string; mtu: number; flags: string[]; linkinfo: { info_kind: string; info_data: { type: string; multi_queue: boolean; persist: boolean; user?: string } } };
      const seen = ipJ<TunInfo[]>(ns, "-d link show").filter((l) => l.ifname.startsWith("nlwt"));
      const byName = Object.fromEntries(seen.map((l) => [l.ifname, l]));
      expect(byName["nlwtap0"]!.linkinfo.info_data).toMatchObject({ type: "tap", persist: true, multi_queue: false, user: "nobody" }); // ip prints uid 65534 by name
      expect(byName["nlwtap0"]).toMatchObject({ mtu: 1400, flags: expect.arrayContaining(["UP"]) });
      expect(byName["nlwtun0"]!.linkinfo.info_data).toMatchObject({ type: "tun", persist: true, multi_queue: true });
      expect([tap.ifname, tun.ifname, tap.mtu]).toEqual(["nlwtap0", "nlwtun0", 1400]);
      expect(ip(["link", "show"])).not.toContain("nlwtap0"); // made in the handle's namespace, not here
      const e = (await h.links.add({ name: "nlwtap0", kind: "tap" }).catch((x: unknown) => x)) as NetlinkOperationError;
      expect(e).toBeInstanceOf(NetlinkOperationError);
      expect(e.message).toMatch(/^add link nlwtap0: EEXIST/); // as newlink with EXCL would say
      await withNetns(async (other) => {
        await h.links.add({ name: "nlwtap1", kind: "tap", netns: other });
        expect(ipJ<{ ifname: string }[]>(other, "link show").map((l) => l.ifname)).toContain("nlwtap1");
      });
      await h.links.delete("nlwtap0");
      await h.links.delete("nlwtun0");
      expect(ipJ<{ ifname: string }[]>(ns, "link show").map((l) => l.ifname)).toEqual(["lo"]);
    });
  });
});
