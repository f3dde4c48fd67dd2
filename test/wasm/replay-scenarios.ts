import { NLM_F, type DecodedMessage } from "@nlwire/codec";
import { ethtool } from "@nlwire/codec/families/ethtool";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { KernelError, type NetlinkClient, type Notification } from "../../client/index.js";
import { addrOf, linkOf } from "../client/helpers.js";

/**
 * Client sessions run twice by replay.test.ts: live against the kernel
 * (recorded through the tee) and then from those recordings by the replay
 * host. Each returns what it saw as plain JSON, so that the two runs can be
 * compared; `act` changes the namespace live and does nothing in a replay,
 * where the recording holds what the change caused.
 */
export interface ScenarioEnv {
  open(protocol: number): NetlinkClient;
  act(ipLines: readonly string[]): void;
}

const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;

async function using<T>(c: NetlinkClient, f: (c: NetlinkClient) => Promise<T>): Promise<T> {
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

const errorOf = (e: unknown) =>
  e instanceof KernelError ? { errnoName: e.errnoName, attrPath: e.attrPath, kernelMessage: e.kernelMessage } : { other: String(e) };
const route = (m: DecodedMessage) => {
  const a = m.attrs as { dst?: string; table?: number };
  const f = m.fixed as { "rtm-dst-len": number; "rtm-type": unknown };
  return { dst: a.dst ?? null, dstLen: f["rtm-dst-len"], table: a.table ?? null, type: f["rtm-type"] };
};

export const SCENARIOS: Record<string, (env: ScenarioEnv) => Promise<unknown>> = {
  links: (env) => using(env.open(NETLINK_ROUTE), async (c) => (await c.dump(rtLink, "getlink").toArray()).map(linkOf)),
  "addresses and routes": (env) =>
    using(env.open(NETLINK_ROUTE), async (c) => ({
      addrs: (await c.dump(rtAddr, "getaddr").toArray()).map(addrOf),
      routes: (await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": 2 } }).toArray()).map(route),
    })),
  "refused requests, by attribute path": (env) =>
    using(env.open(NETLINK_ROUTE), async (c) => {
      const create = { flags: NLM_F.CREATE | NLM_F.EXCL };
      const long = await c.request(rtLink, "newlink", { attrs: { ifname: "a-name-far-longer-than-ifnamsiz" } }, create).catch(errorOf);
      const vxlan = { ifname: "nlwvx", linkinfo: { kind: "vxlan", data: { id: 1 << 25 } } };
      const nested = await c.request(rtLink, "newlink", { attrs: vxlan }, create).catch(errorOf);
      return { long, nested };
    }),
  "generic netlink": (env) =>
    using(env.open(NETLINK_GENERIC), async (c) => {
      const f = await c.resolveFamily("ethtool");
      const links = await c.dump(ethtool, "linkinfo-get").toArray();
      return { version: f.version, groups: [...f.groups.keys()].sort(), links: links.length, idKnown: c.registry.genlName(f.id) === "ethtool" };
    }),
  "list then follow": (env) =>
    using(env.open(NETLINK_ROUTE), async (c) => {
      const sub = await c.subscribe(rtLink, ["rtnlgrp-link"], { initial: true, resync: () => c.dump(rtLink, "getlink") });
      const seen: string[] = [];
      const note = (n: Notification) =>
        seen.push(n.type === "message" ? `${n.kind}${n.synthetic ? " (dump)" : ""} ${(n.message.attrs as { ifname?: string }).ifname}` : n.type);
      for (let r = await sub.next(); !r.done; r = await sub.next()) {
        note(r.value);
        if (r.value.type === "resynced") break;
      }
      env.act(["link add nlwrpa type veth peer name nlwrpb"]);
      for (let r = await sub.next(); !r.done; r = await sub.next()) {
        note(r.value);
        if (seen.some((s) => s.endsWith("nlwrpa")) && seen.some((s) => s.endsWith("nlwrpb"))) break;
      }
      sub.close();
      return [...new Set(seen)];
    }),
};
