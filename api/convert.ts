import { parseIPv4, parseIPv6, parseMac } from "@nlwire/codec";
import { InvalidArgumentError } from "./errors.js";

/**
 * Conversions shared by the object modules: address text, prefixes and the
 * small name tables of rtnetlink (scopes, protocols, tables), with the
 * names ip(8) prints. Numbers come from linux/rtnetlink.h and linux/socket.h.
 */

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

export type IpFamily = "inet" | "inet6";

const FAMILY_NUMBERS: Record<IpFamily, number> = { inet: AF_INET, inet6: AF_INET6 };

export const familyNumber = (f: IpFamily | undefined): number => (f ? FAMILY_NUMBERS[f] : AF_UNSPEC);
export const familyName = (n: number): IpFamily | undefined => (n === AF_INET ? "inet" : n === AF_INET6 ? "inet6" : undefined);

/** An address in text form as its family and bytes; throws InvalidArgumentError for anything else. */
export function parseAddress(argument: string, text: string): { family: IpFamily; bytes: Uint8Array } {
  try {
    return text.includes(":") ? { family: "inet6", bytes: parseIPv6(text) } : { family: "inet", bytes: parseIPv4(text) };
  } catch {
    throw new InvalidArgumentError(argument, `not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  }
}

export const addressFamily = (argument: string, text: string): IpFamily => parseAddress(argument, text).family;

export interface Prefix {
  family: IpFamily;
  address: string;
  /** The address parsed (requests carry these, so the encoder need not parse the text again). */
  bytes: Uint8Array;
  len: number;
}

/** "10.0.0.0/24", "2001:db8::/64", a bare address (a host prefix) or "default" (needs `family`). */
export function parsePrefix(argument: string, text: string, family?: IpFamily): Prefix {
  if (text === "default") {
    const f = family ?? "inet";
    return { family: f, address: f === "inet" ? "0.0.0.0" : "::", bytes: new Uint8Array(f === "inet" ? 4 : 16), len: 0 };
  }
  const [address = "", lenText, extra] = text.split("/");
  if (extra !== undefined) throw new InvalidArgumentError(argument, `not a prefix: ${JSON.stringify(text)}`);
  const { family: f, bytes } = parseAddress(argument, address);
  if (family && f !== family) throw new InvalidArgumentError(argument, `${text} is not an ${family} prefix`);
  const max = f === "inet" ? 32 : 128;
  const len = lenText === undefined ? max : /^\d{1,3}$/.test(lenText) ? Number(lenText) : NaN;
  if (!(len >= 0 && len <= max)) throw new InvalidArgumentError(argument, `bad prefix length in ${JSON.stringify(text)}`);
  return { family: f, address, bytes, len };
}

export const formatPrefix = (address: string, len: number): string => `${address}/${len}`;

export function checkMac(argument: string, text: string): string {
  try {
    parseMac(text);
    return text.toLowerCase();
  } catch {
    throw new InvalidArgumentError(argument, `not a MAC address: ${JSON.stringify(text)}`);
  }
}

/** A two-way table between numbers and the names ip(8) prints; numbers without a name print as decimal. */
export class NameTable<N extends string> {
  readonly #byName: Map<string, number>;
  constructor(
    readonly what: string,
    readonly names: Readonly<Record<number, N>>,
  ) {
    this.#byName = new Map(Object.entries(names).map(([n, name]) => [name as string, Number(n)]));
  }
  name(n: number): N | number {
    return this.names[n] ?? n;
  }
  number(argument: string, v: N | number): number {
    if (typeof v === "number") return v;
    const n = this.#byName.get(v);
    if (n === undefined) throw new InvalidArgumentError(argument, `unknown ${this.what} ${JSON.stringify(v)}`);
    return n;
  }
}

/** enum rt_scope_t, as ip names it (RT_SCOPE_UNIVERSE is "global"). */
export type Scope = "global" | "site" | "link" | "host" | "nowhere";
export const SCOPES = new NameTable<Scope>("scope", { 0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere" });

/** RTPROT_* (rtnetlink.h), as /etc/iproute2/rt_protos names them. */
export type RouteProtocol = "unspec" | "redirect" | "kernel" | "boot" | "static" | "gated" | "ra" | "mrt" | "zebra" | "bird" | "dnrouted" | "xorp" | "ntk" | "dhcp" | "mrouted" | "keepalived" | "babel" | "openr" | "bgp" | "isis" | "ospf" | "rip" | "eigrp";
export const PROTOCOLS = new NameTable<RouteProtocol>("route protocol", {
  0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird",
  13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrouted", 18: "keepalived", 42: "babel", 99: "openr", 186: "bgp",
  187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
});

/** RT_TABLE_* (rtnetlink.h). */
export type TableName = "unspec" | "compat" | "default" | "main" | "local";
export const TABLES = new NameTable<TableName>("table", { 0: "unspec", 252: "compat", 253: "default", 254: "main", 255: "local" });
export const RT_TABLE_MAIN = 254;

/** The table of a route or rule: RTA_TABLE when present (tables above 255 only fit there), else the header's byte. */
export const tableOf = (headerTable: number | undefined, attr: number | undefined): number => attr ?? headerTable ?? 0;

/** A table as the header's byte (RT_TABLE_UNSPEC when it does not fit, as ip sends it) and RTA_TABLE. */
export const tableFields = (table: number): { header: number; attr: number } => ({ header: table < 256 ? table : 0, attr: table });

/** Seconds, or "forever" (the kernel's all-ones lifetime). */
export type Lifetime = number | "forever";
export const INFINITY_LIFE_TIME = 0xffffffff;
export const lifetimeOf = (n: number): Lifetime => (n === INFINITY_LIFE_TIME ? "forever" : n);
export const lifetimeNumber = (l: Lifetime): number => (l === "forever" ? INFINITY_LIFE_TIME : l);

/** `T` with every member that may be undefined made optional instead (as `compact` leaves it). */
export type Compacted<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined members so objects compare and print cleanly (exactOptionalPropertyTypes). */
export function compact<T extends object>(o: T): Compacted<T> {
  // A fresh object rather than `delete`, which would leave V8 a slow dictionary-mode object.
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as Compacted<T>;
}

/** A decoded flag set without the bits the spec has no name for ("0x..."). */
export const flagNames = (v: readonly string[] | undefined): string[] => (v ?? []).filter((f) => !f.startsWith("0x"));
