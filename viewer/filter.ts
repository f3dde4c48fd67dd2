/**
 * The filter box: `key=value` words use the capture library's filters
 * (protocol, family, type, direction, seq: the same as `nlwire decode`'s
 * options, lists comma-separated), every other word must appear in the row
 * (family, type or summary; case does not matter).
 */
import { matches, parseFilter, type CaptureEntry, type CaptureFilter } from "@nlwire/codec/capture";
import { NO_PROTOCOL, type MessageFacts } from "./store.js";

const KEYS: Record<string, "protocol" | "family" | "type" | "direction" | "seq"> = {
  protocol: "protocol", proto: "protocol", family: "family", type: "type", op: "type",
  direction: "direction", dir: "direction", seq: "seq",
};

export interface ViewFilter {
  fields: CaptureFilter;
  words: string[];
  empty: boolean;
}

/** Parses the box's text; throws FilterError (with the library's message) on a bad value. */
export function parseViewFilter(text: string): ViewFilter {
  const options: Partial<Record<(typeof KEYS)[string], string>> = {};
  const words: string[] = [];
  for (const w of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+)[=:](.+)$/i.exec(w);
    const key = m ? KEYS[m[1]!.toLowerCase()] : undefined;
    if (m && key) options[key] = m[2]!;
    else words.push(w.toLowerCase());
  }
  const fields = parseFilter(options);
  return { fields, words, empty: words.length === 0 && Object.keys(fields).length === 0 };
}

/** A message's stored facts in the shape the library's `matches` reads. */
function asEntry(f: MessageFacts): CaptureEntry {
  const header = f.direction === 0 ? undefined : { length: 0, type: f.nlType, flags: 0, seq: f.seq, pid: 0 };
  return {
    record: f.record, timestampNs: undefined, interfaceId: 0, protocol: f.protocol === NO_PROTOCOL ? undefined : f.protocol,
    direction: f.direction === 1 ? "to-kernel" : f.direction === 2 ? "from-kernel" : undefined, directionSource: undefined,
    offset: undefined, header, family: f.family || undefined, genlId: undefined, control: undefined,
    message: header && f.op ? { family: f.family, op: f.op, header, attrs: {} } : undefined, dedicated: undefined,
    truncated: undefined, byteOrder: undefined, problems: undefined, note: undefined,
  };
}

/** Whether a message passes; `summary` is the row's summary as shown (interface names filled in). */
export function passes(f: MessageFacts, v: ViewFilter, summary = f.summary): boolean {
  if (v.empty) return true;
  if (!matches(asEntry(f), v.fields)) return false;
  if (v.words.length === 0) return true;
  const text = `${f.family} ${f.type} ${summary}`.toLowerCase();
  return v.words.every((w) => text.includes(w));
}
