/**
 * Replays every finding the fuzzer saved (test/fixtures/fuzz/*.json): each
 * input must now decode cleanly or be refused with the codec's own error,
 * within the time and allocation bounds. A finding still open (not fixed
 * yet) carries `"open": "why"` in its file; it is replayed too and must still
 * fail the same way, so that fixing it shows up here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installAllocationWatch, removeAllocationWatch } from "../../fuzz/alloc.js";
import { SLOW_MS, check, savedFindings, signature, type SavedFinding } from "../../fuzz/engine.js";
import { cleanupCli, loadCli } from "../../fuzz/entries/capture.js";
import { entry } from "../../fuzz/table.js";

const saved = savedFindings() as { path: string; finding: SavedFinding & { open?: string } }[];

beforeAll(async () => {
  await loadCli();
  installAllocationWatch();
});
afterAll(() => {
  removeAllocationWatch();
  cleanupCli();
});

describe("saved fuzz findings", () => {
  it("are all on entry points that exist", () => {
    for (const { finding } of saved) expect(() => entry(finding.entry)).not.toThrow();
  });

  it("carry no doc prose of the kernel specs they were built from", () => {
    const hasDoc = (v: unknown): boolean =>
      Array.isArray(v) ? v.some(hasDoc) : v !== null && typeof v === "object" && Object.entries(v).some(([k, x]) => k === "doc" || hasDoc(x));
    expect(saved.filter(({ finding }) => hasDoc(finding.input)).map(({ path }) => path)).toEqual([]);
  });
  for (const { path, finding } of saved) {
    const name = `${finding.entry}: ${finding.kind} (${path.split("/").pop()})`;
    it(finding.open ? `still open: ${name}` : name, async () => {
      const e = entry(finding.entry);
      // The suite runs files in parallel on a shared machine: time is judged at four times the fuzzer's limit here.
      const r = await check(e, e.fromJson(finding.input), 4 * SLOW_MS);
      if (finding.open) expect(r.finding && signature(r.finding)).toBe(signature(finding));
      else expect(r.finding?.what).toBeUndefined();
    });
  }
});
