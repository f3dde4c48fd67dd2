import { describe, expect, test } from "vitest";
import { NetlinkOperationError, type Neighbour } from "../../api/index.js";
import { bridgeJ, byKey, ipJ, withHandle } from "./helpers.js";
import { ipNeighbours, neighbourFields } from "./ip-json.js";

const sortN = (ns: Partial<Neighbour>[]) => byKey(ns, (n) => `${n.ifindex} ${n.dst}`);

describe("neighbours", () => {
  test("add (permanent, reachable, router, IPv4 and IPv6), replace, delete; the list agrees with ip -j neigh", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, up: true });
      await h.links.setUp("v1");
      await h.neighbours.add({ dev: "v0", dst: "10.1.0.2", lladdr: "02:00:00:00:00:02" });
      await h.neighbours.add({ dev: "v0", dst: "10.1.0.3", lladdr: "02:00:00:00:00:03", router: true });
      await h.neighbours.add({ dev: "v1", dst: "2001:db8::9", lladdr: "02:00:00:00:00:09", state: "reachable" });
      await h.neighbours.add({ dev: "v1", dst: "2001:db8::a", lladdr: "02:00:00:00:00:0a", router: true });
      expect(ipJ(ns, "neigh show dev v0 10.1.0.3")[0]).toMatchObject({ lladdr: "02:00:00:00:00:03", state: ["PERMANENT"], router: null });
      expect(ipJ(ns, "-6 neigh show dev v1 2001:db8::9")[0]).toMatchObject({ state: ["REACHABLE"] });

      const ours = (await h.neighbours.list()).filter((n) => !n.state.includes("NOARP")).map(neighbourFields);
      const theirs = ipNeighbours(ns, "");
      expect(sortN(ours.filter((n) => n.family === "inet"))).toEqual(sortN(theirs.filter((n) => n.family === "inet")));
      const v6 = (await h.neighbours.list({ family: "inet6", dev: "v1" })).filter((n) => !n.state.includes("NOARP")).map(neighbourFields);
      expect(sortN(v6)).toEqual(sortN(ipNeighbours(ns, "dev v1").filter((n) => n.family === "inet6")));
      expect(v6.map((n) => n.dst).sort()).toEqual(["2001:db8::9", "2001:db8::a"]);

      await h.neighbours.replace({ dev: "v0", dst: "10.1.0.2", lladdr: "02:00:00:00:00:22", state: "stale" });
      expect(ipJ(ns, "neigh show dev v0 10.1.0.2")[0]).toMatchObject({ lladdr: "02:00:00:00:00:22", state: ["STALE"] });
      const dup = (await h.neighbours.add({ dev: "v0", dst: "10.1.0.2", lladdr: "02:00:00:00:00:22" }).catch((e: unknown) => e)) as NetlinkOperationError;
      expect(dup.errnoName).toBe("EEXIST");
      await h.neighbours.delete({ dev: "v0", dst: "10.1.0.2" });
      expect(ipJ(ns, "neigh show dev v0 10.1.0.2")).toEqual([]);
    });
  });

  // VLAN-tagged entries need vlan_filtering, which this kernel lacks (EOPNOTSUPP).
  test("bridge FDB entries: add (master static, master permanent, self permanent), list as bridge -j fdb shows, delete", async () => {
    await withHandle(async (h, ns) => {
      await h.links.add({ name: "br0", kind: "bridge", up: true });
      await h.links.add({ name: "v0", kind: "veth", peer: { name: "v1" }, master: "br0", up: true });
      await h.neighbours.addFdb({ dev: "v0", mac: "02:00:00:00:aa:01", master: true, state: "static" });
      await h.neighbours.addFdb({ dev: "v0", mac: "02:00:00:00:aa:02" });
      await h.neighbours.addFdb({ dev: "v0", mac: "02:00:00:00:aa:03", master: true });
      const theirs = bridgeJ<Record<string, unknown>[]>(ns, "fdb show dev v0");
      expect(theirs).toEqual(expect.arrayContaining([
        expect.objectContaining({ mac: "02:00:00:00:aa:01", master: "br0", state: "static" }),
        expect.objectContaining({ mac: "02:00:00:00:aa:02", flags: ["self"], state: "permanent" }),
        expect.objectContaining({ mac: "02:00:00:00:aa:03", master: "br0", state: "permanent" }),
      ]));
      const v0 = (await h.links.get("v0")).ifindex;
      const ours = await h.neighbours.listFdb({ dev: "v0" });
      const fdbKey = (mac: unknown, vlan: unknown) => `${mac} ${vlan ?? ""}`;
      expect(ours.map((n) => fdbKey(n.lladdr, n.vlan)).sort()).toEqual(theirs.map((e) => fdbKey(e.mac, e.vlan)).sort());
      expect(ours.every((n) => n.ifindex === v0 && n.family === "bridge")).toBe(true);
      // The bridge's own entries name it in NDA_MASTER (bridge prints "master br0").
      expect(ours.find((n) => n.lladdr === "02:00:00:00:aa:01")).toMatchObject({ state: ["NOARP"], master: (await h.links.get("br0")).ifindex });
      await h.neighbours.deleteFdb({ dev: "v0", mac: "02:00:00:00:aa:01", master: true });
      expect(bridgeJ<{ mac: string }[]>(ns, "fdb show dev v0").map((e) => e.mac)).not.toContain("02:00:00:00:aa:01");
    });
  });
});
