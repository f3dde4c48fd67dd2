import { describe, expect, test } from "vitest";
import { InvalidArgumentError, NetlinkOperationError, type Address } from "../../api/index.js";
import { byKey, ipJ, withHandle } from "./helpers.js";
import { addressFields, ipAddresses } from "./ip-json.js";

const sortAddrs = (as: Address[]) => byKey(as, (a) => `${a.ifindex} ${a.family} ${a.local} ${a.prefixlen}`);

describe("addresses", () => {
  test("add IPv4 and IPv6 with labels, broadcast, peers, flags and lifetimes; lists agree with ip -j addr field for field", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
      await h.addresses.add({ dev: "v0", address: "10.1.0.1/24", broadcast: "10.1.0.255", label: "v0:main" });
      await h.addresses.add({ dev: "v0", address: "10.1.0.2/24" }); // a secondary
      await h.addresses.add({ dev: "v0", address: "10.9.0.1", peer: "10.9.0.2/32" });
      await h.addresses.add({ dev: "v0", address: "10.8.0.1/16", flags: ["noprefixroute"], scope: "link" });
      await h.addresses.add({ dev: "v0", address: "2001:db8::1/64", flags: ["nodad"], validLft: 1000, preferredLft: 500 });
      await h.addresses.add({ dev: "v1", address: "2001:db8:1::1/64", flags: ["nodad", "noprefixroute"] });
      await h.addresses.add({ dev: "v1", address: "2001:db8:9::1", peer: "2001:db8:9::2/128", flags: ["nodad"] });

      const v0 = ipJ<{ addr_info: Record<string, unknown>[] }[]>(ns, "addr show dev v0")[0]!.addr_info;
      expect(v0).toEqual(expect.arrayContaining([
        expect.objectContaining({ local: "10.1.0.1", prefixlen: 24, broadcast: "10.1.0.255", label: "v0:main" }),
        expect.objectContaining({ local: "10.1.0.2", secondary: true }),
        expect.objectContaining({ local: "10.9.0.1", address: "10.9.0.2", prefixlen: 32 }),
        expect.objectContaining({ local: "10.8.0.1", scope: "link", noprefixroute: true }),
        expect.objectContaining({ local: "2001:db8::1", nodad: true, valid_life_time: 1000, preferred_life_time: 500 }),
      ]));

      expect(sortAddrs((await h.addresses.list()).map(addressFields))).toEqual(sortAddrs(ipAddresses(ns)));
      expect(sortAddrs((await h.addresses.list({ dev: "v0", family: "inet" })).map(addressFields))).toEqual(sortAddrs(ipAddresses(ns, "dev v0").filter((a) => a.family === "inet")));
      expect(sortAddrs((await h.addresses.list({ family: "inet6" })).map(addressFields))).toEqual(sortAddrs(ipAddresses(ns).filter((a) => a.family === "inet6")));
      expect((await h.addresses.list({ dev: "v1" })).find((a) => a.local === "2001:db8:9::1")).toMatchObject({ address: "2001:db8:9::2", prefixlen: 128 });
      const onV1 = await h.addresses.list({ dev: "v1" });
      expect(new Set(onV1.map((a) => a.ifindex))).toEqual(new Set([(await h.links.get("v1")).ifindex]));
    });
  });

  test("replace changes an address in place; delete removes it; errors are the kernel's, named", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" } });
      await h.addresses.add({ dev: "v0", address: "2001:db8::1/64", flags: ["nodad"], validLft: 1000, preferredLft: 1000 });
      await h.addresses.replace({ dev: "v0", address: "2001:db8::1/64", flags: ["nodad"], validLft: 300, preferredLft: 200 });
      const find = () => ipAddresses(ns, "dev v0").filter((a) => a.local === "2001:db8::1");
      expect(find()).toMatchObject([{ validLft: 300, preferredLft: 200 }]);
      const again = await h.addresses.add({ dev: "v0", address: "2001:db8::1/64" }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(NetlinkOperationError);
      expect((again as NetlinkOperationError).errnoName).toBe("EEXIST");
      expect((again as Error).message).toMatch(/^add address 2001:db8::1\/64 on v0: EEXIST \(File exists\)/);
      await h.addresses.delete({ dev: "v0", address: "2001:db8::1/64" });
      expect(find()).toEqual([]);
      await h.addresses.add({ dev: "v0", address: "10.9.0.1", peer: "10.9.0.2/32" });
      await h.addresses.delete({ dev: "v0", address: "10.9.0.1", peer: "10.9.0.2/32" });
      expect(ipAddresses(ns, "dev v0").filter((a) => a.family === "inet")).toEqual([]);
    });
  });

  test("bad input is a typed error before anything is sent", async () => {
    await withHandle(async (h) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" } });
      for (const address of ["10.1.0.300/24", "10.1.0.1/33", "nonsense", "2001:db8::1/129"]) {
        await expect(h.addresses.add({ dev: "v0", address })).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      await expect(h.addresses.add({ dev: "v0", address: "10.0.0.1/24", peer: "2001:db8::2/128" })).rejects.toThrow(/peer: 2001:db8::2\/128 is not an inet prefix/);
      expect(await h.addresses.list({ dev: "v0", family: "inet" })).toEqual([]);
    });
  });
});
