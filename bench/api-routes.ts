import { parseArgs } from "node:util";
import { openHandle, type BatchOptions, type NewRoute } from "../api/index.js";
import { ip, ipBatch, ipIn, withNetns } from "../tools/netns.js";
import { median } from "./timing.js";

/**
 * Creating routes through the API next to `ip -batch`, same run: each
 * round makes two fresh namespaces with the same veth pair and address;
 * one gets N routes through `handle.batch()` (several messages per
 * datagram, every ACK checked), the other the same N routes as
 * `route add` lines fed to `ip -n NS -batch -`. Both are timed from the
 * first request to the last ACK (ip: process start to exit), and both
 * namespaces are then counted with `ip -j route show` to prove the work
 * was done. Rounds alternate which side goes first.
 *
 *   node dist/bench/api-routes.js [--routes N] [--rounds N] [--per-datagram N]
 */

const { values } = parseArgs({
  options: {
    routes: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    "per-datagram": { type: "string", default: "64" },
  },
});
const N = Number(values.routes);
const ROUNDS = Number(values.rounds);
const PER_DATAGRAM = Number(values["per-datagram"]);

const SETUP = ["link add v0 type veth peer name v1", "link set v0 up", "link set v1 up", "addr add 10.255.0.1/16 dev v0"];
/** Route i: 10.a.b.0/24 via 10.255.0.2, distinct for i < 65536 * 255 / 256. */
const prefix = (i: number): string => `${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
const routes: NewRoute[] = Array.from({ length: N }, (_, i) => ({ dst: prefix(i), gateway: "10.255.0.2" }));
const ipLines = routes.map((r) => `route add ${r.dst} via ${r.gateway}`);

function countRoutes(ns: string): number {
  return (JSON.parse(ip(["-j", "-n", ns, "route", "show", "via", "10.255.0.2"])) as unknown[]).length;
}

async function timeApi(batch: BatchOptions): Promise<number> {
  return withNetns(async (ns) => {
    ipIn(ns, SETUP);
    const h = openHandle({ netns: ns });
    try {
      const t0 = performance.now();
      const b = h.batch(batch);
      for (const r of routes) b.add(await h.routes.request("add", r));
      const res = await b.run();
      const ms = performance.now() - t0;
      if (res.errors.length || res.ok !== N) throw new Error(`api: ${res.ok} ok, ${res.errors.length} refused: ${res.errors[0]?.message}`);
      if (countRoutes(ns) !== N) throw new Error(`api: ${countRoutes(ns)} routes in the namespace, wanted ${N}`);
      return ms;
    } finally {
      h.close();
    }
  }, "nlwb-api");
}

async function timeIp(): Promise<number> {
  return withNetns(async (ns) => {
    ipIn(ns, SETUP);
    const t0 = performance.now();
    await ipBatch(ns, ipLines);
    const ms = performance.now() - t0;
    if (countRoutes(ns) !== N) throw new Error(`ip: ${countRoutes(ns)} routes in the namespace, wanted ${N}`);
    return ms;
  }, "nlwb-api");
}

async function main(): Promise<void> {
  const api: number[] = [];
  const single: number[] = [];
  const ipb: number[] = [];
  await timeApi({ perDatagram: PER_DATAGRAM }); // warm-up: JIT and the family's compiled encoders
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) ipb.push(await timeIp()), api.push(await timeApi({ perDatagram: PER_DATAGRAM }));
    else api.push(await timeApi({ perDatagram: PER_DATAGRAM })), ipb.push(await timeIp());
    single.push(await timeApi({ perDatagram: 1 }));
  }
  const a = median(api);
  const s = median(single);
  const i = median(ipb);
  const fmt = (ms: number) => `${ms.toFixed(1).padStart(8)} ms  ${Math.round((N / ms) * 1000).toLocaleString("en").padStart(9)} routes/s`;
  console.log(`${N} routes (via a gateway, main table), median of ${ROUNDS} rounds, each in a fresh namespace:`);
  console.log(`  nlwire api, batched (${PER_DATAGRAM}/datagram) ${fmt(a)}`);
  console.log(`  nlwire api, one per datagram      ${fmt(s)}`);
  console.log(`  ip -batch                         ${fmt(i)}`);
  console.log(`  ratio ip -batch / api batched: ${(i / a).toFixed(2)}x (target: > 1, faster than ip -batch)`);
  console.log(`  ratio ip -batch / api unbatched: ${(i / s).toFixed(2)}x`);
}

await main();
