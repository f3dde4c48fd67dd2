import { createReadStream, statSync } from "node:fs";
import { CONTROL_TYPE_NAMES, NLM_F, errnoName } from "@nlwire/codec";
import { CaptureDecoder, CaptureReader, PROTOCOL_NAMES, formatTimestamp, matches, type CaptureEntry, type CaptureFilter, type Json } from "@nlwire/codec/capture";
import type { Context } from "./context.js";
import { InputError } from "./exit.js";
import { Progress } from "./progress.js";
import { renderTable } from "./table.js";

/**
 * `nlwire decode FILE --summary`: what a capture holds, in counts: messages
 * per family, per message type and per direction; kernel errors by errno
 * and by the request they refused; acks; dumps the kernel marked
 * interrupted (NLM_F_DUMP_INTR); truncated records and decode problems.
 * Built on the capture library's reader, decoder and filters.
 */
export interface Summary {
  records: number;
  messages: number;
  first?: bigint;
  last?: bigint;
  families: Map<string, number>;
  types: Map<string, number>;
  directions: Map<string, number>;
  errors: Map<string, number>;
  acks: number;
  interruptedDumps: Set<string>;
  truncated: number;
  problems: number;
  notes: number;
}

export function newSummary(): Summary {
  return {
    records: 0, messages: 0, families: new Map(), types: new Map(), directions: new Map(), errors: new Map(), acks: 0,
    interruptedDumps: new Set(), truncated: 0, problems: 0, notes: 0,
  };
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

function familyOf(e: CaptureEntry): string {
  if (e.family) return e.family;
  if (e.control?.request?.family) return e.control.request.family;
  if (e.genlId !== undefined) return `genl id ${e.genlId}`;
  const proto = e.protocol === undefined ? "?" : (PROTOCOL_NAMES[e.protocol] ?? String(e.protocol));
  return e.header && e.header.type < 16 ? `${proto} control` : `${proto} (unknown family)`;
}

export function addEntry(s: Summary, e: CaptureEntry): void {
  if (e.timestampNs !== undefined) {
    if (s.first === undefined || e.timestampNs < s.first) s.first = e.timestampNs;
    if (s.last === undefined || e.timestampNs > s.last) s.last = e.timestampNs;
  }
  if (e.truncated) s.truncated++;
  if (e.problems) s.problems += e.problems.length;
  if (!e.header) {
    s.notes++;
    return;
  }
  s.messages++;
  const h = e.header;
  const fam = familyOf(e);
  bump(s.families, fam);
  bump(s.types, `${fam} ${e.message?.op ? `${e.message.op}${e.message.kind ? ` ${e.message.kind}` : ""}` : (CONTROL_TYPE_NAMES[h.type] ?? `type ${h.type}`)}`);
  bump(s.directions, e.direction ?? "unknown");
  const errno = e.control?.error?.errno ?? e.control?.done?.errno ?? 0;
  if (e.control?.kind === "error" && errno === 0) s.acks++;
  if (errno !== 0) {
    const req = e.control?.request;
    const what = req ? `${req.family}${req.op ? ` ${req.op}` : ""}` : e.control?.kind === "done" ? "dump (DONE)" : "request";
    bump(s.errors, `${errnoName(Math.abs(errno)) ?? `errno ${errno}`} ${what}`);
  }
  if (h.flags & NLM_F.DUMP_INTR) s.interruptedDumps.add(`${e.protocol}/${h.pid}/${h.seq}`);
}

/** Reads `file` through the library's streaming reader, counting bytes for the progress bar. */
export async function summarize(file: string, decoder: CaptureDecoder, filter: CaptureFilter, progress?: NodeJS.WritableStream): Promise<Summary> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
  const s = newSummary();
  const bar = new Progress(progress, size, "decoding");
  const reader = new CaptureReader();
  const unfiltered = Object.keys(filter).length === 0;
  const take = (recs: ReturnType<CaptureReader["push"]>): void => {
    for (const rec of recs) {
      s.records++;
      for (const e of decoder.decode(rec)) if (unfiltered || (e.header && matches(e, filter))) addEntry(s, e);
    }
  };
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      read += (chunk as Buffer).length;
      take(reader.push(chunk as Buffer));
      bar.update(read);
    }
    take(reader.end());
  } finally {
    bar.end();
  }
  return s;
}

const sortedRows = (m: Map<string, number>): string[][] => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => [k, String(n)]);

export function summaryJson(s: Summary): Json {
  const obj = (m: Map<string, number>): Json => Object.fromEntries([...m].sort((a, b) => a[0].localeCompare(b[0])));
  return {
    records: s.records, messages: s.messages,
    ...(s.first !== undefined ? { first: formatTimestamp(s.first), last: formatTimestamp(s.last!) } : {}),
    families: obj(s.families), types: obj(s.types), directions: obj(s.directions), errors: obj(s.errors), acks: s.acks,
    interruptedDumps: s.interruptedDumps.size, truncated: s.truncated, problems: s.problems, notes: s.notes,
  };
}

export function printSummary(ctx: Context, file: string, s: Summary): void {
  if (ctx.opts.json) return ctx.out(JSON.stringify(summaryJson(s)));
  const p = ctx.paint;
  const span = s.first !== undefined ? `, ${formatTimestamp(s.first)} to ${formatTimestamp(s.last!)}` : "";
  ctx.out(`${p("bold", file)}: ${s.records} records, ${s.messages} messages${span}`);
  const section = (title: string, m: Map<string, number>, col: string): void => {
    if (!m.size) return;
    ctx.out("", p("bold", title), ...renderTable([col, "COUNT"], sortedRows(m)).map((l) => `  ${l}`));
  };
  section("by family", s.families, "FAMILY");
  section("by message", s.types, "MESSAGE");
  section("by direction", s.directions, "DIRECTION");
  section("kernel errors", s.errors, "ERRNO REQUEST");
  const notes = [
    `acks: ${s.acks}`,
    `interrupted dumps (NLM_F_DUMP_INTR): ${s.interruptedDumps.size}`,
    `truncated messages: ${s.truncated}`,
    `decode problems: ${s.problems}`,
    ...(s.notes ? [`records without netlink messages: ${s.notes}`] : []),
  ];
  ctx.out("", ...notes.map((n) => (/: [1-9]/.test(n) && !n.startsWith("acks") ? p("yellow", n) : n)));
}
