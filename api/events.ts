import type { DecodedMessage } from "@nlwire/codec";
import { rtAddr } from "@nlwire/codec/families/rt-addr";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { rtNeigh } from "@nlwire/codec/families/rt-neigh";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { rtRule } from "@nlwire/codec/families/rt-rule";
import type { AnyFamily, Change, NetlinkClient, Notification, Subscription } from "../client/index.js";
import { addressOf, type Address } from "./addresses.js";
import type { Handle } from "./handle.js";
import { linkOf, type Link } from "./link-view.js";
import { neighbourOf, type Neighbour } from "./neighbours.js";
import { routeOf, type Route } from "./routes.js";
import { ruleOf, type Rule } from "./rules.js";

export type ObjectKind = "link" | "address" | "route" | "neighbour" | "rule";

type Changed<K extends ObjectKind, T> = { type: K; change: Change; synthetic?: true } & { [P in K]: T };

/**
 * What an event stream yields: an object that appeared, changed or went
 * away (`synthetic` when it comes from a re-read rather than a
 * notification), `overrun` when the kernel dropped notifications of a kind,
 * and `resynced` once the re-read that follows (or the initial listing) is
 * through.
 */
export type NetworkEvent =
  | Changed<"link", Link>
  | Changed<"address", Address>
  | Changed<"route", Route>
  | Changed<"neighbour", Neighbour>
  | Changed<"rule", Rule>
  | { type: "overrun"; kind: ObjectKind }
  | { type: "resynced"; kind: ObjectKind; cause: "initial" | "overrun" };

export interface EventOptions {
  /** Which objects to follow; default all five. */
  kinds?: readonly ObjectKind[];
  /** List the current state first (as synthetic "new" events), then follow, with no gap. */
  initial?: boolean;
  /** SO_RCVBUF of each kind's socket, in bytes (the kernel doubles it); a burst beyond it is an overrun, then a re-read. */
  receiveBuffer?: number;
}

interface KindInfo {
  family: AnyFamily;
  groups: string[];
  dump: string;
  body: { fixed?: Record<string, unknown> };
  map: (m: DecodedMessage) => Link | Address | Route | Neighbour | Rule | undefined;
}

const KINDS: Record<ObjectKind, KindInfo> = {
  link: { family: rtLink, groups: ["rtnlgrp-link"], dump: "getlink", body: {}, map: linkOf },
  address: { family: rtAddr, groups: ["rtnlgrp-ipv4-ifaddr", "rtnlgrp-ipv6-ifaddr"], dump: "getaddr", body: { fixed: { "ifa-family": 0 } }, map: addressOf },
  route: { family: rtRoute, groups: ["rtnlgrp-ipv4-route", "rtnlgrp-ipv6-route"], dump: "getroute", body: { fixed: { "rtm-family": 0 } }, map: routeOf },
  neighbour: { family: rtNeigh, groups: ["rtnlgrp-neigh"], dump: "getneigh", body: { fixed: { "ndm-family": 0 } }, map: neighbourOf },
  rule: { family: rtRule, groups: ["rtnlgrp-ipv4-rule", "rtnlgrp-ipv6-rule"], dump: "getrule", body: { fixed: { family: 0 } }, map: ruleOf },
};

export class Events {
  constructor(private readonly h: Handle) {}

  /**
   * Follows changes as typed events. Each kind has a socket of its own, with
   * the client's subscription behind it: overruns are reported, then the
   * kind is re-read and the differences come as synthetic events. The
   * re-reads dump through one more socket, with the default buffer: on a
   * small-buffer socket in a burst the kernel can find no room for a dump's
   * next datagram for as long as the burst lasts.
   */
  async subscribe(o: EventOptions = {}): Promise<EventStream> {
    const stream = new EventStream();
    try {
      const reader = this.h.ownClient();
      stream.own(reader.release);
      for (const kind of o.kinds ?? (Object.keys(KINDS) as ObjectKind[])) {
        const info = KINDS[kind];
        const own = this.h.ownClient();
        stream.own(own.release);
        const c: NetlinkClient = own.client;
        if (o.receiveBuffer !== undefined) c.transport.options?.set("rcvbuf", o.receiveBuffer);
        const resync = () => reader.client.dump(info.family, info.dump, info.body);
        const sub = await c.subscribe(info.family, info.groups, { initial: o.initial ?? false, resync });
        stream.follow(kind, info, sub);
      }
    } catch (e) {
      stream.close();
      throw e;
    }
    return stream;
  }
}

/** Several subscriptions merged into one async iterator; closing it (or leaving the loop) closes their sockets. */
export class EventStream implements AsyncIterableIterator<NetworkEvent> {
  readonly #queue: NetworkEvent[] = [];
  readonly #releases: (() => void)[] = [];
  readonly #subs: Subscription[] = [];
  #waiter: ((r: IteratorResult<NetworkEvent>) => void) | undefined;
  #failWaiter: ((e: Error) => void) | undefined;
  #error: Error | undefined;
  #closed = false;
  #pumping = 0;

  own(release: () => void): void {
    this.#releases.push(release);
  }

  follow(kind: ObjectKind, info: KindInfo, sub: Subscription): void {
    this.#subs.push(sub);
    void this.#pump(kind, info, sub);
  }

  async #pump(kind: ObjectKind, info: KindInfo, sub: Subscription): Promise<void> {
    this.#pumping++;
    try {
      for await (const n of sub) {
        const e = toEvent(kind, info, n);
        if (e) this.#push(e);
      }
    } catch (e) {
      this.#error ??= e as Error;
      this.#failWaiter?.(e as Error);
      this.#waiter = this.#failWaiter = undefined;
    } finally {
      // Every subscription ended (the handle was closed): so does the stream.
      if (--this.#pumping === 0) this.close();
    }
  }

  #push(e: NetworkEvent): void {
    const w = this.#waiter;
    this.#waiter = this.#failWaiter = undefined;
    if (w) w({ done: false, value: e });
    else this.#queue.push(e);
  }

  next(): Promise<IteratorResult<NetworkEvent>> {
    const e = this.#queue.shift();
    if (e) return Promise.resolve({ done: false, value: e });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#failWaiter = reject;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#subs) s.close();
    for (const r of this.#releases) r();
    const w = this.#waiter;
    this.#waiter = this.#failWaiter = undefined;
    w?.({ done: true, value: undefined });
  }

  return(): Promise<IteratorResult<NetworkEvent>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function toEvent(kind: ObjectKind, info: KindInfo, n: Notification): NetworkEvent | undefined {
  if (n.type === "overrun") return { type: "overrun", kind };
  if (n.type === "resynced") return { type: "resynced", kind, cause: n.cause };
  // Messages no object is kept for (a bridge port's AF_BRIDGE link message) have no change kind.
  if (!n.kind) return undefined;
  const obj = info.map(n.message);
  if (!obj) return undefined;
  return { type: kind, change: n.kind, [kind]: obj, ...(n.synthetic ? { synthetic: true } : {}) } as NetworkEvent;
}
