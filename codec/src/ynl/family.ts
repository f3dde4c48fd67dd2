import { GENL_HDRLEN } from "../align.js";
import { MalformedError, TruncatedError, isCodecError, type CodecError } from "../errors.js";
import { decodeGenlHeader, encodeGenlHeader, type GenlHeader } from "../genl.js";
import { NLM_F, type NlMsgHeader } from "../header.js";
import type { MessageCursor, NetlinkMessage } from "../message.js";
import { ByteReader } from "../reader.js";
import { readInt } from "../scalar.js";
import { ByteWriter } from "../writer.js";
import { FamilyCompiler, type DecodeCtx, type Obj, type SetCodec } from "./compile.js";
import { WIRE_NOTES } from "./ctx.js";
import type { StructCodec } from "./struct.js";
import type { FamilyModel, HeaderMatch, MessageModel, OpModel } from "./model.js";
import { SpecError, resolveSpec } from "./resolve.js";

const NO_OPTIONS: DecodeOptions = {};

/** Whether the fixed header at `off` holds one of the values a message is picked by. */
function matches(m: ResolvedMatch, r: ByteReader, off: number, end: number): boolean {
  if (off + m.offset + m.len > end) return false;
  return m.values.includes(Number(readInt(r, m.kind, off + m.offset, m.len, m.order)));
}
const COMPILED = Symbol("compiled");
/** Message ids (nlmsg_type or genl cmd) below this are cached; nfnetlink's reach 0x0aff. */
const REPLY_CACHE_SIZE = 0x1000;

interface Compiled {
  fixed?: StructCodec;
  set?: SetCodec;
}

export type MessageKind = "request" | "reply" | "notify" | "event";

/** What a message id means in one direction. */
export interface MessageInfo {
  op: string;
  kind: MessageKind;
  mode?: "do" | "dump";
  attributeSet?: string;
  fixedHeader?: string;
  /** Attribute names the spec lists for this message. */
  attrs: string[];
  /** Where this message shares its id with others: the header member that tells them apart (see HeaderMatch). */
  match?: ResolvedMatch;
}

/** A HeaderMatch with the member's place in the fixed header. */
export interface ResolvedMatch {
  member: string;
  offset: number;
  len: number;
  kind: "u8" | "u16" | "u32";
  order: "host" | "big-endian" | "little-endian";
  values: readonly number[];
}

export interface DecodedMessage<A extends Obj = Obj, F extends Obj = Obj> {
  family: string;
  /** The operation (or notification) the spec names for this message id. */
  op?: string;
  kind?: MessageKind;
  header: NlMsgHeader;
  genl?: GenlHeader;
  fixed?: F;
  attrs: A;
  /** Attributes that failed to decode (kept as bytes); absent when all went well. */
  problems?: CodecError[];
}

export interface DecodeOptions {
  /** Kernel to user (replies, notifications), or user to kernel (requests). Default: from the kernel. */
  fromKernel?: boolean;
  /** Throw on the first odd attribute instead of keeping it as bytes. */
  strict?: boolean;
}

export interface EncodeRequest {
  op: string;
  mode?: "do" | "dump";
  fixed?: Obj;
  attrs?: Obj;
  /** nlmsg_flags; defaults to REQUEST|ACK for do and REQUEST|DUMP for dump. */
  flags?: number;
  seq?: number;
  pid?: number;
  /** nlmsg_type for generic netlink: the family id assigned at run time. */
  familyId?: number;
}

/**
 * A family interpreted from its model: decodes any message of it and
 * encodes requests. Compiles attribute sets on first use and caches them.
 */
export class Family {
  readonly model: FamilyModel;
  readonly compiler: FamilyCompiler;
  private readonly toKernel = new Map<number, MessageInfo[]>();
  private readonly fromKernel = new Map<number, MessageInfo[]>();
  private readonly ops = new Map<string, OpModel>();

  private readonly genetlink: boolean;

  constructor(model: FamilyModel) {
    this.model = model;
    this.genetlink = model.protocol !== "netlink-raw";
    this.compiler = new FamilyCompiler(model);
    for (const op of model.ops) this.ops.set(op.name, op);
    for (const op of model.ops) this.index(op);
  }

  /** Interprets a parsed YNL spec document (any protocol level). */
  static fromSpec(doc: Record<string, unknown>): Family {
    return new Family(resolveSpec(doc));
  }

  get isGenetlink(): boolean {
    return this.genetlink;
  }

