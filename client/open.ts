import { openNative } from "../transport/index.js";
import { NetlinkClient, type ClientOptions } from "./client.js";

export interface OpenNetlinkOptions extends ClientOptions {
  /** NETLINK_ROUTE = 0, NETLINK_GENERIC = 16, ... */
  protocol: number;
  /**
   * The socket's namespace, like the Go library's NewHandleAt: a name under
   * /run/netns, a path (anything with a "/") or an open fd. Only the socket
   * lives there: no thread of this process changes namespace for good.
   */
  netns?: string | number;
  /**
   * Receive on the socket's own reader thread (the default here), so that
   * the kernel builds a dump's next datagrams while this thread decodes the
   * last ones; false receives on the event loop's thread (uv_poll). See
   * NativeOpenOptions.readerThread.
   */
  readerThread?: boolean;
}

/** A client over a fresh native socket; close() closes the socket. */
export function openNetlink(o: OpenNetlinkOptions): NetlinkClient {
  const { protocol, netns, readerThread = true, ...rest } = o;
  const t = openNative(netns === undefined ? { protocol, readerThread } : { protocol, netns, readerThread });
  return new NetlinkClient(t, rest);
}
