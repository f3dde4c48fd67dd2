import {
  ByteReader, ByteWriter, FamilyRegistry, GENL_ID_CTRL, HOST_LITTLE_ENDIAN, MessageCursor, NLM_F, NLMSG_DONE, NLMSG_ERROR, NLMSG_MIN_TYPE, NLMSG_NOOP,
  decodeError, type DecodedMessage, type ExtAck, type Family, type Obj,
} from "@nlwire/codec";
import { nlctrl } from "@nlwire/codec/families/nlctrl";
import { NotSupportedError, OverrunError, type ReceiveInfo, type Transport, type TransportError } from "../transport/index.js";
import { attrName, locateAttr, requestLayout } from "./attr-path.js";
import { ClientClosedError, KernelError, TimeoutError } from "./errors.js";
import { Dump, type DumpOptions } from "./dump.js";
import { Subscription, type SubscribeOptions } from "./subscription.js";

/** A generated typed family or a plain interpreted one. */
export type AnyFamily = Family | { readonly family: Family };
const famOf = (f: AnyFamily): Family => ("family" in f ? f.family : f);

export interface ClientOptions {
  /** Per request; for a dump, the longest wait for its next datagram. Default 5000 ms. */
  timeoutMs?: number;
  /** Learns generic netlink ids as they are resolved; one is made when not given. */
  registry?: FamilyRegistry;
  /**
   * Told of everything odd the client met and dealt with (see Anomaly): it
   * never drops or discards a datagram without saying so here.
   */
  onAnomaly?: (a: Anomaly) => void;
}

/**
 * What the client saw that a kernel should never send, and what it did:
 * - "stray-reply": a multipart part, DONE or ERROR for no request in flight
 *   (late, after a timeout or its dump's DONE; or for another socket): dropped;
 * - "duplicate-datagram": a dump datagram identical to the one before it
 *   (no kernel sends that): dropped, so that no object comes twice.
 */
export type Anomaly =
  | { type: "stray-reply"; seq: number; portId: number; messageType: number }
  | { type: "duplicate-datagram"; seq: number };

/** How often a send that fails with EINTR or EAGAIN is tried again, and the longest pause between tries. */
const SEND_TRIES = 8;
const SEND_BACKOFF_MAX_MS = 50;
/** How long a nudge (see poke) waits for its ACK, which an overrun may have dropped. */
const POKE_TIMEOUT_MS = 250;
const EINTR = 4;
const EAGAIN = 11;

export interface RequestOptions {
  /** nlmsg_flags; REQUEST and ACK are always added (the ACK is how a do ends). */
  flags?: number;
  timeoutMs?: number;
}

export interface GenlFamilyInfo {
  name: string;
  id: number;
  version: number;
  /** Multicast group name → group id. */
  groups: Map<string, number>;
}

/** Someone waiting for the datagrams of one seq. */
export interface Handler {
  /** False for a do without a reply: its notifications (same seq) are the subscribers'. */
  readonly wantsData: boolean;
  datagram(r: ByteReader): void;
  fail(e: Error): void;
}

/** A subscriber's end: Subscription implements it. */
export interface Sink {
  datagram(r: ByteReader): void;
  overrun(e: OverrunError): void;
  end(e?: Error): void;
}

const HOST_RTNETLINK = 0;
const NETLINK_AUDIT = 9;
const EPERM = 1;

/**
 * Request/response, dumps and subscriptions over one Transport (one socket).
 * Replies are matched by seq and port id; messages from anyone but the
 * kernel are dropped; any number of requests may be in flight.
 */
export class NetlinkClient {
  readonly transport: Transport;
  readonly registry: FamilyRegistry;
  readonly timeoutMs: number;
  /** Counts of what onAnomaly was told, by type. */
  readonly anomalies: Record<Anomaly["type"], number> = { "stray-reply": 0, "duplicate-datagram": 0 };
  readonly #onAnomaly: ((a: Anomaly) => void) | undefined;
  readonly #pending = new Map<number, Handler>();
  readonly #sinks = new Set<Sink>();
  /** Consumers that hold too much unread: while any do, the kernel keeps the rest (flow control). */
  readonly #backlogged = new Set<object>();
  readonly #genl = new Map<string, Promise<GenlFamilyInfo>>();
  #seq = Math.floor(Math.random() * 0x7fffffff) + 1; // another client's old replies never look like ours
  #attached = false;
  #closed = false;
  #poking = false;