  private info(op: OpModel, kind: MessageKind, msg: MessageModel, mode?: "do" | "dump"): MessageInfo {
    const source = kind === "notify" && op.notify ? this.ops.get(op.notify.op) ?? op : op;
    const fixedHeader = msg.fixedHeader ?? op.fixedHeader ?? source.fixedHeader ?? this.model.fixedHeader;
    const attributeSet = msg.attributeSet ?? op.attributeSet ?? source.attributeSet;
    const i: MessageInfo = { op: op.name, kind, attrs: msg.attrs };
    if (mode) i.mode = mode;
    if (attributeSet) i.attributeSet = attributeSet;
    if (fixedHeader) i.fixedHeader = fixedHeader;
    if (msg.match && fixedHeader) i.match = this.resolveMatch(msg.match, fixedHeader);
    return i;
  }

  private resolveMatch(match: HeaderMatch, fixedHeader: string): ResolvedMatch {
    const mb = this.model.structs[fixedHeader]?.members.find((x) => x.name === match.member);
    if (!mb || (mb.type !== "u8" && mb.type !== "u16" && mb.type !== "u32")) {
      throw new SpecError(this.model.name, `header-match ${match.member}`, `not an integer member of ${fixedHeader}`);
    }
    return { member: mb.name, offset: mb.offset, len: mb.len, kind: mb.type, order: mb.byteOrder ?? "host", values: match.values };
  }

  private index(op: OpModel): void {
    const add = (map: Map<number, MessageInfo[]>, id: number, i: MessageInfo) => {
      const list = map.get(id) ?? [];
      list.push(i);
      map.set(id, list);
      if (i.match) this.matched.add(id);
    };
    for (const mode of ["do", "dump"] as const) {
      const m = op[mode];
      // do and dump of one op usually share their request id: the first (do) stands for both,
      // unless the dump request is laid out differently (xfrm's GETSA dump has no header).
      const same = m?.request && this.toKernel.get(m.request.value)?.find((x) => x.op === op.name);
      const req = m?.request && this.info(op, "request", m.request, mode);
      if (req && (!same || same.fixedHeader !== req.fixedHeader || same.attributeSet !== req.attributeSet)) {
        add(this.toKernel, m!.request!.value, req);
      }
      if (m?.reply) add(this.fromKernel, m.reply.value, this.info(op, "reply", m.reply, mode));
    }
    if (op.notify) {
      const target = this.ops.get(op.notify.op);
      const reply = target?.do?.reply ?? target?.dump?.reply ?? { value: op.notify.value, attrs: [] };
      add(this.fromKernel, op.notify.value, this.info(op, "notify", { ...reply, value: op.notify.value }));
    }
    if (op.event) add(this.fromKernel, op.event.value, this.info(op, "event", op.event));
  }

  /** Message ids shared by messages told apart by their fixed header (these skip the reply cache). */
  private readonly matched = new Set<number>();

  /**
   * What a message id (nlmsg_type, or the genl cmd) means. Replies and
   * notifications can share an id; a message with seq 0 is taken as a
   * notification, any other as a reply. A request whose do and dump differ
   * is told apart by NLM_F_DUMP in `flags`.
   */
  lookup(id: number, fromKernel: boolean, seq = 1, header?: { r: ByteReader; off: number; end: number }, flags?: number): MessageInfo | undefined {
    let list = fromKernel ? this.fromKernel.get(id) : this.toKernel.get(id);
    if (list && header && this.matched.has(id)) list = list.filter((i) => !i.match || matches(i.match, header.r, header.off, header.end));
    if (!list?.length) return fromKernel ? this.echoed(id, header) : undefined;
    if (list.length === 1) return list[0];
    if (!fromKernel) {
      const mode = flags === undefined ? undefined : flags & NLM_F.DUMP ? "dump" : "do";
      return list.find((i) => i.mode === mode) ?? list[0];
    }
    for (const i of list) if ((i.kind === "reply") === (seq !== 0)) return i;
    return list[0];
  }

  /** What one message of an op looks like (its layout, and the header match that picks it, if any). */
  messageInfo(op: string, kind: MessageKind, mode?: "do" | "dump"): MessageInfo | undefined {
    const all = [...this.toKernel.values(), ...this.fromKernel.values()].flat().filter((i) => i.op === op && i.kind === kind);
    // A do request stands for the op's dump request too when they share an id (see index).
    return all.find((i) => mode === undefined || i.mode === mode) ?? all[0];
  }

  private spare: DecodeCtx | undefined;

