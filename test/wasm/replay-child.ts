// Run (bundled) by replay.test.ts as an unprivileged user with no capabilities:
// plays the recorded sessions through the replay host and prints what the client saw.
import { readFileSync } from "node:fs";
import { NetlinkClient } from "../../client/index.js";
import { openNative } from "../../transport/index.js";
import { WasiShim, openWasi } from "../../transport/wasi.js";
import { conversationsOf, replayHost } from "../../transport/wasi-replay.js";
import { SCENARIOS } from "./replay-scenarios.js";

const [netns, ...files] = process.argv.slice(2);
// What this process could do natively: nothing in that namespace (setns needs CAP_SYS_ADMIN).
let native: string;
try {
  openNative({ protocol: 0, netns: netns! }).close();
  native = "opened";
} catch (e) {
  native = (e as { code?: string }).code ?? String(e);
}
const host = replayHost(files.flatMap((f) => conversationsOf(readFileSync(f))));
const guest = (await WasiShim.load()).instantiate(host);
const env = { open: (protocol: number) => new NetlinkClient(openWasi(guest, { protocol })), act() {} };
const results: Record<string, unknown> = {};
for (const [name, run] of Object.entries(SCENARIOS)) results[name] = await run(env);
console.log(JSON.stringify({ uid: process.getuid?.(), native, results, problems: host.problems }));
