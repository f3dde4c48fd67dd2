/**
 * The codec's error model. Malformed input raises a MalformedError, input that
 * ends too early raises a TruncatedError. Both carry the byte offset (relative
 * to the start of the buffer handed to the decode call) and the attribute path
 * that was being decoded. Nothing else may escape a decode call.
 */

export type AttrPath = readonly (string | number)[];

export abstract class CodecError extends Error {
  abstract readonly kind: "malformed" | "truncated";
  readonly offset: number;
  readonly path: AttrPath;
  readonly detail: string;

  constructor(detail: string, offset: number, path: AttrPath) {
    super(`${detail} at byte ${offset}${path.length ? ` (${formatPath(path)})` : ""}`);
    this.detail = detail;
    this.offset = offset;
    // Decoders pass their live path stack; the error keeps a snapshot.
    this.path = Object.freeze([...path]);
  }
}

/** Bytes that contradict the layout they claim (bad length, wrong size). */
export class MalformedError extends CodecError {
  readonly kind = "malformed";
  override readonly name = "MalformedError";
}

/** Bytes that end before the structure they start is complete. */
export class TruncatedError extends CodecError {
  readonly kind = "truncated";
  override readonly name = "TruncatedError";
  /** How many bytes were needed at `offset`. */
  readonly needed: number;
  /** How many bytes were available at `offset`. */
  readonly available: number;

  constructor(detail: string, offset: number, path: AttrPath, needed: number, available: number) {
    super(`${detail}: needs ${needed} bytes, ${Math.max(0, available)} left`, offset, path);
    this.needed = needed;
    this.available = Math.max(0, available);
  }
}

/** The same error, reported at a longer attribute path (errors gain names as they unwind). */
export function atPath(e: CodecError, path: AttrPath): CodecError {
  if (e instanceof TruncatedError) {
    const t = new TruncatedError("", e.offset, path, e.needed, e.available);
    t.message = e.message.replace(/ \(.*\)$/, "") + (path.length ? ` (${formatPath(path)})` : "");
    (t as { detail: string }).detail = e.detail;
    return t;
  }
  return new MalformedError(e.detail, e.offset, path);
}

/**
 * The same as atPath, but re-aims the error itself instead of making a new
 * one: for errors that have not left the decoder yet (a message can hold
 * thousands of odd attributes, and each error object costs).
 */
export function reaim(e: CodecError, path: AttrPath): CodecError {
  (e as { path: AttrPath }).path = Object.freeze([...path]);
  e.message = `${e.detail} at byte ${e.offset}${path.length ? ` (${formatPath(path)})` : ""}`;
  return e;
}

export function isCodecError(e: unknown): e is CodecError {
  return e instanceof CodecError;
}
export function isMalformedError(e: unknown): e is MalformedError {
  return e instanceof MalformedError;
}
export function isTruncatedError(e: unknown): e is TruncatedError {
  return e instanceof TruncatedError;
}

export function formatPath(path: AttrPath): string {
  return path.map(String).join(".");
}

/** A value handed to an encoder that does not fit the layout it is written into. */
export class EncodeError extends Error {
  override readonly name = "EncodeError";
  readonly path: AttrPath;
  readonly detail: string;
  constructor(detail: string, path: AttrPath) {
    super(`${detail}${path.length ? ` (${formatPath(path)})` : ""}`);
    this.detail = detail;
    this.path = path;
  }
}

export function isEncodeError(e: unknown): e is EncodeError {
  return e instanceof EncodeError;
}
