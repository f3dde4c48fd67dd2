import { formatHex } from "../addr.js";
import { isCodecError, type CodecError } from "../errors.js";
import { ENTRY_TYPES, NEST_FLAGS, UNKNOWN_ATTRS, WIRE_NOTES, type UnknownAttr } from "../ynl/ctx.js";
import { flagNames } from "../header.js";
import type { CaptureEntry } from "./decode.js";
import { PROTOCOL_NAMES } from "./families.js";
import { flagContext } from "./names.js";

/**
 * The JSON shape of decoded captures. It is lossless and has one rule per
 * kind of value:
 *  - bigint (64-bit values) → a decimal string: "18446744073709551615";
 *    every JSON number is an exact integer that fits a double;
 *  - bytes → { "hex": "0a0b" };
 *  - what the codec keeps under symbols shows under "$" keys:
 *    "$unknown" (attributes the spec does not know, with type, flags, hex),
 *    "$wire" (non-canonical encodings), "$nestFlags" (a nest sent without
 *    NLA_F_NESTED), "$entryTypes" (array entries not numbered 1, 2, ...);
 *  - codec errors → { kind, message, offset, path }.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function toJson(v: unknown): Json | undefined {
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
    case "string":
    case "boolean":
      return v;
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return { hex: formatHex(v) };
  if (isCodecError(v)) return errorJson(v);
  if (Array.isArray(v)) {
    const arr = v.map((x) => toJson(x) ?? null);
    const types = (v as { [ENTRY_TYPES]?: number[] })[ENTRY_TYPES];
    const nest = (v as { [NEST_FLAGS]?: number })[NEST_FLAGS];
    if (types === undefined && nest === undefined) return arr;
    // An array with wire facts becomes an object, so that nothing is dropped.
    const o: Record<string, Json> = { $items: arr };
    if (types) o.$entryTypes = types;
    if (nest !== undefined) o.$nestFlags = nest;
    return o;
  }
  return objectJson(v as Record<string | symbol, unknown>);
}

function objectJson(v: Record<string | symbol, unknown>): Json {
  const o: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) {
    const j = toJson(x);
    if (j !== undefined) o[k] = j;
  }
  const unknown = v[UNKNOWN_ATTRS] as UnknownAttr[] | undefined;
  if (unknown) o.$unknown = unknown.map(unknownJson);
  if (v[WIRE_NOTES] !== undefined) o.$wire = toJson(v[WIRE_NOTES]) ?? null;
  if (v[NEST_FLAGS] !== undefined) o.$nestFlags = v[NEST_FLAGS] as number;
  return o;
}

function unknownJson(u: UnknownAttr): Json {
  const o: Record<string, Json> = { type: u.type, flags: u.flags, index: u.index, hex: formatHex(u.value) };
  if (u.problem) o.problem = errorJson(u.problem);
  return o;
}

export function errorJson(e: CodecError): Json {
  return { kind: e.kind, message: e.message, offset: e.offset, path: e.path.map((p) => p) };
}

/** One decoded message (or record note) as a JSON object. */
export function entryJson(e: CaptureEntry): Record<string, Json> {
  const o = entryHead(e);
  const m = e.message;
  if (m?.fixed) o.fixed = toJson(m.fixed) ?? null;
  if (m) o.attrs = toJson(m.attrs) ?? {};
  return Object.assign(o, entryTail(e));
}

/** What comes before the fixed header and attributes. */
function entryHead(e: CaptureEntry): Record<string, Json> {
  const o: Record<string, Json> = { record: e.record };
  if (e.timestampNs !== undefined) {
    o.time = formatTimestamp(e.timestampNs);
    o.timestampNs = e.timestampNs.toString();
  }
  o.interface = e.interfaceId;
  if (e.protocol !== undefined) {
    o.protocol = e.protocol;
    const name = PROTOCOL_NAMES[e.protocol];
    if (name) o.protocolName = name;
  }
  if (e.direction) o.direction = e.direction;
  if (e.directionSource) o.directionSource = e.directionSource;
  if (e.offset !== undefined) o.offset = e.offset;
  if (e.byteOrder) o.byteOrder = e.byteOrder;
  if (e.header) {
    const h = e.header;
    o.header = { length: h.length, type: h.type, flags: h.flags, seq: h.seq, pid: h.pid, flagNames: flagNames(h.flags, flagContext(e)) };
  }
  if (e.family) o.family = e.family;
  if (e.genlId !== undefined) o.genlId = e.genlId;
  const m = e.message;
  if (m?.op) o.op = m.op;
  if (m?.kind) o.kind = m.kind;
  if (m?.genl) o.genl = { ...m.genl };
  return o;
}

/** What comes after them. */
function entryTail(e: CaptureEntry): Record<string, Json> {
  const o: Record<string, Json> = {};
  if (e.control) o.control = controlJson(e);
  if (e.dedicated) o.dedicated = toJson(e.dedicated) ?? null;
  if (e.truncated) o.truncated = { ...e.truncated };
  if (e.problems) o.problems = e.problems.map(errorJson);
  if (e.note) o.note = e.note;
  return o;
}

function controlJson(e: CaptureEntry): Json {
  const c = e.control!;
  const o: Record<string, Json> = { kind: c.kind };
  const body = c.error ?? c.done;
  if (body) Object.assign(o, toJson(body) as Record<string, Json>);
  if (c.request) {
    const r = c.request;
    const req: Record<string, Json> = { family: r.family };
    if (r.op) req.op = r.op;
    if (r.genl) req.genl = { ...r.genl };
    if (r.fixed) req.fixed = toJson(r.fixed) ?? null;
    req.attrs = toJson(r.attrs) ?? {};
    o.decodedRequest = req;
  }
  return o;
}

