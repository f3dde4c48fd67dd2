import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { openNetlink } from "../client/index.js";

const NETLINK_GENERIC = 16;

/**
 * The generic netlink id → name map of the running system (or of a network
 * namespace), from an nlctrl family dump: for captures that do not hold the
 * nlctrl exchange, taken on this machine since ids are assigned at boot.
 */
export async function liveGenlMap(netns?: string): Promise<Map<number, string>> {
  const c = openNetlink(netns === undefined ? { protocol: NETLINK_GENERIC } : { protocol: NETLINK_GENERIC, netns });
  try {
    const map = new Map<number, string>();
    for await (const m of c.dump(nlctrl, "getfamily")) {
      const a = m.attrs as { "family-id"?: number; "family-name"?: string };
      if (a["family-id"] !== undefined && a["family-name"] !== undefined) map.set(a["family-id"], a["family-name"]);
    }
    return map;
  } finally {
    c.close();
  }
}
