/**
 * Records the codec's fixtures from the live kernel, inside throw-away
 * network namespaces. Run as root: `npm run record-fixtures`.
 */
import { join } from "node:path";
import { NLM_F } from "@nlwire/codec";
import { recordingStamp, saveFixture, type Fixture } from "./fixture.js";
import { ipIn, withNetns } from "./netns.js";
import { NLRECORD_CMD, record } from "./nlrec.js";
import { FIXTURES_DIR } from "./paths.js";
import {
  NETDEV_CMD_DEV_GET, NETLINK_GENERIC, dumpRequest, genlRequest, ifinfomsg, message, resolveFamily, stringAttr,
} from "./requests.js";
import { IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO, NETLINK_ROUTE, RTM } from "./rtnl.js";

/** RTM_NEWLINK whose IFLA_IFNAME is longer than IFNAMSIZ: the kernel's policy rejects it. */
function newLinkBadName(seq: number): Uint8Array {
  return message(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq, (w) => {
    ifinfomsg(w);
    stringAttr(w, IFLA_IFNAME, "this-name-is-far-too-long");
    const info = w.beginNest(IFLA_LINKINFO, 0);
    stringAttr(w, IFLA_INFO_KIND, "bridge");
    w.endNest(info);
  });
}

function base(description: string, protocol: number, producedBy: string[]): Omit<Fixture, "sent" | "received"> {
  return { description, producedBy, ...recordingStamp(), protocol };
}

const LINK_STATE = [
  "link set lo up",
  "link add v0 type veth peer name v1",
  "link add br0 type bridge",
  "link set v0 master br0",
  "link set v0 up",
  "link set v1 up",
  "link set br0 up",
];

async function main(): Promise<void> {
  const fixture = (name: string): string => join(FIXTURES_DIR, `${name}.json`);
  await withNetns((ns) => {
    ipIn(ns, LINK_STATE);
    const sent = [dumpRequest(RTM.GETLINK, 1, (w) => ifinfomsg(w))];
    saveFixture(fixture("rtnl-getlink-dump"), {
      ...base("RTM_GETLINK dump of a namespace holding lo, a veth pair and a bridge", NETLINK_ROUTE, [
        "ip netns add NS",
        ...LINK_STATE.map((l) => `ip -n NS ${l}`),
        `ip netns exec NS ${NLRECORD_CMD} 0 <sent[0]>`,
      ]),
      sent,
      received: record(NETLINK_ROUTE, sent, { netns: ns }),
    });

    const bad = [newLinkBadName(7)];
    for (const extAck of [true, false]) {
      saveFixture(fixture(`rtnl-newlink-einval${extAck ? "-extack" : ""}`), {
        ...base(
          `RTM_NEWLINK with an IFLA_IFNAME longer than IFNAMSIZ, ${extAck ? "with NETLINK_EXT_ACK" : "without extended ACK"}`,
          NETLINK_ROUTE,
          [`ip netns exec NS ${NLRECORD_CMD} 0${extAck ? " --ext-ack" : ""} <sent[0]>`],
        ),
        sent: bad,
        received: record(NETLINK_ROUTE, bad, { netns: ns, extAck }),
      });
    }

    const netdev = resolveFamily("netdev", ns);
    const missing = [genlRequest(netdev, NETDEV_CMD_DEV_GET, 1, 9)];
    saveFixture(fixture("netdev-dev-get-missing-ifindex"), {
      ...base("netdev DEV_GET do request without the required NETDEV_A_DEV_IFINDEX", NETLINK_GENERIC, [
        `ip netns exec NS ${NLRECORD_CMD} 16 --ext-ack <sent[0]>`,
      ]),
      genlFamilies: { netdev },
      sent: missing,
      received: record(NETLINK_GENERIC, missing, { netns: ns, extAck: true }),
    });
  }, "nlwrec");
}

await main();