/** RFC 3339 with nanoseconds: 2026-12-01T18:20:50.123456789Z. */
let lastNs: bigint | undefined;
let lastText = "";

export function formatTimestamp(ns: bigint): string {
  // The messages of one record share its time: format it once.
  if (ns === lastNs) return lastText;
  lastNs = ns;
  return (lastText = timestampText(ns));
}

function timestampText(ns: bigint): string {
  const ms = ns / 1_000_000n;
  // Beyond what a Date holds (±273,790 years: only a damaged file says so): seconds since the epoch.
  if (ms > 8_640_000_000_000_000n || ms < -8_640_000_000_000_000n) return `${ns / 1_000_000_000n}s after the epoch`;
  const iso = new Date(Number(ms)).toISOString();
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${frac}Z`;
}

const QUOTED = new Map<string, string>();
const quote = (k: string): string => {
  let q = QUOTED.get(k);
  if (q === undefined) {
    q = JSON.stringify(k);
    if (QUOTED.size < 4096) QUOTED.set(k, q);
  }
  return q;
};

/**
 * The text of JSON.stringify(toJson(v)), written straight from the decoded
 * value: no intermediate tree, which is what makes NDJSON output fast.
 * Empty for values JSON leaves out (undefined).
 */
export function jsonText(v: unknown): string {
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "string":
      return JSON.stringify(v);
    case "bigint":
      return `"${v}"`;
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
    case "function":
    case "symbol":
      return "";
  }
  if (v === null) return "null";
  if (v instanceof Uint8Array) return `{"hex":"${formatHex(v)}"}`;
  const o = v as Record<string | symbol, unknown>;
  // Rare shapes (arrays with wire facts, errors) take the general path.
  if (Array.isArray(v)) {
    if (o[ENTRY_TYPES] !== undefined || o[NEST_FLAGS] !== undefined) return JSON.stringify(toJson(v));
    let s = "[";
    for (let i = 0; i < v.length; i++) s += (i ? "," : "") + (jsonText(v[i]) || "null");
    return s + "]";
  }
  if (isCodecError(v)) return JSON.stringify(errorJson(v));
  let s = "{";
  for (const k of Object.keys(o)) {
    const t = jsonText(o[k]);
    if (t) s += (s.length > 1 ? "," : "") + quote(k) + ":" + t;
  }
  const unknown = o[UNKNOWN_ATTRS] as UnknownAttr[] | undefined;
  if (unknown) s += (s.length > 1 ? "," : "") + `"$unknown":${JSON.stringify(unknown.map(unknownJson))}`;
  if (o[WIRE_NOTES] !== undefined) s += (s.length > 1 ? "," : "") + `"$wire":${JSON.stringify(toJson(o[WIRE_NOTES]) ?? null)}`;
  if (o[NEST_FLAGS] !== undefined) s += (s.length > 1 ? "," : "") + `"$nestFlags":${o[NEST_FLAGS] as number}`;
  return s + "}";
}

const FLAG_TEXT = new Map<string, string>();

/** The JSON text of a header's flag names: few distinct (flags, context) pairs, so each is made once. */
function flagText(e: CaptureEntry, flags: number): string {
  const ctx = flagContext(e);
  const key = `${flags}/${ctx}`;
  let t = FLAG_TEXT.get(key);
  if (t === undefined) {
    t = JSON.stringify(flagNames(flags, ctx));
    if (FLAG_TEXT.size < 4096) FLAG_TEXT.set(key, t);
  }
  return t;
}

/** JSON.stringify(entryHead(e)) without its closing brace, written directly (the hot part of NDJSON output). */
function headText(e: CaptureEntry): string {
  let s = `{"record":${e.record}`;
  if (e.timestampNs !== undefined) s += `,"time":"${formatTimestamp(e.timestampNs)}","timestampNs":"${e.timestampNs}"`;
  s += `,"interface":${e.interfaceId}`;
  if (e.protocol !== undefined) {
    s += `,"protocol":${e.protocol}`;
    const name = PROTOCOL_NAMES[e.protocol];
    if (name) s += `,"protocolName":${quote(name)}`;
  }
  if (e.direction) s += `,"direction":"${e.direction}"`;
  if (e.directionSource) s += `,"directionSource":"${e.directionSource}"`;
  if (e.offset !== undefined) s += `,"offset":${e.offset}`;
  if (e.byteOrder) s += `,"byteOrder":"${e.byteOrder}"`;
  const h = e.header;
  if (h) s += `,"header":{"length":${h.length},"type":${h.type},"flags":${h.flags},"seq":${h.seq},"pid":${h.pid},"flagNames":${flagText(e, h.flags)}}`;
  if (e.family) s += `,"family":${quote(e.family)}`;
  if (e.genlId !== undefined) s += `,"genlId":${e.genlId}`;
  const m = e.message;
  if (m?.op) s += `,"op":${quote(m.op)}`;
  if (m?.kind) s += `,"kind":"${m.kind}"`;
  if (m?.genl) s += `,"genl":${JSON.stringify(m.genl)}`;
  return s;
}

/** NDJSON: one line per entry, the text of JSON.stringify(entryJson(e)) without building that object. */
export function entryNdjson(e: CaptureEntry): string {
  let s = headText(e);
  const m = e.message;
  if (m?.fixed) s += `,"fixed":${jsonText(m.fixed) || "null"}`;
  if (m) s += `,"attrs":${jsonText(m.attrs) || "{}"}`;
  const tail = JSON.stringify(entryTail(e));
  return tail.length > 2 ? `${s},${tail.slice(1)}` : `${s}}`;
}
