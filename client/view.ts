import type { DecodedMessage, Family } from "@nlwire/codec";

/** What happened to an object, as a subscription's view sees it. */
export type Change = "new" | "changed" | "deleted";

/** Names the object a message is about; undefined: the message is not about an object the view tracks. */
export type KeyOf = (m: DecodedMessage) => string | undefined;

/** Attributes that change by themselves (counters, timestamps): not part of an object's content. */
const VOLATILE = new Set(["stats", "stats64", "xstats", "icmp6stats", "cacheinfo", "probes"]);

/** A stable text form: sorted keys, bytes as hex, volatile attributes left out. */
export function canon(v: unknown): string {
  if (v instanceof Uint8Array) return `"${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("")}"`;
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => !VOLATILE.has(k) && o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** An object's content: its fixed header and attributes, without the volatile ones. */
export const content = (m: DecodedMessage): string => canon({ fixed: m.fixed, attrs: m.attrs });

const key = (...parts: unknown[]): string => parts.map((p) => canon(p ?? null)).join(" ");

/**
 * How each rtnetlink object kind is identified (the kernel's own notion of
 * "the same object"): a NEW for a known key is a change, a DEL removes it.
 * Any other family falls back to `content`: an object is what it holds, so
 * a change shows as "deleted" then "new".
 */
export const objectKeys: Readonly<Record<string, KeyOf>> = {
  // AF_BRIDGE (7) messages describe a bridge port's state, not a link of their own.
  "rt-link": ({ fixed: f = {} }) => (f["ifi-family"] === 7 ? undefined : key(f["ifi-index"])),
  "rt-addr": ({ fixed: f = {}, attrs: a }) => key(f["ifa-index"], f["ifa-family"], a.local ?? a.address, f["ifa-prefixlen"]),
  // IPv6 keeps routes to one prefix and metric apart by their nexthop (fe80::/64 on every device).
  "rt-route": ({ fixed: f = {}, attrs: a }) =>
    key(a.table ?? f["rtm-table"], f["rtm-family"], a.dst, f["rtm-dst-len"], a.src, f["rtm-src-len"], f["rtm-tos"], a.priority ?? 0,
      ...(f["rtm-family"] === 10 ? [a.oif, a.gateway] : [])),
  "rt-neigh": ({ fixed: f = {}, attrs: a }) => key(f["ndm-ifindex"], f["ndm-family"], a.dst ?? a.lladdr, a.vlan),
  // The kernel has no "change rule": every selector and action is part of a rule's identity.
  "rt-rule": content,
};

/** The key function for `family`: objectKeys, or `content` for families it does not list. */
export const keyOf = (family: Family): KeyOf => objectKeys[family.model.name] ?? content;

/** rtnetlink: RTM_DEL* (type % 4 == 1); generic netlink: an op named "...del...". */
export function isDeletion(family: Family, m: DecodedMessage): boolean {
  if (!family.isGenetlink && family.model.protonum === 0) return m.header.type >= 16 && (m.header.type & 3) === 1;
  return /(^|-)del/.test(m.op ?? "");
}

/** The objects a subscription knows of, by key, kept up to date from notifications and dumps. */
export class View {
  readonly objects = new Map<string, DecodedMessage>();

  constructor(
    private readonly family: Family,
    private readonly keyOf: KeyOf,
  ) {}

  /** Applies a notification: NEW upserts, DEL removes; undefined for a message about no tracked object. */
  apply(m: DecodedMessage): Change | undefined {
    const k = this.keyOf(m);
    if (k === undefined) return undefined;
    if (isDeletion(this.family, m)) return this.objects.delete(k), "deleted";
    const had = this.objects.has(k);
    this.objects.set(k, m);
    return had ? "changed" : "new";
  }

  /** Replaces the view with a fresh dump and returns how it differs: new, changed (by content), deleted. */
  replace(fresh: Iterable<DecodedMessage>): { kind: Change; message: DecodedMessage }[] {
    const out: { kind: Change; message: DecodedMessage }[] = [];
    const old = new Map(this.objects);
    this.objects.clear();
    for (const m of fresh) {
      const k = this.keyOf(m);
      if (k === undefined) continue;
      const was = old.get(k);
      old.delete(k);
      this.objects.set(k, m);
      if (!was) out.push({ kind: "new", message: m });
      else if (content(was) !== content(m)) out.push({ kind: "changed", message: m });
    }
    for (const message of old.values()) out.push({ kind: "deleted", message });
    return out;
  }
}
