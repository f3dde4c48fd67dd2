import { MessageCursor, NLMSG_MIN_TYPE, isCodecError, type ByteReader, type DecodedMessage, type Family } from "@nlwire/codec";
import type { OverrunError } from "../transport/index.js";
import type { NetlinkClient, Sink } from "./client.js";

/**
 * What a subscriber sees: notifications, decoded, in the kernel's order, and
 * `overrun` where the kernel dropped some (ENOBUFS): state built from the
 * notifications is stale from there on and must be re-read (re-dumped).
 */
export type Notification =
  | { type: "message"; message: DecodedMessage }
  | { type: "overrun"; error: OverrunError }
  /** With `resync`: right after an overrun, the state re-read; notifications queued since follow it. */
  | { type: "snapshot"; messages: DecodedMessage[] };

export interface SubscribeOptions {
  /** Re-reads the state after an overrun (typically a dump); its result comes as a `snapshot` event. */
  resync?: () => AsyncIterable<DecodedMessage>;
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
  /** An overrun was handed out and a snapshot is owed before anything else. */
  #resyncDue = false;
  /** While re-reading, notifications are queued without limit: stopping reception would stall the re-dump. */
  #resyncing = false;

  constructor(
    private readonly family: Family,
    private readonly client: NetlinkClient,
    private readonly leave: () => void,
    private readonly opts: SubscribeOptions = {},
  ) {}

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
        this.#resyncDue = !!this.opts.resync;
        return { type: "overrun", error: item };
      }
      const c = new MessageCursor(item);
      while (c.next()) if (c.type >= NLMSG_MIN_TYPE) this.#ready.push({ type: "message", message: this.#decode(c) });
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
    if (this.#resyncDue && this.opts.resync && !this.#ended) return { done: false, value: await this.#resync(this.opts.resync) };
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#wake();
    });
  }

  async #resync(read: () => AsyncIterable<DecodedMessage>): Promise<Notification> {
    this.#resyncDue = false;
    this.#resyncing = true;
    this.client.setBacklogged(this, false);
    try {
      const messages: DecodedMessage[] = [];
      for await (const m of read()) messages.push(m);
      return { type: "snapshot", messages };
    } finally {
      this.#resyncing = false;
    }
  }

  /** Leaves the groups; leaving a for-await loop does this too. */
  close(): void {
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
