import { MessageCursor, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_MIN_TYPE, decodeDone, decodeError, type ByteReader, type DecodedMessage, type Family } from "@nlwire/codec";
import type { Handler, NetlinkClient } from "./client.js";
import { DumpInterruptedError, TimeoutError } from "./errors.js";

interface DumpCommon {
  /** Extra nlmsg_flags (REQUEST|DUMP are always set). */
  flags?: number;
  /** Longest wait for the next datagram. */
  timeoutMs?: number;
  /** Datagrams read ahead of the consumer before the kernel is made to wait. Default 8. */
  highWaterMark?: number;
}

/**
 * NLM_F_DUMP_INTR (the data changed while the kernel was dumping it):
 * - "mark" (default): every item is yielded and the Dump's `interrupted` is set when the loop ends;
 * - "retry": the dump is started again, up to `retries` (3) times, then DumpInterruptedError.
 *   Items of the spoiled pass were already yielded (memory stays constant), so `onRestart`
 *   is required: it tells the caller to drop what it collected.
 */
export type DumpOptions = DumpCommon & ({ onInterrupted?: "mark" } | { onInterrupted: "retry"; retries?: number; onRestart: () => void });

/**
 * The kernel runs one dump per socket at a time (EBUSY otherwise), so a
 * client queues them: each pass waits until the one before has read its
 * DONE. Hence a dump started inside the loop of another on the same client
 * waits for it: use a second client for that.
 */
const gates = new WeakMap<NetlinkClient, Promise<void>>();

interface PassState {
  finished: boolean;
  intr: boolean;
  /** A DONE or NLMSG_ERROR that carried an errno. */
  error?: Error;
}

/** A dump: iterate it (once per pass it starts a fresh request); `interrupted` tells how it went. */
export class Dump implements AsyncIterable<DecodedMessage> {
  /** Set when the kernel flagged DUMP_INTR and the policy was "mark". */
  interrupted = false;
  /** How many times the "retry" policy started over. */
  restarts = 0;

  constructor(
    private readonly client: NetlinkClient,
    private readonly family: Family,
    private readonly op: string,
    private readonly opts: DumpOptions,
    private readonly build: (seq: number) => Promise<Uint8Array>,
  ) {}

  /**
   * Items one by one, served from each datagram's batch: one await per item
   * and no generator hops (three nested generators cost more than decoding).
   */
  [Symbol.asyncIterator](): AsyncIterator<DecodedMessage> {
    const batches = this.#run(() => {});
    let batch: DecodedMessage[] = [];
    let i = 0;
    const pull = async (): Promise<IteratorResult<DecodedMessage>> => {
      while (i >= batch.length) {
        const r = await batches.next();
        if (r.done) return { done: true, value: undefined };
        batch = r.value;
        i = 0;
      }
      return { done: false, value: batch[i++]! };
    };
    return {
      next: () => (i < batch.length ? Promise.resolve({ done: false, value: batch[i++]! }) : pull()),
      return: async () => {
        await batches.return(undefined);
        return { done: true, value: undefined };
      },
    };
  }

  /** The decoded messages of each datagram, as they arrive: the cheapest way through a large dump. */
  batches(): AsyncIterable<DecodedMessage[]> {
    return { [Symbol.asyncIterator]: () => this.#run(() => {}) };
  }

  /** Collects everything (for small dumps; large ones should be iterated); a retry starts the array over. */
  async toArray(): Promise<DecodedMessage[]> {
    let out: DecodedMessage[] = [];
    for await (const b of { [Symbol.asyncIterator]: () => this.#run(() => (out = [])) }) out.push(...b);
    return out;
  }

  async *#run(restarted: () => void): AsyncGenerator<DecodedMessage[]> {
    const o = this.opts;
    const retry = o.onInterrupted === "retry";
    for (let attempt = 0; ; attempt++) {
      const intr = yield* this.#pass(retry);
      if (!intr) return;
      if (!retry) return void (this.interrupted = true);
      if (attempt >= (o.retries ?? 3)) throw new DumpInterruptedError(attempt + 1);
      this.restarts++;
      restarted();
      o.onRestart();
    }
  }

  /** One request to its DONE, in its turn on the socket; returns whether the kernel flagged DUMP_INTR. */
  async *#pass(skipAfterIntr: boolean): AsyncGenerator<DecodedMessage[], boolean> {
    const c = this.client;
    const before = gates.get(c);
    let open!: () => void;
    gates.set(c, new Promise<void>((r) => (open = r)));
    let drained = Promise.resolve();
    try {
      await before;
      const seq = c.nextSeq();
      const bytes = await this.build(seq);
      const s = new DumpStream(c, seq, this.opts.timeoutMs ?? c.timeoutMs, this.opts.highWaterMark ?? 8);
      c.register(seq, s);
      const state: PassState = { finished: false, intr: false };
      try {
        await c.send(bytes).catch((e: unknown) => {
          s.fail(e as Error); // nothing will come: no draining on the way out
          throw e;
        });
        while (!state.finished) {
          const batch = this.#decode(await s.next(), bytes, state, skipAfterIntr);
          if (batch.length) yield batch;
          if (state.error) throw state.error; // after the items that came before it
        }
      } finally {
        drained = s.close(state.finished);
      }
      return state.intr;
    } finally {
      void drained.then(open); // the next dump may start once this one's DONE is in
    }
  }

  /** Decodes one datagram of the dump; notes its end and DUMP_INTR in `state`. */
  #decode(r: ByteReader, bytes: Uint8Array, state: PassState, skipAfterIntr: boolean): DecodedMessage[] {
    const out: DecodedMessage[] = [];
    const m = new MessageCursor(r);
    while (m.next()) {
      if (m.flags & NLM_F.DUMP_INTR) state.intr = true;
      if (m.type === NLMSG_DONE || m.type === NLMSG_ERROR) {
        const payload = r.bytes.subarray(m.payloadOffset, m.offset + m.length);
        const e = m.type === NLMSG_DONE ? decodeDone(payload, m.flags) : decodeError(payload, m.flags);
        if (m.type === NLMSG_ERROR && e.errno === ENOBUFS) {
          // The kernel started the dump but had no room for its first datagram: the dump is
          // running (another request now would be EBUSY) and goes on at a later receive.
          this.client.poke();
          continue;
        }
        state.finished = true;
        if (e.errno) state.error = this.client.kernelError(e.errno, e.extAck, bytes, this.family, this.op);
        break;
      }
      if (m.type < NLMSG_MIN_TYPE || (state.intr && skipAfterIntr)) continue;
      out.push(this.family.decodeCursor(m));
    }
    return out;
  }
}

