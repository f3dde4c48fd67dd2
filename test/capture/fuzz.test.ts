import fc from "fast-check";
import { describe, test } from "vitest";
import { isCodecError } from "@nlwire/codec";
import { CaptureDecoder, CaptureReader, entryJson, entryTree, readCaptureBytes } from "@nlwire/codec/capture";
import { check } from "../codec/fuzz.js";
import { fixture } from "./helpers.js";

/**
 * Damaged captures: the reader raises only the codec's own errors (and only
 * for the file's framing), the decoder never throws at all, whatever the
 * bytes of a record, and rendering never fails.
 */
const files = ["rtnl-dumps-events.pcapng", "genl-nlctrl-netdev.pcapng", "ctnetlink-dump.pcapng", "sock-diag-dumps.pcapng"].map(fixture);
const RUNS = 150;

const mutated = fc
  .tuple(fc.constantFrom(...files), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), fc.nat())
  .map(([bytes, flips, cut]) => {
    const b = bytes.slice(0, bytes.length - (cut % 64));
    for (const [at, v] of flips) b[at % b.length] = v;
    return b;
  });

describe("damaged captures", () => {
  test("the reader throws codec errors only; decoding and rendering never throw", () => {
    fc.assert(
      fc.property(mutated, fc.integer({ min: 256, max: 8192 }), (bytes, chunk) => {
        const reader = new CaptureReader();
        const decoder = new CaptureDecoder();
        try {
          for (let i = 0; i <= bytes.length; i += chunk) {
            const recs = i < bytes.length ? reader.push(bytes.subarray(i, i + chunk)) : reader.end();
            for (const r of recs) for (const e of decoder.decode(r)) {
              JSON.stringify(entryJson(e));
              entryTree(e);
            }
          }
        } catch (e) {
          check(isCodecError(e), "a foreign exception escaped", String(e));
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("record payloads of random bytes decode to notes or messages, never to an exception", () => {
    const template = readCaptureBytes(files[0]!).records[1]!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (body, cooked) => {
        const data = cooked ? new Uint8Array([...template.data.subarray(0, 16), ...body]) : body;
        for (const e of new CaptureDecoder().decode({ ...template, data, originalLength: data.length + 8 })) JSON.stringify(entryJson(e));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
