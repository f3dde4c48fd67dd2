/**
 * Parsers for the tools' text output (where they have no JSON mode, or the
 * recording kept text): they only split what the tool printed into fields,
 * leaving every value as the tool wrote it.
 */

/** "Key: value" lines (ethtool), keyed by the trimmed key. */
export function colonFields(lines: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) m.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  return m;
}

/** `ethtool -l`: the "Pre-set maximums" and "Current hardware settings" sections. */
export function ethtoolChannels(lines: readonly string[]): { max: Map<string, string>; current: Map<string, string> } {
  const i = lines.findIndex((l) => l.startsWith("Current hardware settings"));
  const j = lines.findIndex((l) => l.startsWith("Pre-set maximums"));
  return { max: colonFields(lines.slice(j + 1, i)), current: colonFields(lines.slice(i + 1)) };
}

export interface GenlFamily {
  name: string;
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: { id: number; caps?: number }[];
  groups: { id: number; name: string }[];
}

/** `genl ctrl list`. */
export function genlFamilies(lines: readonly string[]): GenlFamily[] {
  const out: GenlFamily[] = [];
  let f: GenlFamily | undefined;
  for (const l of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^Name: (\S+)/.exec(l))) {
      out.push((f = { name: m[1]!, id: -1, version: -1, hdrsize: -1, maxattr: -1, ops: [], groups: [] }));
    } else if ((m = /ID: 0x([0-9a-f]+)\s+Version: 0x([0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)/.exec(l))) {
      Object.assign(f!, { id: parseInt(m[1]!, 16), version: parseInt(m[2]!, 16), hdrsize: Number(m[3]), maxattr: Number(m[4]) });
    } else if ((m = /#\d+:\s+ID-0x([0-9a-f]+)\s+name: (\S+)/.exec(l))) {
      f!.groups.push({ id: parseInt(m[1]!, 16), name: m[2]! });
    } else if ((m = /#\d+:\s+ID-0x([0-9a-f]+)/.exec(l))) {
      f!.ops.push({ id: parseInt(m[1]!, 16) });
    } else if ((m = /Capabilities \(0x([0-9a-f]+)\)/.exec(l))) {
      f!.ops.at(-1)!.caps = parseInt(m[1]!, 16);
    }
  }
  return out;
}

export interface GenlPolicyText {
  ops: Map<number, { do?: number; dump?: number }>;
  /** "policy/attr" → the rest of the line ("type=U32 range:[1,4294967295]"). */
  attrs: Map<string, string>;
}

/** `genl ctrl policy name F`. */
export function genlPolicy(lines: readonly string[]): GenlPolicyText {
  const ops = new Map<number, { do?: number; dump?: number }>();
  const attrs = new Map<string, string>();
  for (const l of lines) {
    let m: RegExpExecArray | null;
    if ((m = /op (\d+) policies:(.*)$/.exec(l))) {
      const p: { do?: number; dump?: number } = {};
      for (const [, k, v] of m[2]!.matchAll(/(do|dump)=(\d+)/g)) p[k as "do" | "dump"] = Number(v);
      ops.set(Number(m[1]), p);
    } else if ((m = /policy\[(\d+)\]:attr\[(\d+)\]: (.*)$/.exec(l))) {
      attrs.set(`${m[1]}/${m[2]}`, m[3]!.trim());
    }
  }
  return { ops, attrs };
}

export interface ConntrackLine {
  proto: string;
  protonum: number;
  timeout: number;
  state?: string;
  orig: Record<string, string>;
  reply: Record<string, string>;
  flags: string[];
  rest: Record<string, string>;
}

/** `conntrack -L` lines: the original tuple's key=value pairs, then the reply tuple's (from the second src=). */
export function conntrackLine(line: string): ConntrackLine {
  const t = line.trim().split(/\s+/);
  const out: ConntrackLine = { proto: t[0]!, protonum: Number(t[1]), timeout: Number(t[2]), orig: {}, reply: {}, flags: [], rest: {} };
  let tuple: Record<string, string> | undefined;
  let tuples = 0;
  for (const tok of t.slice(3)) {
    const m = /^(\w+)=(.*)$/.exec(tok);
    if (/^\[.*\]$/.test(tok)) out.flags.push(tok.slice(1, -1));
    else if (!m) out.state = tok;
    else {
      if (m[1] === "src") tuple = ++tuples === 1 ? out.orig : out.reply;
      const into = ["src", "dst", "sport", "dport", "type", "code", "id"].includes(m[1]!) ? tuple! : out.rest;
      into[m[1]!] = m[2]!;
    }
  }
  return out;
}

/** `tc -d class show`: "class KIND HANDLE (root|parent P) [leaf L] key value ..."; a key after "cburst" gets a "c" (cburst's mpu). */
export function tcClassLine(line: string): { kind: string; handle: string; parent?: string; fields: Map<string, string> } {
  const t = line.trim().split(/\s+/);
  const fields = new Map<string, string>();
  let i = 3;
  let parent: string | undefined;
  if (t[i] === "root") i++;
  else if (t[i] === "parent") (parent = t[i + 1]), (i += 2);
  let ceilPart = false;
  for (; i < t.length; i += 2) {
    const k = t[i]!;
    if (k === "cburst") ceilPart = true;
    fields.set(ceilPart && k === "mpu" ? "cmpu" : k, t[i + 1]!);
  }
  const out: { kind: string; handle: string; parent?: string; fields: Map<string, string> } = { kind: t[1]!, handle: t[2]!, fields };
  if (parent) out.parent = parent;
  return out;
}

/** One event of `ip monitor`: its lines joined (an address or link event takes two). */
export function monitorEvents(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (/^\s/.test(l) && out.length) out[out.length - 1] += ` ${l.trim()}`;
    else out.push(l.trim());
  }
  return out;
}

