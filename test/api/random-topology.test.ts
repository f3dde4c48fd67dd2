import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Handle, NewLink, NewRoute, NewRule } from "../../api/index.js";
import { runText } from "../../tools/exec.js";
import { byKey, withHandle } from "./helpers.js";
import {
  addressFields, ipAddresses, ipLinks, ipNeighbours, ipRoutes, ipRules, linkFields, neighbourFields, routeFields, ruleFields,
} from "./ip-json.js";

/**
 * A random topology built through the API in a fresh namespace, then the
 * API's lists compared with ip -j for the whole state. The generator picks
 * links of the kinds this kernel has, addresses on them, routes in several
 * tables, neighbours and rules; fast-check shrinks a failure to a small case.
 */

interface Topology {
  pairs: number;
  bridges: { ports: number[] }[];
  macvlans: number[];
  vxlan: boolean;
  ifb: boolean;
  mtus: number[];
  v4: { link: number; net: number }[];
  v6: { link: number; net: number }[];
  routes: { net: number; via: number; table: number; kind: "gateway" | "blackhole" | "unreachable"; metric: number }[];
  neighbours: { via: number; host: number }[];
  rules: { mark: number; table: number; v6: boolean }[];
}

const TABLES = [254, 100, 200, 1000];

const topology: fc.Arbitrary<Topology> = fc.integer({ min: 1, max: 3 }).chain((pairs) => {
  const end = fc.integer({ min: 0, max: pairs * 2 - 1 }); // veth ends: 2i and 2i+1
  return fc.record({
    pairs: fc.constant(pairs),
    bridges: fc.array(fc.record({ ports: fc.uniqueArray(end, { maxLength: 2 }) }), { maxLength: 1 }),
    macvlans: fc.uniqueArray(end, { maxLength: 2 }),
    vxlan: fc.boolean(),
    ifb: fc.boolean(),
    mtus: fc.array(fc.integer({ min: 1280, max: 9000 }), { minLength: pairs * 2, maxLength: pairs * 2 }),
    v4: fc.uniqueArray(fc.record({ link: end, net: fc.integer({ min: 0, max: 9 }) }), { maxLength: 4, selector: (a) => a.net }),
    v6: fc.uniqueArray(fc.record({ link: end, net: fc.integer({ min: 0, max: 9 }) }), { maxLength: 3, selector: (a) => a.net }),
    routes: fc.uniqueArray(
      fc.record({ net: fc.integer({ min: 0, max: 255 }), via: fc.nat(), table: fc.constantFrom(...TABLES), kind: fc.constantFrom("gateway" as const, "blackhole" as const, "unreachable" as const), metric: fc.integer({ min: 0, max: 50 }) }),
      { maxLength: 8, selector: (r) => `${r.net} ${r.table}` },
    ),
    neighbours: fc.uniqueArray(fc.record({ via: fc.nat(), host: fc.integer({ min: 10, max: 250 }) }), { maxLength: 4, selector: (n) => n.host }),
    rules: fc.uniqueArray(fc.record({ mark: fc.integer({ min: 1, max: 0xffff }), table: fc.constantFrom(...TABLES), v6: fc.boolean() }), { maxLength: 3, selector: (r) => r.mark }),
  });
});

const endName = (i: number) => `v${i >> 1}${i & 1 ? "b" : "a"}`;

