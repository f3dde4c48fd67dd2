import { MalformedError } from "./errors.js";

/** Address formatting and parsing for display hints (ipv4, ipv6, mac). */

export function formatIPv4(b: Uint8Array): string {
  if (b.length !== 4) throw new MalformedError(`IPv4 address needs 4 bytes, has ${b.length}`, 0, []);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split(".");
  const out = new Uint8Array(4);
  if (parts.length !== 4) throw new SyntaxError(`not an IPv4 address: ${s}`);
  parts.forEach((p, i) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) throw new SyntaxError(`not an IPv4 address: ${s}`);
    out[i] = Number(p);
  });
  return out;
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as "::". */
export function formatIPv6(b: Uint8Array): string {
  if (b.length !== 16) throw new MalformedError(`IPv6 address needs 16 bytes, has ${b.length}`, 0, []);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // IPv4-mapped addresses read better with the dotted tail, as ip(8) prints them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(b.subarray(12))}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

export function parseIPv6(s: string): Uint8Array {
  const bad = () => new SyntaxError(`not an IPv6 address: ${s}`);
  let text = s;
  const tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.includes(".", lastColon)) {
    // A dotted IPv4 tail (::ffff:192.0.2.1) fills the last two groups.
    const v4 = parseIPv4(s.slice(lastColon + 1));
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = s.endsWith("::", lastColon + 1) ? s.slice(0, lastColon + 1) : s.slice(0, lastColon);
  }
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const parse = (h: string | undefined) =>
    (h ? h.split(":") : []).map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
      return parseInt(g, 16);
    });
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) throw bad();
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Colon-separated lower-case hex; link-layer addresses of any length. */
/** "00".."ff": link dumps format a MAC per link, and per-byte toString/padStart/join costs ~1.5 µs each. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? "0" : "") + i.toString(16));

export function formatMac(b: Uint8Array): string {
  if (b.length === 0) return "";
  let s = HEX2[b[0]!]!;
  for (let i = 1; i < b.length; i++) s += ":" + HEX2[b[i]!]!;
  return s;
}

export function parseMac(s: string): Uint8Array {
  if (s === "") return new Uint8Array(0); // formatMac's text for an empty address
  const parts = s.split(":");
  if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new SyntaxError(`not a link-layer address: ${s}`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

export function formatHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX2[b[i]!]!;
  return s;
}

export function parseHex(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, "");
  if (clean.length % 2 || !/^[0-9a-fA-F]*$/.test(clean)) throw new SyntaxError(`not hex: ${s.slice(0, 40)}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
