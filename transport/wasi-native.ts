import { loadNativeAddon } from "./native-addon.js";
import type { HostDatagram, SysHost } from "./wasi-host.js";

/** shim-c/node/host.c: the sys.h calls over plain fds; negative numbers are negative errnos. */
export interface NativeHostCalls {
  socket(protocol: number): number;
  bind(fd: number, portId: number, groups: number): number;
  getsockname(fd: number): [number, number] | number;
  setsockopt(fd: number, level: number, name: number, value: number): number;
  getsockopt(fd: number, level: number, name: number): number;
  sendto(fd: number, data: Uint8Array, portId: number, groups: number): number;
  /** Bytes put in buf (at most len) or -errno; info gets [whole length, sender's port id, has nsid, nsid]. */
  recv(fd: number, buf: Uint8Array, len: number, flags: number, info: Int32Array): number;
  close(fd: number): number;
  netnsCurrent(): number;
  netnsOpen(path: string): number;
  netnsEnter(fd: number): number;
  watch(fd: number, callback: (() => void) | null, threaded?: boolean): number;
}

export interface NativeHostOptions {
  /** Where the addon is (default: build/Release/nlwire_shim.node of this checkout). */
  addonPath?: string;
  /**
   * Read ahead on each receiving socket's own thread (the default, as the
   * native transport's), so that the kernel builds a dump's next datagrams
   * while this thread decodes; false: uv_poll on this thread only.
   */
  readerThread?: boolean;
}

/**
 * The host that reaches the kernel: every system call the guest makes is
 * made by the Node addon, on this thread. Namespaces work as natively: the
 * guest's nls_open enters the target, creates the socket and comes back.
 * With the reader thread, a socket's datagrams are read ahead by the addon
 * and the guest's receives are answered from that queue.
 */
export function nativeHost({ addonPath, readerThread = true }: NativeHostOptions = {}): SysHost {
  const h = (loadNativeAddon(addonPath) as unknown as { host?: NativeHostCalls }).host;
  if (!h) throw new Error("the nlwire native addon has no `host` (it predates the WASI transport): npm rebuild");
  const info = new Int32Array(4);
  // One buffer for every receive: the guest copies the bytes into its memory before the next call.
  let scratch = new Uint8Array(65536);
  return {
    socket: (p) => h.socket(p),
    bind: (fd, port, groups) => h.bind(fd, port, groups),
    getsockname: (fd) => h.getsockname(fd),
    setsockopt: (fd, level, name, value) => h.setsockopt(fd, level, name, value),
    getsockopt: (fd, level, name) => h.getsockopt(fd, level, name),
    sendto: (fd, data, port, groups) => h.sendto(fd, data, port, groups),
    recv(fd, len, flags): HostDatagram | number {
      if (len > scratch.length) scratch = new Uint8Array(len);
      const n = h.recv(fd, scratch, len, flags, info);
      if (n < 0) return n;
      const d: HostDatagram = { data: scratch.subarray(0, n), length: info[0]!, from: info[1]! >>> 0 };
      if (info[2]) d.nsid = info[3]!;
      return d;
    },
    close: (fd) => h.close(fd),
    netnsCurrent: () => h.netnsCurrent(),
    netnsOpen: (path) => h.netnsOpen(path),
    netnsEnter: (fd) => h.netnsEnter(fd),
    watch: (fd, cb) => h.watch(fd, cb, readerThread),
    fatal(message): never {
      // This thread may be stranded in a foreign namespace: going on would put every later socket there.
      process.stderr.write(`${message}\n`);
      process.abort();
    },
  };
}
