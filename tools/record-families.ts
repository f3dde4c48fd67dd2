/**
 * Records the fixtures of the family decoders from the live kernel: rtnetlink
 * (links, addresses, routes, neighbours, rules, tc), generic netlink (nlctrl,
 * ethtool, netdev, mptcp_pm, tcp_metrics), netfilter (conntrack, nftables) and
 * rtnetlink notifications. Each scene builds its state with ip/tc/bridge/nft/
 * conntrack inside a throw-away network namespace, records one exchange per
 * fixture with nlrecord, and stores next to it what the independent tool says
 * about the same state (`crossCheck`).
 *
 * Run as root: `npm run -s build && node dist/tools/record-families.js`.
 * Writes test/fixtures/families/<name>.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ByteReader, ByteWriter, GENL_ID_CTRL, MessageCursor, NLM_F, NLMSG_DONE, NLMSG_ERROR, errnoName } from "@nlwire/codec";
import { runText } from "./exec.js";
import { recordingStamp, saveFixture, type CrossCheck, type Fixture } from "./fixture.js";
import { withNetns } from "./netns.js";
import { NLRECORD_CMD, nlrecordArgs, nlrecordCommand, parseNlrec, record } from "./nlrec.js";
import { FIXTURES_DIR } from "./paths.js";
import {
  CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, CTRL_CMD_GETPOLICY, DUMP, NETDEV_CMD_DEV_GET, NETLINK_GENERIC,
  NETLINK_NETFILTER, NFNL_SUBSYS_CTNETLINK, NFNL_SUBSYS_NFTABLES, dumpRequest, familyMap, fibRuleHdr, genlRequest,
  ifaddrmsg, ifinfomsg, ndmsg, nfgenmsg, nfnlType, rtmsg, stringAttr, tcmsg, u32Attr,
} from "./requests.js";
import {
  AF_BRIDGE, AF_INET, AF_INET6, AF_UNSPEC, IFLA_EXT_MASK, NETLINK_ROUTE, RTEXT_FILTER, RTM, RTNLGRP, TC_H,
  TC_H_CLSACT_INGRESS,
} from "./rtnl.js";
import { onInterrupt } from "./signals.js";

const OUT = join(FIXTURES_DIR, "families");

// ---------------------------------------------------------------- scenes

/** Shell-style quoting, only for the readable command lines in producedBy. */
function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** runText for a whole argv, the form in which the scenes build their commands. */
function run(argv: readonly string[], input?: string): string {
  return runText(argv[0]!, argv.slice(1), input);
}

/** Tool output that has no JSON mode, as it is kept in a cross-check. */
const nonEmptyLines = (text: string): string[] => text.split("\n").filter((l) => l.trim() !== "");

type Line = string | readonly string[];
const words = (l: Line): readonly string[] => (typeof l === "string" ? l.split(/\s+/) : l);

/**
 * One namespace and the commands that built its state, written with "NS" for
 * the namespace's (unique, random) name so that producedBy is reproducible.
 */
class Scene {
  readonly steps: string[] = ["ip netns add NS"];
  constructor(readonly ns: string) {}

  /** `ip|tc|bridge -n NS ARGS` for each line. */
  tool(name: "ip" | "tc" | "bridge", ...lines: Line[]): this {
    for (const l of lines) {
      run([name, "-n", this.ns, ...words(l)]);
      this.steps.push([name, "-n", "NS", ...words(l)].map(quote).join(" "));
    }
    return this;
  }
  ip(...lines: Line[]): this {
    return this.tool("ip", ...lines);
  }
  tc(...lines: Line[]): this {
    return this.tool("tc", ...lines);
  }
  bridge(...lines: Line[]): this {
    return this.tool("bridge", ...lines);
  }
  /** `ip netns exec NS ARGV`, with `input` on stdin. */
  exec(argv: Line, input?: string): this {
    run(["ip", "netns", "exec", this.ns, ...words(argv)], input);
    const shown = `ip netns exec NS ${words(argv).map(quote).join(" ")}`;
    this.steps.push(input === undefined ? shown : `${shown} <<'EOF'\n${input}EOF`);
    return this;
  }
  /** Settings that keep IPv6 from adding timing-dependent state (DAD, router solicitations). */
  quietIpv6(): this {
    return this.exec([
      "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.all.router_solicitations=0", "net.ipv6.conf.default.router_solicitations=0",
    ]);
  }

  ifindex(dev: string): number {
    const j = JSON.parse(run(["ip", "-n", this.ns, "-j", "link", "show", "dev", dev])) as { ifindex: number }[];
    return j[0]!.ifindex;
  }

  /** A cross-check from `ip|tc|bridge -n NS -j ARGS`: parsed JSON. */
  json(name: "ip" | "tc" | "bridge", args: string): CrossCheck {
    const a = args.split(/\s+/);
    return { command: [name, "-n", "NS", ...a].join(" "), output: JSON.parse(run([name, "-n", this.ns, ...a])) };
  }
  /** A cross-check from `ip netns exec NS ARGV`: parsed JSON, or the output's lines. */
  execCheck(argv: string, as: "json" | "lines"): CrossCheck {
    const out = run(["ip", "netns", "exec", this.ns, ...argv.split(/\s+/)]);
    const output = as === "json" ? JSON.parse(out) : nonEmptyLines(out);
    return { command: `ip netns exec NS ${argv}`, output };
  }
}

