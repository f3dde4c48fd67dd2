import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Root } from "../wasm/js/nlshim.js";
import { ShimOptions } from "./options.js";
import { EBADF, ENOBUFS, OverrunError, TransportError } from "./errors.js";
import { netnsTarget, type GroupControl, type OpenOptions, type OptionControl, type Receiver, type Transport } from "./transport.js";
import { EAGAIN, toImports, type SysHost } from "./wasi-host.js";

/** The guest's `shim` exports; a failed call throws its errno (a number). */
export type ShimExports = Root["shim"];
type Instantiate = (getCoreModule: (path: string) => CoreModule, imports: object) => Root;
/** A compiled core module; ES2022's lib (no DOM) has no WebAssembly types, so only what is used here. */
type CoreModule = object;
declare const WebAssembly: { Module: new (bytes: Uint8Array) => CoreModule };

/** Datagrams per readiness callback, as the addon's DRAIN_BUDGET: then the event loop gets a turn. */
const DRAIN_BUDGET = 64;
/** nlshim.h's NLS_DUMP_BUFFER, and the receive buffer below which the wide peek is not used (see addon.c). */
const DUMP_BUFFER = 32768;
const WIDE_MIN_RCVBUF = 4 * DUMP_BUFFER;

/** wasm/ of the checkout holding this module (from transport/ or dist/transport/): the committed component. */
export function defaultWasmDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "wasm", "manifest.json"))) return join(dir, "wasm");
    if (dirname(dir) === dir) throw new Error("cannot find wasm/manifest.json above this module: the shim component is missing");
  }
}

/** The shim component, compiled once: instantiate it over as many hosts as needed, synchronously. */
export class WasiShim {
  readonly #instantiate: Instantiate;
  readonly #modules = new Map<string, CoreModule>();
  readonly #dir: string;

  private constructor(instantiate: Instantiate, dir: string) {
    this.#instantiate = instantiate;
    this.#dir = dir;
  }

  /** Loads wasm/js/nlshim.js (the transpiled component) and compiles its core modules. */
  static async load(wasmDir = defaultWasmDir()): Promise<WasiShim> {
    const js = join(wasmDir, "js");
    const mod = (await import(pathToFileURL(join(js, "nlshim.js")).href)) as { instantiate: Instantiate };
    return new WasiShim(mod.instantiate, js);
  }

  /** A guest whose system calls `host` answers. One guest serves any number of sockets, one call at a time. */
  instantiate(host: SysHost): WasiGuest {
    const sys = toImports(host);
    const root = this.#instantiate((path) => this.#module(path), { "nlwire:shim/sys": sys, "nlwire:shim/sys@0.1.0": sys });
    return { shim: root.shim, host, options: root.shim.optionNames() };
  }

  #module(path: string): CoreModule {
    let m = this.#modules.get(path);
    if (!m) this.#modules.set(path, (m = new WebAssembly.Module(readFileSync(join(this.#dir, path)))));
    return m;
  }
}

export interface WasiGuest {
  readonly shim: ShimExports;
  readonly host: SysHost;
  /** The option names in the shim's numbering. */
  readonly options: readonly string[];
}

/** Runs a guest call; an errno it throws becomes a TransportError naming `op`. */
function call<T>(op: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (typeof e === "number") throw new TransportError(op, e);
    throw e;
  }
}

