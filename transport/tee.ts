import type { ReceiveInfo, Receiver, Transport } from "./transport.js";

export type Direction = "sent" | "received";

/** One datagram as it went by, for a capture writer (pcapng) or a log. */
export interface TeeRecord {
  direction: Direction;
  /** Wall-clock time in nanoseconds since the epoch (microsecond resolution); never decreases. */
  timestampNs: bigint;
  protocol: number;
  /** Only valid during the call: the sender may reuse its buffer afterwards, so copy what you keep. */
  data: Uint8Array;
  /** For received datagrams. */
  info?: ReceiveInfo;
}

export type TeeSink = (record: TeeRecord) => void;

/** performance.now() is monotonic, so anchored at timeOrigin it gives wall-clock time that never goes back. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/**
 * `inner` with everything it sends and receives also handed to `sink`,
 * synchronously and in order. A datagram is recorded as sent before it
 * goes out, so that it always comes before its reply, even over a
 * transport that delivers replies before send() settles.
 */
export function tee(inner: Transport, sink: TeeSink): Transport {
  const record = (direction: Direction, data: Uint8Array, info?: ReceiveInfo): void => {
    const r: TeeRecord = { direction, timestampNs: nowNs(), protocol: inner.protocol, data };
    if (info) r.info = info;
    sink(r);
  };
  const wrap = (r: Receiver): Receiver => ({
    datagram(data, info) {
      record("received", data, info);
      r.datagram(data, info);
    },
    error: (e) => r.error(e),
    end: () => r.end?.(),
  });
  return {
    kind: inner.kind,
    protocol: inner.protocol,
    get closed() {
      return inner.closed;
    },
    send(datagram) {
      if (!inner.closed) record("sent", datagram);
      return inner.send(datagram);
    },
    receive: (r) => inner.receive(r && wrap(r)),
    close: () => inner.close(),
    ...(inner.groups && { groups: inner.groups }),
    ...(inner.options && { options: inner.options }),
    ...(inner.portId !== undefined && { portId: inner.portId }),
  };
}