/** A scene in a fresh namespace, deleted afterwards even on SIGINT/SIGTERM (see withNetns). */
async function inScene<T>(body: (s: Scene) => T | Promise<T>): Promise<T> {
  return withNetns((ns) => body(new Scene(ns)), "nlwfam");
}

// ------------------------------------------------------------- recording

interface Reply {
  messages: number;
  errors: string[];
  done: boolean;
  interrupted: boolean;
}

function inspect(received: readonly Uint8Array[]): Reply {
  const reply: Reply = { messages: 0, errors: [], done: false, interrupted: false };
  for (const d of received) {
    const c = new MessageCursor(new ByteReader(d));
    while (c.next()) {
      reply.messages++;
      if (c.flags & NLM_F.DUMP_INTR) reply.interrupted = true;
      if (c.type === NLMSG_ERROR || c.type === NLMSG_DONE) {
        const err = c.payloadLength >= 4 ? -c.reader.s32(c.payloadOffset) : 0;
        if (err !== 0) reply.errors.push(errnoName(err) ?? String(err));
        if (c.type === NLMSG_DONE) reply.done = true;
      }
    }
  }
  return reply;
}

interface Exchange {
  protocol: number;
  sent: Uint8Array[];
  received: Uint8Array[];
  invocation: string;
}

/**
 * Sends `requests` with NETLINK_EXT_ACK from the scene's namespace (or, with
 * `s` null, from the initial one) and checks the answer; retries a dump the
 * kernel marked interrupted.
 */
function exchange(s: Scene | null, protocol: number, requests: Uint8Array[], expect: "dump" | "ack" = "dump"): Exchange {
  for (let attempt = 1; ; attempt++) {
    const received = record(protocol, requests, s ? { netns: s.ns, extAck: true } : { extAck: true });
    const r = inspect(received);
    if (r.interrupted && attempt < 3) continue;
    if (r.interrupted) throw new Error("dump interrupted three times");
    if (r.errors.length) throw new Error(`the kernel answered ${r.errors.join(", ")}`);
    if (expect === "dump" && !r.done) throw new Error("dump without NLMSG_DONE");
    const args = requests.map((_, i) => `<sent[${i}]>`).join(" ");
    const where = s ? "ip netns exec NS " : "";
    return { protocol, sent: requests, received, invocation: `${where}${NLRECORD_CMD} ${protocol} --ext-ack ${args}` };
  }
}

/** Records and saves the usual rtnetlink fixture: one dump request from the scene, with its cross-checks. */
function rtnlFixture(s: Scene, name: string, description: string, request: Uint8Array, crossCheck: CrossCheck[]): void {
  save(name, description, s, exchange(s, NETLINK_ROUTE, [request]), crossCheck);
}

const written: { name: string; bytes: number; messages: number }[] = [];

function save(
  name: string,
  description: string,
  s: { readonly steps: readonly string[] },
  x: Exchange,
  crossCheck: CrossCheck[],
  genlFamilies?: Record<string, number>,
): void {
  const f: Fixture = {
    description,
    producedBy: [...s.steps, x.invocation],
    ...recordingStamp(),
    protocol: x.protocol,
    ...(genlFamilies ? { genlFamilies } : {}),
    sent: x.sent,
    received: x.received,
    crossCheck,
  };
  const path = join(OUT, `${name}.json`);
  saveFixture(path, f);
  const entry = { name, bytes: statSync(path).size, messages: inspect(x.received).messages };
  written.push(entry);
  console.log(`${name}.json: ${entry.bytes} bytes, ${entry.messages} messages`);
}

// ------------------------------------------------------------ rtnetlink

async function links(): Promise<void> {
  await inScene((s) => {
    s.ip(
      "link set lo up",
      "link add v0 address 02:00:00:00:01:00 mtu 1400 txqueuelen 500 type veth peer name v1 address 02:00:00:00:01:01",
      ["link", "set", "v0", "alias", "bridge-port"],
      "link add br0 address 02:00:00:00:02:00 type bridge stp_state 0 forward_delay 0 mcast_snooping 0",
      "link set v0 master br0",
      "link set v0 type bridge_slave cost 10 priority 5 hairpin on learning on",
      "link add vx0 address 02:00:00:00:03:00 type vxlan id 42 local 10.99.0.1 dstport 4789 ttl 16",
      "link add mv0 link v1 address 02:00:00:00:04:00 type macvlan mode bridge",
      "link add mvt0 link v1 address 02:00:00:00:05:00 type macvtap mode vepa",
      "link add ifb0 address 02:00:00:00:06:00 txqueuelen 32 type ifb",
      "tuntap add tun0 mode tun",
      "link set tun0 mtu 1300",
      "tuntap add tap0 mode tap",
      "link set tap0 address 02:00:00:00:07:00",
      ["link", "set", "tap0", "alias", "tap for a VM"],
      "link set v0 up",
      "link set v1 up",
      "link set br0 up",
      "link set mv0 up",
    );
    s.bridge(
      "fdb add 02:00:00:00:00:aa dev v0 master static",
      "fdb add 02:00:00:00:00:bb dev v0 master",
      "fdb append 00:00:00:00:00:00 dev vx0 dst 10.99.0.2 self permanent",
    );

    rtnlFixture(s, "rtnl-getlink-dump-kinds",
      "RTM_GETLINK dump (AF_UNSPEC) of a namespace holding lo, veth, bridge (with a veth port), vxlan, macvlan, macvtap, ifb, tun and tap",
      dumpRequest(RTM.GETLINK, 1, (w) => ifinfomsg(w), (w) => u32Attr(w, IFLA_EXT_MASK, RTEXT_FILTER.VF)),
      [s.json("ip", "-j -d link show")]);
    rtnlFixture(s, "rtnl-getlink-dump-bridge",
      "RTM_GETLINK dump with family AF_BRIDGE and IFLA_EXT_MASK RTEXT_FILTER_BRVLAN: the bridge and its port (this kernel has no bridge VLAN filtering)",
      dumpRequest(RTM.GETLINK, 2, (w) => ifinfomsg(w, { family: AF_BRIDGE }), (w) => u32Attr(w, IFLA_EXT_MASK, RTEXT_FILTER.BRVLAN)),
      [s.json("bridge", "-j -d link show")]);
    rtnlFixture(s, "rtnl-getneigh-dump-fdb",
      "RTM_GETNEIGH dump with family AF_BRIDGE: the forwarding database (bridge, port, vxlan entries)",
      dumpRequest(RTM.GETNEIGH, 3, (w) => ndmsg(w, { family: AF_BRIDGE })),
      [s.json("bridge", "-j fdb show")]);
  });
}

