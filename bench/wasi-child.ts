import { NetlinkClient, openNetlink } from "../client/index.js";
import { WasiShim, openWasi } from "../transport/wasi.js";
import { nativeHost } from "../transport/wasi-native.js";
import { dumpOnce } from "./live-child.js";

/**
 * One measurement of bench/wasi.ts in a fresh process: the route dump of
 * bench/live-child.ts (typed objects out of the client's iterator), over
 * one transport. Prints one JSON object.
 *
 *   node wasi-child.js native|native-poll|wasi|wasi-poll NETNS WARMUP REPEATS
 *
 * native: the client's default (openNetlink: a reader thread per socket);
 * wasi: the shim's Wasm build over the native-backed host (which reads ahead
 * the same way by default); the -poll variants receive with uv_poll on this
 * thread instead, the native transport and the host alike.
 */

export type WasiBenchTransport = "native" | "native-poll" | "wasi" | "wasi-poll";
const TRANSPORTS: readonly string[] = ["native", "native-poll", "wasi", "wasi-poll"];

export interface WasiChildResult {
  transport: WasiBenchTransport;
  items: number;
  check: number;
  samplesNs: number[];
}

async function open(transport: WasiBenchTransport, netns: string): Promise<NetlinkClient> {
  if (transport === "native") return openNetlink({ protocol: 0, netns });
  if (transport === "native-poll") return openNetlink({ protocol: 0, netns, readerThread: false });
  const guest = (await WasiShim.load()).instantiate(nativeHost({ readerThread: transport === "wasi" }));
  return new NetlinkClient(openWasi(guest, { protocol: 0, netns }));
}

async function main([transport = "", netns = "", warmup = "2", repeats = "5"]: readonly string[]): Promise<void> {
  if (!TRANSPORTS.includes(transport)) throw new Error(`unknown transport ${JSON.stringify(transport)}`);
  const c = await open(transport as WasiBenchTransport, netns);
  try {
    let last = { items: 0, check: 0 };
    for (let i = 0; i < Number(warmup); i++) last = await dumpOnce(c, "route");
    const samplesNs: number[] = [];
    for (let i = 0; i < Number(repeats); i++) {
      const t0 = process.hrtime.bigint();
      last = await dumpOnce(c, "route");
      samplesNs.push(Number(process.hrtime.bigint() - t0));
    }
    const out: WasiChildResult = { transport: transport as WasiBenchTransport, ...last, samplesNs };
    process.stdout.write(JSON.stringify(out) + "\n");
  } finally {
    c.close();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