  /** A decode context; one is reused because decoding never re-enters itself. */
  private context(r: ByteReader, strict: boolean): DecodeCtx {
    const c = this.spare ?? { r, path: [], parents: [], strict };
    this.spare = undefined;
    c.r = r;
    c.strict = strict;
    // Both stacks are empty after a clean decode; only a thrown one leaves them dirty.
    if (c.path.length) c.path.length = 0;
    if (c.parents.length) c.parents.length = 0;
    c.problems = undefined;
    c.tail = c.cut = undefined;
    c.wide = false;
    return c;
  }

  /** The compiled fixed header and attribute set of a message, looked up once and kept on its info. */
  /** Replies by message id, with their compiled codecs (see decodeAt). */
  private readonly replyCache: (Compiled & { info: MessageInfo })[] = [];

  private codecs(info: MessageInfo): Compiled {
    const i = info as MessageInfo & { [COMPILED]?: Compiled };
    let c = i[COMPILED];
    if (!c) {
      c = {};
      if (info.fixedHeader) c.fixed = this.compiler.struct(info.fixedHeader);
      if (info.attributeSet) c.set = this.compiler.set(info.attributeSet);
      i[COMPILED] = c;
    }
    return c;
  }

  private readonly echoes = new Map<number, MessageInfo | undefined>();

  /**
   * A message from the kernel with a request's id that the spec lists no
   * reply or notification for: rtnetlink announces deletions (RTM_DELLINK,
   * RTM_DELROUTE, ...) this way, in the request's own layout.
   */
  private echoed(id: number, header?: { r: ByteReader; off: number; end: number }): MessageInfo | undefined {
    if (this.matched.has(id)) {
      const req = this.lookup(id, false, 0, header);
      return req && { ...req, kind: "notify" };
    }
    if (!this.echoes.has(id)) {
      const req = this.toKernel.get(id)?.[0];
      this.echoes.set(id, req && { ...req, kind: "notify" });
    }
    return this.echoes.get(id);
  }

  decode(msg: NetlinkMessage, opts: DecodeOptions = {}): DecodedMessage {
    return this.decodeAt(new ByteReader(msg.payload), 0, msg.payload.length, msg.header, opts);
  }

  /** Decodes the message a MessageCursor stands on (the hot path for dumps). */
  decodeCursor(c: MessageCursor, opts: DecodeOptions = NO_OPTIONS): DecodedMessage {
    return this.decodeAt(c.reader, c.payloadOffset, c.offset + c.length, c.header(), opts);
  }

  /**
   * Decodes the payload in [start, end) of `r`; lets a caller walking a
   * datagram with MessageCursor share one reader across its messages.
   */
  decodeAt(r: ByteReader, start: number, end: number, header: NlMsgHeader, opts: DecodeOptions = NO_OPTIONS): DecodedMessage {
    let off = start;
    let id = header.type;
    let genl: GenlHeader | undefined;
    if (this.genetlink) {
      // Within the message: the reader may go on into the next one.
      if (end - off < GENL_HDRLEN) throw new TruncatedError("genlmsghdr", off, [], GENL_HDRLEN, end - off);
      genl = decodeGenlHeader(r, off);
      id = genl.cmd;
      off += GENL_HDRLEN;
    }
    const fromKernel = opts.fromKernel ?? true;
    // Dump replies take the cached path: one array read instead of a lookup.
    const hot = fromKernel && header.seq !== 0 ? this.replyCache[id] : undefined;
    const info = hot?.info ?? this.lookup(id, fromKernel, header.seq, this.matched.has(id) ? { r, off, end } : undefined, header.flags);
    if (!info) return genl ? { family: this.model.name, header, genl, attrs: {} } : { family: this.model.name, header, attrs: {} };
    const ctx = this.context(r, opts.strict ?? false);
    const { fixed, set } = hot ?? this.codecs(info);
    if (!hot && fromKernel && header.seq !== 0 && id < REPLY_CACHE_SIZE && !this.matched.has(id)) this.replyCache[id] = { info, ...this.codecs(info) };
    let fixedValue: Obj | undefined;
    if (fixed) {
      // A header ending in a flexible array (audit_rule_data's buf) takes the whole payload.
      const len = fixed.flexible ? Math.max(end - off, fixed.size) : fixed.size;
      if (off + len > end) throw new TruncatedError(`fixed header ${fixed.name}`, off, [], len, end - off);
      fixedValue = fixed.read(r, off, len);
      off += len;
    }
    let attrs: Obj = {};
    if (set) {
      try {
        attrs = set.decode(ctx, off, end);
      } catch (e) {
        // Only a broken attribute run itself ends up here; keep what the header said.
        if (ctx.strict || !isCodecError(e)) throw e;
        (ctx.problems ??= []).push(e);
        // Kept as bytes, so that encodeDecoded still gives back the message.
        attrs = { [WIRE_NOTES]: { trailing: r.copy(off, end - off) } };
      }
    } else if (off < end) {
      throw new MalformedError(`${end - off} bytes after the header of ${info.op}`, off, []);
    }
    // One object literal per shape: V8 builds it in one step, with no transitions.
    const out: DecodedMessage = fixedValue
      ? { family: this.model.name, op: info.op, kind: info.kind, header, fixed: fixedValue, attrs }
      : { family: this.model.name, op: info.op, kind: info.kind, header, attrs };
    if (genl) out.genl = genl;
    if (ctx.problems) out.problems = ctx.problems;
    this.spare = ctx;
    return out;
  }


