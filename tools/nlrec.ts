import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { run } from "./exec.js";
import { BUILD_DIR, ROOT } from "./paths.js";

/**
 * nlrecord (tools/nlrecord.c) and its output, the nlrec format: per
 * datagram, a u32 little-endian length followed by the datagram's bytes
 * exactly as the kernel sent them.
 */

/** The C recorder built by tools/Makefile. */
export const NLRECORD = join(BUILD_DIR, "tools", "nlrecord");
/** NLRECORD relative to the repository root, as fixtures name it in the commands that made them. */
export const NLRECORD_CMD = relative(ROOT, NLRECORD);

/**
 * Splits an nlrec image into one Uint8Array per datagram: views of `bytes`,
 * or with `copy` each in an ArrayBuffer of its own, as a transport delivers
 * them (views into one big buffer would give a codec a locality and a
 * byteOffset that live input never has).
 */
export function parseNlrec(bytes: Uint8Array, { copy = false } = {}): Uint8Array[] {
  // A plain Uint8Array even over a Buffer, whose slice() is a view, not a copy.
  const file = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos + 4 <= file.length) {
    const len = view.getUint32(pos, true);
    if (len > file.length - pos - 4) throw new Error(`nlrec: record at byte ${pos} runs past the end`);
    const datagram = file.subarray(pos + 4, pos + 4 + len);
    out.push(copy ? datagram.slice() : datagram);
    pos += 4 + len;
  }
  if (pos !== file.length) throw new Error(`nlrec: ${file.length - pos} stray bytes at the end`);
  return out;
}

/** Reads an nlrec file, every datagram in its own buffer. */
export function readNlrec(path: string): Uint8Array[] {
  return parseNlrec(readFileSync(path), { copy: true });
}

export function totalBytes(datagrams: readonly Uint8Array[]): number {
  return datagrams.reduce((n, d) => n + d.length, 0);
}

export interface RecordOptions {
  /** Record from inside this namespace (through `ip netns exec`). */
  netns?: string;
  extAck?: boolean;
  strict?: boolean;
  /** Multicast groups to bind to: bit n-1 stands for group n. */
  groups?: number;
  /** Keep listening after the replies until nothing has come for this long. */
  listenMs?: number;
}

/** nlrecord's arguments: everything but the namespace, which is a matter of how it is started. */
export function nlrecordArgs(protocol: number, requests: readonly Uint8Array[], opts: RecordOptions = {}): string[] {
  const args = [String(protocol)];
  if (opts.extAck) args.push("--ext-ack");
  if (opts.strict) args.push("--strict");
  if (opts.groups !== undefined) args.push("--groups", `0x${opts.groups.toString(16)}`);
  if (opts.listenMs !== undefined) args.push("--listen-ms", String(opts.listenMs));
  return [...args, ...requests.map((r) => Buffer.from(r).toString("hex"))];
}

/** The command that runs nlrecord (in `opts.netns` when set), as [file, args] for run or spawn. */
export function nlrecordCommand(protocol: number, requests: readonly Uint8Array[], opts: RecordOptions = {}): [string, string[]] {
  if (!existsSync(NLRECORD)) throw new Error(`${NLRECORD} is missing: run \`npm run build\` first`);
  const args = nlrecordArgs(protocol, requests, opts);
  return opts.netns ? ["ip", ["netns", "exec", opts.netns, NLRECORD, ...args]] : [NLRECORD, args];
}

/** Sends the requests and returns every datagram received (views of nlrecord's output). */
export function record(protocol: number, requests: readonly Uint8Array[], opts: RecordOptions = {}): Uint8Array[] {
  return parseNlrec(run(...nlrecordCommand(protocol, requests, opts)));
}
