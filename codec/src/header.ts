import { NLMSG_HDRLEN } from "./align.js";
import type { ByteReader } from "./reader.js";
import type { ByteWriter } from "./writer.js";

/** Control message types below NLMSG_MIN_TYPE (linux/netlink.h). */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLMSG_MIN_TYPE = 0x10;

export const CONTROL_TYPE_NAMES: Readonly<Record<number, string>> = {
  [NLMSG_NOOP]: "NOOP",
  [NLMSG_ERROR]: "ERROR",
  [NLMSG_DONE]: "DONE",
  [NLMSG_OVERRUN]: "OVERRUN",
};

/** nlmsg_flags bits. The high byte means different things per request kind. */
export const NLM_F = {
  REQUEST: 0x01,
  MULTI: 0x02,
  ACK: 0x04,
  ECHO: 0x08,
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  // GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  DUMP: 0x300,
  // NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // DELETE requests
  NONREC: 0x100,
  BULK: 0x200,
  // ACK (NLMSG_ERROR) messages
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

export type FlagName = keyof typeof NLM_F;

/** Which meaning the upper flag bits have: it depends on the request kind. */
export type FlagContext = "get" | "new" | "delete" | "ack" | "none";

const COMMON: readonly FlagName[] = ["REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED"];
const BY_CONTEXT: Record<FlagContext, readonly FlagName[]> = {
  get: ["DUMP", "ROOT", "MATCH", "ATOMIC"],
  new: ["REPLACE", "EXCL", "CREATE", "APPEND"],
  delete: ["NONREC", "BULK"],
  ack: ["CAPPED", "ACK_TLVS"],
  none: [],
};

/**
 * Names the set bits of `flags`. DUMP is named instead of ROOT|MATCH. Bits with
 * no name in this context are reported as one hex number, so nothing is lost.
 */
export function flagNames(flags: number, context: FlagContext = "none"): string[] {
  const names: string[] = [];
  let left = flags;
  for (const name of [...COMMON, ...BY_CONTEXT[context]]) {
    const bit = NLM_F[name];
    if ((left & bit) === bit) {
      names.push(name);
      left &= ~bit;
    }
  }
  if (left) names.push(`0x${left.toString(16)}`);
  return names;
}

/** The inverse of flagNames: names (or hex numbers) to bits. */
export function parseFlags(names: readonly string[]): number {
  let flags = 0;
  for (const n of names) {
    const bit = (NLM_F as Record<string, number>)[n.toUpperCase()];
    if (bit !== undefined) flags |= bit;
    else if (/^0x[0-9a-f]+$/i.test(n)) flags |= parseInt(n, 16);
    else throw new Error(`unknown netlink flag ${n}`);
  }
  return flags;
}

/** struct nlmsghdr, in host byte order. */
export interface NlMsgHeader {
  /** nlmsg_len: header plus payload, in bytes. */
  length: number;
  type: number;
  flags: number;
  seq: number;
  /** nlmsg_pid: the sender's port id; 0 for messages from the kernel. */
  pid: number;
}

export function decodeHeader(r: ByteReader, off: number): NlMsgHeader {
  r.need(off, NLMSG_HDRLEN, "nlmsghdr");
  const v = r.view;
  const le = r.littleEndian;
  return {
    length: v.getUint32(off, le),
    type: v.getUint16(off + 4, le),
    flags: v.getUint16(off + 6, le),
    seq: v.getUint32(off + 8, le),
    pid: v.getUint32(off + 12, le),
  };
}

export function encodeHeader(w: ByteWriter, h: NlMsgHeader): void {
  w.u32(h.length).u16(h.type).u16(h.flags).u32(h.seq).u32(h.pid);
}
