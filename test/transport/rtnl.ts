import { ByteReader, ByteWriter, NLMSG_DONE, NLMSG_ERROR, NLM_F, decodeDone, decodeError, encodeUtf8, splitDatagram, type NetlinkMessage } from "@nlwire/codec";
import { rtLink } from "@nlwire/codec/families/rt-link";
import { OverrunError, type ReceiveInfo, type Transport, type TransportError } from "../../transport/index.js";

/** What the transport tests send and expect, built and read with the codec. */

export const NETLINK_ROUTE = 0;
export const RTNLGRP_LINK = 1;
export const RTM_NEWLINK = 16;
const IFLA_IFNAME = 3;

/** RTM_GETLINK dump; `ifiFlags` puts junk in the header that only a strict check refuses. */
export function getlinkDump(seq: number, ifiFlags = 0): Uint8Array {
  return rtLink.request("getlink", "dump", { fixed: { "ifi-flags": ifiFlags ? ["up"] : [] } }, { seq });
}

/** RTM_NEWLINK with an IFLA_IFNAME longer than IFNAMSIZ: the kernel refuses it (ERANGE). */
export function badNewlink(seq: number): Uint8Array {
  const w = new ByteWriter();
  const m = w.beginMessage(RTM_NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, seq);
  w.zeros(16); // struct ifinfomsg
  w.attr(IFLA_IFNAME, encodeUtf8("a-name-far-longer-than-ifnamsiz\0"));
  w.endMessage(m);
  return w.finish();
}

export interface Collected {
  datagrams: { data: Uint8Array; info: ReceiveInfo }[];
  messages: NetlinkMessage[];
  overruns: number;
}

/**
 * Receives until `done` holds for a message (then detaches), or until
 * `ms` pass: with `quietEnd` that is the expected end, otherwise an error.
 */
export function collect(t: Transport, done: (m: NetlinkMessage) => boolean, ms = 5000, quietEnd = false): Promise<Collected> {
  const c: Collected = { datagrams: [], messages: [], overruns: 0 };
  return new Promise((resolve, reject) => {
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      if (!t.closed) t.receive(null);
      if (err) reject(err);
      else resolve(c);
    };
    const timer = setTimeout(() => (quietEnd ? finish() : finish(new Error(`nothing ended the exchange within ${ms} ms`))), ms);
    t.receive({
      datagram(data, info) {
        c.datagrams.push({ data, info });
        const ms = splitDatagram(data).messages;
        c.messages.push(...ms);
        if (ms.some(done)) finish();
      },
      error(e: TransportError) {
        if (e instanceof OverrunError) c.overruns++;
        else finish(e);
      },
    });
  });
}

/** The end of the dump or request with this seq: DONE, or an ERROR (ACK or failure). */
export const endOf = (seq: number) => (m: NetlinkMessage) =>
  m.header.seq === seq && (m.header.type === NLMSG_DONE || m.header.type === NLMSG_ERROR);

/** Sends `request` and collects the answer up to its end. */
export async function exchange(t: Transport, request: Uint8Array, seq: number): Promise<Collected> {
  const answer = collect(t, endOf(seq));
  await t.send(request);
  return answer;
}

export function errorOf(c: Collected) {
  const m = c.messages.find((m) => m.header.type === NLMSG_ERROR);
  if (!m) throw new Error("no NLMSG_ERROR in the answer");
  return { flags: m.header.flags, ...decodeError(m.payload, m.header.flags) };
}

/** The DONE that ends a dump; a dump refused at its start ends in a DONE carrying the errno. */
export function doneOf(c: Collected) {
  const m = c.messages.at(-1);
  if (m?.header.type !== NLMSG_DONE) throw new Error("the answer does not end in NLMSG_DONE");
  return decodeDone(m.payload, m.header.flags);
}

export interface Link {
  ifindex: number;
  ifname: string;
  mtu: number;
  address: string;
}

/** The links in the RTM_NEWLINK messages, as `ip -j link show` names their fields. */
export function linksOf(messages: readonly NetlinkMessage[]): Link[] {
  return messages
    .filter((m) => m.header.type === RTM_NEWLINK)
    .map((m) => {
      const d = rtLink.decodeAt(new ByteReader(m.payload), 0, m.payload.length, m.header);
      if (d.op !== "getlink") throw new Error(`unexpected ${d.op}`);
      const a = d.attrs as { ifname?: string; mtu?: number; address?: string };
      const fixed = d.fixed as { "ifi-index": number };
      return { ifindex: fixed["ifi-index"], ifname: a.ifname ?? "", mtu: a.mtu ?? 0, address: a.address ?? "" };
    });
}

/** `ip -j link show` output reduced to the same fields. */
export function ipLinks(json: string): Link[] {
  return (JSON.parse(json) as Link[]).map(({ ifindex, ifname, mtu, address }) => ({ ifindex, ifname, mtu, address }));
}
