import { TransportError } from "./errors.js";
import { loadNativeAddon } from "./native-addon.js";
import { netnsTarget } from "./transport.js";

export interface TunOptions {
  name: string;
  /** A tap device (Ethernet frames) rather than tun (IP packets). */
  tap?: boolean;
  multiQueue?: boolean;
  /** The uid and gid allowed to attach to it without CAP_NET_ADMIN. */
  owner?: number;
  group?: number;
  /** The namespace to create it in: a name under /run/netns, a path or an fd. */
  netns?: string | number;
}

/**
 * Creates a persistent tun or tap device, as `ip tuntap add` does: the
 * kernel makes these only through ioctls on /dev/net/tun (rtnetlink's
 * newlink refuses them), so this goes through the native addon. Delete it
 * like any link (RTM_DELLINK). Throws TransportError with the errno.
 */
export function createTun(o: TunOptions): void {
  const addon = loadNativeAddon();
  const args = [o.name, o.tap ?? false, o.multiQueue ?? false, o.owner ?? -1, o.group ?? -1] as const;
  const r = o.netns === undefined ? addon.tunCreate(...args) : addon.tunCreate(...args, netnsTarget(o.netns));
  if (r < 0) throw new TransportError(`create ${o.tap ? "tap" : "tun"} ${o.name}`, -r);
}
