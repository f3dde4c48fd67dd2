/**
 * Median-of-N timing. The median, not the mean, because one GC pause or a
 * scheduler hiccup on a 2-core box would otherwise move the result.
 */

export interface TimingOptions {
  /** Untimed runs first, so V8 has optimised the code being measured. */
  warmup: number;
  repeats: number;
}

export interface Timing<R> {
  medianNs: number;
  samplesNs: number[];
  /** What the last run returned; callers check it so the work is not dead code. */
  result: R;
}

/** Same rule as bench/c/mnl_walk.c: the mean of the middle two for even counts. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function timeRuns<R>(fn: () => R, opts: TimingOptions): Timing<R> {
  if (opts.repeats < 1) throw new Error("timeRuns: repeats must be at least 1");
  for (let i = 0; i < opts.warmup; i++) fn();
  let result!: R;
  const samplesNs: number[] = [];
  for (let i = 0; i < opts.repeats; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    samplesNs.push(Number(process.hrtime.bigint() - t0));
  }
  return { medianNs: median(samplesNs), samplesNs, result };
}

/** Throughput from a byte or item count and a duration. */
export function perSecond(count: number, ns: number): number {
  return (count * 1e9) / ns;
}
