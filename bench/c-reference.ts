import { join } from "node:path";
import { run, runAsync } from "../tools/exec.js";
import { BUILD_DIR, ROOT } from "../tools/paths.js";
import type { TimingOptions } from "./timing.js";
import type { WalkKind, WalkSums } from "./walks.js";

/** The libmnl reference (bench/c/mnl_walk.c), built by bench/Makefile. */
export const MNL_WALK = join(BUILD_DIR, "bench", "mnl_walk");
/** The libmnl reference of the live-dump benchmark (bench/c/mnl_dump.c), built by the same Makefile. */
export const MNL_DUMP = join(BUILD_DIR, "bench", "mnl_dump");

export interface CWalk extends WalkSums {
  samplesNs: number[];
  medianNs: number;
}

export interface CReference {
  bytes: number;
  datagrams: number;
  walks: Record<WalkKind, CWalk>;
}

/** make is a no-op when the binary is current, so calling this every run is cheap. */
export function buildCReference(): string {
  run("make", ["-s", "-C", join(ROOT, "bench")], { stdio: ["ignore", "inherit", "pipe"] });
  return MNL_WALK;
}

/** Runs the C walks (one per WalkKind) on `file` with the given warm-up and repetition counts. */
export async function runCReference(file: string, opts: TimingOptions): Promise<CReference> {
  const out = await runAsync(MNL_WALK, [file, String(opts.warmup), String(opts.repeats)]);
  return JSON.parse(out.toString()) as CReference;
}
