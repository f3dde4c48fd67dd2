import { median } from "./timing.js";

/**
 * Samples pooled over several processes. The pooled median is the figure
 * reported; the spread of the per-process medians shows how much a single
 * process can be off (V8 tiering, mostly), so a reader knows what a
 * difference between two runs has to exceed to mean something.
 */
export interface Pool {
  samplesNs: number[];
  processMediansNs: number[];
}

export function emptyPool(): Pool {
  return { samplesNs: [], processMediansNs: [] };
}

export function addProcess(pool: Pool, samplesNs: readonly number[]): void {
  pool.samplesNs.push(...samplesNs);
  pool.processMediansNs.push(median(samplesNs));
}

export interface PoolSummary {
  medianNs: number;
  minProcessMedianNs: number;
  maxProcessMedianNs: number;
}

export function summarize(pool: Pool): PoolSummary {
  return {
    medianNs: median(pool.samplesNs),
    minProcessMedianNs: Math.min(...pool.processMediansNs),
    maxProcessMedianNs: Math.max(...pool.processMediansNs),
  };
}
