import type { SysHost } from "../../transport/wasi-host.js";

/** `inner` with every datagram the guest sends through it kept (copied), to prove what reached it. */
export function recordingHost(inner: SysHost): SysHost & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  return {
    ...inner,
    sent,
    sendto(fd, data, port, groups) {
      sent.push(data.slice());
      return inner.sendto(fd, data, port, groups);
    },
  };
}

/** The nlmsghdr types and flags of every message in `datagrams`. */
export function headersOf(datagrams: readonly Uint8Array[]): { type: number; flags: number; seq: number }[] {
  const out: { type: number; flags: number; seq: number }[] = [];
  for (const d of datagrams) {
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let off = 0; off + 16 <= d.length; ) {
      const len = v.getUint32(off, true);
      out.push({ type: v.getUint16(off + 4, true), flags: v.getUint16(off + 6, true), seq: v.getUint32(off + 8, true) });
      if (len < 16) break;
      off += (len + 3) & ~3;
    }
  }
  return out;
}
