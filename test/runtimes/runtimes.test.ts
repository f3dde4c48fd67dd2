/**
 * The codec's runtime-independent tests (select.ts) under Bun and in Debian's
 * Chromium, each in a process of its own; `npm test` runs them through this file.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, runtimeIndependentTests } from "./select.js";
import { chromiumMissing } from "../viewer/chromium.js";

const BUN = join(REPO, "node_modules/.bin/bun");
const VITEST = join(REPO, "node_modules/vitest/vitest.mjs");
const tests = runtimeIndependentTests();

interface Finished {
  status: number | null;
  output: string;
}

/** Runs a command to its end; the parent's vitest variables stay out of the child. */
function finish(cmd: string, args: string[]): Promise<Finished> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")));
  const child = spawn(cmd, args, { cwd: REPO, env: { ...env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => chunks.push(b));
  child.stderr.on("data", (b: Buffer) => chunks.push(b));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output: Buffer.concat(chunks).toString() }));
  });
}

describe("runtime-independent codec tests", () => {
  it("are found, and exclude every file that needs Node", () => {
    expect(tests).toContain("test/codec/ack.test.ts");
    expect(tests).toContain("test/codec/fuzz-messages.test.ts");
    expect(tests).not.toContain("test/codec/wire.test.ts"); // node:os
    expect(tests).not.toContain("test/codec/env-free.test.ts"); // node:fs, vite
  });

  it("pass under Bun, against the codec's sources", async () => {
    const where = await finish(BUN, ["--no-install", "--conditions", "source", "-e", 'console.log(Bun.resolveSync("@nlwire/codec", process.cwd()))']);
    expect(where.output.trim()).toBe(join(REPO, "codec/src/index.ts"));
    const r = await finish(BUN, ["test", "--no-install", "--conditions", "source", ...tests.map((t) => `./${t}`)]);
    expect(r.output).toMatch(/\n\s*0 fail\n/);
    expect(r.output).toContain(`across ${tests.length} files`);
    expect(r.status, r.output).toBe(0);
  });

  it("pass in Chromium (vitest browser mode)", async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
    const dir = mkdtempSync(join(tmpdir(), "nlwire-browser-run-"));
    try {
      const report = join(dir, "report.json");
      const r = await finish(process.execPath, [VITEST, "run", "--config", "test/runtimes/vitest.browser.config.ts",
        "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain("chromium");
      const json = JSON.parse(readFileSync(report, "utf8")) as {
        numTotalTests: number; numPassedTests: number; testResults: { name: string; status: string }[];
      };
      expect(json.testResults.map((t) => t.name.slice(REPO.length + 1)).sort()).toEqual(tests);
      expect(json.testResults.every((t) => t.status === "passed")).toBe(true);
      expect(json.numTotalTests).toBeGreaterThan(100);
      expect(json.numPassedTests).toBe(json.numTotalTests);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
