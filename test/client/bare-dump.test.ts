import { netdev } from "@nlwire/codec/families/netdev";
import { describe, expect, it } from "vitest";
import { openNetlink } from "../../client/index.js";
import { addVethPairs, linksIn, throwAwayNetns } from "../transport/netns.js";
import { NETLINK_GENERIC } from "./helpers.js";

/** A dump the spec gives a reply but no request (netdev dev-get): the request is sent bare, under the op's id. */
describe("a dump with no request in its spec", () => {
  const ns = throwAwayNetns("nlwbd");

  it("netdev dev-get dumps every device of the namespace, as ip -j link lists them", async () => {
    await addVethPairs(ns.name, 2);
    const c = openNetlink({ protocol: NETLINK_GENERIC, netns: ns.name });
    try {
      const devs = await c.dump(netdev, "dev-get").toArray();
      const got = devs.map((d) => (d.attrs as { ifindex: number }).ifindex).sort((a, b) => a - b);
      expect(got).toEqual(linksIn(ns.name).map((l) => l.ifindex).sort((a, b) => a - b));
      expect(devs[0]!.genl?.cmd).toBe(netdev.family.model.ops.find((o) => o.name === "dev-get")!.value);
    } finally {
      c.close();
    }
  });
});
