import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtNetconf, type NetconfAttrs } from "@nlwire/codec/families/rt-netconf";
import { openNetlink } from "../../client/index.js";
import { ip } from "../../tools/netns.js";
import { fileNetns, inNetns } from "./netns.js";

// Per-device IPv4 and IPv6 settings as netconf reports them, against
// `ip -j netconf show`, with a few of them changed through sysctl first.

const ns = fileNetns("nlw-nc", ["link add v0 type veth peer name v1"]);
const FAMILIES = { 2: "inet", 10: "inet6" } as const;
const RP_FILTER = ["off", "strict", "loose"];

type Conf = DecodedMessage & { fixed: { "ncm-family": number }; attrs: NetconfAttrs };

function asIp(m: Conf, names: Map<number, string>): Record<string, unknown> {
  const a = m.attrs;
  const ifindex = a.ifindex!;
  const o: Record<string, unknown> = {
    family: FAMILIES[m.fixed["ncm-family"] as 2 | 10],
    interface: ifindex === -1 ? "all" : ifindex === -2 ? "default" : names.get(ifindex),
  };
  if (a.forwarding !== undefined) o["forwarding"] = a.forwarding !== 0;
  if (a["rp-filter"] !== undefined) o["rp_filter"] = RP_FILTER[a["rp-filter"]];
  if (a["mc-forwarding"] !== undefined) o["mc_forwarding"] = a["mc-forwarding"] !== 0;
  if (a["proxy-neigh"] !== undefined) o["proxy_neigh"] = a["proxy-neigh"] !== 0;
  if (a["ignore-routes-with-linkdown"] !== undefined) o["ignore_routes_with_linkdown"] = a["ignore-routes-with-linkdown"] !== 0;
  return o;
}

describe("rt-netconf", () => {
  it.each([2, 10])("dumps family %i as ip -j netconf shows it", async (family) => {
    inNetns(ns(), "sysctl", ["-q", "-w", "net.ipv4.conf.v0.rp_filter=2", "net.ipv4.conf.v1.forwarding=1", "net.ipv6.conf.v1.proxy_ndp=1"]);
    const names = new Map((JSON.parse(ip(["-n", ns(), "-j", "link", "show"])) as { ifindex: number; ifname: string }[]).map((l) => [l.ifindex, l.ifname]));
    const c = openNetlink({ protocol: 0, netns: ns() });
    const ours: Record<string, unknown>[] = [];
    try {
      for await (const m of c.dump(rtNetconf, "getnetconf", { fixed: { "ncm-family": family } })) ours.push(asIp(m as Conf, names));
    } finally {
      c.close();
    }
    const theirs = JSON.parse(ip(["-n", ns(), "-j", family === 2 ? "-4" : "-6", "netconf", "show"])) as Record<string, unknown>[];
    expect(ours).toEqual(theirs);
    const byName = (n: string) => ours.find((o) => o["interface"] === n)!;
    if (family === 2) expect([byName("v0")["rp_filter"], byName("v1")["forwarding"]]).toEqual(["loose", true]);
    else expect(byName("v1")["proxy_neigh"]).toBe(true);
  });

  it("answers a do request for one device", async () => {
    const ifindex = (JSON.parse(ip(["-n", ns(), "-j", "link", "show", "v0"])) as { ifindex: number }[])[0]!.ifindex;
    const c = openNetlink({ protocol: 0, netns: ns() });
    try {
      const [m] = (await c.request(rtNetconf, "getnetconf", { fixed: { "ncm-family": 2 }, attrs: { ifindex } })) as Conf[];
      expect(m!.attrs).toMatchObject({ ifindex, "rp-filter": 2 });
    } finally {
      c.close();
    }
  });
});