async function layer3(): Promise<void> {
  await inScene((s) => {
    s.quietIpv6();
    s.ip(
      "link set lo up",
      "link add a0 address 02:00:00:00:0a:00 type veth peer name a1 address 02:00:00:00:0a:01",
      "link add b0 address 02:00:00:00:0b:00 type veth peer name b1 address 02:00:00:00:0b:01",
      "link set a0 up", "link set a1 up", "link set b0 up", "link set b1 up",
      // addresses
      "addr add 10.0.0.1/24 brd + dev a0 label a0:main",
      "addr add 10.0.0.100/24 dev a0 label a0:sec valid_lft 3600 preferred_lft 1800",
      "addr add 10.1.0.1/24 dev b0",
      "addr add 192.0.2.1 peer 192.0.2.2/32 dev b0",
      "addr add 2001:db8:a::1/64 dev a0",
      "addr add 2001:db8:b::1/64 dev b0 valid_lft 7200 preferred_lft 3600",
      "addr add 2001:db8:c::1 peer 2001:db8:c::2 dev b0",
    );
    rtnlFixture(s, "rtnl-getaddr-dump",
      "RTM_GETADDR dump (AF_UNSPEC): IPv4 and IPv6 addresses with labels, lifetimes, a secondary and peer addresses",
      dumpRequest(RTM.GETADDR, 1, (w) => ifaddrmsg(w)),
      [s.json("ip", "-j addr show")]);

    s.ip(
      "neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev a0 nud permanent",
      "neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev a0 nud reachable",
      "neigh add 10.1.0.2 lladdr 02:00:00:00:00:12 dev b0 nud stale",
      "-6 neigh add 2001:db8:a::2 lladdr 02:00:00:00:00:22 dev a0 nud permanent",
      "-6 neigh add 2001:db8:b::2 lladdr 02:00:00:00:00:32 dev b0 nud reachable router",
      // routes
      "route add 198.51.100.0/24 via 10.0.0.2 dev a0 mtu 1400 advmss 1360",
      "route add 203.0.113.0/24 proto static metric 50 nexthop via 10.0.0.2 dev a0 weight 1 nexthop via 10.1.0.2 dev b0 weight 3",
      "route add 172.16.0.0/16 via 10.1.0.2 table 100",
      "route add default via 10.0.0.254 dev a0 onlink table 200",
      "route add blackhole 10.255.1.0/24",
      "route add unreachable 10.255.2.0/24 table 100",
      "route add prohibit 10.255.3.0/24 table 200",
      "route add local 10.255.4.1 dev lo table 100",
      "route add 10.255.5.0/24 dev a0 scope link src 10.0.0.1 metric 10",
      "route add throw 10.255.6.0/24 table 100",
      "-6 route add 2001:db8:100::/48 via 2001:db8:a::2 dev a0 mtu 1300 advmss 1200",
      "-6 route add 2001:db8:200::/48 nexthop via 2001:db8:a::2 dev a0 weight 1 nexthop via 2001:db8:b::2 dev b0 weight 2",
      "-6 route add 2001:db8:300::/48 via 2001:db8:b::2 dev b0 table 100",
      "-6 route add blackhole 2001:db8:dead::/48",
      "-6 route add unreachable 2001:db8:beef::/48 table 100",
      "-6 route add prohibit 2001:db8:f00d::/48 table 200",
      "-6 route add local 2001:db8:ffff::1 dev lo table 100",
    );
    rtnlFixture(s, "rtnl-getroute-dump-ipv4",
      "RTM_GETROUTE dump (AF_INET, all tables): gateway routes with metrics, a weighted multipath route, tables 100/200, blackhole, unreachable, prohibit, local and throw routes",
      dumpRequest(RTM.GETROUTE, 2, (w) => rtmsg(w, { family: AF_INET })),
      [s.json("ip", "-j route show table all")]);
    rtnlFixture(s, "rtnl-getroute-dump-ipv6",
      "RTM_GETROUTE dump (AF_INET6, all tables): gateway routes with metrics, a weighted multipath route, tables 100/200, blackhole, unreachable, prohibit and local routes",
      dumpRequest(RTM.GETROUTE, 3, (w) => rtmsg(w, { family: AF_INET6 })),
      [s.json("ip", "-j -6 route show table all")]);
    rtnlFixture(s, "rtnl-getneigh-dump",
      "RTM_GETNEIGH dump (AF_UNSPEC): permanent, reachable and stale IPv4 and IPv6 neighbours (and the kernel's own NOARP entries)",
      dumpRequest(RTM.GETNEIGH, 4, (w) => ndmsg(w)),
      [s.json("ip", "-j neigh show"), s.json("ip", "-j -6 neigh show")]);

    s.ip(
      "rule add priority 100 from 10.0.0.0/24 table 100",
      "rule add priority 110 to 198.51.100.0/24 table 200",
      "rule add priority 120 fwmark 0x10/0xff table 100",
      "rule add priority 130 iif a0 table 200",
      "rule add priority 140 oif b0 table 100",
      "rule add priority 150 table main suppress_prefixlength 0",
      "rule add priority 160 from 10.1.0.0/24 to 203.0.113.0/24 ipproto tcp dport 80 table 100",
      "rule add priority 170 not from 10.0.0.0/8 uidrange 1000-2000 prohibit",
      "-6 rule add priority 100 from 2001:db8:a::/64 table 100",
      "-6 rule add priority 110 to 2001:db8:200::/48 table 200",
      "-6 rule add priority 120 fwmark 0x20/0xf0 table 100",
      "-6 rule add priority 130 iif a0 oif b0 table 200",
      "-6 rule add priority 150 table main suppress_prefixlength 0",
      "-6 rule add priority 160 ipproto udp sport 1000-2000 unreachable",
    );
    rtnlFixture(s, "rtnl-getrule-dump-ipv4",
      "RTM_GETRULE dump (AF_INET): priority, table, fwmark/mask, from/to, iif/oif, suppress_prefixlength, ip_proto/dport, uid range, prohibit",
      dumpRequest(RTM.GETRULE, 5, (w) => fibRuleHdr(w, { family: AF_INET })),
      [s.json("ip", "-j rule show")]);
    rtnlFixture(s, "rtnl-getrule-dump-ipv6",
      "RTM_GETRULE dump (AF_INET6): priority, table, fwmark/mask, from/to, iif+oif, suppress_prefixlength, ip_proto/sport range, unreachable",
      dumpRequest(RTM.GETRULE, 6, (w) => fibRuleHdr(w, { family: AF_INET6 })),
      [s.json("ip", "-j -6 rule show")]);
  });
}

