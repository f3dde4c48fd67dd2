import { readNlrec } from "../tools/nlrec.js";
import { timeRuns } from "./timing.js";
import { WALKS, isWalkName, walkAll } from "./walks.js";

/**
 * Times one TypeScript walk in a process of its own and prints its samples
 * as JSON. A fresh process per measurement because V8's tiering is not
 * deterministic: the same walk settles at speeds up to 2x apart from one
 * process to the next, and walks sharing a process would also share (and
 * pollute) each other's type feedback.
 *
 *   node walk-child.js WALK FILE WARMUP REPEATS
 */
async function main(argv: readonly string[]): Promise<void> {
  const [name = "", file = "", warmup = "", repeats = ""] = argv;
  if (!isWalkName(name)) throw new Error(`unknown walk ${JSON.stringify(name)}`);
  const datagrams = readNlrec(file);
  const walk = await WALKS[name].setup();
  const t = timeRuns(() => walkAll(datagrams, walk), { warmup: Number(warmup), repeats: Number(repeats) });
  process.stdout.write(JSON.stringify({ sums: t.result, samplesNs: t.samplesNs }) + "\n");
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
});
