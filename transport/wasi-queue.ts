import { EAGAIN, MSG_PEEK, type HostDatagram } from "./wasi-host.js";

/**
 * Datagrams a host makes up itself (a policy's refusals, a replay's
 * answers), read the way recvmsg reads a socket: MSG_PEEK leaves the
 * datagram queued, a short buffer truncates it (the rest is lost, and the
 * whole length is still reported), EAGAIN when empty. Readiness is
 * level-triggered like uv_poll's: while datagrams wait and a watcher is set,
 * it is called again on every turn of the event loop.
 */
export class DatagramQueue {
  readonly #items: HostDatagram[] = [];
  #onReadable: (() => void) | null = null;
  #scheduled = false;
  #closed = false;

  get length(): number {
    return this.#items.length;
  }

  push(d: HostDatagram): void {
    this.#items.push(d);
    this.#kick();
  }

  /** The next datagram, or -EAGAIN. */
  recv(len: number, flags: number): HostDatagram | number {
    const d = flags & MSG_PEEK ? this.#items[0] : this.#items.shift();
    if (!d) return -EAGAIN;
    return d.data.length > len ? { ...d, data: d.data.subarray(0, len) } : d;
  }

  watch(onReadable: (() => void) | null): void {
    this.#onReadable = onReadable;
    this.#kick();
  }

  close(): void {
    this.#closed = true;
    this.#onReadable = null;
    this.#items.length = 0;
  }

  #kick(): void {
    if (this.#scheduled || this.#closed || !this.#onReadable || !this.#items.length) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const cb = this.#onReadable;
      if (!cb || this.#closed || !this.#items.length) return;
      cb();
      this.#kick();
    });
  }
}
