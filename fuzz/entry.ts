/**
 * What an entry point of the fuzzer is: a way to build input number `n`, a
 * run that decodes it and checks the invariants that only this entry point
 * knows (round trips, cursor progress), and a JSON form for saved findings.
 * Byte-string entries share one input recipe (see byteInputs).
 */
import fc from "fast-check";
import { formatHex, isCodecError, parseHex } from "@nlwire/codec";
import { hash32, Rng } from "./rng.js";
import { junk, mutate, seedOf, type Seed } from "./mutate.js";

export type Outcome = "decoded" | "rejected";

/** An invariant the decoder broke (the codec's own errors are not this: they are a clean refusal). */
export class Violation extends Error {
  override readonly name = "Violation";
  constructor(readonly kind: "roundtrip" | "invariant", detail: string) {
    super(detail);
  }
}

export function violated(ok: boolean, kind: "roundtrip" | "invariant", detail: () => string): void {
  if (!ok) throw new Violation(kind, detail());
}

export interface Entry<I = unknown> {
  readonly name: string;
  /** Input number `n` of a run with `seed`: a pure function of both. */
  input(seed: number, n: number): I;
  /** Decodes and checks; a thrown error that `refusal` accepts means "rejected". */
  run(input: I): Outcome;
  /** Errors that are the decoder's clean refusal of bad input. */
  refusal(e: unknown): boolean;
  size(input: I): number;
  toJson(input: I): unknown;
  fromJson(j: unknown): I;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where the first difference is, for a finding's text. */
export function diffAt(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `re-encoded ${a.length} bytes, input ${b.length}; first difference at byte ${i}`;
}

/** A copy of `b` placed at an odd byteOffset among junk: readers that ignore byteOffset show up. */
export function offsetView(b: Uint8Array, rng: Rng): Uint8Array {
  const off = rng.int(8);
  const big = new Uint8Array(off + b.length + 4).fill(0xa5);
  big.set(b, off);
  return big.subarray(off, off + b.length);
}

export interface ByteRecipe {
  /** The corpus: recorded inputs (built once, on first use). */
  seeds: () => Seed[];
  /** fast-check arbitraries of well-formed inputs; samples join the corpus and are drawn fresh too. */
  structured?: () => fc.Arbitrary<Uint8Array>[];
}

const POOL_SAMPLES = 48;

/**
 * Inputs for byte-string entries: mostly mutations of the corpus (recorded
 * inputs and fast-check samples), some corpus entries as they are, junk, and
 * now and then a fresh fast-check sample (each costs a sampler set-up, about
 * a millisecond, so they are few).
 */
export function byteInputs(name: string, recipe: ByteRecipe): (seed: number, n: number) => Uint8Array {
  let pool: Seed[] | undefined;
  let arbs: fc.Arbitrary<Uint8Array>[] | undefined;
  const corpus = (): Seed[] => {
    if (pool) return pool;
    arbs = recipe.structured?.() ?? [];
    pool = [...recipe.seeds()];
    arbs.forEach((a, i) => {
      for (const b of fc.sample(a, { seed: hash32(name, "pool", i), numRuns: POOL_SAMPLES })) pool!.push(seedOf(b, `fast-check ${i}`));
    });
    if (!pool.length) pool.push(seedOf(new Uint8Array(0), "empty"));
    return pool;
  };
  return (seed, n) => {
    const rng = new Rng(hash32(name, seed, n));
    const p = corpus();
    const dice = rng.int(100);
    let b: Uint8Array;
    if (dice < 8) b = junk(rng);
    else if (dice === 8 && arbs!.length) b = fc.sample(rng.pick(arbs!), { seed: rng.u32() | 0, numRuns: 1 })[0]!;
    else if (dice < 18) b = rng.pick(p).bytes;
    else b = mutate(rng, rng.pick(p), p);
    return offsetView(b, rng);
  };
}

/** The JSON form of a byte input. */
export const bytesJson = {
  toJson: (b: Uint8Array): unknown => ({ hex: formatHex(b) }),
  fromJson: (j: unknown): Uint8Array => parseHex((j as { hex: string }).hex),
  size: (b: Uint8Array): number => b.length,
  refusal: isCodecError,
};
