import { EncodeError, MalformedError, TruncatedError } from "../errors.js";
import { ByteReader } from "../reader.js";
import { ByteWriter } from "../writer.js";
import { decodeUtf8, encodeUtf8 } from "../text.js";

/**
 * kobject uevents (NETLINK_KOBJECT_UEVENT). Not netlink messages at all: a
 * datagram is NUL-separated text, in one of two framings.
 *
 * - From the kernel (group 1): "ACTION@DEVPATH\0" then "KEY=VALUE\0" pairs
 *   (ACTION, DEVPATH, SUBSYSTEM, SEQNUM, ...).
 * - From udevd (group 2), libudev's monitor format: a 40-byte header, then
 *   the same KEY=VALUE pairs. The header (systemd's struct
 *   monitor_netlink_header, sd-device/device-monitor.c):
 *     char     prefix[8]              "libudev\0"
 *     u32      magic                  0xfeedcafe, network order
 *     u32      header_size            host order (40)
 *     u32      properties_off         host order, from the datagram start
 *     u32      properties_len         host order
 *     u32      filter_subsystem_hash  MurmurHash2 (seed 0) of SUBSYSTEM, network order
 *     u32      filter_devtype_hash    the same of DEVTYPE, network order
 *     u32      filter_tag_bloom_hi    64-bit bloom of the TAGS, network order
 *     u32      filter_tag_bloom_lo
 *   The hashes exist so that receivers can filter with a socket BPF program.
 */

export const UEVENT_GROUP_KERNEL = 1;
export const UEVENT_GROUP_UDEV = 2;
export const UDEV_MONITOR_MAGIC = 0xfeedcafe;
export const UDEV_HEADER_SIZE = 40;
const UDEV_PREFIX = "libudev";

export interface UdevHeader {
  headerSize: number;
  propertiesOffset: number;
  propertiesLength: number;
  subsystemHash: number;
  devtypeHash: number;
  /** The 64-bit tag bloom filter (hi << 32 | lo). */
  tagBloom: bigint;
}

export interface Uevent {
  /** "kernel": the kernel's own framing; "udev": udevd's libudev monitor framing. */
  source: "kernel" | "udev";
  /** The "ACTION@DEVPATH" line of a kernel uevent; absent for udev's. */
  summary?: { action: string; devpath: string };
  /** KEY=VALUE pairs in wire order. */
  properties: Record<string, string>;
  udev?: UdevHeader;
}

/** Whether a datagram is in udevd's framing (starts with "libudev\0"). */
export function isUdevMonitor(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  for (let i = 0; i < 7; i++) if (b[i] !== UDEV_PREFIX.charCodeAt(i)) return false;
  return b[7] === 0;
}

/** Splits [start, end) at NULs into KEY=VALUE pairs; a trailing run without NUL is an error. */
function parseProperties(b: Uint8Array, start: number, end: number): Record<string, string> {
  const out: Record<string, string> = {};
  let at = start;
  while (at < end) {
    let nul = at;
    while (nul < end && b[nul] !== 0) nul++;
    if (nul === end) throw new TruncatedError("uevent property without its NUL", at, ["properties"], nul - at + 1, end - at);
    if (nul > at) {
      const text = decodeUtf8(b, at, nul);
      const eq = text.indexOf("=");
      if (eq <= 0) throw new MalformedError(`uevent property "${text}" is not KEY=VALUE`, at, ["properties"]);
      const key = text.slice(0, eq);
      if (Object.hasOwn(out, key)) throw new MalformedError(`uevent property ${key} given twice`, at, ["properties", key]);
      out[key] = text.slice(eq + 1);
    } else if (nul + 1 < end) {
      // An empty string between pairs cannot be re-encoded: the kernel never sends one.
      throw new MalformedError("empty uevent property", at, ["properties"]);
    }
    at = nul + 1;
  }
  return out;
}

function decodeKernel(b: Uint8Array): Uevent {
  let nul = 0;
  while (nul < b.length && b[nul] !== 0) nul++;
  if (nul === b.length) throw new TruncatedError("uevent summary line without its NUL", 0, ["summary"], nul + 1, b.length);
  const line = decodeUtf8(b, 0, nul);
  const at = line.indexOf("@");
  if (at <= 0) throw new MalformedError(`uevent summary "${line}" is not ACTION@DEVPATH`, 0, ["summary"]);
  return {
    source: "kernel",
    summary: { action: line.slice(0, at), devpath: line.slice(at + 1) },
    properties: parseProperties(b, nul + 1, b.length),
  };
}

