/**
 * Size budgets (issue #11): the codec core, and one family tree-shaken,
 * minified and gzipped. The figures are in docs/size.md.
 */
import { describe, expect, it } from "vitest";
import { coreEntry, familyEntry, kb, measure, wholeIndexEntry } from "./measure.js";

const KB = 1024;

/** The budgets. (The errno messages live in @nlwire/codec/errno-messages, outside the core.) */
const BUDGET = { core: 8 * KB, rtLink: 30 * KB };

describe("size budgets (minified + gzipped)", () => {
  it("codec core without families", async () => {
    const entry = coreEntry();
    expect(entry).toContain("message.ts");
    expect(entry).not.toContain("/ynl/");
    const m = await measure(entry);
    console.log(`core: ${kb(m.minified)} minified, ${kb(m.gzipped)} gzipped (budget ${kb(BUDGET.core)}); largest modules: ` +
      m.modules.slice(0, 6).map(([f, n]) => `${f} ${kb(n)}`).join(", "));
    expect(m.modules.some(([f]) => f.startsWith("ynl/") || f.startsWith("families/") || f === "errno-messages.ts")).toBe(false);
    expect(m.gzipped).toBeLessThanOrEqual(BUDGET.core);
  });

  it("rt-link, tree-shaken (only rtLink imported)", async () => {
    const m = await measure(familyEntry("rt-link", "rtLink"));
    console.log(`rt-link: ${kb(m.minified)} minified, ${kb(m.gzipped)} gzipped (budget ${kb(BUDGET.rtLink)}); largest modules: ` +
      m.modules.slice(0, 6).map(([f, n]) => `${f} ${kb(n)}`).join(", "));
    // Tree-shaken: rt-link and the engine, no other family.
    const families = m.modules.map(([f]) => f).filter((f) => f.startsWith("families/"));
    expect(families).toEqual(["families/rt-link.ts"]);
    expect(m.gzipped).toBeLessThanOrEqual(BUDGET.rtLink);
  });

  it("the whole @nlwire/codec entry (core and YNL engine), for the record", async () => {
    const m = await measure(wholeIndexEntry());
    console.log(`@nlwire/codec (index.ts, everything): ${kb(m.minified)} minified, ${kb(m.gzipped)} gzipped`);
    expect(m.modules.some(([f]) => f.startsWith("families/"))).toBe(false);
    expect(m.gzipped).toBeGreaterThan(0);
  });
});
