import { CONTROL_TYPE_NAMES, flagNames } from "../header.js";
import { errnoMessage } from "../errno-messages.js";
import type { CaptureEntry } from "./decode.js";
import { PROTOCOL_NAMES } from "./families.js";
import { formatTimestamp, toJson, type Json } from "./json.js";
import { flagContext } from "./names.js";

const INDENT = "  ";

/**
 * A decoded message as indented text: a header line (record, time,
 * protocol, direction, family, operation, nlmsghdr with flag names), then
 * the fixed header and the attributes by name, enums and flags by name,
 * addresses as text. It walks the same lossless value the JSON output has.
 */
export function entryTree(e: CaptureEntry): string[] {
  const lines = [headLine(e)];
  const m = e.message;
  if (m?.genl) lines.push(`${INDENT}genl cmd=${m.genl.cmd} version=${m.genl.version}`);
  if (m?.fixed) lines.push(...valueLines("fixed", toJson(m.fixed), 1));
  if (m && Object.keys(m.attrs).length + Object.getOwnPropertySymbols(m.attrs).length) lines.push(...valueLines("attrs", toJson(m.attrs), 1));
  if (e.control?.error) {
    const er = e.control.error;
    const what = er.errno ? `error ${er.errnoName ?? er.errno} (${errnoMessage(er.errno) ?? "unknown errno"})` : "ack";
    lines.push(`${INDENT}${what} for request type=${er.request.type} seq=${er.request.seq}${er.requestPayload ? "" : " (capped)"}`);
    if (er.extAck) lines.push(...valueLines("ext-ack", toJson(er.extAck), 1));
    const r = e.control.request;
    if (r) lines.push(...valueLines(`request ${r.family} ${r.op ?? "?"}`, toJson({ ...(r.fixed ? { fixed: r.fixed } : {}), attrs: r.attrs }), 1));
  }
  if (e.control?.done) {
    const d = e.control.done;
    lines.push(`${INDENT}done${d.errno ? ` with error ${d.errnoName ?? d.errno}` : ""}`);
    if (d.extAck) lines.push(...valueLines("ext-ack", toJson(d.extAck), 1));
  }
  if (e.dedicated?.kind === "uevent") lines.push(...valueLines("uevent", toJson(e.dedicated.uevent), 1));
  if (e.dedicated?.kind === "connector") lines.push(...valueLines(e.dedicated.proc ? `proc ${e.dedicated.proc.kind}` : "connector", toJson(e.dedicated.proc ?? e.dedicated.cn), 1));
  if (e.truncated) lines.push(`${INDENT}TRUNCATED: nlmsg_len ${e.truncated.length}, ${e.truncated.captured} bytes captured`);
  for (const p of e.problems ?? []) lines.push(`${INDENT}problem: ${p.message}`);
  if (e.note && e.header) lines.push(`${INDENT}note: ${e.note}`);
  return lines;
}

function headLine(e: CaptureEntry): string {
  const parts = [`#${e.record}`];
  if (e.timestampNs !== undefined) parts.push(formatTimestamp(e.timestampNs));
  if (e.protocol !== undefined) parts.push(PROTOCOL_NAMES[e.protocol] ?? `protocol ${e.protocol}`);
  if (e.dedicated?.kind === "uevent") {
    const u = e.dedicated.uevent;
    return [...parts, "←kernel", u.source === "udev" ? "uevent (udev)" : `uevent ${u.summary?.action ?? ""}@${u.summary?.devpath ?? ""}`].join(" ");
  }
  if (!e.header) return `${parts.join(" ")} ${e.note ?? ""}`.trimEnd();
  if (e.direction) parts.push(e.direction === "to-kernel" ? "→kernel" : "←kernel");
  const h = e.header;
  const m = e.message;
  if (m) parts.push(m.family, m.op ? `${m.op}${m.kind ? ` ${m.kind}` : ""}` : "(unknown message)");
  else if (e.genlId !== undefined) parts.push(`genl id ${e.genlId} (unknown family)`);
  else if (CONTROL_TYPE_NAMES[h.type]) parts.push(CONTROL_TYPE_NAMES[h.type]!);
  const flags = flagNames(h.flags, flagContext(e)).join("|") || "0";
  parts.push(`type=${h.type} len=${h.length} flags=${flags} seq=${h.seq} pid=${h.pid}`);
  if (e.byteOrder) parts.push(`(${e.byteOrder})`);
  return parts.join(" ");
}

function valueLines(name: string, v: Json | undefined, depth: number): string[] {
  const pad = INDENT.repeat(depth);
  if (v === undefined) return [];
  if (v === null || typeof v !== "object") return [`${pad}${name}: ${scalar(v)}`];
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return [`${pad}${name}: ${v.length ? v.join("|") : "(none)"}`];
    return [`${pad}${name}:`, ...v.flatMap((x, i) => valueLines(`[${i}]`, x, depth + 1))];
  }
  // Wire facts that only matter for re-encoding stay in the JSON; the tree shows the items.
  if (Array.isArray(v.$items)) return valueLines(name, v.$items, depth);
  const keys = Object.keys(v).filter((k) => k !== "$nestFlags" && k !== "$entryTypes");
  if (keys.length === 1 && keys[0] === "hex") return [`${pad}${name}: ${(v.hex as string) || "(empty)"}`];
  return [`${pad}${name}:`, ...keys.flatMap((k) => valueLines(k, v[k], depth + 1))];
}

function scalar(v: Json): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
