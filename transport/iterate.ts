import { OverrunError, type TransportError } from "./errors.js";
import type { ReceiveInfo, Receiver, Transport } from "./transport.js";

export interface Received {
  data: Uint8Array;
  info: ReceiveInfo;
}

type Item = Received | TransportError;

/**
 * The datagrams of `t` as an async iterator, for any transport. At most
 * `highWaterMark` datagrams wait in memory: past that the receiver is
 * detached and the kernel holds the rest (a dump simply waits), so a slow
 * consumer never makes this grow without bound.
 *
 * An overrun makes next() reject with OverrunError in its place among the
 * datagrams, and the iterator stays usable: catch it and iterate again
 * (for-await does not close an iterator whose next() threw). Another error
 * rejects once and ends the iteration; so does close(), quietly. return()
 * (leaving a for-await loop) detaches without closing the transport.
 */
export function datagrams(t: Transport, { highWaterMark = 64 } = {}): AsyncIterableIterator<Received> {
  const queue: Item[] = [];
  // Callers of next() waiting for a datagram: there are some only while the queue is empty.
  const waiters: { resolve(r: IteratorResult<Received>): void; reject(e: unknown): void }[] = [];
  let attached = false;
  let ended = false;

  const deliver = (item: Item): void => {
    const w = waiters.shift();
    if (!w) queue.push(item);
    else if (item instanceof Error) w.reject(item);
    else w.resolve({ done: false, value: item });
    if (queue.length >= highWaterMark) detach();
  };
  const receiver: Receiver = {
    datagram: (data, info) => deliver({ data, info }),
    error: (e) => {
      deliver(e);
      if (!(e instanceof OverrunError)) finish();
    },
    end: () => finish(),
  };
  // No more datagrams: whoever still waits is told the iteration is done.
  const finish = (): void => {
    ended = true;
    attached = false;
    for (const w of waiters.splice(0)) w.resolve({ done: true, value: undefined });
  };
  const attach = (): void => {
    if (attached || ended || t.closed) return;
    attached = true;
    t.receive(receiver);
  };
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    if (!t.closed) t.receive(null);
  };

  return {
    next(): Promise<IteratorResult<Received>> {
      const item = queue.shift();
      if (queue.length < highWaterMark / 2) attach();
      if (item instanceof Error) return Promise.reject(item);
      if (item) return Promise.resolve({ done: false, value: item });
      if (ended || t.closed) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    return(): Promise<IteratorResult<Received>> {
      detach();
      queue.length = 0;
      finish();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