export interface MonitorLink {
  deleted: boolean;
  ifindex: number;
  ifname: string;
  link: string;
  flags: string[];
  fields: Map<string, string>;
}

/** "N: NAME@PEER: <FLAGS> mtu M qdisc Q state S group G link/ether A brd B". */
export function monitorLink(ev: string): MonitorLink | undefined {
  const m = /^(Deleted )?(\d+): ([^@:]+)@([^:]+): <([^>]*)> (.*)$/.exec(ev);
  if (!m) return undefined;
  const t = m[6]!.split(/\s+/);
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < t.length; i += 2) fields.set(t[i]!, t[i + 1]!);
  return { deleted: !!m[1], ifindex: Number(m[2]), ifname: m[3]!, link: m[4]!, flags: m[5]!.split(",").filter(Boolean), fields };
}

/** "N: DEV    inet A/L scope S LABEL valid_lft V preferred_lft P". */
export function monitorAddr(ev: string): { deleted: boolean; ifindex: number; dev: string; family: string; local: string; prefixlen: number; scope: string; label: string; valid: string; preferred: string } | undefined {
  const m = /^(Deleted )?(\d+): (\S+)\s+(inet6?) ([^/\s]+)\/(\d+) scope (\S+) (\S+) valid_lft (\S+) preferred_lft (\S+)$/.exec(ev);
  if (!m) return undefined;
  return {
    deleted: !!m[1], ifindex: Number(m[2]), dev: m[3]!, family: m[4]!, local: m[5]!, prefixlen: Number(m[6]),
    scope: m[7]!, label: m[8]!, valid: m[9]!, preferred: m[10]!,
  };
}

const ROUTE_TYPES = new Set(["local", "broadcast", "unreachable", "prohibit", "blackhole", "throw", "multicast", "anycast", "nat"]);

/** "[Deleted ][TYPE ]DST[/LEN] [via GW] dev D [table T] [proto P] [scope S] [src A]". */
export function monitorRoute(ev: string): { deleted: boolean; type: string; dst: string; fields: Map<string, string> } {
  const t = ev.split(/\s+/);
  const deleted = t[0] === "Deleted";
  if (deleted) t.shift();
  const type = ROUTE_TYPES.has(t[0]!) ? t.shift()! : "unicast";
  const dst = t.shift()!;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < t.length; i += 2) fields.set(t[i]!, t[i + 1]!);
  return { deleted, type, dst, fields };
}