// ------------------------------------------------------------------- tc

async function trafficControl(): Promise<void> {
  await inScene((s) => {
    s.ip(
      "link add t0 address 02:00:00:00:0c:00 type veth peer name t1 address 02:00:00:00:0c:01",
      "link add m0 numtxqueues 4 numrxqueues 4 address 02:00:00:00:0d:00 type veth peer name m1 address 02:00:00:00:0d:01",
      "link add ifb0 address 02:00:00:00:0e:00 type ifb",
      "link set t0 up", "link set t1 up", "link set m0 up", "link set m1 up", "link set ifb0 up",
    );
    s.tc(
      "qdisc add dev t0 root handle 1: htb default 20 r2q 100",
      "class add dev t0 parent 1: classid 1:1 htb rate 100mbit burst 15k",
      "class add dev t0 parent 1:1 classid 1:10 htb rate 10mbit ceil 50mbit prio 1",
      "class add dev t0 parent 1:1 classid 1:20 htb rate 5mbit ceil 100mbit prio 2 quantum 3000",
      "qdisc add dev t0 parent 1:10 handle 10: pfifo limit 50",
      "qdisc add dev t0 parent 1:20 handle 20: bfifo limit 30000",
      "qdisc add dev t0 clsact",
      "qdisc add dev t1 root handle 2: tbf rate 1mbit burst 32kb latency 50ms",
      "qdisc add dev t1 ingress",
      "qdisc add dev m0 root handle 3: mq",
      "qdisc add dev ifb0 root pfifo_fast",
      "filter add dev t0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/8 match ip dport 80 0xffff flowid 1:10",
      "filter add dev t0 parent 1: protocol ip prio 2 u32 match ip src 192.0.2.0/24 classid 1:20",
      ["filter", "add", "dev", "t0", "parent", "1:", "protocol", "all", "prio", "3", "bpf", "bytecode", "1,6 0 0 65535,", "classid", "1:20"],
      "filter add dev t0 ingress protocol ip prio 1 u32 match ip src 198.51.100.7/32 action mirred egress redirect dev ifb0",
    );
    const t0 = s.ifindex("t0");
    rtnlFixture(s, "tc-getqdisc-dump",
      "RTM_GETQDISC dump: htb with pfifo and bfifo leaves and clsact on t0, tbf and ingress on t1, mq on a 4-queue veth, pfifo_fast on ifb0 (and the default noqueue qdiscs)",
      dumpRequest(RTM.GETQDISC, 1, (w) => tcmsg(w)),
      [s.json("tc", "-j -d qdisc show")]);
    rtnlFixture(s, "tc-gettclass-dump-htb",
      "RTM_GETTCLASS dump of t0 (tcm_ifindex set): the htb classes 1:1, 1:10, 1:20",
      dumpRequest(RTM.GETTCLASS, 2, (w) => tcmsg(w, { ifindex: t0 })),
      // iproute2 6.1 prints htb classes as text even with -j.
      [s.execCheck("tc -d class show dev t0", "lines")]);
    rtnlFixture(s, "tc-gettfilter-dump-htb",
      "RTM_GETTFILTER dump of t0 parent 1: (the htb root): two u32 filters and a cBPF filter",
      dumpRequest(RTM.GETTFILTER, 3, (w) => tcmsg(w, { ifindex: t0, parent: TC_H(1, 0) })),
      [s.json("tc", "-j filter show dev t0 parent 1:")]);
    rtnlFixture(s, "tc-gettfilter-dump-ingress",
      "RTM_GETTFILTER dump of t0's clsact ingress: a u32 filter with a mirred redirect action",
      dumpRequest(RTM.GETTFILTER, 4, (w) => tcmsg(w, { ifindex: t0, parent: TC_H_CLSACT_INGRESS })),
      [s.json("tc", "-j filter show dev t0 ingress")]);
  });
}

