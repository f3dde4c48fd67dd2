import { NLM_F, type Obj } from "@nlwire/codec";
import { rtLink, type IfinfoFlags, type LinkAttrs, type LinkinfoBrportAttrs } from "@nlwire/codec/families/rt-link";
import { checkMac, compact } from "./convert.js";
import { KernelError } from "../client/index.js";
import { createTun, TransportError } from "../transport/index.js";
import { InvalidArgumentError, NetlinkOperationError, isNotFound } from "./errors.js";
import type { Handle } from "./handle.js";
import { baseAttrs, linkinfoOf, type LinkBase, type LinkRef, type NetnsRef, type NewLink, type TunSpec } from "./link-kinds.js";
import { linkOf, statsOf, type Link, type LinkStats } from "./link-view.js";
import { withNetnsFds } from "./netns.js";

export type { Link, LinkStats } from "./link-view.js";
export type * from "./link-kinds.js";

/** A namespace reference as what a handle opens: a name or path as given, a pid's namespace file, an fd. */
const netnsPath = (ref: NetnsRef): string | number => (typeof ref === "string" ? ref : "pid" in ref ? `/proc/${ref.pid}/ns/net` : ref.fd);

/** IFF_* bits (linux/if.h) that `set` changes through ifi_flags/ifi_change. */
const IFF = { UP: 0x1, NOARP: 0x80, PROMISC: 0x100 } as const;

export interface LinkChanges {
  up?: boolean;
  mtu?: number;
  /** A new name. */
  name?: string;
  alias?: string;
  address?: string;
  txqlen?: number;
  group?: number;
  /** Enslave to a bridge or bond; null releases it (nomaster). */
  master?: LinkRef | null;
  promisc?: boolean;
  arp?: boolean;
  /** Move the link to another namespace. */
  netns?: NetnsRef;
}

/** A bridge port's settings (IFLA_BRPORT_*), the kernel's names in camelCase. */
export interface BridgePortSettings {
  state?: number;
  priority?: number;
  cost?: number;
  /** Hairpin mode. */
  hairpin?: boolean;
  guard?: boolean;
  /** Root block. */
  protect?: boolean;
  fastLeave?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  proxyarp?: boolean;
  neighSuppress?: boolean;
  isolated?: boolean;
}

export interface LinkFilter {
  /** Only links of this kind (the kernel filters the dump: IFLA_LINKINFO with a kind). */
  kind?: string;
  /** Only the ports of this master (filtered by the kernel: IFLA_MASTER). */
  master?: LinkRef;
}

const EEXIST = 17;
const on = (b: boolean | undefined): number | undefined => (b === undefined ? undefined : b ? 1 : 0);

/** Links: list, get, add, delete, set; bridge ports; 64-bit statistics. */
export class Links {
  constructor(private readonly h: Handle) {}

  /** Every link, or those the filter names (the kernel's filtered dump). */
  async list(filter: LinkFilter = {}): Promise<Link[]> {
    const attrs: LinkAttrs = {};
    if (filter.kind) attrs.linkinfo = { kind: filter.kind };
    if (filter.master !== undefined) attrs.master = await this.index(filter.master);
    const ms = await this.h.dump(rtLink, "getlink", { attrs }, "list links");
    return ms.map(linkOf);
  }

