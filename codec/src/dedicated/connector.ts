import { HOST_LITTLE_ENDIAN } from "../align.js";
import { EncodeError, MalformedError } from "../errors.js";
import { ByteReader } from "../reader.js";
import { decodeUtf8, encodeUtf8, findNul } from "../text.js";
import { ByteWriter } from "../writer.js";

/**
 * The kernel connector (NETLINK_CONNECTOR) and its process events
 * (CN_IDX_PROC). A connector message is a netlink message whose payload is
 * a struct cn_msg (linux/connector.h) followed by `len` bytes of C struct;
 * there are no attributes, and which struct follows depends on the (idx,
 * val) pair and, for process events, on a `what` field inside it: a union
 * selected by a bit value, which YNL cannot describe.
 *
 *   struct cn_msg { u32 idx; u32 val; u32 seq; u32 ack; u16 len; u16 flags; u8 data[]; }   20 bytes
 *   struct proc_event { u32 what; u32 cpu; u64 timestamp_ns; union event_data; }        16 + 24 bytes
 *
 * All host order. The kernel sends its connector messages as NLMSG_DONE.
 */

export const NETLINK_CONNECTOR = 11;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
export const CN_MSG_SIZE = 20;
export const PROC_CN_MCAST_LISTEN = 1;
export const PROC_CN_MCAST_IGNORE = 2;
/** nlmsg_type of connector messages, both ways. */
export const CN_NLMSG_TYPE = 3; // NLMSG_DONE

export interface CnMsg {
  idx: number;
  val: number;
  seq: number;
  ack: number;
  flags: number;
  data: Uint8Array;
}

/** Decodes a struct cn_msg at the start of `payload` (a netlink message's payload). */
export function decodeCnMsg(payload: Uint8Array): CnMsg {
  const r = new ByteReader(payload);
  r.need(0, CN_MSG_SIZE, "struct cn_msg", ["cn_msg"]);
  const len = r.u16(16);
  r.need(CN_MSG_SIZE, len, "cn_msg data", ["cn_msg", "data"]);
  if (CN_MSG_SIZE + len !== payload.length) {
    throw new MalformedError(`cn_msg says ${len} data bytes, the message holds ${payload.length - CN_MSG_SIZE}`, 16, ["cn_msg", "len"]);
  }
  return { idx: r.u32(0), val: r.u32(4), seq: r.u32(8), ack: r.u32(12), flags: r.u16(18), data: r.copy(CN_MSG_SIZE, len) };
}

export function encodeCnMsg(m: CnMsg, littleEndian = HOST_LITTLE_ENDIAN): Uint8Array {
  if (m.data.length > 0xffff) throw new EncodeError("cn_msg data longer than 65535 bytes", ["cn_msg", "data"]);
  const w = new ByteWriter(CN_MSG_SIZE + m.data.length, littleEndian);
  w.u32(m.idx).u32(m.val).u32(m.seq).u32(m.ack).u16(m.data.length).u16(m.flags).bytes(m.data);
  return w.finish();
}

/** The netlink message that asks for process events (PROC_CN_MCAST_LISTEN) or stops them (IGNORE). */
export function procListenRequest(op: number = PROC_CN_MCAST_LISTEN, seq = 0, pid = 0): Uint8Array {
  const w = new ByteWriter(64);
  const m = w.beginMessage(CN_NLMSG_TYPE, 0, seq, pid);
  const data = new ByteWriter(4).u32(op).finish();
  w.bytes(encodeCnMsg({ idx: CN_IDX_PROC, val: CN_VAL_PROC, seq, ack: 0, flags: 0, data }));
  w.endMessage(m);
  return w.finish();
}

/** enum what in struct proc_event: each kind is a bit, so sets of kinds fit a mask. */
export const PROC_EVENT = {
  none: 0x0, fork: 0x1, exec: 0x2, uid: 0x4, gid: 0x40, sid: 0x80, ptrace: 0x100, comm: 0x200,
  coredump: 0x40000000, exit: 0x80000000,
} as const;
export type ProcEventKind = keyof typeof PROC_EVENT;

const KIND_OF = new Map<number, ProcEventKind>(Object.entries(PROC_EVENT).map(([k, v]) => [v, k as ProcEventKind]));

