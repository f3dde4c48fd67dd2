import type { DecodedMessage, Obj } from "@nlwire/codec";
import { openNetlink, type AnyFamily, type NetlinkClient } from "../client/index.js";
import { named } from "./errors.js";
import { Addresses } from "./addresses.js";
import { Links } from "./links.js";
import { Neighbours } from "./neighbours.js";
import { Routes } from "./routes.js";
import { Rules } from "./rules.js";
import { TrafficControl } from "./tc.js";
import { Events } from "./events.js";
import { Batch, type BatchOptions, type Req } from "./batch.js";

const NETLINK_ROUTE = 0;

export interface HandleOptions {
  /**
   * The namespace the handle works in: a name under /run/netns, a path, an
   * open fd, or nothing for this process's own. Like the Go library's
   * NewHandleAt, only the handle's sockets live there.
   */
  netns?: string | number;
  /** Per request, and for each datagram of a dump. Default 5000 ms. */
  timeoutMs?: number;
}

/** A request's fixed header and attributes, typed by the family module that built them. */
export type Body = { fixed?: object; attrs?: object };
const plain = (b: Body) => b as { fixed?: Obj; attrs?: Obj };

/**
 * Network configuration in one namespace. Sockets are opened on first use,
 * one per netlink protocol (today only NETLINK_ROUTE is needed); event
 * streams get sockets of their own. `close()` closes them all.
 */
export class Handle {
  readonly netns: string | number | undefined;
  readonly links = new Links(this);
  readonly addresses = new Addresses(this);
  readonly routes = new Routes(this);
  readonly neighbours = new Neighbours(this);
  readonly rules = new Rules(this);
  readonly tc = new TrafficControl(this);
  readonly events = new Events(this);
  readonly #timeoutMs: number | undefined;
  readonly #clients = new Map<number, NetlinkClient>();
  /** Sockets opened for event streams and batches: closed with the handle. */
  readonly #extra = new Set<NetlinkClient>();
  #closed = false;

  constructor(o: HandleOptions = {}) {
    this.netns = o.netns;
    this.#timeoutMs = o.timeoutMs;
  }

  /** A handle of its own in another namespace, with this one's options (the caller closes it). */
  sibling(netns: string | number): Handle {
    return new Handle({ netns, ...(this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs }) });
  }

  /** The handle's socket for `protocol`, opened now if it is not yet. */
  client(protocol = NETLINK_ROUTE): NetlinkClient {
    if (this.#closed) throw new Error("the handle is closed");
    let c = this.#clients.get(protocol);
    if (!c) {
      c = this.openClient(protocol);
      this.#clients.set(protocol, c);
    }
    return c;
  }

  /** A socket of its own in the handle's namespace (for a subscription or a batch), closed with the handle. */
  ownClient(protocol = NETLINK_ROUTE): { client: NetlinkClient; release(): void } {
    if (this.#closed) throw new Error("the handle is closed");
    const client = this.openClient(protocol);
    this.#extra.add(client);
    return { client, release: () => (this.#extra.delete(client), client.close()) };
  }

  private openClient(protocol: number): NetlinkClient {
    return openNetlink({
      protocol,
      ...(this.netns === undefined ? {} : { netns: this.netns }),
      ...(this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs }),
    });
  }

  /** A do request on rtnetlink; a kernel refusal becomes a NetlinkOperationError named after `action`. */
  request(family: AnyFamily, op: string, body: Body, flags: number, action: string): Promise<DecodedMessage[]> {
    return named(action, () => this.client().request(family, op, plain(body), { flags }));
  }

  /** Sends a built request (see Req) and resolves once the kernel ACKs it. */
  async run(r: Req): Promise<void> {
    await this.request(r.family, r.op, r.body, r.flags, r.action);
  }

  /** A whole dump (these lists are small enough to hold); for streams use `dumpStream`. */
  dump(family: AnyFamily, op: string, body: Body, action: string): Promise<DecodedMessage[]> {
    return named(action, () => this.client().dump(family, op, plain(body)).toArray());
  }

  /** A dump as it arrives, each message mapped by `map` (undefined: skipped). */
  async *dumpStream<T>(family: AnyFamily, op: string, body: Body, action: string, map: (m: DecodedMessage) => T | undefined): AsyncGenerator<T> {
    const it = this.client().dump(family, op, plain(body)).batches()[Symbol.asyncIterator]();
    for (;;) {
      const r = await named(action, () => it.next());
      if (r.done) return;
      for (const m of r.value) {
        const v = map(m);
        if (v !== undefined) yield v;
      }
    }
  }

  /** Many requests, packed several to a datagram on a socket of their own, every ACK checked. */
  batch(o: BatchOptions = {}): Batch {
    return new Batch(this, o);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of [...this.#clients.values(), ...this.#extra]) c.close();
    this.#clients.clear();
    this.#extra.clear();
  }
}

/** A handle in a namespace (or this process's own): the Go library's NewHandleAt. */
export const openHandle = (o: HandleOptions = {}): Handle => new Handle(o);