async function build(h: Handle, t: Topology): Promise<void> {
  const enslaved = new Set(t.bridges.flatMap((b) => b.ports));
  for (let p = 0; p < t.pairs; p++) {
    await h.links.add({ name: endName(2 * p), kind: "veth", mtu: t.mtus[2 * p]!, peer: { name: endName(2 * p + 1), mtu: t.mtus[2 * p + 1]! }, up: true });
    await h.links.setUp(endName(2 * p + 1));
  }
  const more: NewLink[] = [];
  t.bridges.forEach((_, i) => more.push({ name: `br${i}`, kind: "bridge", up: true }));
  t.macvlans.filter((e) => !enslaved.has(e)).forEach((e, i) => more.push({ name: `mv${i}`, kind: "macvlan", link: endName(e), mode: "bridge", up: true }));
  if (t.vxlan) more.push({ name: "vx0", kind: "vxlan", vni: 7, port: 4789, remote: "192.0.2.7" });
  if (t.ifb) more.push({ name: "ifb0", kind: "ifb" });
  for (const l of more) await h.links.add(l);
  for (const [i, b] of t.bridges.entries()) for (const port of b.ports) await h.links.set(endName(port), { master: `br${i}` });

  // Addresses go on veth ends that are not bridge ports.
  const free = (e: number) => (enslaved.has(e) ? undefined : endName(e));
  const v4 = t.v4.filter((a) => free(a.link));
  for (const a of v4) await h.addresses.add({ dev: free(a.link)!, address: `10.${a.net}.0.1/24` });
  for (const a of t.v6.filter((x) => free(x.link))) await h.addresses.add({ dev: free(a.link)!, address: `2001:db8:${a.net}::1/64`, flags: ["nodad"] });

  for (const r of t.routes) {
    const route: NewRoute = { dst: `172.16.${r.net}.0/24`, table: r.table, priority: r.metric };
    if (r.kind === "gateway") {
      if (!v4.length) continue;
      route.gateway = `10.${v4[r.via % v4.length]!.net}.0.2`;
    } else route.type = r.kind;
    await h.routes.add(route);
  }
  for (const n of t.neighbours) {
    if (!v4.length) break;
    const a = v4[n.via % v4.length]!;
    await h.neighbours.add({ dev: free(a.link)!, dst: `10.${a.net}.0.${n.host}`, lladdr: `02:00:00:00:${a.net.toString(16).padStart(2, "0")}:${n.host.toString(16).padStart(2, "0")}` });
  }
  for (const [i, r] of t.rules.entries()) {
    const rule: NewRule = { priority: 1000 + i, fwmark: r.mark, table: r.table, family: r.v6 ? "inet6" : "inet" };
    await h.rules.add(rule);
  }
}

const sortBy = <T>(xs: T[], f: (x: T) => string) => byKey(xs, f);
const k = (...parts: unknown[]) => parts.map(String).join(" ");

/**
 * Compares the whole state. The kernel finishes some work just after a
 * change (carrier and operstate of new veth ends), so a difference is read
 * again, a few times, before it counts.
 */
async function compareAll(h: Handle, ns: string): Promise<void> {
  const read = async () => ({
    links: [sortBy((await h.links.list()).map(linkFields), (l) => k(l.ifindex)), sortBy(ipLinks(ns), (l) => k(l.ifindex))],
    addresses: [
      sortBy((await h.addresses.list()).map(addressFields), (a) => k(a.ifindex, a.local)),
      sortBy(ipAddresses(ns), (a) => k(a.ifindex, a.local)),
    ],
    routes: [
      sortBy((await h.routes.list({ table: "all" })).map(routeFields), (r) => k(r.table, r.dst, r.oif, r.type, r.priority)),
      sortBy(ipRoutes(ns, "table all"), (r) => k(r.table, r.dst, r.oif, r.type, r.priority)),
    ],
    neighbours: [
      // ip neigh show leaves out NOARP entries (multicast and the like) unless asked for "nud all".
      sortBy((await h.neighbours.list()).filter((n) => !n.state.includes("NOARP")).map(neighbourFields), (n) => k(n.ifindex, n.dst)),
      sortBy(ipNeighbours(ns, ""), (n) => k(n.ifindex, n.dst)),
    ],
    rules: [
      sortBy((await h.rules.list()).map(ruleFields), (r) => k(r.family, r.priority, r.table)),
      sortBy([...ipRules(ns, "-4"), ...ipRules(ns, "-6")], (r) => k(r.family, r.priority, r.table)),
    ],
  });
  let state = await read();
  for (let attempt = 0; attempt < 5 && Object.values(state).some(([a, b]) => !isDeepStrictEqual(a, b)); attempt++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await read();
  }
  for (const [what, [ours, theirs]] of Object.entries(state)) expect(ours, what).toEqual(theirs);
}

describe("random topologies", () => {
  test("built through the API, every list agrees with ip -j for the whole state", async () => {
    await fc.assert(
      fc.asyncProperty(topology, async (t) => {
        await withHandle(async (h, ns) => {
          // No duplicate address detection: addresses would change state (tentative) between two reads.
          runText("ip", ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
          await build(h, t);
          await compareAll(h, ns);
        });
      }),
      // Bounded: a few runs, and a time limit past which the test fails rather than drags on.
      { seed: 20261201, numRuns: 4, endOnFailure: true, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
    );
  });
});
