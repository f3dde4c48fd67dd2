/** Shared pieces of the fuzz tests: what an escaping exception may be, and the run count. */
import fc from "fast-check";
import { isCodecError, isTruncatedError, type CodecError } from "@nlwire/codec";

/** Runs per property: every decode entry point gets at least this many inputs of each family. */
export const FUZZ_RUNS = 10_000;
/** fc.assert with FUZZ_RUNS runs. */
export function run<Ts>(property: fc.IProperty<Ts>): void {
  fc.assert(property, { numRuns: FUZZ_RUNS });
}

/**
 * Generous per-test limit (each fuzz test takes well under a second). A loop
 * that stops advancing is caught sooner: the cursor tests check on every
 * step that the position moved forward and stayed inside the range.
 */
export const FUZZ_TIMEOUT = 60_000;

/**
 * A cheap assertion for the hot loop of a property (vitest's expect costs
 * more than the decode being checked); fast-check reports the counterexample.
 */
export function check(ok: boolean, what: string, ...details: unknown[]): void {
  if (!ok) throw new Error(`${what}: ${details.map((d) => (typeof d === "bigint" ? `${d}n` : JSON.stringify(d))).join(" ")}`);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A codec error must be well-formed: integer offset, a path of names/numbers, sizes that make sense. */
export function checkCodecError(e: CodecError): void {
  check(Number.isInteger(e.offset), "offset is an integer", e.offset);
  check(Array.isArray(e.path) && e.path.every((p) => typeof p === "string" || Number.isInteger(p)), "path", e.path);
  check(e.message.length > 0 && (e.kind === "malformed" || e.kind === "truncated"), "kind and message", e.kind);
  if (isTruncatedError(e)) check(Number.isInteger(e.needed) && e.available >= 0, "sizes", e.needed, e.available);
}

/**
 * Calls `fn`; a codec error is an acceptable outcome (returned as `undefined`),
 * any other exception fails the property.
 *
 * Most fuzz inputs end in a codec error, and capturing a stack trace costs
 * most of the run, so `fn` first runs without stack traces. Anything that is
 * not a codec error is then reproduced (the decoders are deterministic) with
 * stack traces on, so a failure report still shows where it came from.
 */
export function decodeOrCodecError<T>(fn: () => T): T | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } catch (e) {
    if (isCodecError(e)) {
      checkCodecError(e);
      return undefined;
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  return fn();
}

/**
 * A position code, turned into an offset once the buffer's length is known:
 * one integer packing a kind (0..9), a number and a delta (-8..8). fc.chain
 * would say "an offset into these bytes" directly, but costs several times
 * the decode being fuzzed; the code shrinks towards 0, the natural position.
 */
export type PosCode = number;
export const arbPosCode: fc.Arbitrary<PosCode> = fc.nat(10 * 0x10000 * 17 - 1);
const ABSURD = [-(2 ** 31), -1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

/** 40%: `natural` (0 for a start, the length for an end); 30% inside; 20% near or just outside; 10% absurd. */
export function position(code: PosCode, len: number, natural: number): number {
  const kind = code % 10;
  const n = Math.floor(code / 10) % 0x10000;
  const delta = (Math.floor(code / (10 * 0x10000)) % 17) - 8;
  if (kind <= 3) return natural;
  if (kind <= 6) return n % (len + 1);
  if (kind <= 8) return (n % (len + 1)) + delta;
  return ABSURD[n % ABSURD.length]!;
}

/** Bytes with an offset into them (0 most often). */
export function withOffset(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ bytes: Uint8Array; off: number }> {
  return fc.tuple(bytes, arbPosCode).map(([b, p]) => ({ bytes: b, off: position(p, b.length, 0) }));
}

/** Bytes with a [start, end) range over them (the whole buffer most often). */
export function withRange(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<{ bytes: Uint8Array; start: number; end: number }> {
  return fc
    .tuple(bytes, arbPosCode, arbPosCode)
    .map(([b, s, e]) => ({ bytes: b, start: position(s, b.length, 0), end: position(e, b.length, b.length) }));
}
