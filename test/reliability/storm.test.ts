import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { describe, expect, it } from "vitest";
import { openNetlink, type Notification, type Subscription } from "../../client/index.js";
import { ip, ipBatch } from "../../tools/netns.js";
import { createNetns } from "../transport/netns.js";
import { NETLINK_ROUTE, sleep } from "../client/helpers.js";

/**
 * An event storm: 5,000 veth pairs, 1,000 addresses and 50,000 routes made,
 * then half of each deleted, while link, address and route subscriptions
 * follow. With tiny receive buffers the kernel must drop notifications, and
 * the resync must still leave each view equal to the kernel's final state;
 * with large ones every event must arrive, once, in order.
 */
// The sizes the issue asks for; smaller ones through the environment, for a quick look.
const PAIRS = Number(process.env.STORM_PAIRS ?? 5000);
const ADDRS = 1000;
const ROUTES = Number(process.env.STORM_ROUTES ?? 50_000);

const octets = (i: number) => `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const routeDst = (i: number) => `10.${octets(i)}/32`;
const addrOf = (i: number) => `10.250.${(i >> 8) & 255}.${i & 255}`;

function workload(): string[] {
  const lines: string[] = ["link set lo up"];
  for (let i = 0; i < PAIRS; i++) lines.push(`link add nlsa${i} type veth peer name nlsb${i}`);
  for (let i = 0; i < ADDRS; i++) lines.push(`addr add ${addrOf(i)}/32 dev lo`);
  for (let i = 0; i < ROUTES; i++) lines.push(`route add blackhole ${routeDst(i)}`);
  for (let i = 0; i < PAIRS; i += 2) lines.push(`link del nlsa${i}`);
  for (let i = 0; i < ADDRS; i += 2) lines.push(`addr del ${addrOf(i)}/32 dev lo`);
  for (let i = 0; i < ROUTES; i += 2) lines.push(`route del blackhole ${routeDst(i)}`);
  return lines;
}


/** Reads `sub` until it is closed, keeping every notification. */
async function follow(sub: Subscription, got: Notification[]): Promise<void> {
  for await (const n of sub) got.push(n);
}

const linkName = (m: DecodedMessage) => (m.attrs as { ifname?: string }).ifname ?? "";
const addrLocal = (m: DecodedMessage) => (m.attrs as { local?: string }).local ?? "";
const routeKey = (m: DecodedMessage) => `${(m.attrs as { dst?: string }).dst}/${(m.fixed as { "rtm-dst-len": number })["rtm-dst-len"]}`;
const isBlackhole = (m: DecodedMessage) => (m.fixed as { "rtm-type": unknown })["rtm-type"] === "blackhole";

/** The kernel's final state, as ip tells it. */
function kernelState(ns: string) {
  const links = (JSON.parse(ip(["-n", ns, "-j", "link", "show"])) as { ifname: string }[]).map((l) => l.ifname).sort();
  const addrs = (JSON.parse(ip(["-n", ns, "-4", "-j", "addr", "show", "dev", "lo"])) as { addr_info: { local: string }[] }[])[0]!.addr_info.map((a) => a.local).sort();
  const routes = (JSON.parse(ip(["-n", ns, "-j", "route", "show", "type", "blackhole"])) as { dst: string }[]).map((r) => `${r.dst}/32`).sort();
  return { links, addrs, routes };
}

function viewState(views: { link: Subscription; addr: Subscription; route: Subscription }) {
  return {
    links: [...views.link.view!.values()].map(linkName).sort(),
    addrs: [...views.addr.view!.values()].filter((m) => (m.fixed as { "ifa-index": number })["ifa-index"] === 1).map(addrLocal).sort(),
    routes: [...views.route.view!.values()].filter(isBlackhole).map(routeKey).sort(),
  };
}

async function storm(small: boolean) {
  const ns = createNetns(small ? "nlwss" : "nlwsl");
  const clients = [0, 1, 2].map(() => openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, readerThread: !small, timeoutMs: 20_000 }));
  // The re-reads dump through a client of their own: on a socket with a tiny buffer under a
  // storm the kernel may find no room for a dump's next datagram for as long as the storm lasts.
  const reader = openNetlink({ protocol: NETLINK_ROUTE, netns: ns.name, timeoutMs: 20_000 });
  clients.push(reader);
  try {
    for (const c of clients.slice(0, 3)) {
      if (small) c.transport.options!.set("rcvbuf", 1); // the kernel's minimum, about 2 KiB
      else c.transport.options!.set("rcvbufForce", 64 << 20);
    }
    const [lc, ac, rc] = clients as [ReturnType<typeof openNetlink>, ReturnType<typeof openNetlink>, ReturnType<typeof openNetlink>];
    const views = {
      link: await lc.subscribe(rtLink, ["rtnlgrp-link"], { initial: true, resync: () => reader.dump(rtLink, "getlink") }),
      addr: await ac.subscribe(rtAddr, ["rtnlgrp-ipv4-ifaddr"], { initial: true, resync: () => reader.dump(rtAddr, "getaddr", { fixed: { "ifa-family": 2 } }) }),
      route: await rc.subscribe(rtRoute, ["rtnlgrp-ipv4-route"], { initial: true, resync: () => reader.dump(rtRoute, "getroute", { fixed: { "rtm-family": 2 } }) }),
    };
    const got = { link: [] as Notification[], addr: [] as Notification[], route: [] as Notification[] };
    const loops = (Object.keys(views) as (keyof typeof views)[]).map((k) => follow(views[k], got[k]));
    const t0 = performance.now();
    await ipBatch(ns.name, workload());
    const want = kernelState(ns.name);
    // Until every view has caught up with the kernel (bounded: a view that never does fails below).
    for (let waited = 0; waited < 90_000 && JSON.stringify(viewState(views)) !== JSON.stringify(want); waited += 100) await sleep(100);
    const seconds = (performance.now() - t0) / 1000;
    for (const s of Object.values(views)) s.close();
    await Promise.all(loops);
    const all = Object.values(got).flat();
    const live = all.filter((x) => x.type === "message" && !x.synthetic).length;
    const synthetic = all.filter((x) => x.type === "message" && x.synthetic).length;
    const overruns = all.filter((x) => x.type === "overrun").length;
    console.log(
      `event storm (${small ? "tiny buffers, uv_poll" : "64 MiB buffers, reader thread"}): ${live} live events, ${overruns} overruns, ` +
        `${synthetic} differences from re-reads, in ${seconds.toFixed(1)} s: ${Math.round((live + synthetic) / seconds)} events/s handled`,
    );
    return { want, have: viewState(views), got };
  } finally {
    for (const c of clients) c.close();
    ns.dispose();
  }
}

/** Per object key, the live (non-synthetic) message types in arrival order. */
function histories(got: Notification[], key: (m: DecodedMessage) => string, keep: (m: DecodedMessage) => boolean = () => true): Map<string, number[]> {
  const h = new Map<string, number[]>();
  for (const n of got) {
    if (n.type !== "message" || n.synthetic || !keep(n.message)) continue;
    const k = key(n.message);
    h.set(k, [...(h.get(k) ?? []), n.message.header.type]);
  }
  return h;
}

describe("event storm", () => {
  it("with tiny receive buffers: overruns happen, are reported, and the resync leaves every view equal to the kernel's", { timeout: 240_000 }, async () => {
    const { want, have, got } = await storm(true);
    expect(have).toEqual(want);
    const overruns = Object.values(got).flat().filter((n) => n.type === "overrun").length;
    expect(overruns).toBeGreaterThan(0);
    const resyncs = Object.values(got).flat().filter((n) => n.type === "resynced" && n.cause === "overrun").length;
    expect(resyncs).toBeGreaterThan(0);
    expect(want.routes).toHaveLength(ROUTES / 2);
    expect(want.links).toHaveLength(PAIRS + 1);
  });

  it("with large receive buffers: every event arrives, once, in order", { timeout: 240_000 }, async () => {
    const { want, have, got } = await storm(false);
    expect(have).toEqual(want);
    expect(Object.values(got).flat().filter((n) => n.type === "overrun")).toEqual([]);
    const RTM = { NEWLINK: 16, DELLINK: 17, NEWADDR: 20, DELADDR: 21, NEWROUTE: 24, DELROUTE: 25 };
    const routes = histories(got.route, routeKey, isBlackhole);
    expect(routes.size).toBe(ROUTES);
    for (let i = 0; i < ROUTES; i++) expect(routes.get(routeDst(i))).toEqual(i % 2 ? [RTM.NEWROUTE] : [RTM.NEWROUTE, RTM.DELROUTE]);
    const addrs = histories(got.addr, addrLocal, (m) => addrLocal(m).startsWith("10.250."));
    expect(addrs.size).toBe(ADDRS);
    for (let i = 0; i < ADDRS; i++) expect(addrs.get(addrOf(i))).toEqual(i % 2 ? [RTM.NEWADDR] : [RTM.NEWADDR, RTM.DELADDR]);
    const links = histories(got.link, linkName, (m) => linkName(m).startsWith("nls"));
    expect(links.size).toBe(2 * PAIRS);
    for (let i = 0; i < PAIRS; i++) {
      for (const name of [`nlsa${i}`, `nlsb${i}`]) {
        const h = links.get(name)!;
        expect(h[0]).toBe(RTM.NEWLINK);
        // Deleted pairs end with DELLINK, once; the others never see one.
        expect(h.filter((t) => t === RTM.DELLINK)).toHaveLength(i % 2 ? 0 : 1);
        if (i % 2 === 0) expect(h.at(-1)).toBe(RTM.DELLINK);
      }
    }
  });
});
