/**
 * A capture of about `mb` MB made from a recorded one: its records written
 * again and again (timestamps moved on), so every message is one the kernel
 * really sent. For the "does not freeze" check.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { PcapngWriter, readCaptureBytes, LINKTYPE_NETLINK } from "@nlwire/codec/capture";

export function replicateCapture(seed: Uint8Array, path: string, mb: number): { records: number; bytes: number } {
  const { records, interfaces } = readCaptureBytes(seed);
  const w = new PcapngWriter();
  const fd = openSync(path, "w");
  let bytes = 0;
  const put = (b: Uint8Array): void => {
    writeSync(fd, b);
    bytes += b.length;
  };
  try {
    put(w.sectionHeader({ application: "nlwire viewer test", comments: [`a recorded capture replayed to ${mb} MB`] }));
    for (const i of interfaces) put(w.interfaceDescription({ linkType: i.linkType ?? LINKTYPE_NETLINK, ...(i.name ? { name: i.name } : {}) }));
    const first = records[0]!.timestampNs!;
    const span = records.at(-1)!.timestampNs! - first + 1000n;
    let n = 0;
    for (let round = 0n; bytes < mb * 1e6; round++) {
      for (const r of records) {
        const base = { interfaceId: r.interfaceId, timestampNs: r.timestampNs! + round * span, data: r.data };
        put(w.enhancedPacket({ ...base, ...(r.direction ? { direction: r.direction } : {}), ...(round === 0n && r.comments ? { comments: r.comments } : {}) }));
        n++;
      }
    }
    return { records: n, bytes };
  } finally {
    closeSync(fd);
  }
}
