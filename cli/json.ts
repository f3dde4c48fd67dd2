import type { DecodedMessage } from "@nlwire/codec";
import { errorJson, toJson, type Json } from "@nlwire/codec/capture";

/**
 * A decoded message as JSON, in the shape `nlwire decode` uses for the
 * message part of a capture entry (see docs/cli.md): the spec's names, 64-bit
 * values as decimal strings, bytes as { hex }, what the spec does not know
 * under "$unknown". Nothing the kernel sent is dropped.
 */
export function messageJson(m: DecodedMessage): Record<string, Json> {
  const o: Record<string, Json> = { family: m.family };
  if (m.op) o.op = m.op;
  if (m.kind) o.kind = m.kind;
  if (m.genl) o.genl = { ...m.genl };
  if (m.fixed) o.fixed = toJson(m.fixed) ?? null;
  o.attrs = toJson(m.attrs) ?? {};
  if (m.problems) o.problems = m.problems.map(errorJson);
  return o;
}

/** Any value in the same shape (bigint as text, bytes as hex). */
export function valueJson(v: unknown): Json {
  return toJson(v) ?? null;
}

export function jsonText(v: Json): string {
  return JSON.stringify(v, null, 2);
}
