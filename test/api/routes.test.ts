import { describe, expect, test } from "vitest";
import { InvalidArgumentError, NetlinkOperationError, type Handle, type Route } from "../../api/index.js";
import { byKey, ipJ, withHandle } from "./helpers.js";
import { ipRoutes, routeFields } from "./ip-json.js";

const key = (r: Partial<Route>) => `${r.table} ${r.family} ${r.dst} ${r.priority ?? ""} ${r.oif ?? ""} ${r.type}`;
const sortRoutes = (rs: Partial<Route>[]) => byKey(rs, key);

/** Two links with addresses, so that gateways are reachable. */
async function wire(h: Handle): Promise<void> {
  await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
  await h.links.setUp("v1");
  await h.addresses.add({ dev: "v0", address: "10.1.0.1/24" });
  await h.addresses.add({ dev: "v1", address: "10.2.0.1/24" });
  await h.addresses.add({ dev: "v0", address: "2001:db8::1/64", flags: ["nodad"] });
  // The kernel adds an IPv6 address's local route from a work queue, a moment later, even with nodad.
  for (let i = 0; i < 100 && !(await h.routes.list({ table: "local", family: "inet6" })).some((r) => r.dst === "2001:db8::1/128"); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("routes", () => {
  test("add every sort of route; list agrees with ip -j route show table all, field for field", async () => {
    await withHandle(async (h, ns) => {
      await wire(h);
      await h.routes.add({ dst: "10.10.0.0/16", gateway: "10.1.0.2", priority: 5, metrics: { mtu: 1300, advmss: 1200 } });
      await h.routes.add({ dst: "10.11.0.0/16", gateway: "10.9.9.9", dev: "v0", onlink: true, prefsrc: "10.1.0.1" });
      await h.routes.add({ dst: "10.12.0.0/16", dev: "v1", scope: "link", protocol: "static" });
      await h.routes.add({ dst: "10.13.0.0/16", type: "blackhole", table: 100 });
      await h.routes.add({ dst: "10.14.0.0/16", type: "unreachable", table: 1000 });
      await h.routes.add({ dst: "10.15.0.0/16", type: "prohibit" });
      await h.routes.add({ dst: "10.16.0.1", type: "local", dev: "v0", table: "local" });
      await h.routes.add({ dst: "default", gateway: "10.1.0.254" });
      await h.routes.add({ dst: "10.20.0.0/16", multipath: [{ gateway: "10.1.0.2", dev: "v0", weight: 3 }, { gateway: "10.2.0.2", dev: "v1" }] });
      await h.routes.add({ dst: "2001:db8:5::/64", gateway: "2001:db8::2", metrics: { hoplimit: 9 } });
      await h.routes.add({ dst: "2001:db8:6::/64", multipath: [{ gateway: "2001:db8::2", dev: "v0", weight: 2 }, { gateway: "2001:db8::3", dev: "v0" }] });
      await h.routes.add({ dst: "default", family: "inet6", type: "unreachable", table: 200 });
      await h.routes.add({ dst: "2001:db8:7::/64", src: "2001:db8:8::/64", gateway: "2001:db8::2" }); // source-specific

      const ours = (await h.routes.list({ table: "all" })).map(routeFields);
      expect(sortRoutes(ours)).toEqual(sortRoutes(ipRoutes(ns, "table all")));
      // Spot checks against ip's own words.
      expect(ipJ(ns, "route show 10.20.0.0/16")[0]).toMatchObject({ nexthops: [{ gateway: "10.1.0.2", weight: 3 }, { gateway: "10.2.0.2", weight: 1 }] });
      expect(ipJ(ns, "route show table 1000")[0]).toMatchObject({ type: "unreachable", dst: "10.14.0.0/16" });
      expect(ipJ(ns, "route show 10.11.0.0/16")[0]).toMatchObject({ flags: ["onlink"], gateway: "10.9.9.9" });
    });
  });

  test("filters: table, protocol, link, destination and family, as ip route show's", async () => {
    await withHandle(async (h, ns) => {
      await wire(h);
      await h.routes.add({ dst: "10.30.0.0/16", gateway: "10.1.0.2", table: 300, protocol: "static" });
      await h.routes.add({ dst: "10.31.0.0/16", gateway: "10.2.0.2", table: 300 });
      await h.routes.add({ dst: "10.32.0.0/16", gateway: "10.2.0.2" });
      const cmp = async (ours: Promise<Route[]>, ipArgs: string) => expect(sortRoutes((await ours).map(routeFields))).toEqual(sortRoutes(ipRoutes(ns, ipArgs)));
      await cmp(h.routes.list({ table: 300 }), "table 300");
      await cmp(h.routes.list({ table: 300, protocol: "static" }), "table 300 proto static");
      await cmp(h.routes.list({ dev: "v1", family: "inet" }), "dev v1");
      expect(sortRoutes((await h.routes.list({ family: "inet6" })).map(routeFields))).toEqual(sortRoutes(ipRoutes(ns, "table main", "-6")));
      expect((await h.routes.list({ dst: "10.32.0.0/16" })).map((r) => r.dst)).toEqual(["10.32.0.0/16"]);
      expect(await h.routes.list({ dst: "10.32.0.0/17" })).toEqual([]);
      const streamed: Route[] = [];
      for await (const r of h.routes.stream({ table: 300 })) streamed.push(r);
      expect(sortRoutes(streamed)).toEqual(sortRoutes(await h.routes.list({ table: 300 })));
    });
  });

  test("get is the kernel's lookup, as ip route get reports it", async () => {
    await withHandle(async (h, ns) => {
      await wire(h);
      await h.routes.add({ dst: "10.40.0.0/16", gateway: "10.1.0.2", metrics: { mtu: 1300 } });
      const r = await h.routes.get("10.40.1.2");
      const ipr = ipJ(ns, "route get 10.40.1.2")[0] as Record<string, unknown>;
      const v0 = (await h.links.get("v0")).ifindex;
      expect(r).toMatchObject({ dst: "10.40.1.2/32", gateway: ipr.gateway, oif: v0, prefsrc: ipr.prefsrc, metrics: { mtu: 1300 } });
      expect(await h.routes.get("2001:db8::77")).toMatchObject({ family: "inet6", dst: "2001:db8::77/128", oif: v0 });
      const e = (await h.routes.get("192.0.2.1").catch((x: unknown) => x)) as NetlinkOperationError;
      expect(e.errnoName).toBe("ENETUNREACH");
      expect(e.message).toMatch(/^get route 192\.0\.2\.1: ENETUNREACH/);
    });
  });

  test("append, replace and delete, seen by ip", async () => {
    await withHandle(async (h, ns) => {
      await wire(h);
      await h.routes.add({ dst: "10.50.0.0/16", gateway: "10.1.0.2", table: 50 });
      await h.routes.append({ dst: "10.50.0.0/16", gateway: "10.2.0.2", table: 50 });
      expect(ipJ(ns, "route show table 50").map((r) => r.gateway)).toEqual(["10.1.0.2", "10.2.0.2"]);
      // IPv6 appends make a multipath route of the same prefix and metric.
      await h.routes.add({ dst: "2001:db8:50::/64", gateway: "2001:db8::2" });
      await h.routes.append({ dst: "2001:db8:50::/64", gateway: "2001:db8::3" });
      expect((ipJ(ns, "-6 route show 2001:db8:50::/64")[0] as { nexthops?: unknown[] }).nexthops).toHaveLength(2);
      await h.routes.replace({ dst: "10.50.0.0/16", gateway: "10.2.0.9", table: 50, metrics: { mtu: 1400 } });
      expect(ipJ(ns, "route show table 50")).toMatchObject([{ gateway: "10.2.0.9", metrics: [{ mtu: 1400 }] }, { gateway: "10.2.0.2" }]);
      const dup = (await h.routes.add({ dst: "10.50.0.0/16", gateway: "10.2.0.9", table: 50 }).catch((x: unknown) => x)) as NetlinkOperationError;
      expect(dup.errnoName).toBe("EEXIST");
      await h.routes.delete({ dst: "10.50.0.0/16", table: 50, gateway: "10.2.0.2" });
      expect(ipJ(ns, "route show table 50").map((r) => r.gateway)).toEqual(["10.2.0.9"]);
      await h.routes.delete({ dst: "10.50.0.0/16", table: 50 });
      expect(ipJ(ns, "route show table 50")).toEqual([]);
      await h.routes.delete({ dst: "2001:db8:50::/64" });
      expect(ipJ(ns, "-6 route show 2001:db8:50::/64")).toEqual([]);
      const gone = (await h.routes.delete({ dst: "10.99.0.0/16" }).catch((x: unknown) => x)) as NetlinkOperationError;
      expect(gone.errnoName).toBe("ESRCH");
    });
  });

  test("bad input is a typed error; a batch reports each refusal and keeps the rest", async () => {
    await withHandle(async (h, ns) => {
      await wire(h);
      await expect(h.routes.add({ dst: "10.0.0.0/40" })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(h.routes.add({ dst: "10.60.0.0/16", gateway: "2001:db8::1" })).rejects.toThrow(/not an inet address/);
      await expect(h.routes.add({ dst: "10.60.0.0/16", multipath: [{ dev: "v0", weight: 0 }] })).rejects.toThrow(/weight: must be 1..256/);
      // Refused: the last of the first datagram (3), one in the middle of the second (5), and its last (7).
      const bad = new Set([3, 5, 7]);
      for (const acks of ["datagram", "each"] as const) {
        const b = h.batch({ perDatagram: 4, acks });
        const net = acks === "datagram" ? 70 : 71;
        for (let i = 0; i < 10; i++) b.add(await h.routes.request("add", { dst: `10.${net}.${i}.0/24`, gateway: bad.has(i) ? "10.99.0.1" : "10.1.0.2" }));
        const res = await b.run();
        expect(res.ok, acks).toBe(7);
        expect(res.errors.map((e) => [e.action, e.errnoName])).toEqual([...bad].map((i) => [`add route 10.${net}.${i}.0/24`, "ENETUNREACH"]));
        expect(ipJ(ns, "route show").filter((r) => String(r.dst).startsWith(`10.${net}.`))).toHaveLength(7);
      }
    });
  });
});