  constructor(transport: Transport, opts: ClientOptions = {}) {
    this.transport = transport;
    this.registry = opts.registry ?? new FamilyRegistry();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.#onAnomaly = opts.onAnomaly;
    // Ext-ack makes errors readable; strict checking makes rtnetlink refuse what it would silently ignore.
    this.#option("extAck");
    if (transport.protocol === HOST_RTNETLINK) this.#option("getStrictChk");
  }

  #option(name: "extAck" | "getStrictChk"): void {
    try {
      this.transport.options?.set(name, true);
    } catch (e) {
      if (!(e instanceof NotSupportedError)) throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  nextSeq(): number {
    this.#seq = this.#seq >= 0xffffffff ? 1 : this.#seq + 1; // 0 is what notifications carry
    return this.#seq;
  }

  /** Sends a do request for `op` and resolves with its replies once the kernel ACKs it. */
  async request(family: AnyFamily, op: string, body: { fixed?: Obj; attrs?: Obj } = {}, o: RequestOptions = {}): Promise<DecodedMessage[]> {
    const f = famOf(family);
    const familyId = await this.#familyId(f);
    const seq = this.nextSeq();
    const bytes = f.encodeRequest({ op, mode: "do", ...body, seq, flags: (o.flags ?? 0) | NLM_F.REQUEST | NLM_F.ACK, ...familyId });
    // With ECHO the kernel sends the request's notification back to it (and not to its multicast groups).
    const hasReply = !!f.model.ops.find((x) => x.name === op)?.do?.reply || !!(bytes[6]! & NLM_F.ECHO);
    return this.requestBytes(bytes, { family: f, op, hasReply, timeoutMs: o.timeoutMs ?? this.timeoutMs });
  }

  /** The core of request(): `bytes` is a complete message whose seq is already unique (use nextSeq()). */
  requestBytes(bytes: Uint8Array, o: { family?: Family; op?: string; hasReply?: boolean; timeoutMs?: number } = {}): Promise<DecodedMessage[]> {
    const seq = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, HOST_LITTLE_ENDIAN);
    const ms = o.timeoutMs ?? this.timeoutMs;
    // Audit answers from a kernel thread: its reply comes after the ACK.
    const replyAfterAck = (o.hasReply ?? true) && !!o.family && this.transport.protocol === NETLINK_AUDIT;
    return new Promise((resolve, reject) => {
      const replies: DecodedMessage[] = [];
      let acked = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (e?: Error): void => {
        clearTimeout(timer);
        this.#release(seq);
        if (e) reject(e);
        else resolve(replies);
      };
      this.#register(seq, {
        wantsData: o.hasReply ?? true,
        fail: done,
        datagram: (r) => {
          const c = new MessageCursor(r);
          while (c.next()) {
            if (c.type === NLMSG_ERROR) {
              const err = decodeError(r.bytes.subarray(c.payloadOffset, c.offset + c.length), c.flags);
              if (err.errno) return done(this.kernelError(err.errno, err.extAck, bytes, o.family, o.op));
              if (!replyAfterAck || replies.length) return done();
              acked = true;
              continue;
            }
            if (c.type >= NLMSG_MIN_TYPE && o.family) replies.push(o.family.decodeCursor(c));
          }
          if (acked && replies.length) done();
        },
      });
      timer = setTimeout(() => done(new TimeoutError(seq, ms)), ms);
      this.send(bytes).catch((e: unknown) => done(e as Error));
    });
  }

  /**
   * A dump of `op` as an async iterator that decodes as the consumer pulls
   * (constant memory). See DumpOptions for NLM_F_DUMP_INTR.
   */
  dump(family: AnyFamily, op: string, body: { fixed?: Obj; attrs?: Obj } = {}, o: DumpOptions = {}): Dump {
    const f = famOf(family);
    return new Dump(this, f, op, o, async (seq) => {
      const familyId = await this.#familyId(f);
      return f.encodeRequest({ op, mode: "dump", ...body, seq, flags: (o.flags ?? 0) | NLM_F.REQUEST | NLM_F.DUMP, ...familyId });
    });
  }

  /**
   * Sends one datagram; EINTR and EAGAIN (a full send buffer) are tried
   * again, with a growing pause for EAGAIN, before the error is passed on.
   */
  async send(bytes: Uint8Array): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transport.send(bytes);
      } catch (e) {
        const errno = (e as { errno?: number }).errno;
        if ((errno !== EINTR && errno !== EAGAIN) || attempt >= SEND_TRIES || this.#closed) throw e;
        if (errno === EAGAIN) await new Promise((r) => setTimeout(r, Math.min(SEND_BACKOFF_MAX_MS, 2 ** attempt)));
      }
    }
  }

  /**
   * Nudges a dump the kernel has set aside. The kernel builds a dump's next
   * datagram only inside a receive that takes one, and only while the
   * receive buffer is at most half full; on a busy socket with a small
   * buffer it can miss its turn (notifications filled the buffer), and with
   * nothing more queued no receive ever gives it one. An NLMSG_NOOP with
   * ACK makes the kernel queue an ACK: taking that datagram is the turn.
   * One nudge at a time: each ACK takes room in the buffer too.
   */
  poke(): void {
    if (this.#closed || this.#poking) return;
    this.#poking = true;
    const w = new ByteWriter();
    w.endMessage(w.beginMessage(NLMSG_NOOP, NLM_F.REQUEST | NLM_F.ACK, this.nextSeq()));
    const done = () => void (this.#poking = false);
    this.requestBytes(w.finish(), { hasReply: false, timeoutMs: POKE_TIMEOUT_MS }).then(done, done); // an unanswered nudge changes nothing
  }

  /** Counts `a` and tells onAnomaly. */
  anomaly(a: Anomaly): void {
    this.anomalies[a.type]++;
    this.#onAnomaly?.(a);
  }

  /** Builds the typed error for an errno, naming the offending attributes from `request`. */
  kernelError(errno: number, extAck: ExtAck | undefined, request: Uint8Array | undefined, family?: Family, op?: string): KernelError {
    const name = family && op ? `${family.model.name} ${op}` : undefined;
    if (!request) return new KernelError({ errno, extAck, op: name, capability: this.#capability(errno) });
    const at = extAck?.offset === undefined ? undefined : locateAttr(family, request, extAck.offset);
    let missingAttr, missingNestPath;
    if (extAck?.missingType !== undefined) {
      const nest = extAck.missingNest === undefined ? undefined : locateAttr(family, request, extAck.missingNest);
      const set = nest ? nest.innerSet : requestLayout(family, request).set;
      missingAttr = attrName(family, set, extAck.missingType);
      missingNestPath = nest?.path ?? [];
    }
    return new KernelError({ errno, extAck, op: name, attrPath: at?.path, missingAttr, missingNestPath, capability: this.#capability(errno) });
  }

  /** EPERM: the capability the kernel checks for this protocol's privileged requests. */
  #capability(errno: number): string | undefined {
    if (errno !== EPERM) return undefined;
    return this.transport.protocol === NETLINK_AUDIT ? "CAP_AUDIT_CONTROL" : "CAP_NET_ADMIN";
  }

  /** A generic netlink family's id, version and groups, from nlctrl; asked once per client. */
  resolveFamily(name: string): Promise<GenlFamilyInfo> {
    let p = this.#genl.get(name);
    if (!p) {
      p = this.#askNlctrl(name);
      p.catch(() => this.#genl.delete(name)); // a failure is not cached: the module may load later
      this.#genl.set(name, p);
    }
    return p;
  }

  async #askNlctrl(name: string): Promise<GenlFamilyInfo> {
    const [reply] = await this.request(nlctrl.family, "getfamily", { attrs: { "family-name": name } });
    const a = reply?.attrs as { "family-id"?: number; version?: number; "mcast-groups"?: { name?: string; id?: number }[] } | undefined;
    if (a?.["family-id"] === undefined) throw new Error(`nlctrl gave no id for ${name}`);
    const groups = new Map<string, number>();
    for (const g of a["mcast-groups"] ?? []) if (g.name !== undefined && g.id !== undefined) groups.set(g.name, g.id);
    this.registry.learnGenl(a["family-id"], name);
    return { name, id: a["family-id"], version: a.version ?? 0, groups };
  }

  async #familyId(f: Family): Promise<{ familyId?: number }> {
    if (!f.isGenetlink) return {};
    if (f.model.name === "nlctrl") return { familyId: GENL_ID_CTRL };
    return { familyId: (await this.resolveFamily(f.model.name)).id };
  }

  /**
   * Joins multicast groups by name (rtnetlink: the spec's mcast-groups
   * values; generic netlink: ids from nlctrl) and yields their notifications
   * decoded with `family`. ENOBUFS arrives as an `overrun` event; with
   * `resync`, the differences the re-read finds follow it, then `resynced`.
   */
  async subscribe(family: AnyFamily, groups: readonly string[], o: SubscribeOptions = {}): Promise<Subscription> {
    const f = famOf(family);
    const control = this.transport.groups;
    if (!control) throw new NotSupportedError(this.transport.kind, "groups");
    const ids: number[] = [];
    for (const g of groups) {
      let id = f.model.mcastGroups.find((m) => m.name === g)?.value;
      if (f.isGenetlink) id = (await this.resolveFamily(f.model.name)).groups.get(g);
      if (id === undefined) throw new Error(`${f.model.name} has no multicast group ${g}`);
      ids.push(id);
    }
    if (this.#closed) throw new ClientClosedError();
    const sub = new Subscription(f, this, () => {
      this.#sinks.delete(sub);
      this.setBacklogged(sub, false);
      if (!this.transport.closed) for (const id of ids) control.leave(id);
    }, o);
    for (const id of ids) control.join(id);
    this.#sinks.add(sub);
    this.#attach();
    return sub;
  }

  /** Rejects every pending request, ends every subscription and closes the transport. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new ClientClosedError();
    for (const h of [...this.#pending.values()]) h.fail(err);
    for (const s of [...this.#sinks]) s.end();
    this.#pending.clear();
    this.#sinks.clear();
    this.transport.close();
  }

  // ---- plumbing shared with Dump and Subscription ----

  /** Registers `h` for the datagrams of `seq`; throws once closed. */
  register(seq: number, h: Handler): void {
    this.#register(seq, h);
  }

  #register(seq: number, h: Handler): void {
    if (this.#closed) throw new ClientClosedError();
    this.#pending.set(seq, h);
    this.#attach();
  }

  release(seq: number): void {
    this.#release(seq);
  }

  #release(seq: number): void {
    this.#pending.delete(seq);
  }

  /** A consumer says it holds too much (or is caught up); reception pauses while any does. */
  setBacklogged(who: object, on: boolean): void {
    if (on) this.#backlogged.add(who);
    else this.#backlogged.delete(who);
    if (on) this.#detach();
    else this.#attach();
  }

  #attach(): void {
    if (this.#attached || this.#closed || this.transport.closed || this.#backlogged.size) return;
    this.#attached = true;
    this.transport.receive(this.#receiver);
  }

  #detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    if (!this.transport.closed) this.transport.receive(null);
  }

  readonly #receiver = {
    datagram: (data: Uint8Array, info: ReceiveInfo) => this.#route(data, info),
    error: (e: TransportError) => {
      if (e instanceof OverrunError) {
        for (const s of this.#sinks) s.overrun(e);
        return; // a dump loses nothing to an overrun: the kernel holds its next datagram back instead
      }
      this.#attached = false; // reception has stopped for good
      for (const h of [...this.#pending.values()]) h.fail(e);
      for (const s of [...this.#sinks]) s.end(e);
    },
    end: () => this.close(),
  };

  #route(data: Uint8Array, info: ReceiveInfo): void {
    if (info.from !== 0) return; // only the kernel speaks for the kernel
    const r = new ByteReader(data);
    if (data.length < 16) return;
    // The kernel never mixes seqs in one datagram: the first header routes it.
    const seq = r.view.getUint32(8, r.littleEndian);
    const pid = r.view.getUint32(12, r.littleEndian);
    const type = r.view.getUint16(4, r.littleEndian);
    // Replies carry the requester's port id, except those audit's kernel thread sends (port 0).
    const mine = this.transport.portId === undefined || pid === this.transport.portId || pid === 0;
    const h = mine ? this.#pending.get(seq) : undefined;
    if (h && (h.wantsData || type < NLMSG_MIN_TYPE)) {
      try {
        h.datagram(r);
      } catch (e) {
        h.fail(e as Error); // a malformed reply fails its request, never the client
      }
      return;
    }
    // A reply for no request in flight (late, or for another socket): notifications are never multipart.
    const flags = r.view.getUint16(6, r.littleEndian);
    if (type === NLMSG_DONE || type === NLMSG_ERROR || flags & NLM_F.MULTI) return this.anomaly({ type: "stray-reply", seq, portId: pid, messageType: type });
    for (const s of this.#sinks) s.datagram(r);
  }
}
