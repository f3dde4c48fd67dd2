import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtNeigh, type NdtAttrs } from "@nlwire/codec/families/rt-neigh";
import { openNetlink } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { fileNetns } from "./netns.js";

// Neighbour tables (RTM_GETNEIGHTBL, which the kernel's rt-neigh spec
// covers) against `ip -j ntable show`, with one device's parameters
// changed by ip first.

const ns = fileNetns("nlw-nt", ["link add v0 type veth peer name v1", "ntable change name arp_cache dev v0 queue 37 app_probes 2"]);
const FAMILIES: Record<number, string> = { 2: "inet", 10: "inet6" };

/** What ip prints for a table (or one device's parameters), minus reachable: the kernel re-draws it now and then. */
function asIp(m: DecodedMessage, names: Map<number, string>): Record<string, unknown> {
  const a = m.attrs as NdtAttrs;
  const p = a.parms ?? {};
  const n = (v: bigint | number | undefined) => (v === undefined ? undefined : Number(v));
  const o: Record<string, unknown> = { family: FAMILIES[(m.fixed as { family: number }).family], name: a.name };
  if (a.thresh1 !== undefined) Object.assign(o, { thresh1: a.thresh1, thresh2: a.thresh2, thresh3: a.thresh3, gc_interval: n(a["gc-interval"]) });
  if (p.ifindex) o["dev"] = names.get(p.ifindex);
  Object.assign(o, {
    refcnt: p.refcnt, base_reachable: n(p["base-reachable-time"]), retrans: n(p["retrans-time"]),
    gc_stale: n(p["gc-staletime"]), delay_probe: n(p["delay-probe-time"]), queue: p["queue-len"], app_probes: p["app-probes"],
    ucast_probes: p["ucast-probes"], mcast_probes: p["mcast-probes"], anycast_delay: n(p["anycast-delay"]),
    proxy_delay: n(p["proxy-delay"]), proxy_queue: p["proxy-qlen"], locktime: n(p.locktime),
  });
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

describe("neighbour tables (rt-neigh getneightbl)", () => {
  it("dump as ip -j ntable show prints them", async () => {
    const names = new Map((JSON.parse(ip(["-n", ns(), "-j", "link", "show"])) as { ifindex: number; ifname: string }[]).map((l) => [l.ifindex, l.ifname]));
    const c = openNetlink({ protocol: 0, netns: ns() });
    const ours: Record<string, unknown>[] = [];
    try {
      for await (const m of c.dump(rtNeigh, "getneightbl", { fixed: { family: 0 } })) ours.push(asIp(m, names));
    } finally {
      c.close();
    }
    const theirs = (JSON.parse(ip(["-n", ns(), "-j", "ntable", "show"])) as Record<string, unknown>[]).map(({ reachable: _, ...rest }) => rest);
    expect(ours).toEqual(theirs);
    expect(ours).toContainEqual(expect.objectContaining({ name: "arp_cache", dev: "v0", queue: 37, app_probes: 2 }));
  });
});
