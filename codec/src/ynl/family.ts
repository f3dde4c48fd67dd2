import { GENL_HDRLEN } from "../align.js";
import { MalformedError, isCodecError, type CodecError } from "../errors.js";
import { decodeGenlHeader, encodeGenlHeader, type GenlHeader } from "../genl.js";
import { NLM_F, type NlMsgHeader } from "../header.js";
import type { MessageCursor, NetlinkMessage } from "../message.js";
import { ByteReader } from "../reader.js";
import { ByteWriter } from "../writer.js";
import { FamilyCompiler, type DecodeCtx, type Obj, type SetCodec } from "./compile.js";
import type { StructCodec } from "./struct.js";
import type { FamilyModel, MessageModel, OpModel } from "./model.js";
import { resolveSpec } from "./resolve.js";

const NO_OPTIONS: DecodeOptions = {};
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
  private readonly toKernel = new Map<number, MessageInfo>();
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
    const fixedHeader = op.fixedHeader ?? source.fixedHeader ?? this.model.fixedHeader;
    const attributeSet = op.attributeSet ?? source.attributeSet;
    const i: MessageInfo = { op: op.name, kind, attrs: msg.attrs };
    if (mode) i.mode = mode;
    if (attributeSet) i.attributeSet = attributeSet;
    if (fixedHeader) i.fixedHeader = fixedHeader;
    return i;
  }

  private index(op: OpModel): void {
    const from = (id: number, i: MessageInfo) => {
      const list = this.fromKernel.get(id) ?? [];
      list.push(i);
      this.fromKernel.set(id, list);
    };
    for (const mode of ["do", "dump"] as const) {
      const m = op[mode];
      if (m?.request && !this.toKernel.has(m.request.value)) this.toKernel.set(m.request.value, this.info(op, "request", m.request, mode));
      if (m?.reply) from(m.reply.value, this.info(op, "reply", m.reply, mode));
    }
    if (op.notify) {
      const target = this.ops.get(op.notify.op);
      const reply = target?.do?.reply ?? target?.dump?.reply ?? { value: op.notify.value, attrs: [] };
      from(op.notify.value, this.info(op, "notify", { ...reply, value: op.notify.value }));
    }
    if (op.event) from(op.event.value, this.info(op, "event", op.event));
  }

  /**
   * What a message id (nlmsg_type, or the genl cmd) means. Replies and
   * notifications can share an id; a message with seq 0 is taken as a
   * notification, any other as a reply.
   */
  lookup(id: number, fromKernel: boolean, seq = 1): MessageInfo | undefined {
    if (!fromKernel) return this.toKernel.get(id);
    const list = this.fromKernel.get(id);
    if (!list) return this.echoed(id);
    if (list.length === 1) return list[0];
    for (const i of list) if ((i.kind === "reply") === (seq !== 0)) return i;
    return list[0];
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
  private echoed(id: number): MessageInfo | undefined {
    if (!this.echoes.has(id)) {
      const req = this.toKernel.get(id);
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
      genl = decodeGenlHeader(r, off);
      id = genl.cmd;
      off += GENL_HDRLEN;
    }
    const fromKernel = opts.fromKernel ?? true;
    // Dump replies take the cached path: one array read instead of a lookup.
    const hot = fromKernel && header.seq !== 0 ? this.replyCache[id] : undefined;
    const info = hot?.info ?? this.lookup(id, fromKernel, header.seq);
    if (!info) return genl ? { family: this.model.name, header, genl, attrs: {} } : { family: this.model.name, header, attrs: {} };
    const ctx = this.context(r, opts.strict ?? false);
    const { fixed, set } = hot ?? this.codecs(info);
    if (!hot && fromKernel && header.seq !== 0 && id < REPLY_CACHE_SIZE) this.replyCache[id] = { info, ...this.codecs(info) };
    let fixedValue: Obj | undefined;
    if (fixed) {
      fixedValue = fixed.read(r, off); // checks that the whole header is there
      off += fixed.size;
    }
    let attrs: Obj = {};
    if (set) {
      try {
        attrs = set.decode(ctx, off, end);
      } catch (e) {
        // Only a broken attribute run itself ends up here; keep what the header said.
        if (ctx.strict || !isCodecError(e)) throw e;
        (ctx.problems ??= []).push(e);
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
    const msg = op[mode]?.request;
    if (!msg) throw new Error(`${this.model.name} ${req.op} has no ${mode} request`);
    const info = this.toKernel.get(msg.value)?.op === op.name ? this.toKernel.get(msg.value)! : this.info(op, "request", msg, mode);
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
    const candidates = [this.toKernel.get(id), ...(this.fromKernel.get(id) ?? []), this.echoed(id)];
    return candidates.find((i) => i && i.op === m.op && i.kind === m.kind);
  }
}
