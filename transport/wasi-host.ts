/**
 * What a host gives the shim's Wasm build: the `sys` interface of
 * wasm/wit/shim.wit, one function per system call of shim-c/sys.h, plus
 * readiness (`watch`) for the transport that runs the guest.
 *
 * Hosts speak the C layer's convention: a number below zero is a negative
 * Linux errno. `toImports` turns a host into what the transpiled component
 * imports. Hosts: wasi-native.ts (the kernel, through the Node addon),
 * wasi-replay.ts (a capture), wasi-policy.ts (a filter around either).
 */

/** A datagram (or the start of one, for a peek) as recv gives it. */
export interface HostDatagram {
  /** At most the length asked for; valid until the next call to the host (the guest copies it at once). */
  data: Uint8Array;
  /** The whole datagram's length (more than data.length when cut short). */
  length: number;
  /** The sender's port id: 0 is the kernel. */
  from: number;
  nsid?: number;
}

export interface SysHost {
  socket(protocol: number): number;
  bind(fd: number, portId: number, groups: number): number;
  /** [port id, group mask] */
  getsockname(fd: number): readonly [number, number] | number;
  setsockopt(fd: number, level: number, name: number, value: number): number;
  getsockopt(fd: number, level: number, name: number): number;
  sendto(fd: number, data: Uint8Array, portId: number, groups: number): number;
  /** Never blocks: -EAGAIN when nothing is queued. `flags` may hold MSG_PEEK and MSG_TRUNC. */
  recv(fd: number, len: number, flags: number): HostDatagram | number;
  close(fd: number): number;
  netnsCurrent(): number;
  netnsOpen(path: string): number;
  netnsEnter(fd: number): number;
  /**
   * Calls `onReadable` from the event loop whenever `fd` may have a datagram
   * queued, over and over while it does (level-triggered), until
   * watch(fd, null) or close(fd). Returns 0 or a negative errno.
   */
  watch(fd: number, onReadable: (() => void) | null): number;
  /** The guest cannot go on safely; the default throws, which traps the guest. */
  fatal?(message: string): never;
}

/** Linux numbers the WIT functions carry: socket levels and options, recv flags, errnos. */
export const SOL_SOCKET = 1;
export const SOL_NETLINK = 270;
export const SO_RCVBUF = 8;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const EPERM = 1;
export const EBADF = 9;
export const EAGAIN = 11;
export const EINVAL = 22;
export const EPROTONOSUPPORT = 93;
export const EOPNOTSUPP = 95;

type Result<T> = { tag: "ok"; val: T } | { tag: "err"; val: number };
const ok = <T>(val: T): Result<T> => ({ tag: "ok", val });
const err = (n: number): Result<never> => ({ tag: "err", val: -n });
const int = (r: number): Result<number> => (r < 0 ? err(r) : ok(r));
const unit = (r: number): Result<undefined> => (r < 0 ? err(r) : ok(undefined));

/** The transpiled component's `sys` import: results as { tag, val } (jco takes them as they are, with no exception thrown). */
export function toImports(h: SysHost): Record<string, (...args: never[]) => unknown> {
  return {
    socket: (protocol: number) => int(h.socket(protocol)),
    bind: (fd: number, port: number, groups: number) => unit(h.bind(fd, port, groups)),
    getsockname: (fd: number) => {
      const r = h.getsockname(fd);
      return typeof r === "number" ? err(r) : ok(r);
    },
    setsockopt: (fd: number, level: number, name: number, value: number) => unit(h.setsockopt(fd, level, name, value)),
    getsockopt: (fd: number, level: number, name: number) => int(h.getsockopt(fd, level, name)),
    sendto: (fd: number, data: Uint8Array, port: number, groups: number) => int(h.sendto(fd, data, port, groups)),
    recv: (fd: number, len: number, flags: number) => {
      const r = h.recv(fd, len, flags);
      if (typeof r === "number") return err(r);
      return ok({ data: r.data, length: r.length, fromPort: r.from, nsid: r.nsid });
    },
    close: (fd: number) => unit(h.close(fd)),
    netnsCurrent: () => int(h.netnsCurrent()),
    netnsOpen: (path: string) => int(h.netnsOpen(path)),
    netnsEnter: (fd: number) => unit(h.netnsEnter(fd)),
    fatal: (message: string) => {
      if (h.fatal) h.fatal(message);
      throw new Error(`nlwire wasi guest: ${message}`);
    },
  };
}
