/**
 * Records the codec's fixtures from the live kernel, inside throw-away
 * network namespaces. Run as root: `npm run record-fixtures`.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  AttrCursor, ByteReader, ByteWriter, GENL_ID_CTRL, NLM_F, splitDatagram, readInt, encodeGenlHeader,
} from "@nlwire/codec";
import { saveFixture, type Fixture } from "./fixture.js";
import { ipIn, withNetns } from "./netns.js";
import { record } from "./nlrec.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;
// rtnetlink numbers from linux/rtnetlink.h and linux/if_link.h.
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
// nlctrl and netdev numbers from linux/genetlink.h and linux/netdev.h.
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const NETDEV_CMD_DEV_GET = 1;

function stringAttr(w: ByteWriter, type: number, s: string): void {
  const at = w.beginAttr(type);
  w.bytes(new TextEncoder().encode(s)).u8(0).endAttr(at);
}

function getLinkDump(seq: number): Uint8Array {
  const w = new ByteWriter();
  const m = w.beginMessage(RTM_GETLINK, NLM_F.REQUEST | NLM_F.DUMP, seq);
  w.zeros(IFINFOMSG_LEN).endMessage(m);
  return w.finish();
}

/** RTM_NEWLINK whose IFLA_IFNAME is longer than IFNAMSIZ: the kernel's policy rejects it. */
function newLinkBadName(seq: number): Uint8Array {
  const w = new ByteWriter();
  const m = w.beginMessage(RTM_NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq);
  w.zeros(IFINFOMSG_LEN);
  stringAttr(w, IFLA_IFNAME, "this-name-is-far-too-long");
  const info = w.beginNest(IFLA_LINKINFO, 0);
  stringAttr(w, IFLA_INFO_KIND, "bridge");
  w.endNest(info).endMessage(m);
  return w.finish();
}

function genlRequest(family: number, cmd: number, version: number, seq: number, attrs?: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  const m = w.beginMessage(family, NLM_F.REQUEST | NLM_F.ACK, seq);
  encodeGenlHeader(w, { cmd, version, reserved: 0 });
  attrs?.(w);
  w.endMessage(m);
  return w.finish();
}

/** Asks nlctrl for a family's id and reads CTRL_ATTR_FAMILY_ID from the reply. */
function resolveFamily(name: string, netns: string): number {
  const req = genlRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 2, 1, (w) => stringAttr(w, CTRL_ATTR_FAMILY_NAME, name));
  for (const dgram of record(NETLINK_GENERIC, [req], { netns })) {
    for (const m of splitDatagram(dgram).messages) {
      if (m.header.type !== GENL_ID_CTRL) continue;
      const r = new ByteReader(m.payload);
      const c = new AttrCursor(r, 4, m.payload.length);
      while (c.next()) {
        if (c.type === CTRL_ATTR_FAMILY_ID) return readInt(r, "u16", c.valueOffset, c.valueLength) as number;
      }
    }
  }
  throw new Error(`generic netlink family ${name} not found`);
}

function base(description: string, protocol: number, producedBy: string[]): Omit<Fixture, "sent" | "received"> {
  return {
    description,
    producedBy,
    kernel: execFileSync("uname", ["-r"], { encoding: "utf8" }).trim(),
    recordedOn: new Date().toISOString().slice(0, 10),
    protocol,
  };
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
  await withNetns((ns) => {
    ipIn(ns, LINK_STATE);
    const sent = [getLinkDump(1)];
    saveFixture(`${FIXTURES}rtnl-getlink-dump.json`, {
      ...base("RTM_GETLINK dump of a namespace holding lo, a veth pair and a bridge", NETLINK_ROUTE, [
        "ip netns add NS",
        ...LINK_STATE.map((l) => `ip -n NS ${l}`),
        "ip netns exec NS build/tools/nlrecord 0 <sent[0]>",
      ]),
      sent,
      received: record(NETLINK_ROUTE, sent, { netns: ns }),
    });

    const bad = [newLinkBadName(7)];
    for (const extAck of [true, false]) {
      saveFixture(`${FIXTURES}rtnl-newlink-einval${extAck ? "-extack" : ""}.json`, {
        ...base(
          `RTM_NEWLINK with an IFLA_IFNAME longer than IFNAMSIZ, ${extAck ? "with NETLINK_EXT_ACK" : "without extended ACK"}`,
          NETLINK_ROUTE,
          [`ip netns exec NS build/tools/nlrecord 0${extAck ? " --ext-ack" : ""} <sent[0]>`],
        ),
        sent: bad,
        received: record(NETLINK_ROUTE, bad, { netns: ns, extAck }),
      });
    }

    const netdev = resolveFamily("netdev", ns);
    const missing = [genlRequest(netdev, NETDEV_CMD_DEV_GET, 1, 9)];
    saveFixture(`${FIXTURES}netdev-dev-get-missing-ifindex.json`, {
      ...base("netdev DEV_GET do request without the required NETDEV_A_DEV_IFINDEX", NETLINK_GENERIC, [
        "ip netns exec NS build/tools/nlrecord 16 --ext-ack <sent[0]>",
      ]),
      genlFamilies: { netdev },
      sent: missing,
      received: record(NETLINK_GENERIC, missing, { netns: ns, extAck: true }),
    });
  }, "nlwrec");
}

await main();
