import { ByteWriter, MessageCursor, NLM_F, NLMSG_ERROR, decodeError, type ByteReader, type Family, type Obj } from "@nlwire/codec";
import type { NetlinkClient } from "../client/index.js";
import { NetlinkOperationError } from "./errors.js";
import type { Handle, Body } from "./handle.js";

/** One request of the API, built but not sent: what `Handle.run` and a Batch send. */
export interface Req {
  family: Family | { readonly family: Family };
  op: string;
  body: Body;
  /** nlmsg_flags besides REQUEST|ACK (CREATE, EXCL, REPLACE, APPEND). */
  flags: number;
  /** How an error names it: "add route 10.0.0.0/24". */
  action: string;
}

export interface BatchOptions {
  /** Messages packed into one datagram (one sendmsg). Default 64. */
  perDatagram?: number;
  /** Requests sent but not yet answered before the next datagram waits. Default 1024. */
  window?: number;
  /**
   * "datagram" (default): only the last message of each datagram asks for an
   * ACK. The kernel answers a failed request whether or not it asked (with
   * the errno and ext-ack, in order), so when a datagram's last ACK comes,
   * every request of it without an error succeeded. "each": every message
   * asks for its own ACK, as single requests do.
   */
  acks?: "datagram" | "each";
}

export interface BatchResult {
  ok: number;
  /** Every refused request, in the order they were added. */
  errors: NetlinkOperationError[];
}

/**
 * Many requests on a socket of their own, several messages per datagram,
 * each with its own seq and its outcome checked. The kernel handles a
 * datagram's messages one after the other inside sendmsg and queues the
 * answers, so the window (and a receive buffer sized for it) keeps them
 * from overrunning.
 */
export class Batch {
  readonly #reqs: Req[] = [];
  readonly #o: Required<BatchOptions>;

  constructor(
    private readonly handle: Handle,
    o: BatchOptions,
  ) {
    const perDatagram = Math.max(1, o.perDatagram ?? 64);
    this.#o = { perDatagram, window: Math.max(perDatagram, o.window ?? 1024), acks: o.acks ?? "datagram" };
  }

  add(...reqs: Req[]): this {
    for (const r of reqs) this.#reqs.push(r);
    return this;
  }

  get size(): number {
    return this.#reqs.length;
  }

  /** Sends everything added and resolves when every request is answered. */
  async run(): Promise<BatchResult> {
    const own = this.handle.ownClient();
    try {
      // An answer costs about 1 KiB of receive buffer (skb overhead included); errors echo only the header.
      own.client.transport.options?.set("rcvbufForce", this.#o.window * 1024);
      own.client.transport.options?.set("capAck", true);
      return await new Sender(own.client, this.#reqs.splice(0), this.#o).run();
    } finally {
      own.release();
    }
  }
}

/** One datagram's requests waiting for their answers. */
interface Pending {
  req: Req;
  index: number;
  bytes: Uint8Array;
  seq: number;
  done: boolean;
}

class Sender {
  readonly #errors: (NetlinkOperationError | undefined)[] = [];
  #inFlight = 0;
  #ok = 0;
  #wake: (() => void) | undefined;
  #failed: Error | undefined;
  readonly #writer = new ByteWriter(512);

  constructor(
    private readonly client: NetlinkClient,
    private readonly reqs: Req[],
    private readonly o: Required<BatchOptions>,
  ) {}

  async run(): Promise<BatchResult> {
    const { perDatagram, window } = this.o;
    for (let i = 0; i < this.reqs.length && !this.#failed; i += perDatagram) {
      const group = this.reqs.slice(i, i + perDatagram);
      while (this.#inFlight + group.length > window && !this.#failed) await this.#waitAnswers();
      if (!this.#failed) await this.#send(group, i);
    }
    while (this.#inFlight > 0 && !this.#failed) await this.#waitAnswers();
    if (this.#failed) throw this.#failed;
    return { ok: this.#ok, errors: this.#errors.filter((e): e is NetlinkOperationError => e !== undefined) };
  }

  /** Resolves when answers have come in; one lost to an overrun would otherwise be waited for forever. */
  #waitAnswers(): Promise<void> {
    return new Promise((resolve) => {
      const ms = this.client.timeoutMs;
      const timer = setTimeout(() => {
        this.#failed ??= new Error(`batch: ${this.#inFlight} request(s) unanswered after ${ms} ms (receive buffer overrun?)`);
        resolve();
      }, ms);
      this.#wake = () => (clearTimeout(timer), resolve());
    });
  }

  #settle(p: Pending, error?: NetlinkOperationError): void {
    if (p.done) return;
    p.done = true;
    this.client.release(p.seq);
    if (error) this.#errors[p.index] = error;
    else this.#ok++;
    this.#inFlight--;
    if (this.#inFlight <= this.o.window / 2) {
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    }
  }

  async #send(group: Req[], first: number): Promise<void> {
    const pending = group.map((req, k): Pending => {
      const acked = this.o.acks === "each" || k === group.length - 1;
      const f = "family" in req.family ? req.family.family : req.family;
      const seq = this.client.nextSeq();
      // One writer, reset per message: encodeRequest hands back a copy of just that message.
      const body = req.body as { fixed?: Obj; attrs?: Obj };
      const bytes = f.encodeRequest({ op: req.op, mode: "do", ...body, seq, flags: req.flags | NLM_F.REQUEST | (acked ? NLM_F.ACK : 0) }, this.#writer.reset());
      return { req, index: first + k, bytes, seq, done: false };
    });
    const datagram = new Uint8Array(pending.reduce((n, p) => n + p.bytes.length, 0));
    let at = 0;
    for (const p of pending) datagram.set(p.bytes, at), (at += p.bytes.length);
    // The last message's ACK (after the kernel answered all before it) settles those that had no error.
    pending.forEach((p, k) => this.#register(p, k === pending.length - 1 ? pending : [p]));
    this.#inFlight += group.length;
    try {
      await this.client.transport.send(datagram);
    } catch (e) {
      this.#failed = e as Error;
      this.#wake?.();
    }
  }

  /** An answer to `p` settles it, and then `upTo` (for a datagram's last message: all of them). */
  #register(p: Pending, upTo: Pending[]): void {
    const f = "family" in p.req.family ? p.req.family.family : p.req.family;
    this.client.register(p.seq, {
      wantsData: false,
      fail: (e) => {
        this.#failed ??= e;
        for (const q of upTo) this.#settle(q);
      },
      datagram: (r: ByteReader) => {
        const c = new MessageCursor(r);
        while (c.next()) {
          if (c.type !== NLMSG_ERROR) continue;
          const err = decodeError(r.bytes.subarray(c.payloadOffset, c.offset + c.length), c.flags);
          if (err.errno) this.#settle(p, new NetlinkOperationError(p.req.action, this.client.kernelError(err.errno, err.extAck, p.bytes, f, p.req.op)));
          // The last message's answer, error or ACK, comes after those of all before it.
          for (const q of upTo) this.#settle(q);
          return;
        }
      },
    });
  }
}