  /** One link by name or ifindex; NetlinkOperationError ENODEV when there is none. */
  async get(ref: LinkRef): Promise<Link> {
    const [m] = await this.h.request(rtLink, "getlink", this.#ref(ref), 0, `get link ${ref}`);
    if (!m) throw new Error(`get link ${ref}: the kernel sent no reply`);
    return linkOf(m);
  }

  /** The links whose alias (IFLA_IFALIAS) is `alias`: the kernel has no lookup by alias, so this lists. */
  async byAlias(alias: string): Promise<Link[]> {
    return (await this.list()).filter((l) => l.ifalias === alias);
  }

  async index(ref: LinkRef): Promise<number> {
    return typeof ref === "number" ? ref : (await this.get(ref)).ifindex;
  }

  /** Creates a link (and a veth's peer, in another namespace if asked); resolves with it as the kernel reports it. */
  async add(spec: NewLink): Promise<Link> {
    if (spec.kind === "tun" || spec.kind === "tap") return this.#addTun(spec as NewLink & TunSpec);
    const action = `add link ${spec.name}`;
    const resolve = (r: LinkRef) => this.index(r);
    await withNetnsFds(async (fds) => {
      const peer = async (p: LinkBase): Promise<Obj> => ({ ...baseAttrs(p), ...(p.netns ? fds.attr(p.netns) : {}) });
      const { linkinfo, link } = await linkinfoOf(spec, resolve, peer);
      const attrs = compact({
        ...baseAttrs(spec), linkinfo, link,
        master: spec.master === undefined ? undefined : await this.index(spec.master),
        ...(spec.netns ? fds.attr(spec.netns) : {}),
      });
      const fixed = spec.up ? { "ifi-flags": ["up"] as IfinfoFlags[], "ifi-change": IFF.UP } : {};
      await this.h.request(rtLink, "newlink", { fixed, attrs }, NLM_F.CREATE | NLM_F.EXCL, action);
    });
    // A link made in another namespace is read (and given its alias) through a handle there.
    const there = spec.netns === undefined ? undefined : this.h.sibling(netnsPath(spec.netns));
    try {
      const links = there?.links ?? this;
      // The alias is not taken at creation (rtnl_create_link): set it after.
      if (spec.alias !== undefined) await links.set(spec.name, { alias: spec.alias });
      return await links.get(spec.name);
    } finally {
      there?.close();
    }
  }

  /**
   * tun/tap: the device comes from /dev/net/tun in the right namespace; the rest is set as for
   * any link. TUNSETIFF on a name in use would attach to that device: refused first, as newlink's
   * EXCL would (EEXIST).
   */
  async #addTun(spec: NewLink & TunSpec): Promise<Link> {
    const action = `add link ${spec.name}`;
    const netns = spec.netns === undefined ? this.h.netns : netnsPath(spec.netns);
    const there = spec.netns === undefined ? undefined : this.h.sibling(netnsPath(spec.netns));
    try {
      const links = there?.links ?? this;
      if (await links.get(spec.name).then(() => true, (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)))) {
        throw new NetlinkOperationError(action, new KernelError({ errno: EEXIST }));
      }
      try {
        createTun({ name: spec.name, tap: spec.kind === "tap", ...compact({ multiQueue: spec.multiQueue, owner: spec.owner, group: spec.ownerGroup }), ...(netns === undefined ? {} : { netns }) });
      } catch (e) {
        if (e instanceof TransportError) throw new NetlinkOperationError(action, new KernelError({ errno: e.errno }));
        throw e;
      }
      const changes: LinkChanges = compact({ mtu: spec.mtu, address: spec.address, txqlen: spec.txqlen, group: spec.group, alias: spec.alias, master: spec.master, up: spec.up });
      if (Object.keys(changes).length) await links.set(spec.name, changes);
      return await links.get(spec.name);
    } finally {
      there?.close();
    }
  }

  async delete(ref: LinkRef): Promise<void> {
    await this.h.request(rtLink, "dellink", await this.#byIndex(ref), 0, `delete link ${ref}`);
  }

  /** Changes any of LinkChanges in one request (RTM_SETLINK). */
  async set(ref: LinkRef, c: LinkChanges): Promise<void> {
    const action = `set link ${ref}`;
    const target = await this.#byIndex(ref);
    const { flags, change } = flagChanges(c);
    await withNetnsFds(async (fds) => {
      const attrs = compact({
        ifname: c.name, mtu: c.mtu, ifalias: c.alias, txqlen: c.txqlen, group: c.group,
        address: c.address === undefined ? undefined : checkMac("address", c.address),
        master: c.master === undefined ? undefined : c.master === null ? 0 : await this.index(c.master),
        ...(c.netns ? fds.attr(c.netns) : {}),
      });
      const fixed = { ...target.fixed, ...(change ? { "ifi-flags": flags, "ifi-change": change } : {}) };
      await this.h.request(rtLink, "setlink", { fixed, attrs }, 0, action);
    });
  }

  setUp = (ref: LinkRef): Promise<void> => this.set(ref, { up: true });
  setDown = (ref: LinkRef): Promise<void> => this.set(ref, { up: false });

  /** A bridge port's settings (`ip link set dev X type bridge_slave ...`). */
  async setBridgePort(ref: LinkRef, s: BridgePortSettings): Promise<void> {
    const data: LinkinfoBrportAttrs = compact({
      state: s.state, priority: s.priority, cost: s.cost, mode: on(s.hairpin), guard: on(s.guard), protect: on(s.protect),
      "fast-leave": on(s.fastLeave), learning: on(s.learning), "unicast-flood": on(s.unicastFlood), "mcast-flood": on(s.mcastFlood),
      "bcast-flood": on(s.bcastFlood), proxyarp: on(s.proxyarp), "neigh-suppress": on(s.neighSuppress), isolated: on(s.isolated),
    });
    const target = await this.#byIndex(ref);
    const body = { fixed: target.fixed, attrs: { linkinfo: { "slave-kind": "bridge", "slave-data": data } } };
    // RTM_NEWLINK without CREATE changes an existing link: the path that reaches the master's slave_changelink.
    await this.h.request(rtLink, "newlink", body, 0, `set bridge port ${ref}`);
  }

  /** A bridge port's settings as the kernel reports them (IFLA_INFO_SLAVE_DATA, by IFLA_BRPORT name). */
  async bridgePort(ref: LinkRef): Promise<LinkinfoBrportAttrs | undefined> {
    return (await this.get(ref)).slaveInfo as LinkinfoBrportAttrs | undefined;
  }

  /** The link's 64-bit counters (IFLA_STATS64). */
  async stats(ref: LinkRef): Promise<LinkStats> {
    const [m] = await this.h.request(rtLink, "getlink", this.#ref(ref), 0, `get link ${ref} statistics`);
    const s = statsOf((m?.attrs as LinkAttrs | undefined)?.stats64);
    if (!s) throw new Error(`get link ${ref} statistics: the kernel sent no IFLA_STATS64`);
    return s;
  }

  /**
   * Changes name the link by ifindex: the kernel takes IFLA_IFNAME as the
   * link's name only in get requests (in a set it would be a rename).
   */
  async #byIndex(ref: LinkRef): Promise<{ fixed: { "ifi-index": number }; attrs: LinkAttrs }> {
    return { fixed: { "ifi-index": await this.index(ref) }, attrs: {} };
  }

  /** The body that names a link: by ifindex in the header, by name in IFLA_IFNAME. */
  #ref(ref: LinkRef): { fixed: { "ifi-index"?: number; "ifi-family"?: number }; attrs: LinkAttrs } {
    if (typeof ref === "number") {
      if (!Number.isInteger(ref) || ref <= 0) throw new InvalidArgumentError("link", `not an ifindex: ${ref}`);
      return { fixed: { "ifi-index": ref }, attrs: {} };
    }
    if (!ref || ref.length > 15) throw new InvalidArgumentError("link", `not an interface name: ${JSON.stringify(ref)}`);
    return { fixed: {}, attrs: { ifname: ref } };
  }
}

/** ifi_flags and ifi_change for the flag-like changes (up, promisc, arp). */
function flagChanges(c: LinkChanges): { flags: IfinfoFlags[]; change: number } {
  const flags: IfinfoFlags[] = [];
  let change = 0;
  if (c.up !== undefined) (change |= IFF.UP), c.up && flags.push("up");
  if (c.promisc !== undefined) (change |= IFF.PROMISC), c.promisc && flags.push("promisc");
  if (c.arp !== undefined) (change |= IFF.NOARP), !c.arp && flags.push("no-arp");
  return { flags, change };
}
