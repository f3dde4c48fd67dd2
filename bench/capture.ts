/**
 * The capture-decoding benchmark: a pcapng file of at least 100 MB of real
 * netlink traffic (a route dump recorded through nlwire's tee in a throw-away
 * namespace, its records replayed until the file is large enough), decoded to
 * NDJSON by `nlwire decode` and to JSON by `tshark -T json` in the same run.
 * Both write to /dev/null; /usr/bin/time gives wall time and peak RSS.
 *
 *   npm run bench:capture [-- --mb 100 --routes 20000 --rerecord]
 *
 * Results go to bench/out/capture.json.
 */
import { existsSync, mkdirSync, openSync, closeSync, statSync, writeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { HOST_LITTLE_ENDIAN } from "@nlwire/codec";
import { LINKTYPE_NETLINK, PcapngWriter } from "@nlwire/codec/capture";
import { rtRoute } from "@nlwire/codec/families/rt-route";
import { NetlinkClient } from "../client/index.js";
import { readCaptureFile } from "../capture/file.js";
import { recordTo } from "../capture/record.js";
import { openNative } from "../transport/index.js";
import { ipBatch, withNetns } from "../tools/netns.js";
import { ROOT } from "../tools/paths.js";
import { routeBatch } from "./record-routes.js";

const OUT = join(ROOT, "bench", "out");
const CLI = join(ROOT, "dist", "cli", "main.js");

interface Run {
  tool: string;
  /** Wall time. */
  seconds: number;
  /** User plus system CPU time: what the machine's other load does not change much. */
  cpuSeconds: number;
  peakRssMB: number;
  inputMBps: number;
  cpuMBps: number;
  messagesPerSecond: number;
}

/** A route dump of `routes` blackhole routes, recorded through the tee. */
async function recordSeed(path: string, routes: number): Promise<void> {
  await withNetns(async (ns) => {
    await ipBatch(ns, routeBatch(routes));
    const { transport } = recordTo(openNative({ protocol: 0, netns: ns }), path);
    const c = new NetlinkClient(transport);
    try {
      await c.dump(rtRoute, "getroute", { fixed: { "rtm-family": 2 } }).toArray();
    } finally {
      c.close();
    }
  }, "nlwcb");
}

/** The seed's records, written again and again (timestamps moved on) until the file holds `mb` MB. */
async function replicate(seed: string, path: string, mb: number): Promise<number> {
  const records = [];
  for await (const r of readCaptureFile(seed)) records.push(r);
  const w = new PcapngWriter();
  const fd = openSync(path, "w");
  let size = 0;
  const put = (b: Uint8Array) => {
    writeSync(fd, b);
    size += b.length;
  };
  put(w.sectionHeader({ application: "nlwire bench", comments: [`a recorded route dump replayed to ${mb} MB`] }));
  put(w.interfaceDescription({ linkType: LINKTYPE_NETLINK, name: "netlink-route" }));
  const span = records.at(-1)!.timestampNs! - records[0]!.timestampNs! + 1000n;
  let n = 0;
  for (let round = 0n; size < mb * 1e6; round++) {
    for (const r of records) {
      put(w.enhancedPacket({ interfaceId: 0, timestampNs: r.timestampNs! + round * span, data: r.data, ...(r.direction ? { direction: r.direction } : {}) }));
      n++;
    }
  }
  closeSync(fd);
  return n;
}

/** Runs `cmd` under /usr/bin/time with stdout to /dev/null. */
function timed(tool: string, cmd: string, args: string[], inputBytes: number, messages: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const devnull = openSync("/dev/null", "w");
    const p = spawn("/usr/bin/time", ["-f", "TIME %e %M %U %S", cmd, ...args], { stdio: ["ignore", devnull, "pipe"] });
    let err = "";
    p.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    p.on("exit", (code) => {
      closeSync(devnull);
      const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`${tool} failed (${code}): ${err.slice(-500)}`));
      const seconds = Number(m[1]);
      const cpuSeconds = Number(m[3]) + Number(m[4]);
      resolve({
        tool, seconds, cpuSeconds, peakRssMB: Number(m[2]) / 1024, inputMBps: inputBytes / 1e6 / seconds,
        cpuMBps: inputBytes / 1e6 / cpuSeconds, messagesPerSecond: messages / seconds,
      });
    });
  });
}

/** Netlink messages in the file (to give a rate in messages). */
async function countMessages(path: string): Promise<number> {
  let n = 0;
  for await (const r of readCaptureFile(path)) {
    const v = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    for (let p = 16; r.data.length - p >= 16; n++) {
      const len = v.getUint32(p, HOST_LITTLE_ENDIAN);
      if (len < 16) break;
      p += len + ((4 - (len % 4)) % 4);
    }
  }
  return n;
}

const formatRate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`).padStart(8);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mb: { type: "string", default: "100" }, routes: { type: "string", default: "20000" }, rerecord: { type: "boolean" } } });
  const mb = Number(values.mb);
  mkdirSync(OUT, { recursive: true });
  const seed = join(OUT, "capture-seed.pcapng");
  const big = join(OUT, `capture-${mb}mb.pcapng`);
  if (values.rerecord || !existsSync(seed)) await recordSeed(seed, Number(values.routes));
  let records = 0;
  if (values.rerecord || !existsSync(big)) records = await replicate(seed, big, mb);
  const bytes = statSync(big).size;
  const messages = await countMessages(big);
  console.log(`input: ${big} (${(bytes / 1e6).toFixed(1)} MB, ${messages} netlink messages${records ? ` in ${records} records` : ""})`);
  const nlwire = await timed("nlwire decode --ndjson", process.execPath, [CLI, "decode", big, "--ndjson"], bytes, messages);
  const tshark = await timed("tshark -T json", "tshark", ["-r", big, "-T", "json", "--no-duplicate-keys"], bytes, messages);
  for (const r of [nlwire, tshark]) {
    console.log(
      `${r.tool.padEnd(24)} wall ${r.seconds.toFixed(1).padStart(6)} s ${r.inputMBps.toFixed(1).padStart(6)} MB/s ${formatRate(r.messagesPerSecond)} msgs/s` +
        `  cpu ${r.cpuSeconds.toFixed(1).padStart(6)} s ${r.cpuMBps.toFixed(1).padStart(6)} MB/s  peak RSS ${r.peakRssMB.toFixed(0)} MB`,
    );
  }
  const ratio = tshark.seconds / nlwire.seconds;
  const cpuRatio = tshark.cpuSeconds / nlwire.cpuSeconds;
  console.log(`nlwire vs tshark: ${ratio.toFixed(1)}x the throughput (wall), ${cpuRatio.toFixed(1)}x per CPU second, ${(nlwire.peakRssMB / tshark.peakRssMB).toFixed(2)}x the peak memory`);
  writeFileSync(join(OUT, "capture.json"), JSON.stringify({ inputBytes: bytes, messages, runs: [nlwire, tshark], throughputVsTshark: ratio, cpuThroughputVsTshark: cpuRatio, date: new Date().toISOString() }, null, 2));
}

await main();
