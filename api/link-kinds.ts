import type { Obj } from "@nlwire/codec";
import type { LinkinfoAttrs, MacvlanMode, IpvlanMode } from "@nlwire/codec/families/rt-link";
import { addressFamily, checkMac, compact } from "./convert.js";

/**
 * What `links.add` takes for each kind: plain objects whose members become
 * the kind's IFLA_INFO_DATA attributes (names from the rt-link spec; the
 * kernel's units). Kinds this kernel lacks are still described, so that a
 * request for them reaches the kernel and fails with its own error.
 */

/** A link by name or ifindex. */
export type LinkRef = string | number;

/** A network namespace: a name under /run/netns, a path, an open fd, or a process's. */
export type NetnsRef = string | { fd: number } | { pid: number };

/** Attributes every kind takes (and a veth peer too). */
export interface LinkBase {
  name: string;
  mtu?: number;
  /** MAC address text. */
  address?: string;
  txqlen?: number;
  group?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  /** Create the link there instead of the handle's namespace. */
  netns?: NetnsRef;
}

export interface VethSpec { kind: "veth"; peer?: LinkBase }
export interface BridgeSpec {
  kind: "bridge";
  stpState?: number;
  /** In centiseconds, as the kernel takes them. */
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
  vlanFiltering?: boolean;
}
export interface VxlanSpec {
  kind: "vxlan";
  vni: number;
  /** UDP destination port (the kernel's default is 8472; IANA's is 4789). */
  port?: number;
  /** A unicast remote or a multicast group (IPv4 or IPv6). */
  remote?: string;
  local?: string;
  /** The underlying device. */
  dev?: LinkRef;
  ttl?: number;
  tos?: number;
  learning?: boolean;
  ageing?: number;
}
export interface MacvlanSpec { kind: "macvlan" | "macvtap"; link: LinkRef; mode?: MacvlanMode }
export interface VlanSpec { kind: "vlan"; link: LinkRef; id: number; protocol?: "802.1Q" | "802.1ad" }
export interface IpvlanSpec { kind: "ipvlan"; link: LinkRef; mode?: IpvlanMode }
export interface BondSpec { kind: "bond"; mode?: BondMode; miimon?: number }
export interface VrfSpec { kind: "vrf"; table: number }
export interface TunnelSpec { kind: "gre" | "gretap" | "ipip" | "sit"; remote?: string; local?: string; ttl?: number; tos?: number; dev?: LinkRef }
export interface GeneveSpec { kind: "geneve"; vni: number; remote: string; port?: number; ttl?: number }
export interface PlainSpec { kind: "ifb" | "dummy" | "wireguard" }
/** Made through /dev/net/tun, not rtnetlink (see createTun): persistent; `owner`/`ownerGroup` (uid, gid) may attach to it unprivileged. */
export interface TunSpec { kind: "tun" | "tap"; multiQueue?: boolean; owner?: number; ownerGroup?: number }
/** Any other kind, with its IFLA_INFO_DATA as the rt-link spec names it. */
export interface OtherSpec { kind: string & {}; data?: Obj }

export type KindSpec = VethSpec | BridgeSpec | VxlanSpec | MacvlanSpec | VlanSpec | IpvlanSpec | BondSpec | VrfSpec | TunnelSpec | GeneveSpec | PlainSpec | TunSpec | OtherSpec;

export type NewLink = LinkBase & KindSpec & {
  /** Bring it up once created. */
  up?: boolean;
  master?: LinkRef;
  alias?: string;
};

export const BOND_MODES = ["balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"] as const;
export type BondMode = (typeof BOND_MODES)[number];

/** What building a kind's data needs from the links module: ifindex lookups. */
export type Resolve = (ref: LinkRef) => Promise<number>;

const bool = (b: boolean | undefined): number | undefined => (b === undefined ? undefined : b ? 1 : 0);

