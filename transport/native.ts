import { EBADF, ENOBUFS, OverrunError, TransportError } from "./errors.js";
import { ShimOptions } from "./options.js";
import { loadNativeAddon, type NativeAddon, type NativeSocket } from "./native-addon.js";
import { netnsTarget, type GroupControl, type OpenOptions, type OptionControl, type Receiver, type Transport } from "./transport.js";

/** Node-API would quietly turn 1.5 or NaN into some u32: refuse them here. */
function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${what}: ${value} is not a u32`);
  return value;
}

/** Throws TransportError for a negative result (a negative errno); passes the rest through. */
function check(result: number, op: string): number {
  if (result < 0) throw new TransportError(op, -result);
  return result;
}

export interface NativeOpenOptions extends OpenOptions {
  /**
   * Receive on a thread of the socket's own (true) rather than on the event
   * loop's thread through uv_poll (false, the default). The kernel builds a
   * dump's datagrams inside the receive call, so with a reader thread that
   * work runs beside the decoding instead of taking turns with it: large
   * dumps finish sooner. The thread holds at most about SO_RCVBUF bytes of
   * datagrams, and reads nothing while no receiver is attached, so flow
   * control and overruns stay the kernel's.
   */
  readerThread?: boolean;
}

/**
 * Opens a netlink socket through the native addon, bound (with `groups`)
 * so that its port id is known at once. With `netns` the socket lives in
 * that namespace for good, while the calling thread stays in its own.
 */
export function openNative(opts: NativeOpenOptions): NativeTransport {
  const addon = loadNativeAddon();
  const target = opts.netns === undefined ? undefined : netnsTarget(opts.netns);
  if (typeof target === "number") u32(target, "netns fd");
  const protocol = u32(opts.protocol, "protocol");
  const s = target === undefined ? addon.open(protocol) : addon.open(protocol, target);
  if (typeof s === "number") throw new TransportError(target === undefined ? "open" : `open in netns ${target}`, -s);
  try {
    check(addon.bind(s, u32(opts.groups ?? 0, "groups")), "bind");
    return new NativeTransport(addon, s, protocol, check(addon.portId(s), "getsockname"), opts.readerThread ?? false);
  } catch (e) {
    addon.close(s);
    throw e;
  }
}

export class NativeTransport implements Transport {
  readonly kind = "native";
  readonly protocol: number;
  readonly portId: number;
  readonly groups: GroupControl;
  readonly options: OptionControl;
  readonly #addon: NativeAddon;
  readonly #socket: NativeSocket;
  readonly #threaded: boolean;
  #receiver: Receiver | null = null;
  #closed = false;

  constructor(addon: NativeAddon, socket: NativeSocket, protocol: number, portId: number, readerThread = false) {
    this.#addon = addon;
    this.#socket = socket;
    this.#threaded = readerThread;
    this.protocol = protocol;
    this.portId = portId;
    this.groups = {
      join: (group) => void check(addon.join(socket, u32(group, "group")), `join group ${group}`),
      leave: (group) => void check(addon.leave(socket, u32(group, "group")), `leave group ${group}`),
    };
    this.options = new ShimOptions("native", addon.options, (i, v, name) => void check(addon.setOption(socket, i, v), `set ${name}`), (i, name) =>
      check(addon.getOption(socket, i), `get ${name}`),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(datagram: Uint8Array): Promise<void> {
    try {
      // The kernel handles a request inside sendmsg, on this thread: it is done when this returns.
      check(this.#addon.send(this.#socket, datagram), "send");
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  receive(receiver: Receiver | null): void {
    if (this.#closed) throw new TransportError("receive", EBADF, "the transport is closed");
    this.#receiver = receiver;
    if (receiver) check(this.#addon.start(this.#socket, this.#deliver, this.#threaded), "receive");
    else this.#addon.stop(this.#socket);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon.close(this.#socket);
    const r = this.#receiver;
    this.#receiver = null;
    r?.end?.();
  }

  readonly #deliver = (data: Uint8Array | undefined, errno: number, from: number, nsid: number | undefined): void => {
    const r = this.#receiver;
    if (!r) return;
    if (data) return r.datagram(data, nsid === undefined ? { from } : { from, nsid });
    if (errno === -ENOBUFS) return r.error(new OverrunError());
    // The addon has stopped polling: any error but ENOBUFS ends reception.
    this.#receiver = null;
    r.error(new TransportError("receive", -errno));
  };
}