/** The union members, by kind; each field is a u32 (pids as the kernel's s32). */
const FIELDS: Record<ProcEventKind, readonly string[]> = {
  none: ["err"],
  fork: ["parentPid", "parentTgid", "childPid", "childTgid"],
  exec: ["pid", "tgid"],
  uid: ["pid", "tgid", "ruid", "euid"],
  gid: ["pid", "tgid", "rgid", "egid"],
  sid: ["pid", "tgid"],
  ptrace: ["pid", "tgid", "tracerPid", "tracerTgid"],
  comm: ["pid", "tgid"], // then char comm[16]
  coredump: ["pid", "tgid", "parentPid", "parentTgid"],
  exit: ["pid", "tgid", "exitCode", "exitSignal", "parentPid", "parentTgid"],
};
/** Fields that are unsigned in the header; the rest are pid_t (signed). */
const UNSIGNED = new Set(["err", "ruid", "euid", "rgid", "egid", "exitCode", "exitSignal"]);

export const PROC_EVENT_HEADER = 16;
/** The union's size: its largest members (exit, comm) are 24 bytes. */
export const PROC_EVENT_DATA = 24;
const COMM_LEN = 16;

export interface ProcEvent {
  /** The kind, or "unknown" for a `what` this decoder does not know (its bytes are in `raw`). */
  kind: ProcEventKind | "unknown";
  what: number;
  cpu: number;
  /** Nanoseconds since boot. */
  timestampNs: bigint;
  /** The union's fields for the kind (pid, tgid, childPid, exitCode, ...). */
  fields: Record<string, number>;
  /** comm events: the new name. */
  comm?: string;
  /** comm events whose 16-byte buffer holds bytes after the name's NUL: that buffer. */
  commRaw?: Uint8Array;
  /** Union bytes past what the kind uses (kept, so re-encoding gives the same bytes). */
  raw: Uint8Array;
}

/** Decodes a struct proc_event (the data of a CN_IDX_PROC connector message). */
export function decodeProcEvent(data: Uint8Array, littleEndian = HOST_LITTLE_ENDIAN): ProcEvent {
  const r = new ByteReader(data, littleEndian);
  r.need(0, PROC_EVENT_HEADER, "struct proc_event", ["proc_event"]);
  const what = r.u32(0);
  const kind = KIND_OF.get(what) ?? "unknown";
  const names = kind === "unknown" ? [] : FIELDS[kind];
  const used = names.length * 4 + (kind === "comm" ? COMM_LEN : 0);
  r.need(PROC_EVENT_HEADER, used, `proc_event ${kind} data`, ["proc_event", kind]);
  const fields: Record<string, number> = {};
  names.forEach((n, i) => (fields[n] = UNSIGNED.has(n) ? r.u32(PROC_EVENT_HEADER + i * 4) : r.s32(PROC_EVENT_HEADER + i * 4)));
  const e: ProcEvent = {
    kind, what, cpu: r.u32(4), timestampNs: r.u64(8), fields,
    raw: data.slice(PROC_EVENT_HEADER + used),
  };
  if (kind === "comm") {
    const at = PROC_EVENT_HEADER + 8;
    const end = findNul(data, at, at + COMM_LEN);
    e.comm = decodeUtf8(data, at, end);
    // The kernel zeroes the buffer; bytes after the NUL are kept if there ever are any.
    if (data.subarray(end, at + COMM_LEN).some((b) => b !== 0)) e.commRaw = data.slice(at, at + COMM_LEN);
  }
  return e;
}

export function encodeProcEvent(e: ProcEvent, littleEndian = HOST_LITTLE_ENDIAN): Uint8Array {
  const w = new ByteWriter(PROC_EVENT_HEADER + PROC_EVENT_DATA, littleEndian);
  w.u32(e.what).u32(e.cpu).u64(e.timestampNs);
  const names = e.kind === "unknown" ? [] : FIELDS[e.kind];
  for (const n of names) {
    const v = e.fields[n] ?? 0;
    if (UNSIGNED.has(n)) w.u32(v);
    else w.s32(v);
  }
  if (e.kind === "comm") {
    const name = e.commRaw ?? encodeUtf8(e.comm ?? "");
    if (!e.commRaw && name.length >= COMM_LEN) throw new EncodeError(`comm "${e.comm}" longer than 15 bytes`, ["proc_event", "comm"]);
    w.bytes(name.subarray(0, COMM_LEN)).zeros(COMM_LEN - Math.min(name.length, COMM_LEN));
  }
  w.bytes(e.raw);
  return w.finish();
}

/** A connector message as a process event when it is one (idx/val CN_IDX_PROC). */
export function decodeConnector(payload: Uint8Array): { cn: CnMsg; proc?: ProcEvent } {
  const cn = decodeCnMsg(payload);
  if (cn.idx === CN_IDX_PROC && cn.val === CN_VAL_PROC) return { cn, proc: decodeProcEvent(cn.data) };
  return { cn };
}