  /** Builds a complete request message for `op`. */
  encodeRequest(req: EncodeRequest, w = new ByteWriter()): Uint8Array {
    const op = this.ops.get(req.op);
    if (!op) throw new Error(`${this.model.name} has no operation ${req.op}`);
    const mode = req.mode ?? (op.do ? "do" : "dump");
    const msg = op[mode]?.request ?? this.bareRequest(op, mode);
    if (!msg) throw new Error(`${this.model.name} ${req.op} has no ${mode} request`);
    const info = this.toKernel.get(msg.value)?.find((i) => i.op === op.name && i.mode === mode) ?? this.info(op, "request", msg, mode);
    const flags = req.flags ?? (mode === "dump" ? NLM_F.REQUEST | NLM_F.DUMP : NLM_F.REQUEST | NLM_F.ACK);
    let type = msg.value;
    if (this.isGenetlink) {
      if (req.familyId === undefined) throw new Error(`${this.model.name} is generic netlink: encodeRequest needs familyId`);
      type = req.familyId;
    }
    const start = w.beginMessage(type, flags, req.seq ?? 0, req.pid ?? 0);
    if (this.isGenetlink) encodeGenlHeader(w, { cmd: msg.value, version: this.model.version, reserved: 0 });
    if (info.fixedHeader) this.compiler.struct(info.fixedHeader).encode(w, req.fixed ?? {}, [info.fixedHeader]);
    if (info.attributeSet && req.attrs) {
      this.compiler.set(info.attributeSet).encode(w, req.attrs, { path: [], parents: [] });
    }
    w.endMessage(start);
    return w.finish();
  }

  /**
   * A mode the spec gives a reply but no request (netdev's dev-get dump):
   * the kernel still wants one, with no attributes, under the op's own id.
   */
  private bareRequest(op: OpModel, mode: "do" | "dump"): MessageModel | undefined {
    const value = op.value ?? op.do?.request?.value ?? op.dump?.request?.value;
    return op[mode] && value !== undefined ? { value, attrs: [] } : undefined;
  }

  /** Re-encodes a decoded message (any direction) to its bytes. */
  encodeDecoded(m: DecodedMessage, w = new ByteWriter()): Uint8Array {
    const start = w.beginMessage(m.header.type, m.header.flags, m.header.seq, m.header.pid);
    if (m.genl) encodeGenlHeader(w, m.genl);
    const info = m.op === undefined ? undefined : this.lookupByName(m);
    if (info?.fixedHeader) this.compiler.struct(info.fixedHeader).encode(w, m.fixed ?? {}, [info.fixedHeader]);
    if (info?.attributeSet) this.compiler.set(info.attributeSet).encode(w, m.attrs, { path: [], parents: [] });
    w.endMessage(start);
    return w.finish();
  }

  private lookupByName(m: DecodedMessage): MessageInfo | undefined {
    const id = m.genl ? m.genl.cmd : m.header.type;
    const candidates = [...(this.toKernel.get(id) ?? []), ...(this.fromKernel.get(id) ?? [])];
    const echo = m.kind === "notify" ? this.toKernel.get(id)?.find((i) => i.op === m.op) : undefined;
    const mode = m.header.flags & NLM_F.DUMP ? "dump" : "do";
    const mine = candidates.filter((i) => i.op === m.op && i.kind === m.kind);
    // A request whose do and dump differ in layout is re-encoded as its flags say.
    return (mine.length > 1 ? mine.find((i) => i.mode === mode) : undefined) ?? mine[0] ?? (echo && { ...echo, kind: "notify" });
  }
}