function u32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${what}: ${value} is not a u32`);
  return value;
}

/**
 * Opens a netlink socket through the shim's Wasm build running in `guest`,
 * bound (with `groups`) so that its port id is known at once; `netns` as
 * for the native transport.
 */
export function openWasi(guest: WasiGuest, opts: OpenOptions): WasiTransport {
  const protocol = u32(opts.protocol, "protocol");
  const target = opts.netns === undefined ? undefined : netnsTarget(opts.netns);
  const netns = target === undefined ? undefined : typeof target === "number" ? { tag: "fd" as const, val: u32(target, "netns fd") } : { tag: "path" as const, val: target };
  const fd = call(target === undefined ? "open" : `open in netns ${target}`, () => guest.shim.open(protocol, netns));
  try {
    call("bind", () => guest.shim.bind(fd, u32(opts.groups ?? 0, "groups")));
    return new WasiTransport(guest, fd, protocol, call("getsockname", () => guest.shim.portId(fd)));
  } catch (e) {
    call("close", () => guest.shim.close(fd));
    throw e;
  }
}

export class WasiTransport implements Transport {
  readonly kind = "wasi";
  readonly protocol: number;
  readonly portId: number;
  readonly groups: GroupControl;
  readonly options: OptionControl;
  readonly #guest: WasiGuest;
  readonly #fd: number;
  #receiver: Receiver | null = null;
  #closed = false;
  #wideDumps = false;

  constructor(guest: WasiGuest, fd: number, protocol: number, portId: number) {
    this.#guest = guest;
    this.#fd = fd;
    this.protocol = protocol;
    this.portId = portId;
    const shim = guest.shim;
    this.groups = {
      join: (group) => call(`join group ${group}`, () => shim.joinGroup(fd, u32(group, "group"))),
      leave: (group) => call(`leave group ${group}`, () => shim.leaveGroup(fd, u32(group, "group"))),
    };
    this.options = new ShimOptions("wasi", guest.options, (i, v, name) => void call(`set ${name}`, () => guest.shim.setOption(fd, i, v)), (i, name) =>
      call(`get ${name}`, () => guest.shim.getOption(fd, i)),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(datagram: Uint8Array): Promise<void> {
    try {
      if (this.#closed) throw new TransportError("send", EBADF, "the transport is closed");
      call("send", () => this.#guest.shim.send(this.#fd, datagram));
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  receive(receiver: Receiver | null): void {
    if (this.#closed) throw new TransportError("receive", EBADF, "the transport is closed");
    this.#receiver = receiver;
    const r = this.#guest.host.watch(this.#fd, receiver ? this.#drain : null);
    if (r < 0) {
      this.#receiver = null;
      throw new TransportError("receive", -r);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#guest.host.watch(this.#fd, null);
    try {
      this.#guest.shim.close(this.#fd);
    } catch {
      // Linux releases the fd whatever close() says; nothing is left to do.
    }
    const r = this.#receiver;
    this.#receiver = null;
    r?.end?.();
  }

  /** Reads until EAGAIN or the budget is spent; the host calls again while more is queued. */
  readonly #drain = (): void => {
    for (let budget = DRAIN_BUDGET; budget > 0; budget--) {
      const r = this.#receiver;
      if (!r || this.#closed) return;
      const shim = this.#guest.shim;
      let data: Uint8Array;
      let from: number;
      let nsid: number | undefined;
      try {
        const probe = this.#probe();
        ({ data, fromPort: from, nsid } = shim.take(this.#fd, probe));
        if (probe) this.#wideDumps = true; // only a peek that found a datagram counts
      } catch (e) {
        if (typeof e !== "number") throw e;
        if (e === EAGAIN) return;
        if (e === ENOBUFS) {
          r.error(new OverrunError());
          continue;
        }
        // As natively: any error but ENOBUFS ends reception.
        this.#receiver = null;
        this.#guest.host.watch(this.#fd, null);
        r.error(new TransportError("receive", e));
        return;
      }
      r.datagram(data, nsid === undefined ? { from } : { from, nsid });
    }
  };

  /** The peek's buffer: once, 32 KiB, so that the kernel sends dumps in 32 KiB datagrams (nlshim.h, NLS_DUMP_BUFFER). */
  #probe(): number {
    if (this.#wideDumps) return 0;
    const rcvbuf = this.options.get("rcvbuf");
    return rcvbuf < WIDE_MIN_RCVBUF ? 0 : DUMP_BUFFER;
  }
}

