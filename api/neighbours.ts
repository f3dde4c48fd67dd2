import { NLM_F, type DecodedMessage } from "@nlwire/codec";
import { rtNeigh, type NeighbourAttrs, type Ndmsg, type NtfFlags, type NudState } from "@nlwire/codec/families/rt-neigh";
import { AF_BRIDGE, addressFamily, checkMac, compact, familyName, familyNumber, flagNames, type IpFamily } from "./convert.js";
import type { Handle } from "./handle.js";
import type { LinkRef } from "./link-kinds.js";
import type { Req } from "./batch.js";

/** A neighbour (ARP/NDP) entry or, with family "bridge", a forwarding database entry. */
export interface Neighbour {
  ifindex: number;
  family: IpFamily | "bridge";
  dst?: string;
  lladdr?: string;
  /** NUD_* as ip prints them: "PERMANENT", "REACHABLE", "STALE", "NOARP", ... */
  state: string[];
  /** NTF_* by the spec's names: "router", "proxy", "self", "master", "ext-learned", ... */
  flags: string[];
  vlan?: number;
  master?: number;
  vni?: number;
}

export type NeighbourState = "permanent" | "reachable" | "stale" | "noarp" | "delay" | "probe";

export interface NewNeighbour {
  dev: LinkRef;
  dst: string;
  lladdr?: string;
  /** Default "permanent". */
  state?: NeighbourState;
  router?: boolean;
}

export interface NewFdbEntry {
  dev: LinkRef;
  mac: string;
  vlan?: number;
  /** The bridge's table ("master") or the port's own ("self", the default as in `bridge fdb add`). */
  master?: boolean;
  self?: boolean;
  /** "permanent" (local, the default) or "static" (NUD_NOARP: forwarded, not local). */
  state?: "permanent" | "static";
  /** A VXLAN device's remote for this MAC. */
  dst?: string;
}

export interface NeighbourFilter {
  dev?: LinkRef;
  family?: IpFamily;
}

/** Neighbours: list, add, replace, delete; bridge FDB entries. */
export class Neighbours {
  constructor(private readonly h: Handle) {}

  /** ARP and NDP entries (the kernel filters by link and family). */
  async list(filter: NeighbourFilter = {}): Promise<Neighbour[]> {
    return this.#dump(familyNumber(filter.family), filter.dev);
  }

  add = async (n: NewNeighbour): Promise<void> => this.h.run(await this.request("add", n));
  replace = async (n: NewNeighbour): Promise<void> => this.h.run(await this.request("replace", n));
  delete = async (n: Pick<NewNeighbour, "dev" | "dst">): Promise<void> => this.h.run(await this.request("delete", n));

  async request(what: "add" | "replace" | "delete", n: NewNeighbour): Promise<Req> {
    const family = addressFamily("dst", n.dst);
    const fixed: Ndmsg = {
      "ndm-family": familyNumber(family), "ndm-ifindex": await this.h.links.index(n.dev),
      "ndm-state": [n.state ?? "permanent"] as NudState[], "ndm-flags": n.router ? ["router"] : [],
    };
    const attrs: NeighbourAttrs = compact({ dst: n.dst, lladdr: n.lladdr === undefined ? undefined : checkMac("lladdr", n.lladdr) });
    return this.#req(what, fixed, attrs, `${what} neighbour ${n.dst} on ${n.dev}`);
  }

  /** The bridge forwarding database (`bridge fdb show`), optionally of one port or bridge. */
  async listFdb(filter: { dev?: LinkRef } = {}): Promise<Neighbour[]> {
    return this.#dump(AF_BRIDGE, filter.dev);
  }

  addFdb = async (e: NewFdbEntry): Promise<void> => this.h.run(await this.fdbRequest("add", e));
  replaceFdb = async (e: NewFdbEntry): Promise<void> => this.h.run(await this.fdbRequest("replace", e));
  deleteFdb = async (e: NewFdbEntry): Promise<void> => this.h.run(await this.fdbRequest("delete", e));

  async fdbRequest(what: "add" | "replace" | "delete", e: NewFdbEntry): Promise<Req> {
    const flags: NtfFlags[] = [];
    if (e.master) flags.push("master");
    if (e.self || !e.master) flags.push("self");
    const fixed: Ndmsg = {
      "ndm-family": AF_BRIDGE, "ndm-ifindex": await this.h.links.index(e.dev),
      "ndm-state": [e.state === "static" ? "noarp" : "permanent"], "ndm-flags": flags,
    };
    const attrs: NeighbourAttrs = compact({ lladdr: checkMac("mac", e.mac), vlan: e.vlan, dst: e.dst });
    return this.#req(what, fixed, attrs, `${what} fdb entry ${e.mac} on ${e.dev}`);
  }

  #req(what: "add" | "replace" | "delete", fixed: Ndmsg, attrs: NeighbourAttrs, action: string): Req {
    const flags = what === "add" ? NLM_F.CREATE | NLM_F.EXCL : what === "replace" ? NLM_F.CREATE | NLM_F.REPLACE : 0;
    return { family: rtNeigh, op: what === "delete" ? "delneigh" : "newneigh", body: { fixed, attrs }, flags, action };
  }

  async #dump(family: number, dev: LinkRef | undefined): Promise<Neighbour[]> {
    const fixed: Ndmsg = { "ndm-family": family };
    const attrs: NeighbourAttrs = {};
    // The neighbour dump takes its link filter as NDA_IFINDEX; the FDB dump as the header's ifindex (a bridge port).
    if (dev !== undefined && family === AF_BRIDGE) fixed["ndm-ifindex"] = await this.h.links.index(dev);
    else if (dev !== undefined) attrs.ifindex = await this.h.links.index(dev);
    const ms = await this.h.dump(rtNeigh, "getneigh", { fixed, attrs }, family === AF_BRIDGE ? "list fdb entries" : "list neighbours");
    return ms.map(neighbourOf).filter((n): n is Neighbour => n !== undefined);
  }
}

export function neighbourOf(m: DecodedMessage): Neighbour | undefined {
  const f = (m.fixed ?? {}) as Ndmsg;
  const a = m.attrs as NeighbourAttrs;
  const fam = f["ndm-family"] ?? 0;
  const family: Neighbour["family"] | undefined = fam === AF_BRIDGE ? "bridge" : familyName(fam);
  if (!family) return undefined;
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  return compact({
    ifindex: f["ndm-ifindex"] ?? 0,
    family,
    dst: text(a.dst),
    lladdr: text(a.lladdr),
    state: flagNames(f["ndm-state"] as string[] | undefined).map((s) => s.toUpperCase()),
    flags: flagNames(f["ndm-flags"] as string[] | undefined),
    vlan: a.vlan,
    master: a.master,
    vni: a.vni,
  });
}
