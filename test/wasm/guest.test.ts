import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EAGAIN, EINVAL, type SysHost } from "../../transport/wasi-host.js";
import { DatagramQueue } from "../../transport/wasi-queue.js";
import { WasiShim } from "../../transport/wasi.js";

/**
 * The guest alone, over a scripted host: the hand-written canonical ABI
 * (lists in both directions, results through pointers, cabi_realloc and
 * post-return) and the socket logic that now runs inside the sandbox.
 */

const shim = await WasiShim.load();
const EMSGSIZE = 90;
const ENOBUFS = 105;

/** A host whose sockets echo what is sent to them; every call is logged. */
function echoHost(overrides: Partial<SysHost> = {}) {
  const log: string[] = [];
  const queues = new Map<number, DatagramQueue>();
  let next = 10;
  const host: SysHost = {
    socket: (p) => (log.push(`socket ${p}`), queues.set(next, new DatagramQueue()), next++),
    bind: () => 0,
    getsockname: () => [0xfffff00d, 0],
    setsockopt: () => 0,
    getsockopt: () => 0,
    sendto(fd, data) {
      queues.get(fd)!.push({ data: data.slice(), length: data.length, from: 0 });
      return data.length;
    },
    recv: (fd, len, flags) => queues.get(fd)!.recv(len, flags),
    close: (fd) => (log.push(`close ${fd}`), 0),
    netnsCurrent: () => (log.push("current"), 100),
    netnsOpen: (path) => (log.push(`open ${path}`), 200),
    netnsEnter: (fd) => (log.push(`enter ${fd}`), 0),
    watch: () => 0,
    ...overrides,
  };
  return { host, log, guest: shim.instantiate(host) };
}

const errnoOf = (f: () => unknown): unknown => {
  try {
    f();
    return "no error";
  } catch (e) {
    return e;
  }
};

describe("the shim's Wasm build, over a scripted host", () => {
  it("moves datagrams of any size through guest memory unchanged, both ways", () => {
    const { guest } = echoHost();
    const fd = guest.shim.open(0, undefined);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 30000, maxLength: 70000 })), (bytes) => {
        expect(guest.shim.send(fd, bytes)).toBe(bytes.length);
        const size = guest.shim.nextSize(fd, 0);
        expect(size).toBe(bytes.length);
        const d = guest.shim.recv(fd, size);
        expect(Buffer.compare(d.data, bytes)).toBe(0); // (toEqual is slow on 70 kB)
        expect(d.data.byteOffset === 0 && d.data.byteLength === d.data.buffer.byteLength).toBe(true);
        expect(errnoOf(() => guest.shim.nextSize(fd, 0))).toBe(EAGAIN);
      }),
      { numRuns: 40 },
    );
  });

  it("takes the next datagram whole in one call (take = next-size, then recv)", () => {
    const { guest } = echoHost();
    const fd = guest.shim.open(0, undefined);
    expect(errnoOf(() => guest.shim.take(fd, 0))).toBe(EAGAIN);
    guest.shim.send(fd, new Uint8Array(5000).fill(3));
    guest.shim.send(fd, new Uint8Array([9]));
    expect(guest.shim.take(fd, 32768).data).toEqual(new Uint8Array(5000).fill(3));
    expect(guest.shim.take(fd, 0)).toEqual({ data: new Uint8Array([9]), length: 1, fromPort: 0, nsid: undefined });
  });

  it("sizes with a peek that offers the probe, and loses a datagram taken into too small a buffer (EMSGSIZE)", () => {
    const seen: number[] = [];
    const { host, guest } = echoHost();
    const recv = host.recv;
    host.recv = (fd, len, flags) => (seen.push(len), recv(fd, len, flags));
    const fd = guest.shim.open(0, undefined);
    guest.shim.send(fd, new Uint8Array(100).fill(7));
    expect(guest.shim.nextSize(fd, 32768)).toBe(100);
    expect(seen).toEqual([32768]);
    expect(errnoOf(() => guest.shim.recv(fd, 99))).toBe(EMSGSIZE);
    expect(errnoOf(() => guest.shim.nextSize(fd, 0))).toBe(EAGAIN);
  });

  it("reports a host's ENOBUFS once, then reads on", () => {
    let overrun = true;
    const { host, guest } = echoHost();
    const recv = host.recv;
    host.recv = (fd, len, flags) => (overrun ? ((overrun = false), -ENOBUFS) : recv(fd, len, flags));
    const fd = guest.shim.open(0, undefined);
    guest.shim.send(fd, new Uint8Array([1, 2, 3]));
    expect(errnoOf(() => guest.shim.nextSize(fd, 0))).toBe(ENOBUFS);
    expect(guest.shim.recv(fd, guest.shim.nextSize(fd, 0)).data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("opens in a namespace by entering it for socket() only, from inside the guest", () => {
    const { log, guest } = echoHost();
    guest.shim.open(16, { tag: "path", val: "/run/netns/x" });
    expect(log).toEqual(["open /run/netns/x", "current", "enter 100", "enter 200", "socket 16", "enter 100", "close 100", "close 200"]);
  });

  it("refuses a namespace path with a NUL inside, and a negative fd, before asking the host", () => {
    const { log, guest } = echoHost();
    expect(errnoOf(() => guest.shim.open(0, { tag: "path", val: "/run/netns/a\0b" }))).toBe(EINVAL);
    expect(errnoOf(() => guest.shim.open(0, { tag: "fd", val: -1 }))).toBe(9);
    expect(log).toEqual([]);
  });

  it("ends in the host's fatal, never going on, when the thread cannot return to its namespace", () => {
    let entered = 0;
    const { guest } = echoHost({
      netnsEnter: () => (++entered <= 2 ? 0 : -12), // into the target, then never back
      fatal: (m): never => {
        throw new Error(`fatal: ${m}`);
      },
    });
    expect(errnoOf(() => guest.shim.open(0, { tag: "fd", val: 5 }))).toMatchObject({ message: expect.stringMatching(/fatal: nlshim: cannot return/) });
  });

  it("gives port ids above 2^31 as they are", () => {
    const { guest } = echoHost();
    expect(guest.shim.portId(guest.shim.open(0, undefined))).toBe(0xfffff00d);
  });
});