/** Which qdisc, filter and action kinds this kernel accepts; printed for the record. */
async function probeTcKinds(): Promise<void> {
  await inScene((s) => {
    s.ip("link add p0 type veth peer name p1", "link set p0 up");
    const tryTc = (args: Line): boolean => {
      try {
        run(["tc", "-n", s.ns, ...words(args)]);
        return true;
      } catch {
        return false;
      }
    };
    const qdiscs = ["pfifo", "bfifo", "pfifo_fast", "tbf rate 1mbit burst 10k latency 10ms", "htb", "mq", "prio", "fq_codel",
      "fq", "codel", "sfq", "red limit 100000 min 10000 max 30000 avpkt 1000 burst 20 bandwidth 10mbit", "netem", "cake",
      "pie", "fq_pie", "hfsc", "drr", "qfq", "ets bands 2", "multiq", "plug", "skbprio", "sfb", "hhf", "choke limit 100 bandwidth 1mbit"];
    const ok: string[] = [];
    const bad: string[] = [];
    for (const q of qdiscs) (tryTc(`qdisc replace dev p0 root ${q}`) ? ok : bad).push(q.split(" ")[0]!);
    for (const q of ["ingress", "clsact"]) {
      (tryTc(`qdisc add dev p0 ${q}`) ? ok : bad).push(q);
      tryTc(`qdisc del dev p0 ${q}`);
    }
    console.log(`qdisc kinds accepted: ${ok.join(" ")}\nqdisc kinds rejected: ${bad.join(" ")}`);
    tryTc("qdisc replace dev p0 root handle 1: htb");
    tryTc("qdisc add dev p0 clsact");
    const filters = ["u32 match ip dst 10.0.0.0/8 flowid 1:1", "matchall classid 1:1", "flower ip_proto tcp classid 1:1",
      "basic classid 1:1", "handle 5 fw classid 1:1", "route to 10 classid 1:1", "cgroup", "flow hash keys src divisor 8 baseclass 1:1"];
    const fok: string[] = [];
    const fbad: string[] = [];
    for (const f of filters) {
      const kind = f.startsWith("handle") ? "fw" : f.split(" ")[0]!;
      (tryTc(`filter add dev p0 parent 1: protocol ip prio 9 ${f}`) ? fok : fbad).push(kind);
      tryTc("filter del dev p0 parent 1: prio 9");
    }
    const bpf = ["filter", "add", "dev", "p0", "parent", "1:", "protocol", "ip", "prio", "9", "bpf", "bytecode", "1,6 0 0 0,", "classid", "1:1"];
    (tryTc(bpf) ? fok : fbad).push("bpf");
    console.log(`filter kinds accepted: ${fok.join(" ")}\nfilter kinds rejected: ${fbad.join(" ")}`);
    const actions = ["mirred egress redirect dev p1", "gact drop", "police rate 1mbit burst 10k", "skbedit mark 5", "csum ip",
      "vlan pop", "tunnel_key unset", "ct", "connmark", "nat ingress 1.1.1.1 2.2.2.2", "sample rate 10 group 1", "pedit ex munge ip ttl set 5"];
    const aok: string[] = [];
    const abad: string[] = [];
    for (const a of actions) {
      (tryTc(`filter add dev p0 ingress protocol ip prio 9 u32 match ip src 1.2.3.4/32 action ${a}`) ? aok : abad).push(a.split(" ")[0]!);
      tryTc("filter del dev p0 ingress prio 9");
    }
    console.log(`action kinds accepted: ${aok.join(" ")}\naction kinds rejected: ${abad.join(" ")}`);
  });
}

// --------------------------------------------------------- generic netlink

const ETHTOOL_MSG = { LINKINFO_GET: 2, LINKMODES_GET: 4, LINKSTATE_GET: 6, FEATURES_GET: 11, RINGS_GET: 15, CHANNELS_GET: 17, TSINFO_GET: 25 } as const;
const ETHTOOL_A_HEADER_FLAGS = 3;
const ETHTOOL_FLAG_COMPACT_BITSETS = 1;
const MPTCP_PM_CMD_GET_ADDR = 3;
const MPTCP_PM_CMD_GET_LIMITS = 6;
const TCP_METRICS_CMD_GET = 1;

