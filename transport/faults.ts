import { ByteReader, ByteWriter, decodeHeader, encodeErrorMessage } from "@nlwire/codec";
import { EBADF, OverrunError, TransportError } from "./errors.js";
import type { GroupControl, OptionControl, ReceiveInfo, Receiver, Transport } from "./transport.js";

/**
 * A transport that misbehaves on purpose: it wraps a real one and injects
 * the faults netlink users meet in the field (and some only a broken
 * transport would produce), on a schedule or at random from a seed, so that
 * tests can show the client copes with each: never hangs, never loses or
 * duplicates an object silently, and reports every anomaly.
 */

export const EINTR = 4;
export const EAGAIN = 11;

/** Faults of a send: the datagram does not reach the kernel (or, kernel-error, is answered here). */
export type SendFault =
  | { kind: "eintr" }
  /** send fails with EAGAIN this many times in a row (default 1): a storm with a large count. */
  | { kind: "eagain"; times?: number }
  /** The request is answered with NLMSG_ERROR here instead of by the kernel. */
  | { kind: "kernel-error"; errno: number; message?: string };

/** Faults of a received datagram. */
export type ReceiveFault =
  /** ENOBUFS is reported before the datagram. */
  | { kind: "enobufs" }
  /** Only the first `keep` bytes arrive (default: about half, cut inside a message, as a short read would). */
  | { kind: "truncate"; keep?: number }
  /** A copy with another seq (or port id) arrives first. */
  | { kind: "foreign-seq" }
  | { kind: "foreign-port" }
  | { kind: "duplicate" }
  /** Held back and delivered after the next datagram. */
  | { kind: "reorder" }
  /** Its NLMSG_DONE message is removed (a datagram holding only that is dropped). */
  | { kind: "drop-done" }
  /** The transport closes instead of delivering it. */
  | { kind: "close" };

export type Fault = SendFault | ReceiveFault;

export interface FaultPlan {
  /** Faults at the n-th send or received datagram (1-based). */
  schedule?: ({ on: "send"; at: number; fault: SendFault } | { on: "receive"; at: number; fault: ReceiveFault })[];
  /** Each send and each received datagram gets one of `faults` with probability `rate`, drawn from `seed`. */
  random?: { seed: number; rate: number; faults: Fault[] };
  /** Every reply datagram of every n-th dump request has NLM_F_DUMP_INTR set on its messages. */
  dumpIntrEvery?: number;
}

/** What was injected, in order, for tests to compare with what the client reported. */
export interface Injection {
  on: "send" | "receive";
  at: number;
  kind: Fault["kind"] | "dump-intr";
}

