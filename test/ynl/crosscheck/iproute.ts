/**
 * How iproute2 (ip, bridge, tc) prints values the codec decodes as numbers or
 * spec names: the tables and formatting rules of its source, restated here so
 * that the test can convert decoded values into the tool's representation.
 */

/** ip's print_link_flags: its order and names (RUNNING is never printed; UP without RUNNING adds NO-CARRIER). */
const IFF_ORDER: [spec: string, ip: string][] = [
  ["loopback", "LOOPBACK"], ["broadcast", "BROADCAST"], ["point-to-point", "POINTOPOINT"], ["multicast", "MULTICAST"],
  ["no-arp", "NOARP"], ["all-multi", "ALLMULTI"], ["promisc", "PROMISC"], ["master", "MASTER"], ["slave", "SLAVE"],
  ["debug", "DEBUG"], ["dynamic", "DYNAMIC"], ["auto-media", "AUTOMEDIA"], ["portsel", "PORTSEL"],
  ["no-trailers", "NOTRAILERS"], ["up", "UP"], ["lower-up", "LOWER_UP"], ["dormant", "DORMANT"], ["echo", "ECHO"],
];

export function ipLinkFlags(specFlags: readonly string[]): string[] {
  const s = new Set(specFlags);
  const out = s.has("up") && !s.has("running") ? ["NO-CARRIER"] : [];
  for (const [spec, ip] of IFF_ORDER) if (s.has(spec)) out.push(ip);
  const unknown = specFlags.filter((f) => f !== "running" && !IFF_ORDER.some(([x]) => x === f));
  return [...out, ...unknown];
}

/** RFC 2863 operational states (IF_OPER_*), as ip prints them. */
export const OPERSTATE = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

/** ARPHRD_* link types that occur in the fixtures, by ip's names (lib/ll_types.c). */
export const ARPHRD: Record<number, string> = { 1: "ether", 772: "loopback", 65534: "none" };

/** Routing tables by ip's names (/etc/iproute2/rt_tables); any other is printed as its number. */
export function ipTable(name: string | undefined): number {
  if (name === undefined) return 254; // ip leaves out "table main"
  return { main: 254, local: 255, default: 253 }[name] ?? Number(name);
}

/** rtnetlink route protocols (RTPROT_*) by ip's names. */
export const RTPROT: Record<string, number> = { redirect: 1, kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 };
/** Route scopes (RT_SCOPE_*) by ip's names. */
export const SCOPE: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** IP protocol numbers by the names ip, nft and conntrack print. */
export const IPPROTO: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, "ipv6-icmp": 58 };

/** A tc handle as "major:minor" in hex (tc's print_tc_handle). */
export function tcHandle(h: number): string {
  return `${(h >>> 16).toString(16)}:${(h & 0xffff).toString(16)}`;
}

/** A qdisc handle: tc prints only the major number ("1:"). */
export function tcQdiscHandle(h: number): string {
  return `${(h >>> 16).toString(16)}:`;
}

/** tc's sprint_rate: bytes per second printed as bits per second with 1000-based units. */
export function tcRate(bytesPerSecond: number): string {
  let rate = bytesPerSecond * 8;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000) break;
    if (rate % 1000 !== 0 && rate < 1000 * 1000) break;
    rate /= 1000;
  }
  return `${Math.round(rate)}${units[i]}bit`;
}

/** tc's sprint_size: bytes, or whole Kb/Mb (1024-based) when within 16 bytes (1 Kb) of one. */
export function tcSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && Math.abs(1024 * 1024 * Math.round(bytes / (1024 * 1024)) - bytes) < 1024) return `${Math.round(bytes / (1024 * 1024))}Mb`;
  if (bytes >= 1024 && Math.abs(1024 * Math.round(bytes / 1024) - bytes) < 16) return `${Math.round(bytes / 1024)}Kb`;
  return `${bytes}b`;
}

/**
 * Scheduler ticks to microseconds. /proc/net/psched on these kernels reads
 * "000003e8 00000040 000f4240": tc takes 1000/64 ticks per microsecond and
 * truncates to whole microseconds (tc_core_tick2time returns unsigned).
 */
export const TICKS_PER_USEC = 1000 / 64;
export function tcTicksToUsec(ticks: number): number {
  return Math.trunc(ticks / TICKS_PER_USEC);
}

/** tc_calc_xmitsize: the burst in bytes that `ticks` at `rate` bytes/s stand for. */
export function tcXmitSize(rate: number, ticks: number): number {
  return Math.trunc((rate * tcTicksToUsec(ticks)) / 1e6);
}

/** ETH_P_* by the names tc prints for a filter's protocol. */
export const ETH_P: Record<string, number> = { all: 0x0003, ip: 0x0800, ipv6: 0x86dd };

/**
 * The kernel's netdev feature strings (ETH_SS_FEATURES) in bit order, as the
 * 6.18 kernel of the recordings reports them through ETHTOOL_MSG_STRSET_GET;
 * "" marks unused bits. ethtool -k prints features by these names, except
 * where a legacy name stands for exactly one feature (LEGACY_FEATURE_NAMES).
 */
export const NETDEV_FEATURES = [
  "tx-scatter-gather", "tx-checksum-ipv4", "", "tx-checksum-ip-generic", "tx-checksum-ipv6", "highdma",
  "tx-scatter-gather-fraglist", "tx-vlan-hw-insert", "rx-vlan-hw-parse", "rx-vlan-filter", "vlan-challenged",
  "tx-generic-segmentation", "", "", "rx-gro", "rx-lro", "tx-tcp-segmentation", "tx-gso-robust",
  "tx-tcp-ecn-segmentation", "tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation", "tx-fcoe-segmentation",
  "tx-gre-segmentation", "tx-gre-csum-segmentation", "tx-ipxip4-segmentation", "tx-ipxip6-segmentation",
  "tx-udp_tnl-segmentation", "tx-udp_tnl-csum-segmentation", "tx-gso-partial", "tx-tunnel-remcsum-segmentation",
  "tx-sctp-segmentation", "tx-esp-segmentation", "", "tx-udp-segmentation", "tx-gso-list",
  "tx-tcp-accecn-segmentation", "tx-checksum-fcoe-crc", "tx-checksum-sctp", "rx-ntuple-filter", "rx-hashing",
  "rx-checksum", "tx-nocache-copy", "loopback", "rx-fcs", "rx-all", "tx-vlan-stag-hw-insert",
  "rx-vlan-stag-hw-parse", "rx-vlan-stag-filter", "l2-fwd-offload", "hw-tc-offload", "esp-hw-offload",
  "esp-tx-csum-hw-offload", "rx-udp_tunnel-port-offload", "tls-hw-tx-offload", "tls-hw-rx-offload", "rx-gro-hw",
  "tls-hw-record", "rx-gro-list", "macsec-hw-offload", "rx-udp-gro-forwarding", "hsr-tag-ins-offload",
  "hsr-tag-rm-offload", "hsr-fwd-offload", "hsr-dup-offload",
];

/** ethtool's off_flag_def names for features that are the only member of their legacy group. */
export const LEGACY_FEATURE_NAMES: Record<string, string> = {
  "rx-checksum": "rx-checksumming",
  "tx-generic-segmentation": "generic-segmentation-offload",
  "rx-gro": "generic-receive-offload",
  "rx-lro": "large-receive-offload",
  "rx-vlan-hw-parse": "rx-vlan-offload",
  "tx-vlan-hw-insert": "tx-vlan-offload",
  "rx-ntuple-filter": "ntuple-filters",
  "rx-hashing": "receive-hashing",
};
