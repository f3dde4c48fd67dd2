import { MessageCursor, NLMSG_MIN_TYPE, isCodecError, type ByteReader, type DecodedMessage, type Family } from "@nlwire/codec";
import type { OverrunError } from "../transport/index.js";
import type { NetlinkClient, Sink } from "./client.js";
import { View, keyOf, type Change, type KeyOf } from "./view.js";

/**
 * What a subscriber sees: notifications, decoded, in the kernel's order, and
 * `overrun` where the kernel dropped some (ENOBUFS): state built from the
 * notifications is stale from there on and must be re-read (re-dumped).
 * With `resync`, the subscription keeps a view of the objects and every
 * message says what it did to it (`kind`); after an overrun the re-read
 * state is compared with the view and the differences come as `synthetic`
 * messages, then `resynced`.
 */
export type Notification =
  | { type: "message"; message: DecodedMessage; kind?: Change; synthetic?: true }
  | { type: "overrun"; error: OverrunError }
  /** The synthetic messages before it brought the view up to date: after `initial: true`, or after an overrun. */
  | { type: "resynced"; cause: "initial" | "overrun" };

export interface SubscribeOptions {
  /**
   * Re-reads the state (typically a dump of the same objects): the view is
   * seeded from it with `initial`, and compared with it after an overrun.
   */
  resync?: () => AsyncIterable<DecodedMessage>;
  /**
   * List, then follow, with no gap: the groups are joined first, then the
   * state is read (`resync`) and handed out as synthetic "new" messages, then
   * `resynced`, then the notifications that came meanwhile and after.
   */
  initial?: boolean;
  /** Which object a message is about (see objectKeys); default by family, or by content. */
  key?: KeyOf;
}

/** Datagrams queued before the client stops reading (the kernel then overruns, and says so). */
const HIGH_WATER = 256;

export class Subscription implements Sink, AsyncIterableIterator<Notification> {
  readonly #queue: (ByteReader | OverrunError)[] = [];
  /** Decoded notifications of the datagram being handed out. */
  readonly #ready: Notification[] = [];
  #waiter: { resolve(r: IteratorResult<Notification>): void; reject(e: Error): void } | undefined;
  #ended = false;
  #left = false;
  #error: Error | undefined;
  /** The view must be (re)read before anything else is handed out. */
  #resyncDue: "initial" | "overrun" | undefined;
  readonly #view: View | undefined;
  /** While re-reading, notifications are queued without limit: stopping reception would stall the re-dump. */
  #resyncing = false;

  constructor(
    private readonly family: Family,
    private readonly client: NetlinkClient,
    private readonly leave: () => void,
    private readonly opts: SubscribeOptions = {},
  ) {
    if (opts.initial && !opts.resync) throw new TypeError("initial: true needs resync, to read the state from");
    if (opts.resync) this.#view = new View(family, opts.key ?? keyOf(family));
    if (opts.initial) this.#resyncDue = "initial";
  }

  /** The objects as the messages handed out so far leave them, by key (with `resync` only). */
  get view(): ReadonlyMap<string, DecodedMessage> | undefined {
    return this.#view?.objects;
  }

  datagram(r: ByteReader): void {
    this.#push(r);
  }

  overrun(e: OverrunError): void {
    this.#push(e);
  }

  end(e?: Error): void {
    this.#ended = true;
    this.#error = e;
    this.#wake();
  }

  #push(item: ByteReader | OverrunError): void {
    if (this.#ended) return;
    const last = this.#queue.at(-1);
    if (last && !("bytes" in item) && !("bytes" in last)) return; // overruns in a row are one loss
    this.#queue.push(item);
    if (this.#queue.length >= HIGH_WATER && !this.#resyncing) this.client.setBacklogged(this, true);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    if (!w) return;
    const item = this.#take();
    if (item) {
      this.#waiter = undefined;
      w.resolve({ done: false, value: item });
    } else if (this.#ended) {
      this.#waiter = undefined;
      if (this.#error) w.reject(this.#error);
      else w.resolve({ done: true, value: undefined });
    }
  }

  #take(): Notification | undefined {
    while (!this.#ready.length) {
      const item = this.#queue.shift();
      if (this.#queue.length <= HIGH_WATER / 2) this.client.setBacklogged(this, false);
      if (!item) return undefined;
      if (!("bytes" in item)) {
        if (this.opts.resync) this.#resyncDue = "overrun";
        return { type: "overrun", error: item };
      }
      const c = new MessageCursor(item);
      while (c.next()) {
        if (c.type < NLMSG_MIN_TYPE) continue;
        const message = this.#decode(c);
        const kind = message.problems ? undefined : this.#view?.apply(message);
        this.#ready.push(kind ? { type: "message", message, kind } : { type: "message", message });
      }
    }
    return this.#ready.shift();
  }

  /** One odd notification must not end the stream (nor throw into the transport): it comes with its problem. */
  #decode(c: MessageCursor): DecodedMessage {
    try {
      return this.family.decodeCursor(c);
    } catch (e) {
      if (!isCodecError(e)) throw e;
      return { family: this.family.model.name, header: c.header(), attrs: {}, problems: [e] };
    }
  }

  async next(): Promise<IteratorResult<Notification>> {
    if (this.#waiter) throw new Error("one next() at a time");
    if (this.#resyncDue && this.opts.resync && !this.#ended) await this.#resync(this.opts.resync, this.#resyncDue);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#wake();
    });
  }

  /** Reads the state and queues the differences from the view, then `resynced`, ahead of everything else. */
  async #resync(read: () => AsyncIterable<DecodedMessage>, cause: "initial" | "overrun"): Promise<void> {
    this.#resyncDue = undefined;
    this.#resyncing = true;
    // What is queued now came before the re-read and is older than what it will find: handed out
    // after it, a notification whose sequel was dropped would bring back a deleted object.
    this.#queue.length = 0;
    this.client.setBacklogged(this, false);
    try {
      // (A dump the kernel starts without room for its first datagram goes on by itself: see Dump.)
      const fresh: DecodedMessage[] = [];
      for await (const m of read()) fresh.push(m);
      for (const { kind, message } of this.#view!.replace(fresh)) this.#ready.push({ type: "message", message, kind, synthetic: true });
      this.#ready.push({ type: "resynced", cause });
    } catch (e) {
      this.close(); // the view can no longer be trusted
      throw e;
    } finally {
      this.#resyncing = false;
    }
  }

  /** Leaves the groups and drops what is still queued; leaving a for-await loop does this too. */
  close(): void {
    this.#queue.length = 0;
    this.#ready.length = 0;
    this.end();
    if (this.#left) return;
    this.#left = true;
    this.leave();
  }

  return(): Promise<IteratorResult<Notification>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