const isEnd = (r: ByteReader): boolean => {
  const m = new MessageCursor(r);
  while (m.next()) if (m.type === NLMSG_DONE || m.type === NLMSG_ERROR) return true;
  return false;
};

/**
 * Whether two datagrams are the same bytes. Two parts of one dump start with
 * different objects, so the first bytes after the header settle it cheaply.
 */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 16; i < a.length; i++) if (a[i] !== b[i]) return false;
  for (let i = 0; i < 16 && i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const ENOBUFS = 105;

/** Waiting this long for a dump's next datagram, the client nudges the kernel (see NetlinkClient.poke). */
const STALL_MS = 200;

/** The datagrams of one dump, queued up to a high-water mark; past it the client stops reading. */
class DumpStream implements Handler {
  readonly wantsData = true;
  readonly #queue: ByteReader[] = [];
  #waiter: { resolve(r: ByteReader): void; reject(e: Error): void } | undefined;
  #error: Error | undefined;
  #draining: (() => void) | undefined;
  #last: Uint8Array | undefined;

  constructor(
    private readonly client: NetlinkClient,
    private readonly seq: number,
    private readonly ms: number,
    private readonly hwm: number,
  ) {}

  datagram(r: ByteReader): void {
    if (this.#draining) {
      if (isEnd(r)) this.#draining();
      return;
    }
    if (this.#last && sameBytes(this.#last, r.bytes)) return this.client.anomaly({ type: "duplicate-datagram", seq: this.seq });
    this.#last = r.bytes;
    const w = this.#waiter;
    this.#waiter = undefined;
    if (w) return w.resolve(r);
    this.#queue.push(r);
    if (this.#queue.length >= this.hwm) this.client.setBacklogged(this, true);
  }

  fail(e: Error): void {
    this.#error = e;
    this.#waiter?.reject(e);
    this.#waiter = undefined;
    this.#draining?.();
  }

  next(): Promise<ByteReader> {
    const r = this.#queue.shift();
    if (this.#queue.length <= this.hwm / 2) this.client.setBacklogged(this, false);
    if (r) return Promise.resolve(r);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      // One timer: every STALL_MS without a datagram nudges the kernel, until the timeout.
      let waited = 0;
      const tick = (): void => {
        waited += STALL_MS;
        if (waited < this.ms) {
          this.client.poke();
          timer = setTimeout(tick, Math.min(STALL_MS, this.ms - waited));
          return;
        }
        this.#waiter = undefined;
        reject(new TimeoutError(this.seq, this.ms, "dump"));
      };
      let timer = setTimeout(tick, Math.min(STALL_MS, this.ms));
      this.#waiter = {
        resolve: (x) => (clearTimeout(timer), resolve(x)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  /**
   * The consumer is done. A dump left early still runs in the kernel: read it
   * to its DONE and drop it, so the socket stays usable; resolves when it has.
   */
  close(finished: boolean): Promise<void> {
    this.client.setBacklogged(this, false);
    const queued = this.#queue.splice(0);
    // Parts queued behind the DONE belong to a dump that is over: never dropped without a word.
    if (finished) for (const r of queued) this.client.anomaly({ type: "stray-reply", seq: this.seq, portId: r.view.getUint32(12, r.littleEndian), messageType: r.view.getUint16(4, r.littleEndian) });
    if (finished || this.#error || queued.some(isEnd)) {
      this.client.release(this.seq);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#draining?.(), this.ms); // a DONE lost to an overrun
      this.#draining = () => {
        clearTimeout(timer);
        this.client.release(this.seq);
        resolve();
      };
    });
  }
}
