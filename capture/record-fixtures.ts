/**
 * Rebuilds test/fixtures/captures/ from the live kernel (as root): each
 * scenario of capture/scenarios.ts runs in a throw-away namespace, recorded
 * through nlwire's client and tee into pcapng, and README.md lists the
 * commands that built the state of each.
 *
 *   npm run record-captures
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { withNetns } from "../tools/netns.js";
import { ROOT } from "../tools/paths.js";
import { CONNTRACK_COMMANDS, EVENT_COMMANDS, STATE_COMMANDS, recordConntrack, recordGenl, recordRoute, recordSockDiag } from "./scenarios.js";

const DIR = join(ROOT, "test", "fixtures", "captures");

const FIXTURES = [
  {
    file: "rtnl-dumps-events.pcapng",
    record: recordRoute,
    what: "rtnetlink: link, address and IPv4/IPv6 route dumps, RTM_GETLINK for lo, a refused RTM_NEWLINK (ERANGE with ext-ack), then the link/address/route events of the changes below, on a second socket subscribed to rtnlgrp-link, -ipv4/6-ifaddr and -ipv4/6-route",
    commands: [...STATE_COMMANDS.map((c) => `ip -n NS ${c}`), "(dumps and requests through nlwire's client)", ...EVENT_COMMANDS.map((c) => `ip -n NS ${c}`)],
  },
  {
    file: "genl-nlctrl-netdev.pcapng",
    record: recordGenl,
    what: "generic netlink: CTRL_CMD_GETFAMILY dump, GETFAMILY nlctrl, CTRL_CMD_GETPOLICY dump of nlctrl, then the client resolving netdev (GETFAMILY netdev) and netdev dev-get for ifindex 1, the id named in a nlwire-genl comment too",
    commands: ["(nothing: the namespace as ip netns add makes it)"],
  },
  {
    file: "ctnetlink-dump.pcapng",
    record: recordConntrack,
    what: "ctnetlink: IPCTNL_MSG_CT_GET dump (IPv4) and the per-CPU statistics dump",
    commands: ["ip -n NS link set lo up", ...CONNTRACK_COMMANDS.map((c) => `ip netns exec NS ${c}`)],
  },
  {
    file: "sock-diag-dumps.pcapng",
    record: recordSockDiag,
    what: "sock_diag: SOCK_DIAG_BY_FAMILY dumps of TCP sockets (with meminfo, tcp_info, congestion and TOS extensions), UDP sockets and unix sockets (with names and peers)",
    commands: ["ip -n NS link set lo up", "ip netns exec NS python3 -c SOCKET_HOLDER (capture/scenarios.ts: a TCP listener, an established pair, a UDP socket, an abstract unix listener and pair)"],
  },
];

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const notes = [
    "# Recorded netlink captures",
    "",
    `Recorded by \`npm run record-captures\` (capture/record-fixtures.ts) on kernel ${release()}, ${new Date().toISOString().slice(0, 10)},`,
    "each in a throw-away network namespace (NS), through nlwire's own client and `tee` into pcapng",
    "(LINKTYPE_NETLINK with the 16-byte cooked header, one interface per netlink protocol, true direction in epb_flags).",
    "",
  ];
  for (const f of FIXTURES) {
    await withNetns((ns) => f.record(ns, join(DIR, f.file)), "nlwcap");
    notes.push(`## ${f.file}`, "", f.what, "", "State:", "", ...f.commands.map((c) => `- \`${c}\``), "");
  }
  writeFileSync(join(DIR, "README.md"), notes.join("\n"));
  console.log(`wrote ${FIXTURES.length} captures to ${DIR}`);
}

await main();
