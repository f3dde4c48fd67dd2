import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { conntrack } from "@nlwire/codec/families/conntrack";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { netdev } from "@nlwire/codec/families/netdev";
import { sockDiag } from "@nlwire/codec/families/sock-diag";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { NetlinkClient, KernelError } from "../client/index.js";
import { PcapngRecorder } from "./record.js";
import { openNative, tee } from "../transport/index.js";
import { ipIn } from "../tools/netns.js";
import { run } from "../tools/exec.js";

/**
 * Live traffic recorded through nlwire's own client and tee into pcapng, in
 * a namespace the caller made: what the cross-check and the fixtures use.
 * Every step is listed in `COMMANDS` so a fixture can say how it was made.
 */

const NETLINK_ROUTE = 0;
const NETLINK_SOCK_DIAG = 4;
const NETLINK_NETFILTER = 12;
const NETLINK_GENERIC = 16;

export const STATE_COMMANDS = [
  "link set lo up",
  "link add v0 type veth peer name v1",
  "link add br0 type bridge",
  "link set v0 master br0",
  "link set v0 up",
  "link set v1 up",
  "link set br0 up",
  "addr add 10.0.0.1/24 dev v1",
  "addr add 2001:db8::1/64 dev v1 nodad",
  "route add 10.9.0.0/16 via 10.0.0.2 dev v1",
  "route add 2001:db8:9::/48 via 2001:db8::2 dev v1",
];
export const EVENT_COMMANDS = ["link add v2 type veth peer name v3", "link set v2 up", "link set v3 up", "addr add 10.0.1.1/24 dev v2", "route add 10.8.0.0/16 dev v2", "link del v2"];
export const CONNTRACK_COMMANDS = [
  "conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 3600 -u ASSURED -m 7",
  "conntrack -I -p udp -s 10.0.0.1 -d 10.0.0.53 --sport 5353 --dport 53 -t 120",
];

function client(ns: string, protocol: number, rec: PcapngRecorder): NetlinkClient {
  const c = new NetlinkClient(tee(openNative({ protocol, netns: ns }), rec.sink));
  rec.registry ??= c.registry;
  return c;
}

/** rtnetlink: link, address and route dumps, a refused request with ext-ack, and the events of a few changes. */
export async function recordRoute(ns: string, path: string): Promise<void> {
  ipIn(ns, STATE_COMMANDS);
  const rec = new PcapngRecorder(path, { comment: "rtnetlink dumps and events in a throw-away namespace" });
  const c = client(ns, NETLINK_ROUTE, rec);
  const events = client(ns, NETLINK_ROUTE, rec);
  try {
    const subs = await Promise.all([
      events.subscribe(rtLink, ["rtnlgrp-link"]),
      events.subscribe(rtAddr, ["rtnlgrp-ipv4-ifaddr", "rtnlgrp-ipv6-ifaddr"]),
      events.subscribe(rtRoute, ["rtnlgrp-ipv4-route", "rtnlgrp-ipv6-route"]),
    ]);
    await c.dump(rtLink, "getlink").toArray();
    await c.dump(rtAddr, "getaddr").toArray();
    await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": 2 } }).toArray();
    await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": 10 } }).toArray();
    await c.request(rtLink, "getlink", { fixed: { "ifi-index": 1 } });
    await c.request(rtLink, "newlink", { attrs: { ifname: "far-too-long-for-ifnamsiz" } }, { flags: 0x600 }).catch((e) => {
      if (!(e instanceof KernelError)) throw e;
    });
    ipIn(ns, EVENT_COMMANDS);
    await new Promise((r) => setTimeout(r, 150)); // the events reach the socket
    for (const s of subs) s.close();
  } finally {
    c.close();
    events.close();
    rec.close();
  }
}

/** nlctrl: the family dump, one family by name, a policy dump; then netdev, named by the ids just learned. */
export async function recordGenl(ns: string, path: string): Promise<void> {
  const rec = new PcapngRecorder(path, { comment: "generic netlink: nlctrl family and policy dumps, netdev" });
  const c = client(ns, NETLINK_GENERIC, rec);
  try {
    await c.dump(nlctrl, "getfamily").toArray();
    await c.request(nlctrl, "getfamily", { attrs: { "family-name": "nlctrl" } });
    await c.dump(nlctrl, "getpolicy", { attrs: { "family-name": "nlctrl" } }).toArray();
    await c.request(netdev, "dev-get", { attrs: { ifindex: 1 } });
  } finally {
    c.close();
    rec.close();
  }
}

/** ctnetlink: a conntrack table dump and its statistics. */
export async function recordConntrack(ns: string, path: string): Promise<void> {
  ipIn(ns, ["link set lo up"]);
  for (const cmd of CONNTRACK_COMMANDS) run("ip", ["netns", "exec", ns, ...cmd.split(" ")]);
  const rec = new PcapngRecorder(path, { comment: "ctnetlink: conntrack dump" });
  const c = client(ns, NETLINK_NETFILTER, rec);
  try {
    await c.dump(conntrack, "get", { fixed: { "nfgen-family": 2, version: 0, "res-id": 0 } }).toArray();
    await c.dump(conntrack, "get-stats", { fixed: { "nfgen-family": 0, version: 0, "res-id": 0 } }).toArray();
  } finally {
    c.close();
    rec.close();
  }
}

/** Holds a TCP listener, an established pair and a UDP socket on loopback until stdin closes. */
export const SOCKET_HOLDER = `
import socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)
c = socket.create_connection(l.getsockname()); s, _ = l.accept()
c.sendall(b"x" * 1000)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
x = socket.socket(socket.AF_UNIX); x.bind("\\0nlwire-capture"); x.listen(1)
y = socket.socket(socket.AF_UNIX); y.connect("\\0nlwire-capture"); z, _ = x.accept()
print("ready", flush=True)
sys.stdin.read()
`;

/** sock_diag: TCP (with tcp_info and memory extensions) and UDP socket dumps, and a unix socket dump. */
export async function recordSockDiag(ns: string, path: string): Promise<void> {
  ipIn(ns, ["link set lo up"]);
  const holder = spawn("ip", ["netns", "exec", ns, "python3", "-c", SOCKET_HOLDER]);
  const rec = new PcapngRecorder(path, { comment: "sock_diag: inet and unix socket dumps" });
  const c = client(ns, NETLINK_SOCK_DIAG, rec);
  try {
    await once(holder.stdout, "data");
    const states = ["established", "listen", "close"];
    await c.dump(sockDiag, "inet-diag", { fixed: { "sdiag-family": "inet", "sdiag-protocol": "tcp", "idiag-ext": ["meminfo", "info", "cong", "tos"], "idiag-states": states } }).toArray();
    await c.dump(sockDiag, "inet-diag", { fixed: { "sdiag-family": "inet", "sdiag-protocol": "udp", "idiag-states": states } }).toArray();
    await c.dump(sockDiag, "unix-diag", { fixed: { "sdiag-family": "unix", "udiag-states": states, "udiag-show": ["name", "peer"] } }).toArray();
  } finally {
    c.close();
    rec.close();
    holder.stdin.end();
    if (holder.exitCode === null) await once(holder, "exit");
  }
}
