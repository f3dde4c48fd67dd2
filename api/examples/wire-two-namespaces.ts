import { openHandle, type NetworkEvent, type Route } from "../index.js";

/**
 * Wires two network namespaces together: a veth pair across them, an
 * address on each end, a route each way, then follows the far side's
 * links and addresses while its MTU is changed.
 */
export async function wireTwoNamespaces(left: string, right: string): Promise<{ route: Route; events: NetworkEvent[] }> {
  const here = openHandle({ netns: left });
  const there = openHandle({ netns: right });
  try {
    // "west" is made here; its peer "east" is made straight in the other namespace.
    await here.links.add({ name: "west", kind: "veth", mtu: 1400, up: true, peer: { name: "east", mtu: 1400, netns: right } });
    await there.links.setUp("east");
    await here.addresses.add({ dev: "west", address: "192.168.50.1/30" });
    await there.addresses.add({ dev: "east", address: "192.168.50.2/30" });

    // A service address behind the far end, and routes both ways.
    await there.links.setUp("lo");
    await there.addresses.add({ dev: "lo", address: "10.0.2.1/32" });
    await here.routes.add({ dst: "10.0.2.0/24", gateway: "192.168.50.2", metrics: { mtu: 1400 } });
    await there.routes.add({ dst: "default", gateway: "192.168.50.1" });

    // The kernel's own lookup: which way does traffic for 10.0.2.1 go?
    const route = await here.routes.get("10.0.2.1");

    // Follow the far side, starting with what is there now; then change its MTU.
    const events: NetworkEvent[] = [];
    const stream = await there.events.subscribe({ kinds: ["link", "address"], initial: true });
    let listed = 0;
    for await (const e of stream) {
      events.push(e);
      if (e.type === "resynced" && ++listed === 2) await there.links.set("east", { mtu: 1300 });
      if (e.type === "link" && e.change === "changed" && e.link.mtu === 1300) break; // leaving the loop closes the stream
    }
    return { route, events };
  } finally {
    here.close();
    there.close();
  }
}
