import { AttrCursor, ByteReader, MessageCursor, splitDatagram } from "@nlwire/codec";
import { RTM, RTMSG_LEN } from "../tools/rtnl.js";
import { closuresWalk, generatedWalk, specMissing, specWalk } from "./decode-walks.js";

/**
 * The TypeScript walks over a recorded dump, written as a user of the codec
 * would write them: one call per datagram, as a transport delivers them.
 * They add into sums that the runner compares with the C reference's: equal
 * sums mean both sides walked the same messages and attributes, and using
 * the sums keeps V8 from dropping the work.
 */
export interface WalkSums {
  messages: number;
  attrs: number;
  check: number;
}

export type DatagramWalk = (datagram: Uint8Array, sums: WalkSums) => void;

/** (a) Message splitting only. */
export function splitWalk(datagram: Uint8Array, sums: WalkSums): void {
  const c = new MessageCursor(new ByteReader(datagram));
  while (c.next()) {
    sums.messages++;
    sums.check += c.type;
  }
}

/** (b) Splitting plus every attribute after struct rtmsg of every route. */
export function attrsWalk(datagram: Uint8Array, sums: WalkSums): void {
  const r = new ByteReader(datagram);
  const c = new MessageCursor(r);
  while (c.next()) {
    sums.messages++;
    if (c.type !== RTM.NEWROUTE) continue;
    const a = new AttrCursor(r, c.payloadOffset + RTMSG_LEN, c.offset + c.length);
    while (a.next()) {
      sums.attrs++;
      sums.check += a.type + a.valueLength;
    }
  }
}

/** (c) The allocating API: an object (header, payload view) per message. */
export function splitDatagramWalk(datagram: Uint8Array, sums: WalkSums): void {
  for (const m of splitDatagram(datagram).messages) {
    sums.messages++;
    sums.check += m.header.type;
  }
}

/** Which C walk a TypeScript walk is compared with: the one doing the same work. */
export type WalkKind = "split" | "attrs" | "table";

/** The order of the kinds in reports. */
export const WALK_KINDS: readonly WalkKind[] = ["split", "attrs", "table"];

export interface WalkDef {
  label: string;
  kind: WalkKind;
  /** Builds the walk, untimed, in the process that times it. */
  setup: () => DatagramWalk | Promise<DatagramWalk>;
  /** Why the walk cannot run on this machine, when it cannot. */
  unavailable?: () => string | undefined;
}

export const WALKS = {
  split: { label: "MessageCursor split", kind: "split", setup: () => splitWalk },
  attrs: { label: "MessageCursor+AttrCursor", kind: "attrs", setup: () => attrsWalk },
  splitDatagram: { label: "splitDatagram", kind: "split", setup: () => splitDatagramWalk },
  generated: { label: "rtRoute (generated) → objects", kind: "table", setup: () => generatedWalk },
  interpreter: { label: "Family.fromSpec (run-time interpreter)", kind: "table", setup: specWalk, unavailable: specMissing },
  closures: { label: "closures (no JIT, CSP-safe)", kind: "table", setup: closuresWalk },
} as const satisfies Record<string, WalkDef>;

export type WalkName = keyof typeof WALKS;

export function isWalkName(s: string): s is WalkName {
  return Object.hasOwn(WALKS, s);
}

/** One repetition: every datagram through `walk`. */
export function walkAll(datagrams: readonly Uint8Array[], walk: DatagramWalk): WalkSums {
  const sums: WalkSums = { messages: 0, attrs: 0, check: 0 };
  for (const d of datagrams) walk(d, sums);
  return sums;
}