/** A small TCP echo over IPv4 and IPv6 loopback, run inside the namespace, so tcp_metrics has entries. */
const TCP_ECHO = `
import net from "node:net";
for (const host of ["127.0.0.1", "::1"]) {
  await new Promise((done) => {
    const srv = net.createServer((s) => { s.on("data", (d) => s.write(d)); s.on("end", () => s.end()); });
    srv.listen(0, host, () => {
      const c = net.connect(srv.address().port, host, () => { c.write("x".repeat(65536)); c.end(); });
      c.on("data", () => {});
      c.on("close", () => srv.close(done));
    });
  });
}
`;

async function generic(): Promise<void> {
  await inScene((s) => {
    s.quietIpv6();
    s.ip(
      "link set lo up",
      "link add g0 address 02:00:00:00:10:00 numtxqueues 2 numrxqueues 2 type veth peer name g1 address 02:00:00:00:10:01",
      "link set g0 up", "link set g1 up",
      "addr add 10.7.0.1/24 dev g0",
      "addr add 2001:db8:7::1/64 dev g0",
    );
    s.exec("ethtool -K g0 gro on tso off");

    const getFamilyDump = genlRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2, 1, undefined, DUMP);
    const ctrlDump = exchange(s, NETLINK_GENERIC, [getFamilyDump]);
    const families = familyMap(ctrlDump.received);
    const id = (name: string): number => {
      const v = families[name];
      if (v === undefined) throw new Error(`generic netlink family ${name} is missing`);
      return v;
    };
    /** Records and saves the usual generic netlink fixture: one request from the scene, with the family ids. */
    const genlFixture = (name: string, description: string, request: Uint8Array, crossCheck: CrossCheck[], expect: "dump" | "ack" = "dump") =>
      save(name, description, s, exchange(s, NETLINK_GENERIC, [request], expect), crossCheck, families);
    save(
      "genl-ctrl-getfamily-dump",
      "nlctrl CTRL_CMD_GETFAMILY dump inside a namespace: the netns-aware families with their ops and multicast groups",
      s, ctrlDump, [s.execCheck("genl ctrl list", "lines")], families,
    );
    // Families that are not netns-aware are only visible from the initial namespace.
    const initDump = exchange(null, NETLINK_GENERIC, [getFamilyDump]);
    const allFamilies = familyMap(initDump.received);
    save(
      "genl-ctrl-getfamily-dump-init-netns",
      "nlctrl CTRL_CMD_GETFAMILY dump from the initial network namespace: all families, those that are not netns-aware included",
      { steps: [] }, initDump, [{ command: "genl ctrl list", output: nonEmptyLines(run(["genl", "ctrl", "list"])) }],
      allFamilies,
    );
    genlFixture("genl-ctrl-getpolicy-dump-netdev",
      "nlctrl CTRL_CMD_GETPOLICY dump for the netdev family: the op → policy map and every attribute policy",
      genlRequest(GENL_ID_CTRL, CTRL_CMD_GETPOLICY, 2, 2, (w) => stringAttr(w, CTRL_ATTR_FAMILY_NAME, "netdev"), DUMP),
      [s.execCheck("genl ctrl policy name netdev", "lines")]);

    const ethtool = id("ethtool");
    const ethDump = (msg: number, seq: number, compact: boolean) =>
      genlRequest(ethtool, msg, 1, seq, compact ? (w: ByteWriter) => {
        const h = w.beginNest(1);
        u32Attr(w, ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_COMPACT_BITSETS);
        w.endNest(h);
      } : undefined, DUMP);
    const eth: [string, number, boolean, string, string, "json" | "lines"][] = [
      ["linkinfo", ETHTOOL_MSG.LINKINFO_GET, false, "ETHTOOL_MSG_LINKINFO_GET dump", "ethtool g0", "lines"],
      ["linkmodes", ETHTOOL_MSG.LINKMODES_GET, true, "ETHTOOL_MSG_LINKMODES_GET dump with compact bitsets", "ethtool g0", "lines"],
      ["linkmodes-verbose", ETHTOOL_MSG.LINKMODES_GET, false, "ETHTOOL_MSG_LINKMODES_GET dump with verbose (named) bitsets", "ethtool g0", "lines"],
      ["linkstate", ETHTOOL_MSG.LINKSTATE_GET, false, "ETHTOOL_MSG_LINKSTATE_GET dump", "ethtool g0", "lines"],
      ["features", ETHTOOL_MSG.FEATURES_GET, true, "ETHTOOL_MSG_FEATURES_GET dump with compact bitsets (gro on, tso off on g0)",
        "ethtool --json -k g0", "json"],
      ["channels", ETHTOOL_MSG.CHANNELS_GET, false, "ETHTOOL_MSG_CHANNELS_GET dump", "ethtool -l g0", "lines"],
      ["tsinfo", ETHTOOL_MSG.TSINFO_GET, false, "ETHTOOL_MSG_TSINFO_GET dump", "ethtool -T g0", "lines"],
    ];
    let seq = 10;
    for (const [name, msg, compact, what, check, as] of eth) {
      const file = name.endsWith("-verbose") ? `ethtool-${name.slice(0, -8)}-get-dump-verbose` : `ethtool-${name}-get-dump`;
      genlFixture(file, `ethtool ${what} over the namespace's devices (lo and the veth pair g0/g1)`,
        ethDump(msg, seq++, compact), [s.execCheck(check, as)]);
    }

    genlFixture("netdev-dev-get-dump",
      "netdev NETDEV_CMD_DEV_GET dump: XDP features of lo and the veth pair",
      genlRequest(id("netdev"), NETDEV_CMD_DEV_GET, 1, 20, undefined, DUMP),
      [s.json("ip", "-j link show")]);

    s.ip(
      "mptcp endpoint add 10.7.0.1 dev g0 signal id 1",
      "mptcp endpoint add 10.7.0.2 dev g0 subflow backup id 2",
      "mptcp endpoint add 2001:db8:7::1 dev g0 subflow fullmesh id 3",
      "mptcp limits set subflow 4 add_addr_accepted 2",
    );
    const mptcp = id("mptcp_pm");
    genlFixture("mptcp-pm-get-addr-dump",
      "mptcp_pm MPTCP_PM_CMD_GET_ADDR dump: three endpoints (signal; subflow backup; IPv6 subflow fullmesh)",
      genlRequest(mptcp, MPTCP_PM_CMD_GET_ADDR, 1, 21, undefined, DUMP),
      [s.json("ip", "-j mptcp endpoint show")]);
    genlFixture("mptcp-pm-get-limits",
      "mptcp_pm MPTCP_PM_CMD_GET_LIMITS do request (subflows 4, add_addr_accepted 2)",
      genlRequest(mptcp, MPTCP_PM_CMD_GET_LIMITS, 1, 22),
      [s.execCheck("ip mptcp limits show", "lines")], "ack");

    s.exec(["node", "--input-type=module", "-e", TCP_ECHO]);
    genlFixture("tcp-metrics-get-dump",
      "tcp_metrics TCP_METRICS_CMD_GET dump after a TCP echo over 127.0.0.1 and ::1",
      genlRequest(id("tcp_metrics"), TCP_METRICS_CMD_GET, 1, 23, undefined, DUMP),
      [s.json("ip", "-j tcp_metrics show")]);
  });
}

