/**
 * A short, seeded and deterministic fuzz run over every entry point, as part
 * of the normal suite (the long runs are `npm run fuzz`, see docs/fuzzing.md).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installAllocationWatch, removeAllocationWatch } from "../../fuzz/alloc.js";
import { cleanupCli, loadCli } from "../../fuzz/entries/capture.js";
import { runFuzz } from "../../fuzz/run.js";
import { entries } from "../../fuzz/table.js";

const SEED = 0x6e6c77;
/** Inputs per entry point: a few seconds in all. */
const INPUTS = 60;

beforeAll(async () => {
  await loadCli();
  installAllocationWatch();
});
afterAll(() => {
  removeAllocationWatch();
  cleanupCli();
});

describe("short fuzz run", () => {
  it("covers every decode entry point: codec, families, specs, captures, the CLI", () => {
    const names = entries().map((e) => e.name);
    for (const n of ["splitDatagram", "MessageCursor+AttrCursor", "decodeAttrTree", "decodeError+decodeDone", "Family.fromSpec",
      "CaptureReader", "CaptureDecoder", "nlwire decode", "family:rt-link", "family:nlctrl"]) expect(names).toContain(n);
    expect(names.filter((n) => n.startsWith("family:")).length).toBeGreaterThanOrEqual(35);
  });

  it("builds the same inputs from the same seed", () => {
    for (const e of entries().slice(0, 8)) expect(e.toJson(e.input(SEED, 5))).toEqual(e.toJson(e.input(SEED, 5)));
  });

  it(`finds nothing in ${INPUTS} inputs per entry point`, async () => {
    const { stats, findings } = await runFuzz({ entries: entries(), seed: SEED, inputsPerEntry: INPUTS });
    const total = Object.values(stats).reduce((n, s) => n + s.inputs, 0);
    expect(total).toBe(INPUTS * entries().length);
    // Some inputs get through every entry point, and some are refused: the mutations reach both sides.
    for (const [name, s] of Object.entries(stats)) expect(s.decoded + s.rejected, name).toBeGreaterThan(0);
    expect(findings.map((f) => `${f.entry} ${f.kind}: ${f.what}`)).toEqual([]);
  });
});