/** The IFLA_LINKINFO of a new link, plus the top-level IFLA_LINK of kinds stacked on a lower device. */
export async function linkinfoOf(spec: NewLink, resolve: Resolve, peerAttrs: (p: LinkBase) => Promise<Obj>): Promise<{ linkinfo: LinkinfoAttrs; link?: number }> {
  const s = spec as KindSpec;
  const info = (data?: Obj): LinkinfoAttrs => (data ? { kind: s.kind, data: compact(data) as NonNullable<LinkinfoAttrs["data"]> } : { kind: s.kind });
  switch (s.kind) {
    case "veth": {
      const v = s as VethSpec;
      return { linkinfo: info(v.peer ? { peer: { "ifi-index": 0, ...(await peerAttrs(v.peer)) } } : undefined) };
    }
    case "bridge": {
      const b = s as BridgeSpec;
      return { linkinfo: info({ "stp-state": b.stpState, "forward-delay": b.forwardDelay, "hello-time": b.helloTime, "max-age": b.maxAge,
        "ageing-time": b.ageingTime, priority: b.priority, "vlan-filtering": bool(b.vlanFiltering) }) };
    }
    case "vxlan": return { linkinfo: info(await vxlanData(s as VxlanSpec, resolve)) };
    case "macvlan":
    case "macvtap": {
      const m = s as MacvlanSpec;
      return { linkinfo: info(m.mode ? { mode: m.mode } : undefined), link: await resolve(m.link) };
    }
    case "vlan": {
      const v = s as VlanSpec;
      return { linkinfo: info({ id: v.id, protocol: v.protocol === "802.1ad" ? "8021ad" : v.protocol ? "8021q" : undefined }), link: await resolve(v.link) };
    }
    case "ipvlan": {
      const v = s as IpvlanSpec;
      return { linkinfo: info(v.mode ? { mode: v.mode } : undefined), link: await resolve(v.link) };
    }
    case "bond": {
      const b = s as BondSpec;
      return { linkinfo: info({ mode: b.mode === undefined ? undefined : BOND_MODES.indexOf(b.mode), miimon: b.miimon }) };
    }
    case "vrf": return { linkinfo: info({ table: (s as VrfSpec).table }) };
    case "gre": case "gretap": case "ipip": case "sit": {
      const t = s as TunnelSpec;
      return { linkinfo: info({ local: t.local, remote: t.remote, ttl: t.ttl, tos: t.tos, link: t.dev === undefined ? undefined : await resolve(t.dev) }) };
    }
    case "geneve": {
      const g = s as GeneveSpec;
      const v6 = addressFamily("remote", g.remote) === "inet6";
      return { linkinfo: info({ id: g.vni, [v6 ? "remote6" : "remote"]: g.remote, port: g.port, ttl: g.ttl }) };
    }
    default: return { linkinfo: info((s as OtherSpec).data) };
  }
}

async function vxlanData(v: VxlanSpec, resolve: Resolve): Promise<Obj> {
  const v6 = (a: string | undefined, arg: string) => a !== undefined && addressFamily(arg, a) === "inet6";
  return {
    id: v.vni, port: v.port,
    [v6(v.remote, "remote") ? "group6" : "group"]: v.remote,
    [v6(v.local, "local") ? "local6" : "local"]: v.local,
    link: v.dev === undefined ? undefined : await resolve(v.dev),
    ttl: v.ttl, tos: v.tos, learning: bool(v.learning), ageing: v.ageing,
  };
}

/** The attributes of LinkBase, for a new link or a veth peer (netns excepted: it needs an fd, opened by the caller). */
export function baseAttrs(b: LinkBase): Obj {
  return compact({
    ifname: b.name, mtu: b.mtu, address: b.address === undefined ? undefined : checkMac("address", b.address), txqlen: b.txqlen, group: b.group,
    "num-tx-queues": b.numTxQueues, "num-rx-queues": b.numRxQueues,
  });
}