function decodeUdev(b: Uint8Array): Uevent {
  const r = new ByteReader(b);
  r.need(0, UDEV_HEADER_SIZE, "libudev monitor header", ["udev"]);
  const magic = r.u32(8, true);
  if (magic !== UDEV_MONITOR_MAGIC) throw new MalformedError(`libudev magic 0x${magic.toString(16)}, expected 0xfeedcafe`, 8, ["udev", "magic"]);
  const udev: UdevHeader = {
    headerSize: r.u32(12),
    propertiesOffset: r.u32(16),
    propertiesLength: r.u32(20),
    subsystemHash: r.u32(24, true),
    devtypeHash: r.u32(28, true),
    tagBloom: (BigInt(r.u32(32, true)) << 32n) | BigInt(r.u32(36, true)),
  };
  const { propertiesOffset: off, propertiesLength: len } = udev;
  if (off < UDEV_HEADER_SIZE) throw new MalformedError(`properties at ${off}, inside the header`, 16, ["udev", "properties_off"]);
  r.need(off, len, "libudev properties", ["udev", "properties"]);
  if (off + len !== b.length) throw new MalformedError(`${b.length - off - len} bytes after the properties`, off + len, ["udev"]);
  return { source: "udev", properties: parseProperties(b, off, off + len), udev };
}

/** Decodes one NETLINK_KOBJECT_UEVENT datagram, in either framing. */
export function decodeUevent(datagram: Uint8Array): Uevent {
  return isUdevMonitor(datagram) ? decodeUdev(datagram) : decodeKernel(datagram);
}

function writeProperties(w: ByteWriter, props: Record<string, string>): void {
  for (const [k, v] of Object.entries(props)) {
    // What the decoder could not split again is refused here.
    if (!k || /[=\0]/.test(k) || v.includes("\0")) throw new EncodeError(`uevent property ${JSON.stringify(k)} cannot be framed`, ["properties", k]);
    w.bytes(encodeUtf8(`${k}=${v}`)).u8(0);
  }
}

/**
 * MurmurHash2 (32-bit, seed 0) of a string's UTF-8 bytes: udevd's filter
 * hash (string_hash32 in systemd).
 */
export function udevHash32(s: string): number {
  const data = encodeUtf8(s);
  const m = 0x5bd1e995;
  let h = data.length >>> 0; // seed 0 XOR length
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length - i;
  if (rest === 3) h ^= data[i + 2]! << 16;
  if (rest >= 2) h ^= data[i + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[i]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h >>> 0;
}

/** udevd's tag bloom: four 6-bit slices of the tag's hash each set a bit of 64. */
export function udevTagBloom(tags: readonly string[]): bigint {
  let bits = 0n;
  for (const t of tags) {
    const h = udevHash32(t);
    for (const shift of [0, 6, 12, 18]) bits |= 1n << BigInt((h >>> shift) & 63);
  }
  return bits;
}

/**
 * Encodes a uevent in its framing. A udev event without a header gets one
 * computed the way udevd does (hashes of SUBSYSTEM and DEVTYPE, bloom of
 * the ":"-separated TAGS).
 */
export function encodeUevent(e: Uevent): Uint8Array {
  const w = new ByteWriter();
  if (e.source === "kernel") {
    const s = e.summary;
    if (!s) throw new EncodeError("a kernel uevent needs its ACTION@DEVPATH summary", ["summary"]);
    if (!s.action || /[@\0]/.test(s.action) || s.devpath.includes("\0")) throw new EncodeError("uevent summary cannot be framed", ["summary"]);
    w.bytes(encodeUtf8(`${s.action}@${s.devpath}`)).u8(0);
    writeProperties(w, e.properties);
    return w.finish();
  }
  const props = new ByteWriter();
  writeProperties(props, e.properties);
  const body = props.finish();
  const p = e.properties;
  const h = e.udev ?? {
    headerSize: UDEV_HEADER_SIZE, propertiesOffset: UDEV_HEADER_SIZE, propertiesLength: body.length,
    subsystemHash: p["SUBSYSTEM"] ? udevHash32(p["SUBSYSTEM"]) : 0,
    devtypeHash: p["DEVTYPE"] ? udevHash32(p["DEVTYPE"]) : 0,
    tagBloom: udevTagBloom((p["TAGS"] ?? "").split(":").filter(Boolean)),
  };
  w.bytes(encodeUtf8(UDEV_PREFIX)).u8(0).u32(UDEV_MONITOR_MAGIC, true);
  w.u32(h.headerSize).u32(h.propertiesOffset).u32(body.length);
  w.u32(h.subsystemHash, true).u32(h.devtypeHash, true);
  w.u32(Number(h.tagBloom >> 32n), true).u32(Number(h.tagBloom & 0xffffffffn), true);
  if (h.propertiesOffset < UDEV_HEADER_SIZE) throw new EncodeError(`properties at ${h.propertiesOffset}, inside the header`, ["udev"]);
  w.zeros(h.propertiesOffset - UDEV_HEADER_SIZE).bytes(body);
  return w.finish();
}
