import { NLM_F, type DecodedMessage } from "@nlwire/codec";
import { rtAddr, type AddrAttrs, type IfaFlags, type Ifaddrmsg } from "@nlwire/codec/families/rt-addr";
import {
  SCOPES, compact, familyName, familyNumber, flagNames, lifetimeNumber, lifetimeOf, parsePrefix,
  type IpFamily, type Lifetime, type Scope,
} from "./convert.js";
import type { Handle } from "./handle.js";
import type { LinkRef } from "./link-kinds.js";
import type { Req } from "./batch.js";

/** An address as `ip -j addr show` describes it (one addr_info entry, with its link's ifindex). */
export interface Address {
  ifindex: number;
  family: IpFamily;
  /** The address itself (IFA_LOCAL, or IFA_ADDRESS where IPv6 has no IFA_LOCAL). */
  local: string;
  prefixlen: number;
  /** The peer of a point-to-point address, when it differs from local. */
  address?: string;
  broadcast?: string;
  scope: Scope | number;
  label?: string;
  /** IFA_F_* by the spec's names: "permanent", "noprefixroute", "nodad", "tentative", "secondary", ... */
  flags: string[];
  validLft: Lifetime;
  preferredLft: Lifetime;
}

export interface NewAddress {
  dev: LinkRef;
  /** "10.0.0.1/24", "2001:db8::1/64" (a bare address is a host prefix). */
  address: string;
  /** A point-to-point peer prefix: the prefix length is the peer's. */
  peer?: string;
  broadcast?: string;
  label?: string;
  scope?: Scope | number;
  flags?: ("nodad" | "noprefixroute" | "homeaddress" | "managetempaddr" | "mcautojoin" | "optimistic")[];
  validLft?: Lifetime;
  preferredLft?: Lifetime;
}

export interface AddressFilter {
  dev?: LinkRef;
  family?: IpFamily;
}

/** Addresses: list (by link and family), add, replace, delete. */
export class Addresses {
  constructor(private readonly h: Handle) {}

  /** The kernel filters by link and family (a strict-checking dump); the rest is as ip shows it. */
  async list(filter: AddressFilter = {}): Promise<Address[]> {
    const fixed: Ifaddrmsg = { "ifa-family": familyNumber(filter.family) };
    if (filter.dev !== undefined) fixed["ifa-index"] = await this.h.links.index(filter.dev);
    const ms = await this.h.dump(rtAddr, "getaddr", { fixed }, "list addresses");
    return ms.map(addressOf).filter((a): a is Address => a !== undefined);
  }

  add = async (a: NewAddress): Promise<void> => this.h.run(await this.request("add", a));
  replace = async (a: NewAddress): Promise<void> => this.h.run(await this.request("replace", a));
  /** Deletes by link and address (and peer, for a point-to-point address). */
  delete = async (a: Pick<NewAddress, "dev" | "address" | "peer">): Promise<void> => this.h.run(await this.request("delete", a));

  /** The request `add`, `replace` or `delete` sends, for a Batch. */
  async request(what: "add" | "replace" | "delete", a: NewAddress): Promise<Req> {
    const local = parsePrefix("address", a.address);
    const peer = a.peer === undefined ? undefined : parsePrefix("peer", a.peer, local.family);
    const ifindex = await this.h.links.index(a.dev);
    const fixed: Ifaddrmsg = {
      "ifa-family": familyNumber(local.family), "ifa-prefixlen": (peer ?? local).len, "ifa-index": ifindex,
      "ifa-scope": a.scope === undefined ? 0 : SCOPES.number("scope", a.scope),
    };
    const attrs: AddrAttrs = compact({
      local: local.address, address: peer?.address ?? local.address, label: a.label,
      broadcast: a.broadcast, flags: a.flags as IfaFlags[] | undefined,
    });
    if (a.validLft !== undefined || a.preferredLft !== undefined) {
      attrs.cacheinfo = { "ifa-valid": lifetimeNumber(a.validLft ?? "forever"), "ifa-prefered": lifetimeNumber(a.preferredLft ?? a.validLft ?? "forever") };
    }
    const flags = what === "add" ? NLM_F.CREATE | NLM_F.EXCL : what === "replace" ? NLM_F.CREATE | NLM_F.REPLACE : 0;
    const op = what === "delete" ? "deladdr" : "newaddr";
    return { family: rtAddr, op, body: { fixed, attrs }, flags, action: `${what} address ${a.address} on ${a.dev}` };
  }
}

export function addressOf(m: DecodedMessage): Address | undefined {
  const f = (m.fixed ?? {}) as Ifaddrmsg;
  const a = m.attrs as AddrAttrs;
  const family = familyName(f["ifa-family"] ?? 0);
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const local = text(a.local) ?? text(a.address);
  if (!family || local === undefined) return undefined;
  const peer = text(a.address);
  const ci = a.cacheinfo;
  return compact({
    ifindex: f["ifa-index"] ?? 0,
    family,
    local,
    prefixlen: f["ifa-prefixlen"] ?? 0,
    address: peer !== undefined && peer !== local ? peer : undefined,
    broadcast: text(a.broadcast),
    scope: SCOPES.name(f["ifa-scope"] ?? 0),
    label: a.label,
    // IFA_FLAGS holds all 32 bits; the header's byte only the first 8.
    flags: flagNames((a.flags ?? f["ifa-flags"]) as string[] | undefined),
    validLft: lifetimeOf(ci?.["ifa-valid"] ?? 0xffffffff),
    preferredLft: lifetimeOf(ci?.["ifa-prefered"] ?? 0xffffffff),
  });
}
