import { EncodeError, MalformedError, TruncatedError } from "../errors.js";
import { ByteReader } from "../reader.js";
import { decodeUtf8, encodeUtf8 } from "../text.js";

/**
 * Audit records (NETLINK_AUDIT, message types from 1100 on): the payload is
 * text, not attributes, so the YNL format cannot describe it. A record reads
 *   audit(SECONDS.MILLIS:SERIAL): key=value key="quoted value" msg='...'
 * where records with one serial belong to one event. The control messages
 * (status, rules) are C structs and live in the audit YNL spec.
 */

export interface AuditRecord {
  /** nlmsg_type: AUDIT_SYSCALL 1300, AUDIT_USER_AVC 1107, ... */
  type: number;
  /** Seconds since 1970, with milliseconds. */
  seconds: number;
  millis: number;
  /** The event's serial number: records with the same one belong together. */
  serial: number;
  /** key=value pairs in order; quotes removed. */
  fields: [string, string][];
  /** The text after "audit(...): ", as the kernel wrote it. */
  body: string;
  /** The payload ended in a NUL (user space records often do). */
  nul?: true;
}

// The kernel always writes a space after the colon (audit_log_start).
const HEADER = /^audit\((\d+)\.(\d{3}):(\d+)\): /;

/** Splits "a=1 b='x y' c=\"z\"" into pairs; a bare word becomes [word, ""]. */
export function auditFields(body: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([^\s=]+)(?:=(?:'([^']*)'|"([^"]*)"|(\S*)))?/g;
  for (let m = re.exec(body); m; m = re.exec(body)) out.push([m[1]!, m[2] ?? m[3] ?? m[4] ?? ""]);
  return out;
}

/** Decodes the payload of an audit record message (`type` is its nlmsg_type). */
export function decodeAuditRecord(type: number, payload: Uint8Array): AuditRecord {
  let end = payload.length;
  const nul = end > 0 && payload[end - 1] === 0;
  if (nul) end--;
  const text = decodeUtf8(payload, 0, end);
  const h = HEADER.exec(text);
  if (!h) {
    // A text that could still grow into a header was cut short.
    if (/^a?u?d?i?t?(\(\d*(\.\d{0,3}(:\d*(\)(:)?)?)?)?)?$/.test(text) && "audit(".startsWith(text.slice(0, 6))) throw new TruncatedError("audit record header", 0, ["audit"], 6, payload.length);
    throw new MalformedError(`audit record does not start with audit(SECONDS.MILLIS:SERIAL): "${text.slice(0, 40)}"`, 0, ["audit"]);
  }
  const body = text.slice(h[0].length);
  const r: AuditRecord = { type, seconds: Number(h[1]), millis: Number(h[2]), serial: Number(h[3]), fields: auditFields(body), body };
  if (nul) r.nul = true;
  return r;
}

/** The payload of a record (the inverse of decodeAuditRecord; fields are not re-joined, body is used). */
export function encodeAuditRecord(r: AuditRecord): Uint8Array {
  if (r.millis < 0 || r.millis > 999 || !Number.isInteger(r.millis)) throw new EncodeError(`millis ${r.millis} is not 0..999`, ["millis"]);
  const text = `audit(${r.seconds}.${String(r.millis).padStart(3, "0")}:${r.serial}): ${r.body}`;
  const b = encodeUtf8(text);
  if (!r.nul) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/**
 * AUDIT_* field ids whose value is a string in the rule's buf, its length
 * in values[] (linux/audit.h): the SELinux subject and object labels
 * (13..17, 19..23; 18 is AUDIT_PPID, a number), AUDIT_WATCH 105, AUDIT_DIR
 * 107, AUDIT_EXE 112 and AUDIT_FILTERKEY 210.
 */
const STRING_FIELD_IDS = new Set([13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, 210]);

/** Comparison operators in fieldflags (AUDIT_OPERATORS). */
const OPERATORS: Record<number, string> = {
  0x08000000: "&", 0x10000000: "<", 0x20000000: ">", 0x30000000: "!=", 0x40000000: "=",
  0x48000000: "&=", 0x50000000: "<=", 0x60000000: ">=",
};

export interface AuditRuleField {
  /** AUDIT_* field id (AUDIT_ARCH 11, AUDIT_FILTERKEY 210, ...). */
  field: number;
  /** "=", "!=", "<", ">", "<=", ">=", "&", "&=". */
  op: string;
  /** The value, or for string fields its text from buf. */
  value: number | string;
}

/**
 * The fields of an audit-rule-data (as the audit family decodes it): the
 * first field-count entries of fields/values/fieldflags, string values
 * taken from buf in order, and the syscall numbers set in mask.
 */
export function auditRuleFields(rule: { "field-count"?: number; fields?: Uint8Array; values?: Uint8Array; fieldflags?: Uint8Array; mask?: Uint8Array; buf?: Uint8Array }, littleEndian = true): { fields: AuditRuleField[]; syscalls: number[] } {
  const words = (b: Uint8Array | undefined, name: string) => {
    const r = new ByteReader(b ?? new Uint8Array(0), littleEndian);
    if (r.length !== 256) throw new MalformedError(`${name} is ${r.length} bytes, not 64 words`, 0, [name]);
    return Array.from({ length: 64 }, (_, i) => r.u32(i * 4));
  };
  const count = rule["field-count"] ?? 0;
  if (count > 64) throw new MalformedError(`field-count ${count} exceeds 64`, 8, ["field-count"]);
  const [ids, values, flags, mask] = [words(rule.fields, "fields"), words(rule.values, "values"), words(rule.fieldflags, "fieldflags"), words(rule.mask, "mask")];
  const buf = rule.buf ?? new Uint8Array(0);
  let at = 0;
  const fields = ids.slice(0, count).map((field, i): AuditRuleField => {
    const op = OPERATORS[flags[i]!] ?? `0x${flags[i]!.toString(16)}`;
    if (!STRING_FIELD_IDS.has(field)) return { field, op, value: values[i]! };
    const len = values[i]!;
    if (at + len > buf.length) throw new TruncatedError(`string of field ${field}`, at, ["buf"], len, buf.length - at);
    const value = decodeUtf8(buf, at, at + len);
    at += len;
    return { field, op, value };
  });
  const syscalls = mask.flatMap((w, i) => Array.from({ length: 32 }, (_, b) => ((w >>> b) & 1 ? i * 32 + b : -1)).filter((n) => n >= 0));
  return { fields, syscalls };
}
