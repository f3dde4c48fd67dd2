import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtNexthop, type NexthopAttrs, type Nhmsg } from "@nlwire/codec/families/rt-nexthop";
import { openNetlink } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { fileNetns } from "./netns.js";

// Nexthop objects and groups made with `ip nexthop` in a throw-away
// namespace, dumped by nlwire and compared with `ip -j nexthop show`; and
// one made by nlwire, which ip then sees.

const ns = fileNetns("nlw-nh", [
  "link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
  "addr add 10.0.0.1/24 dev v0", "-6 addr add 2001:db8::1/64 dev v0 nodad",
  "nexthop add id 1 via 10.0.0.2 dev v0", "nexthop add id 2 dev v0", "nexthop add id 3 blackhole",
  "nexthop add id 4 via 2001:db8::2 dev v0", "nexthop add id 10 group 1/2,5",
  "nexthop add id 11 group 1/2 type resilient buckets 8 idle_timer 60",
]);

type Nh = DecodedMessage & { fixed: Nhmsg; attrs: NexthopAttrs };
const SCOPES: Record<number, string> = { 0: "global", 253: "link", 254: "host" };

/** NHA_GROUP's entries as ip prints them: the weight plus one, left out when it is 1. */
function group(entries: NonNullable<NexthopAttrs["group"]>): { id: number; weight?: number }[] {
  return entries.map((g) => (g.weight ? { id: g.id!, weight: g.weight + 1 } : { id: g.id! }));
}

/** A nexthop as `ip -j nexthop show` prints it. */
function asIp(m: Nh, names: Map<number, string>): Record<string, unknown> {
  const a = m.attrs;
  const o: Record<string, unknown> = { id: a.id };
  if (a.group) o["group"] = group(a.group);
  if (a.blackhole) o["blackhole"] = null;
  if (a.gateway) o["gateway"] = a.gateway;
  if (a.oif) o["dev"] = names.get(a.oif);
  if (!a.group && !a.blackhole) o["scope"] = SCOPES[m.fixed["nh-scope"]!];
  if (a["group-type"] === "resilient") {
    o["type"] = "resilient";
    const r = a["res-group"]!;
    o["resilient_args"] = { buckets: r.buckets, idle_timer: r["idle-timer"]! / 100, unbalanced_timer: r["unbalanced-timer"]! / 100, unbalanced_time: Number(r["unbalanced-time"]) / 100 };
  }
  o["flags"] = m.fixed["nh-flags"];
  return o;
}

function linkNames(ns: string): Map<number, string> {
  const links = JSON.parse(ip(["-n", ns, "-j", "link", "show"])) as { ifindex: number; ifname: string }[];
  return new Map(links.map((l) => [l.ifindex, l.ifname]));
}

async function dump(ns: string, attrs: NexthopAttrs = {}): Promise<Nh[]> {
  const c = openNetlink({ protocol: 0, netns: ns });
  try {
    const out: Nh[] = [];
    for await (const m of c.dump(rtNexthop, "getnexthop", { fixed: { "nh-family": 0 }, attrs: { ...attrs } })) out.push(m as Nh);
    return out;
  } finally {
    c.close();
  }
}

describe("rt-nexthop", () => {
  it("dumps nexthops and groups as ip -j nexthop shows them", async () => {
    const ours = (await dump(ns())).map((m) => asIp(m, linkNames(ns())));
    expect(ours).toEqual(JSON.parse(ip(["-n", ns(), "-j", "nexthop", "show"])));
    expect(ours.map((o) => o["id"])).toEqual([1, 2, 3, 4, 10, 11]);
  });

  it("filters a dump to groups only (NHA_GROUPS), as ip nexthop show groups", async () => {
    const ours = await dump(ns(), { groups: true });
    expect(ours.map((m) => m.attrs.id)).toEqual((JSON.parse(ip(["-n", ns(), "-j", "nexthop", "show", "groups"])) as { id: number }[]).map((x) => x.id));
    expect(ours.map((m) => m.attrs.id)).toEqual([10, 11]);
  });

  it("makes and deletes a nexthop that ip then sees (and stops seeing)", async () => {
    const c = openNetlink({ protocol: 0, netns: ns() });
    try {
      const ifindex = [...linkNames(ns())].find(([, n]) => n === "v0")![0];
      await c.request(rtNexthop, "newnexthop", { fixed: { "nh-family": 2, "nh-protocol": 4 }, attrs: { id: 42, gateway: "10.0.0.3", oif: ifindex } }, { flags: 0x600 });
      const shown = JSON.parse(ip(["-n", ns(), "-j", "nexthop", "show", "id", "42"])) as Record<string, unknown>[];
      expect(shown).toEqual([{ id: 42, gateway: "10.0.0.3", dev: "v0", scope: "link", protocol: "static", flags: [] }]);
      const [one] = (await c.request(rtNexthop, "getnexthop", { fixed: { "nh-family": 0 }, attrs: { id: 42 } })) as Nh[];
      expect(one!.fixed["nh-protocol"]).toBe(4);
      await c.request(rtNexthop, "delnexthop", { fixed: { "nh-family": 0 }, attrs: { id: 42 } });
      expect(JSON.parse(ip(["-n", ns(), "-j", "nexthop", "show"])).map((x: { id: number }) => x.id)).not.toContain(42);
    } finally {
      c.close();
    }
  });
});
