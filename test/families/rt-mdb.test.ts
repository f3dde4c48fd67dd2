import { describe, expect, it } from "vitest";
import { formatIPv4, formatIPv6, formatMac, type DecodedMessage } from "@nlwire/codec";
import { rtMdb, type MdbaAttrs } from "@nlwire/codec/families/rt-mdb";
import { rtVlan } from "@nlwire/codec/families/rt-vlan";
import { openNetlink } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { NO_IPV6, fileNetns, inNetns } from "./netns.js";

// The bridge's multicast database: entries made with `bridge mdb` (IPv4,
// IPv6, L2, with a VLAN, with a source) and one made by nlwire, against
// `bridge -j -d mdb show`. And the VLAN database, which this kernel
// (without CONFIG_BRIDGE_VLAN_FILTERING) keeps empty, like bridge says.

const ns = fileNetns("nlw-mdb", [
  "link add br0 type bridge mcast_snooping 1", "link add v0 type veth peer name v1",
  "link set v1 master br0", "link set br0 up", "link set v1 up", "link set v0 up",
], NO_IPV6);
const RTPROT: Record<number, string> = { 3: "boot", 4: "static", 2: "kernel" };

function names(ns: string): Map<number, string> {
  return new Map((JSON.parse(ip(["-n", ns, "-j", "link", "show"])) as { ifindex: number; ifname: string }[]).map((l) => [l.ifindex, l.ifname]));
}

/** The group of a br_mdb_entry, printed by its protocol (IPv4, IPv6, or a MAC). */
function group(addr: Uint8Array, proto: number): string {
  return proto === 0x800 ? formatIPv4(addr.subarray(0, 4)) : proto === 0x86dd ? formatIPv6(addr) : formatMac(addr.subarray(0, 6));
}

async function mdb(ns: string): Promise<Record<string, unknown>[]> {
  const n = names(ns);
  const c = openNetlink({ protocol: 0, netns: ns });
  const out: Record<string, unknown>[] = [];
  try {
    for await (const m of c.dump(rtMdb, "getmdb", { fixed: { family: 7 } })) {
      const bridge = (m.fixed as { ifindex: number }).ifindex;
      for (const entry of (m as DecodedMessage & { attrs: MdbaAttrs }).attrs.mdb?.entry ?? []) {
        for (const e of entry.info ?? []) {
          const o: Record<string, unknown> = { index: bridge, dev: n.get(bridge), port: n.get(e.ifindex!), grp: group(e.addr!, e["addr-proto"]!) };
          if (e.source) o["src"] = e.source;
          Object.assign(o, { state: e.state === "permanent" ? "permanent" : "temp", protocol: RTPROT[e.rtprot!] ?? e.rtprot, flags: e.flags });
          if (e.vid) o["vid"] = e.vid;
          out.push(o);
        }
      }
    }
  } finally {
    c.close();
  }
  return out;
}

const bridgeMdb = (ns: string) => (JSON.parse(inNetns(ns, "bridge", ["-j", "-d", "mdb", "show"])) as { mdb: Record<string, unknown>[] }[]).flatMap((x) => x.mdb);

describe("rt-mdb", () => {
  it("dumps the entries bridge -j -d mdb show prints, struct and attributes of each", async () => {
    for (const args of [
      "grp 239.1.1.1 permanent vid 10", "grp ff0e::5 permanent", "grp 239.2.2.2 temp", "grp 01:00:5e:01:01:05 permanent", "grp 239.3.3.3 src 10.0.0.9 permanent",
    ]) inNetns(ns(), "bridge", ["mdb", "add", "dev", "br0", "port", "v1", ...args.split(" ")]);
    const ours = await mdb(ns());
    expect(ours).toEqual(bridgeMdb(ns()));
    expect(ours).toHaveLength(5);
  });

  it("adds and deletes an entry that bridge then shows (and stops showing)", async () => {
    const n = [...names(ns())];
    const br0 = n.find(([, x]) => x === "br0")![0];
    const v1 = n.find(([, x]) => x === "v1")![0];
    const entry = { ifindex: v1, state: "permanent", flags: [], vid: 0, addr: Uint8Array.from([239, 7, 7, 7, ...new Array<number>(12).fill(0)]), "addr-proto": 0x800 };
    const c = openNetlink({ protocol: 0, netns: ns() });
    try {
      await c.request(rtMdb, "newmdb", { fixed: { family: 7, ifindex: br0 }, attrs: { entry } }, { flags: 0x600 });
      expect(bridgeMdb(ns())).toContainEqual(expect.objectContaining({ grp: "239.7.7.7", port: "v1", state: "permanent" }));
      await c.request(rtMdb, "delmdb", { fixed: { family: 7, ifindex: br0 }, attrs: { entry } });
      expect(bridgeMdb(ns()).map((e) => e["grp"])).not.toContain("239.7.7.7");
    } finally {
      c.close();
    }
  });
});

describe("rt-vlan", () => {
  it("asks for the VLAN database; this kernel has no VLAN filtering and says so", async () => {
    // bridge -j vlan show reads the older AF_BRIDGE link dump, and finds nothing either.
    expect(JSON.parse(inNetns(ns(), "bridge", ["-j", "vlan", "show"]))).toEqual([]);
    const c = openNetlink({ protocol: 0, netns: ns() });
    try {
      const dump = async () => {
        for await (const _ of c.dump(rtVlan, "getvlan", { fixed: { family: 7, ifindex: 0 }, attrs: { flags: ["stats"] } })) void _;
      };
      await expect(dump()).rejects.toMatchObject({ errnoName: "EOPNOTSUPP" });
    } finally {
      c.close();
    }
  });
});
