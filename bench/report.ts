import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { dirname, relative } from "node:path";
import { ROOT } from "../tools/paths.js";
import { summarize, type Pool, type PoolSummary } from "./samples.js";
import { formatNumber, formatTable } from "./table.js";
import { perSecond, type TimingOptions } from "./timing.js";
import { WALKS, WALK_KINDS, type WalkKind, type WalkSums } from "./walks.js";

/** One measured walk: its pooled samples and the sums of its last run. */
export interface Measured {
  name: string;
  kind: WalkKind;
  pool: Pool;
  sums: WalkSums;
}

/** A walk that was not measured, and why. */
export interface Skipped {
  name: string;
  reason: string;
}

export interface Row extends PoolSummary {
  name: string;
  kind: WalkKind;
  mbPerSec: number;
  msgsPerSec: number;
  /** This walk's throughput over the C walk's of the same kind. */
  vsC: number;
  sums: WalkSums;
}

export interface Report {
  file: string;
  datagrams: number;
  bytes: number;
  rows: Row[];
  skipped: Skipped[];
  opts: TimingOptions & { processes: number };
}

export function toRows(measured: readonly Measured[], bytes: number): Row[] {
  const cMedian = (kind: WalkKind): number => summarize(measured.find((m) => m.kind === kind)!.pool).medianNs;
  const rows = measured.map((m): Row => {
    const s = summarize(m.pool);
    const { messages, attrs, check } = m.sums;
    return {
      name: m.name,
      kind: m.kind,
      ...s,
      mbPerSec: perSecond(bytes, s.medianNs) / 1e6,
      msgsPerSec: perSecond(messages, s.medianNs),
      vsC: cMedian(m.kind) / s.medianNs,
      sums: { messages, attrs, check },
    };
  });
  // Group by kind (a stable sort), so each C line sits above the walks compared with it.
  return rows.sort((a, b) => WALK_KINDS.indexOf(a.kind) - WALK_KINDS.indexOf(b.kind));
}

/** Throughput of the run-time interpreter over the generated decoders' (null when either is missing). */
function interpreterVsGenerated(rows: readonly Row[]): number | null {
  const of = (label: string) => rows.find((r) => r.name === label)?.msgsPerSec;
  const interpreter = of(WALKS.interpreter.label);
  const generated = of(WALKS.generated.label);
  return interpreter !== undefined && generated !== undefined ? interpreter / generated : null;
}

export function printReport(rep: Report): void {
  const { rows, opts } = rep;
  const messages = rows[0]?.sums.messages ?? 0;
  console.log(`input: ${relative(ROOT, rep.file)}: ${rep.datagrams} datagrams, ${formatNumber(rep.bytes / 1e6, 2)} MB, ${messages} messages`);
  console.log(
    `median of ${opts.processes} processes x ${opts.repeats} runs (after ${opts.warmup} warm-up runs each); ` +
      `MB = 10^6 bytes; spread = fastest..slowest process median\n`,
  );
  const header = ["walk", "median ms", "spread ms", "MB/s", "msgs/s", "vs C"];
  const ms = (ns: number): string => formatNumber(ns / 1e6, 2);
  const body = rows.map((r) => [
    r.name,
    ms(r.medianNs),
    `${ms(r.minProcessMedianNs)}..${ms(r.maxProcessMedianNs)}`,
    formatNumber(r.mbPerSec, 0),
    formatNumber(r.msgsPerSec, 0),
    `${formatNumber(r.vsC, 2)}x`,
  ]);
  console.log(formatTable(header, body));
  const ratio = interpreterVsGenerated(rows);
  if (ratio !== null) console.log(`\ninterpreter vs generated: ${formatNumber(ratio, 2)}x (Family.fromSpec msgs/s over rtRoute's)`);
  for (const s of rep.skipped) console.log(`skipped ${s.name}: ${s.reason}`);
}

export function writeResults(path: string, rep: Report): void {
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    kernel: release(),
    cpu: cpus()[0]?.model ?? "unknown",
    input: { file: relative(ROOT, rep.file), datagrams: rep.datagrams, bytes: rep.bytes },
    processes: rep.opts.processes,
    warmup: rep.opts.warmup,
    repeats: rep.opts.repeats,
    results: rep.rows,
    derived: { interpreterVsGenerated: interpreterVsGenerated(rep.rows) },
    skipped: rep.skipped,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
}
