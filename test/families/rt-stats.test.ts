import { describe, expect, it } from "vitest";
import type { DecodedMessage } from "@nlwire/codec";
import { rtLink, type StatsAttrs } from "@nlwire/codec/families/rt-link";
import { openNetlink } from "../../client/index.js";
import { ip, ipIn } from "../../tools/netns.js";
import { NO_IPV6, fileNetns, inNetns } from "./netns.js";

// Link statistics through RTM_GETSTATS (which the kernel's rt-link spec
// covers), after traffic over a veth pair, against `ip -j stats show`.

const ns = fileNetns("nlw-st", ["link add v0 type veth peer name v1", "addr add 10.9.0.1/24 dev v0", "link set v0 up", "link set v1 up"], NO_IPV6);
/** IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64) */
const LINK_64 = 1 << 0;

describe("link statistics (rt-link getstats)", () => {
  it("dumps 64-bit counters as ip -j stats show group link prints them", async () => {
    ipIn(ns(), ["neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev v0"]);
    // Three datagrams out of v0 (and into v1): counters on both ends move.
    inNetns(ns(), "python3", ["-c", "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range(3): s.sendto(b'x' * 100, ('10.9.0.2', 9))"]);
    const c = openNetlink({ protocol: 0, netns: ns() });
    const ours: Record<string, unknown>[] = [];
    try {
      for await (const m of c.dump(rtLink, "getstats", { fixed: { family: 0, ifindex: 0, "filter-mask": LINK_64 } })) {
        const f = m.fixed as { ifindex: number };
        const s = (m as DecodedMessage & { attrs: StatsAttrs }).attrs["link-64"]!;
        ours.push({
          ifindex: f.ifindex,
          rx: { bytes: Number(s["rx-bytes"]), packets: Number(s["rx-packets"]), errors: Number(s["rx-errors"]), dropped: Number(s["rx-dropped"]), over_errors: Number(s["rx-over-errors"]), multicast: Number(s.multicast) },
          tx: { bytes: Number(s["tx-bytes"]), packets: Number(s["tx-packets"]), errors: Number(s["tx-errors"]), dropped: Number(s["tx-dropped"]), carrier_errors: Number(s["tx-carrier-errors"]), collisions: Number(s.collisions) },
        });
      }
    } finally {
      c.close();
    }
    const theirs = (JSON.parse(ip(["-n", ns(), "-j", "stats", "show", "group", "link"])) as { ifindex: number; stats64: Record<string, unknown> }[])
      .map((l) => ({ ifindex: l.ifindex, ...l.stats64 }));
    expect(ours).toEqual(theirs);
    const v0 = (JSON.parse(ip(["-n", ns(), "-j", "link", "show", "v0"])) as { ifindex: number }[])[0]!.ifindex;
    expect((ours.find((o) => o["ifindex"] === v0)!["tx"] as { packets: number }).packets).toBeGreaterThanOrEqual(3);
  });
});