// -------------------------------------------------------------- netfilter

const NFT_RULESET = `table inet nlw {
  set allowed {
    type ipv4_addr
    elements = { 10.1.2.3, 127.0.0.1 }
  }
  set ports {
    type inet_service
    flags interval
    elements = { 8000-8100 }
  }
  counter hits {
  }
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related counter accept
    iifname "lo" ip saddr @allowed tcp dport 8080 counter accept
    tcp dport @ports counter name "hits" drop
    meta mark set 0x2a
    ip6 nexthdr ipv6-icmp limit rate 10/second accept
    udp dport 53 log prefix "dns " accept
    ct mark 0x5 reject
    jump sub
  }
  chain sub {
    ip daddr 10.0.0.0/8 counter drop
  }
}
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "lo" masquerade
  }
}
`;

const IPCTNL_MSG_CT_GET = 1;
const NFT_MSG = { GETTABLE: 1, GETCHAIN: 4, GETRULE: 7, GETSET: 10, GETSETELEM: 13, GETOBJ: 19 } as const;
const NFTA_SET_ELEM_LIST_TABLE = 1;
const NFTA_SET_ELEM_LIST_SET = 2;
const NFPROTO_INET = 1;

async function netfilter(): Promise<void> {
  await inScene((s) => {
    s.ip("link set lo up");
    s.exec("nft -f -", NFT_RULESET);
    s.exec("conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 3600 -u ASSURED -m 7");
    s.exec("conntrack -I -p udp -s 10.0.0.1 -d 10.0.0.53 --sport 5353 --dport 53 -t 120");
    s.exec("conntrack -I -p icmp -s 10.0.0.1 -d 10.0.0.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30");
    s.exec("conntrack -I -p tcp -s 2001:db8::1 -d 2001:db8::2 --sport 40001 --dport 443 --state SYN_SENT -t 120");

    save(
      "nf-conntrack-get-dump",
      "ctnetlink IPCTNL_MSG_CT_GET dump (nfgenmsg family AF_UNSPEC): TCP (mark, assured), UDP, ICMP and IPv6 TCP entries",
      s,
      exchange(s, NETLINK_NETFILTER, [dumpRequest(nfnlType(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET), 1, (w) => nfgenmsg(w, AF_UNSPEC))]),
      [s.execCheck("conntrack -L -f ipv4", "lines"), s.execCheck("conntrack -L -f ipv6", "lines")],
    );

    const nft = (name: string, msg: number, seq: number, what: string, check: string, family = AF_UNSPEC, attrs?: (w: ByteWriter) => void) =>
      save(
        `nft-${name}`,
        what,
        s,
        exchange(s, NETLINK_NETFILTER, [dumpRequest(nfnlType(NFNL_SUBSYS_NFTABLES, msg), seq, (w) => nfgenmsg(w, family), attrs)]),
        [s.execCheck(`nft -j ${check}`, "json")],
      );
    nft("gettable-dump", NFT_MSG.GETTABLE, 2, "NFT_MSG_GETTABLE dump (all families): inet nlw and ip nat", "list tables");
    nft("getchain-dump", NFT_MSG.GETCHAIN, 3, "NFT_MSG_GETCHAIN dump: base chains with hooks and policies, and a regular chain", "list chains");
    nft("getrule-dump", NFT_MSG.GETRULE, 4,
      "NFT_MSG_GETRULE dump: rules with meta, cmp, payload, bitwise, ct, counter, lookup, objref, limit, log, reject, immediate (verdicts, jump) and masq expressions", "list ruleset");
    nft("getset-dump", NFT_MSG.GETSET, 5, "NFT_MSG_GETSET dump: an ipv4_addr set and an interval inet_service set", "list sets");
    nft("getsetelem-dump-allowed", NFT_MSG.GETSETELEM, 6, "NFT_MSG_GETSETELEM dump of set inet nlw allowed", "list set inet nlw allowed", NFPROTO_INET, (w) => {
      stringAttr(w, NFTA_SET_ELEM_LIST_TABLE, "nlw");
      stringAttr(w, NFTA_SET_ELEM_LIST_SET, "allowed");
    });
    nft("getobj-dump", NFT_MSG.GETOBJ, 7, "NFT_MSG_GETOBJ dump: the named counter hits", "list counters");
  });
}

