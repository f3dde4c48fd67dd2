import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The C recorder built by tools/Makefile. */
export const NLRECORD = fileURLToPath(new URL("../../build/tools/nlrecord", import.meta.url));

/**
 * Splits nlrecord's output (per datagram: u32 little-endian length, bytes)
 * into one Uint8Array per datagram, each a view of `file`.
 */
export function readNlrec(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  for (let pos = 0; pos + 4 <= file.length; ) {
    const len = view.getUint32(pos, true);
    if (pos + 4 + len > file.length) throw new Error(`nlrec record at ${pos} runs past the end`);
    out.push(file.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}

export interface RecordOptions {
  netns?: string;
  extAck?: boolean;
  strict?: boolean;
}

/** Sends the requests from inside `netns` and returns every datagram received. */
export function record(protocol: number, requests: readonly Uint8Array[], opts: RecordOptions = {}): Uint8Array[] {
  const args = [String(protocol)];
  if (opts.extAck) args.push("--ext-ack");
  if (opts.strict) args.push("--strict");
  args.push(...requests.map((r) => Buffer.from(r).toString("hex")));
  const cmd = opts.netns ? ["ip", ["netns", "exec", opts.netns, NLRECORD, ...args]] as const : [NLRECORD, args] as const;
  const out = execFileSync(cmd[0], cmd[1], { maxBuffer: 1 << 30 });
  return readNlrec(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
}
