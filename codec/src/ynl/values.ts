import { formatIPv4, formatIPv6, formatMac, parseIPv4, parseIPv6, parseMac } from "../addr.js";
import type { DisplayHint, EnumModel } from "./model.js";

/**
 * How scalar and binary values look in decoded objects: enum values by
 * name, flag sets as name lists, addresses as text. Anything a name cannot
 * express (an unknown enum value, an unknown bit, an address of the wrong
 * length) stays a number or bytes, so nothing is lost.
 */

/** How an integer with an enum looks in decoded objects, and back. */
export interface Naming {
  decode(v: number | bigint): unknown;
  /** The integer for a name, a list of flag names, or a number; undefined when it has none. */
  encode(v: unknown): number | bigint | undefined;
}

/** Enum values by name; a value without a name stays a number. */
function enumNaming(e: EnumModel): Naming {
  const byValue = new Map<number, string>(e.entries.map((x) => [x.value, x.name]));
  const byName = new Map<string, number>(e.entries.map((x) => [x.name, x.value]));
  return {
    decode: (v) => byValue.get(Number(v)) ?? v,
    encode: (v) => (typeof v === "string" ? byName.get(v) : typeof v === "number" || typeof v === "bigint" ? v : undefined),
  };
}

/** Flag sets as name lists; bits without a name appear as one "0x…" entry. */
function flagsNaming(e: EnumModel): Naming {
  const bits = e.entries.filter((x) => x.value !== 0).map((x) => [BigInt(x.value), x.name] as const);
  const byName = new Map<string, bigint>(bits.map(([b, n]) => [n, b]));
  return {
    decode(v) {
      let left = BigInt(v);
      const out: string[] = [];
      for (const [bit, name] of bits) {
        if ((left & bit) === bit) {
          out.push(name);
          left &= ~bit;
        }
      }
      if (left) out.push(`0x${left.toString(16)}`);
      return out;
    },
    encode(v) {
      if (typeof v === "number" || typeof v === "bigint") return v;
      if (!Array.isArray(v)) return undefined;
      let mask = 0n;
      for (const n of v) {
        const bit = typeof n !== "string" ? undefined : byName.get(n) ?? (/^0x[0-9a-f]+$/i.test(n) ? BigInt(n) : undefined);
        if (bit === undefined) return undefined;
        mask |= bit;
      }
      return mask;
    },
  };
}

/** Flags definitions, and enums used with enum-as-flags, read as flag sets. */
export function naming(e: EnumModel, asFlags: boolean | undefined): Naming {
  if (!e.flags && !asFlags) return enumNaming(e);
  // enum-as-flags: an enum's values are bit positions.
  return flagsNaming(e.flags ? e : { ...e, entries: e.entries.map((x) => ({ name: x.name, value: 2 ** x.value })) });
}

const UUID_LEN = 16;
/**
 * "a.b" for every pair of octets, made on first use: route dumps are mostly
 * IPv4 addresses, and two joins of cached halves cost far less than
 * formatting four numbers and joining seven pieces.
 */
let OCTET_PAIRS: (string | undefined)[] | undefined;

function octetPair(hi: number, lo: number): string {
  // Filled, not sparse: a sparse array would drop to slow dictionary lookups.
  const t = (OCTET_PAIRS ??= new Array<string | undefined>(65536).fill(undefined));
  const k = (hi << 8) | lo;
  return (t[k] ??= `${hi}.${lo}`);
}

function ipv4OrBytes(b: Uint8Array, o: number, n: number): string | Uint8Array {
  return n === 4 ? ipv4Text(b, o) : b.slice(o, o + n);
}

function ipv4OrV6OrBytes(b: Uint8Array, o: number, n: number): string | Uint8Array {
  return n === 4 ? ipv4Text(b, o) : n === 16 ? ipv6Text(b, o) : b.slice(o, o + n);
}

export function macText(b: Uint8Array, o: number, n: number): string {
  return formatMac(b.subarray(o, o + n));
}

export function ipv6Text(b: Uint8Array, o: number): string {
  return formatIPv6(b.subarray(o, o + 16));
}

export function ipv4Text(b: Uint8Array, o: number): string {
  return octetPair(b[o]!, b[o + 1]!) + "." + octetPair(b[o + 2]!, b[o + 3]!);
}

/**
 * A reader for a binary value with a display hint, straight from the
 * buffer: text when the length fits the hint, else a copy of the bytes.
 * Undefined for hints that do not change the value (hex, none).
 */
export function hintReader(hint: string | undefined): ((b: Uint8Array, off: number, len: number) => unknown) | undefined {
  if (hint === "ipv4") return ipv4OrBytes;
  if (hint === "ipv4-or-v6") return ipv4OrV6OrBytes;
  if (!hint || hint === "hex") return undefined;
  const h = hint as DisplayHint;
  return (b, o, n) => formatHinted(h, b.subarray(o, o + n)) ?? b.slice(o, o + n);
}

/** Text for a binary value with a display hint, or undefined when the length does not fit. */
export function formatHinted(hint: DisplayHint | undefined, b: Uint8Array): string | undefined {
  switch (hint) {
    case "ipv4": return b.length === 4 ? formatIPv4(b) : undefined;
    case "ipv6": return b.length === 16 ? formatIPv6(b) : undefined;
    case "ipv4-or-v6": return b.length === 4 ? formatIPv4(b) : b.length === 16 ? formatIPv6(b) : undefined;
    case "mac": case "fddi": return b.length > 0 ? formatMac(b) : undefined;
    case "uuid": return b.length === UUID_LEN ? formatUuid(b) : undefined;
    default: return undefined;
  }
}

export function parseHinted(hint: DisplayHint | undefined, s: string): Uint8Array | undefined {
  switch (hint) {
    case "ipv4": return parseIPv4(s);
    case "ipv6": return parseIPv6(s);
    case "ipv4-or-v6": return s.includes(":") ? parseIPv6(s) : parseIPv4(s);
    case "mac": case "fddi": return parseMac(s);
    case "uuid": return parseMac(s.replace(/-/g, "").replace(/(..)(?!$)/g, "$1:"));
    default: return undefined;
  }
}

function formatUuid(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Integers that hold an address (a u32 with display-hint ipv4, as in
 * conntrack tuples or IFA_BROADCAST in some specs) read as text from their
 * wire bytes, which carry the address in network order whatever byte order
 * the spec gives the integer.
 */
export function isAddressHint(hint: string | undefined): boolean {
  return hint === "ipv4" || hint === "ipv4-or-v6" || hint === "ipv6";
}
