import { splitDatagram, type DecodedMessage } from "@nlwire/codec";
import { describe, expect, it } from "vitest";
import { KernelError, openNetlink } from "../../client/index.js";
import { runText } from "../../tools/exec.js";
import { throwAwayNetns } from "../transport/netns.js";
import { projectFamily } from "./specs.js";
import { sentDatagrams } from "./trace.js";

const NETLINK_NETFILTER = 12;
const IPSET_PROTOCOL = 7;
const IPSET_ERR_EXIST = 4103;
const ipset = projectFamily("ipset");
type O = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const NFGEN = { fixed: { "nfgen-family": 2 } };

/** `ipset -o xml list` in the namespace: per set, its type, revision, family and members with their comments. */
function ipsetList(ns: string): O[] {
  const xml = runText("ip", ["netns", "exec", ns, "ipset", "-o", "xml", "list"]);
  return [...xml.matchAll(/<ipset name="([^"]+)">([\s\S]*?)<\/ipset>/g)].map(([, name, body]) => {
    const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(body!)?.[1];
    const members = [...body!.matchAll(/<member><elem>([^<]+)<\/elem>(.*?)<\/member>/g)].map(([, elem, rest]) => {
      const comment = /<comment>"(.*)"<\/comment>/.exec(rest!)?.[1];
      return comment === undefined ? { elem } : { elem, comment };
    });
    return { name, type: tag("type"), revision: Number(tag("revision")), family: tag("family"), maxelem: Number(tag("maxelem")), entries: Number(tag("numentries")), members: members.sort(byElem) };
  });
}

const byElem = (a: O, b: O) => (a["elem"] < b["elem"] ? -1 : 1);

/** The same, from the kernel's list replies (a set may come in several messages). */
function setsOf(replies: DecodedMessage[]): O[] {
  const sets = new Map<string, O>();
  for (const m of replies) {
    const a = m.attrs as O;
    const s = sets.get(a["setname"]) ?? { name: a["setname"], type: a["typename"], revision: a["revision"], family: a["family"], members: [] as O[] };
    if (a["data"]) Object.assign(s, { maxelem: a["data"]["maxelem"], entries: a["data"]["elements"] });
    for (const e of (a["adt"]?.["data"] ?? []) as O[]) {
      const ip = e["ip"]?.["ipv4"] ?? e["ip"]?.["ipv6"];
      const full = (s["family"] === "inet" && e["cidr"] === 32) || (s["family"] === "inet6" && e["cidr"] === 128) || e["cidr"] === undefined;
      const elem = full ? ip : `${ip}/${e["cidr"]}`;
      s["members"].push(e["comment"] === undefined ? { elem } : { elem, comment: e["comment"] });
    }
    sets.set(s["name"], s);
  }
  return [...sets.values()].map((s) => ({ ...s, members: s["members"].sort(byElem) }));
}

describe("ipset, live", () => {
  const ns = throwAwayNetns("nlwip");

  it("create, add, test and del through the client; `ipset list` agrees at each step", async () => {
    const c = openNetlink({ protocol: NETLINK_NETFILTER, netns: ns.name });
    try {
      const [proto] = await c.request(ipset, "protocol", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL } });
      expect((proto!.attrs as O)["protocol"]).toBe(IPSET_PROTOCOL);
      // The newest revision of hash:ip this kernel has, as ipset itself asks for it.
      const [type] = await c.request(ipset, "type", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL, typename: "hash:ip", family: "inet" } });
      const revision = (type!.attrs as O)["revision"] as number;
      await c.request(ipset, "create", {
        ...NFGEN,
        attrs: { protocol: IPSET_PROTOCOL, setname: "nlw4", typename: "hash:ip", revision, family: "inet", data: { maxelem: 1000, "cadt-flags": ["with-comment"] } },
      });
      const add = (ip: string, comment?: string) =>
        c.request(ipset, "add", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL, setname: "nlw4", data: { ip: { ipv4: ip }, ...(comment ? { comment } : {}) } } });
      await add("192.0.2.1", "first one");
      await add("192.0.2.2");
      await add("192.0.2.3");
      // A second set, made by the ipset tool: IPv6 networks.
      runText("ip", ["netns", "exec", ns.name, "sh", "-c", 'ipset create nlw6 hash:net family inet6 comment && ipset add nlw6 2001:db8::/64 comment "a net" && ipset add nlw6 2001:db8:1::1']);

      const listed = async () => setsOf(await c.dump(ipset, "list", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL } }).toArray());
      expect(await listed()).toEqual(ipsetList(ns.name));
      expect((await listed()).map((s) => s["members"].length)).toEqual([3, 2]);

      const test = async (ip: string) => {
        try {
          await c.request(ipset, "test", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL, setname: "nlw4", data: { ip: { ipv4: ip } } } });
          return true;
        } catch (e) {
          if (e instanceof KernelError && e.errno === IPSET_ERR_EXIST) return false;
          throw e;
        }
      };
      expect(await test("192.0.2.2")).toBe(true);
      expect(await test("192.0.2.9")).toBe(false);
      await c.request(ipset, "del", { ...NFGEN, attrs: { protocol: IPSET_PROTOCOL, setname: "nlw4", data: { ip: { ipv4: "192.0.2.2" } } } });
      expect(await test("192.0.2.2")).toBe(false);
      const after = ipsetList(ns.name);
      expect(after[0]!["members"]).toEqual([{ elem: "192.0.2.1", comment: "first one" }, { elem: "192.0.2.3" }]);
      expect(await listed()).toEqual(after);
    } finally {
      c.close();
    }
  });

  it("the ipset tool's requests decode strictly and re-encode to its bytes", () => {
    runText("ip", ["netns", "exec", ns.name, "ipset", "create", "nlwt", "hash:net,port", "timeout", "60", "counters", "-exist"]);
    const { datagrams, status } = sentDatagrams(["ip", "netns", "exec", ns.name, "ipset", "add", "nlwt", "198.51.100.0/24,tcp:80", "timeout", "30", "packets", "5", "bytes", "700"]);
    expect(status).toBe(0);
    const msgs = datagrams.flatMap((d) => splitDatagram(d).messages);
    const add = msgs.map((m) => ({ m, d: ipset.decode(m, { fromKernel: false, strict: true }) })).find((x) => x.d.op === "add")!;
    expect(add.d.attrs).toMatchObject({ protocol: IPSET_PROTOCOL, setname: "nlwt", data: { ip: { ipv4: "198.51.100.0" }, cidr: 24, port: 80, proto: 6, timeout: 30, packets: 5n, bytes: 700n } });
    for (const m of msgs) {
      const d = ipset.decode(m, { fromKernel: false, strict: true });
      expect(splitDatagram(ipset.encodeDecoded(d)).messages[0]!.payload).toEqual(m.payload);
    }
  });
});