// ----------------------------------------------------------------- events

const EVENT_GROUPS = [RTNLGRP.LINK, RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV4_ROUTE].reduce((m, g) => m | (1 << (g - 1)), 0);
const LISTEN_MS = 1500;
const SETTLE_MS = 300;

/**
 * Records the notifications the `steps` cause: nlrecord bound to the groups
 * (and `ip monitor` alongside it for the cross-check) while each step runs.
 */
async function recordEvents(s: Scene, steps: Line[]): Promise<{ x: Exchange; monitor: CrossCheck }> {
  const monitorArgs = ["-4", "monitor", "link", "address", "route"];
  const monitor = spawn("ip", ["-n", s.ns, ...monitorArgs], { stdio: ["ignore", "pipe", "inherit"] });
  const listen = { extAck: true, groups: EVENT_GROUPS, listenMs: LISTEN_MS };
  const rec = spawn(...nlrecordCommand(NETLINK_ROUTE, [], { ...listen, netns: s.ns }), { stdio: ["ignore", "pipe", "pipe"] });
  // Registered after withNetns's cleanup, so it runs first: the listeners go before their namespace.
  const unregister = onInterrupt(() => {
    rec.kill();
    monitor.kill();
  });
  const recOut: Buffer[] = [];
  const monOut: Buffer[] = [];
  rec.stdout.on("data", (b: Buffer) => recOut.push(b));
  monitor.stdout.on("data", (b: Buffer) => monOut.push(b));
  const recExit = new Promise<number | null>((resolve) => rec.on("close", resolve));
  const monExit = new Promise<void>((resolve) => monitor.on("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`nlrecord not ready: ${err}`)), 5000);
      rec.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        if (err.includes("ready\n")) {
          clearTimeout(timer);
          resolve();
        }
      });
      rec.on("close", () => reject(new Error(`nlrecord exited early: ${err}`)));
    });
    await sleep(SETTLE_MS); // ip monitor has no ready signal: give it time to subscribe
    for (const step of steps) {
      s.ip(step);
      await sleep(SETTLE_MS);
    }
    const code = await recExit;
    if (code !== 0) throw new Error(`nlrecord exited with ${code}`);
  } finally {
    if (rec.exitCode === null) rec.kill();
    monitor.kill();
    await monExit;
    unregister();
  }
  const x: Exchange = {
    protocol: NETLINK_ROUTE,
    sent: [],
    received: parseNlrec(Buffer.concat(recOut), { copy: true }),
    invocation: `ip netns exec NS ${NLRECORD_CMD} ${nlrecordArgs(NETLINK_ROUTE, [], listen).join(" ")} (started before the steps after "# recording:")`,
  };
  const output = nonEmptyLines(Buffer.concat(monOut).toString("utf8"));
  return { x, monitor: { command: `ip -n NS ${monitorArgs.join(" ")}`, output } };
}

async function events(): Promise<void> {
  const groupsDoc = "RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE";
  await inScene(async (s) => {
    s.quietIpv6();
    s.ip("link set lo up");
    s.steps.push("# recording:");
    const { x, monitor } = await recordEvents(s, [
      "link add ev0 address 02:00:00:00:20:00 type veth peer name ev1 address 02:00:00:00:20:01",
      "link set ev0 up",
      "link set ev1 up",
      "link set ev0 down",
      "link set ev1 down",
      "link del ev0",
    ]);
    save("rtnl-events-link-veth", `rtnetlink notifications (${groupsDoc}) for creating, upping, downing and deleting a veth pair`, s, x, [monitor]);
  });
  await inScene(async (s) => {
    s.quietIpv6();
    s.ip(
      "link set lo up",
      "link add ev0 address 02:00:00:00:21:00 type veth peer name ev1 address 02:00:00:00:21:01",
      "link set ev0 up",
      "link set ev1 up",
    );
    await sleep(SETTLE_MS);
    s.steps.push("# recording:");
    const { x, monitor } = await recordEvents(s, [
      "addr add 10.20.0.1/24 dev ev0",
      "route add 10.30.0.0/24 via 10.20.0.2 dev ev0",
      "route del 10.30.0.0/24 via 10.20.0.2 dev ev0",
      "addr del 10.20.0.1/24 dev ev0",
    ]);
    save("rtnl-events-addr-route", `rtnetlink notifications (${groupsDoc}) for adding and deleting an IPv4 address and a route`, s, x, [monitor]);
  });
}

// ------------------------------------------------------------------- main

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await links();
  await layer3();
  await probeTcKinds();
  await trafficControl();
  await generic();
  await netfilter();
  await events();
  const total = written.reduce((n, w) => n + w.bytes, 0);
  console.log(`${written.length} fixtures, ${total} bytes in ${OUT}`);
}

await main();