const SEND_KINDS = new Set(["eintr", "eagain", "kernel-error"]);
const NLMSG_DONE = 3;
const NLM_F_DUMP = 0x300;
const NLM_F_DUMP_INTR = 0x10;
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A small seeded generator (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultyTransport extends Transport {
  readonly injected: readonly Injection[];
}

export function faulty(inner: Transport, plan: FaultPlan): FaultyTransport {
  return new Faulty(inner, plan);
}

class Faulty implements FaultyTransport {
  readonly injected: Injection[] = [];
  readonly kind: string;
  readonly protocol: number;
  readonly groups?: GroupControl;
  readonly options?: OptionControl;
  readonly portId?: number;
  #sends = 0;
  #receives = 0;
  #dumps = 0;
  /** Seqs of the dumps whose replies get DUMP_INTR. */
  readonly #intrSeqs = new Set<number>();
  #eagainLeft = 0;
  #receiver: Receiver | null = null;
  #held: { data: Uint8Array; info: ReceiveInfo } | undefined;
  #closedHere = false;
  readonly #random: (() => number) | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly plan: FaultPlan,
  ) {
    this.kind = `faulty ${inner.kind}`;
    this.protocol = inner.protocol;
    if (inner.groups) this.groups = inner.groups;
    if (inner.options) this.options = inner.options;
    if (inner.portId !== undefined) this.portId = inner.portId;
    if (plan.random) this.#random = seededRandom(plan.random.seed);
  }

  get closed(): boolean {
    return this.#closedHere || this.inner.closed;
  }

  #pick(on: "send" | "receive", at: number): Fault | undefined {
    const s = this.plan.schedule?.find((x) => x.on === on && x.at === at);
    if (s) return s.fault;
    const r = this.plan.random;
    if (!r || !this.#random || this.#random() >= r.rate) return undefined;
    const fits = r.faults.filter((f) => SEND_KINDS.has(f.kind) === (on === "send"));
    return fits.length ? fits[Math.floor(this.#random() * fits.length)] : undefined;
  }

  #note(on: "send" | "receive", at: number, kind: Injection["kind"]): void {
    this.injected.push({ on, at, kind });
  }

  send(datagram: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError("send", EBADF, "the transport is closed"));
    const at = ++this.#sends;
    if (this.#eagainLeft > 0) {
      this.#eagainLeft--;
      return Promise.reject(new TransportError("send", EAGAIN));
    }
    const f = this.#pick("send", at) as SendFault | undefined;
    if (f) this.#note("send", at, f.kind);
    if (f?.kind === "eintr") return Promise.reject(new TransportError("send", EINTR));
    if (f?.kind === "eagain") {
      this.#eagainLeft = (f.times ?? 1) - 1;
      return Promise.reject(new TransportError("send", EAGAIN));
    }
    if (f?.kind === "kernel-error") {
      const reply = errorReply(datagram, f.errno, f.message, this.inner.portId ?? 0);
      queueMicrotask(() => this.#receiver?.datagram(reply, { from: 0 }));
      return Promise.resolve();
    }
    const v = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    if (datagram.length >= 16 && (v.getUint16(6, LE) & NLM_F_DUMP) === NLM_F_DUMP) {
      const n = ++this.#dumps;
      if (this.plan.dumpIntrEvery && n % this.plan.dumpIntrEvery === 0) this.#intrSeqs.add(v.getUint32(8, LE));
    }
    return this.inner.send(datagram);
  }

  receive(receiver: Receiver | null): void {
    this.#receiver = receiver;
    this.inner.receive(
      receiver && {
        datagram: (data, info) => this.#arrive(data, info),
        error: (e) => this.#receiver?.error(e),
        end: () => this.#receiver?.end?.(),
      },
    );
  }

  close(): void {
    const r = this.#receiver;
    this.#closedHere = true;
    this.inner.close();
    if (r && this.#receiver) {
      this.#receiver = null;
      r.end?.();
    }
  }

  #deliver(data: Uint8Array, info: ReceiveInfo): void {
    this.#receiver?.datagram(data, info);
  }

  #arrive(raw: Uint8Array, info: ReceiveInfo): void {
    const at = ++this.#receives;
    const data = this.#intr(raw, at);
    const f = this.#pick("receive", at) as ReceiveFault | undefined;
    if (f) this.#note("receive", at, f.kind);
    const held = this.#held;
    this.#held = undefined;
    switch (f?.kind) {
      case "enobufs":
        this.#receiver?.error(new OverrunError());
        this.#deliver(data, info);
        break;
      case "truncate":
        this.#deliver(data.slice(0, f.keep ?? insideAMessage(data)), info);
        break;
      case "foreign-seq":
      case "foreign-port": {
        const copy = data.slice();
        const v = new DataView(copy.buffer);
        if (copy.length >= 16) v.setUint32(f.kind === "foreign-seq" ? 8 : 12, v.getUint32(f.kind === "foreign-seq" ? 8 : 12, LE) ^ 0x5a5a5a, LE);
        this.#deliver(copy, info);
        this.#deliver(data, info);
        break;
      }
      case "duplicate":
        this.#deliver(data, info);
        this.#deliver(data.slice(), info);
        break;
      case "reorder":
        this.#held = { data, info };
        break;
      case "drop-done": {
        const kept = withoutDone(data);
        if (kept.length) this.#deliver(kept, info);
        break;
      }
      case "close":
        this.close();
        return;
      default:
        this.#deliver(data, info);
    }
    if (held) this.#deliver(held.data, held.info);
  }

  /** Sets DUMP_INTR on the messages of a reply to a dump chosen by dumpIntrEvery. */
  #intr(data: Uint8Array, at: number): Uint8Array {
    if (!this.#intrSeqs.size || data.length < 16) return data;
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (!this.#intrSeqs.has(v.getUint32(8, LE))) return data;
    const copy = data.slice();
    const c = new DataView(copy.buffer);
    for (let o = 0; o + 16 <= copy.length; ) {
      const len = c.getUint32(o, LE);
      c.setUint16(o + 6, c.getUint16(o + 6, LE) | NLM_F_DUMP_INTR, LE);
      if (len < 16) break;
      o += (len + 3) & ~3;
    }
    this.#note("receive", at, "dump-intr");
    return copy;
  }
}

/** About half the datagram's length, moved off a message boundary so that the cut shows. */
function insideAMessage(data: Uint8Array): number {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const half = data.length >> 1;
  for (let o = 0; o + 16 <= data.length; ) {
    const len = v.getUint32(o, LE);
    if (len < 16) break;
    const next = o + ((len + 3) & ~3);
    if (next > half) return o === half ? o + 8 : half;
    o = next;
  }
  return Math.max(1, half);
}

/** The datagram without its NLMSG_DONE messages. */
function withoutDone(data: Uint8Array): Uint8Array {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const parts: Uint8Array[] = [];
  for (let o = 0; o + 16 <= data.length; ) {
    const len = v.getUint32(o, LE);
    if (len < 16) break;
    const next = Math.min(data.length, o + ((len + 3) & ~3));
    if (v.getUint16(o + 4, LE) !== NLMSG_DONE) parts.push(data.subarray(o, next));
    o = next;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}

/** NLMSG_ERROR for `request` as the kernel sends it: the errno, the request echoed, the ext-ack text if any. */
function errorReply(request: Uint8Array, errno: number, message: string | undefined, portId: number): Uint8Array {
  const r = new ByteReader(request);
  const header = decodeHeader(r, 0);
  const w = new ByteWriter();
  const body = { errno, request: header, requestPayload: request.subarray(16, Math.min(request.length, header.length)) };
  encodeErrorMessage(w, message === undefined ? body : { ...body, extAck: { message } }, { seq: header.seq, pid: portId });
  return w.finish();
}
