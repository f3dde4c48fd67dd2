import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { decodeCommand } from "../../cli/decode.js";

/** Collects what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const parts: string[] = [];
  const stream = new Writable({ write: (c, _e, done) => (parts.push(String(c)), done()) });
  return { stream, text: () => parts.join("") };
}

describe("nlwire decode's progress bar", () => {
  const dir = mkdtempSync(join(tmpdir(), "nlwire-progress-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("draws on the progress stream while a long decode runs, then erases itself; the output is untouched", async () => {
    // A capture that takes a while: the recorded captures over and over (pcapng allows any number of sections).
    const fixtures = join(import.meta.dirname, "../fixtures/captures");
    const one = Buffer.concat(readdirSync(fixtures).filter((f) => f.endsWith(".pcapng")).map((f) => readFileSync(join(fixtures, f))));
    const file = join(dir, "long.pcapng");
    writeFileSync(file, Buffer.concat(Array.from({ length: Math.ceil(12e6 / one.length) }, () => one)));
    const [out, err, bar] = [sink(), sink(), sink()];
    const started = Date.now();
    expect(await decodeCommand([file, "--ndjson"], out.stream, err.stream, bar.stream)).toBe(0);
    expect(err.text()).toBe("");
    expect(out.text()).not.toContain("decoding [");
    if (Date.now() - started > 700) {
      expect(bar.text()).toMatch(/^\rdecoding \[[=> ]{30}\] +\d+%  [\d.]+ of [\d.]+ MB/);
      expect(bar.text().endsWith("\r\x1b[K")).toBe(true);
    } else {
      expect(bar.text()).toBe(""); // quick runs stay clean
    }
  });
});
