import { expect } from "vitest";
import { ByteWriter, isCodecError, type CodecError } from "@nlwire/codec";

/**
 * Bytes from hex literals. Written independently of the codec's parseHex so
 * that the expected bytes of a test never depend on the code under test.
 * Whitespace is ignored, so fields can be grouped: hex("0800", "0300", "...").
 */
export function hex(...parts: string[]): Uint8Array {
  const s = parts.join("").replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new Error(`bad hex literal in test: ${s}`);
  return Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Compares bytes as hex strings, which gives readable failure diffs. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(toHex(actual)).toBe(toHex(expected));
}

/** The bytes a writer callback produces (host order unless told). */
export function written(fn: (w: ByteWriter) => void, littleEndian?: boolean): Uint8Array {
  const w = littleEndian === undefined ? new ByteWriter() : new ByteWriter(256, littleEndian);
  fn(w);
  return w.finish();
}

/** A copy of `bytes` placed at a non-zero byteOffset inside a larger buffer filled with junk. */
export function atOffset(bytes: Uint8Array, offset = 5, junk = 0xa5): Uint8Array {
  const big = new Uint8Array(offset + bytes.length + 7).fill(junk);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

/** Runs fn, expecting it to throw one of the codec's own errors; returns it. */
export function codecError(fn: () => unknown): CodecError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error("expected a codec error, nothing was thrown");
  if (!isCodecError(thrown)) throw thrown;
  return thrown;
}
