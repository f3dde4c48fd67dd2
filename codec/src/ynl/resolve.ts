import type {
  AttrModel, AttrSetModel, AttrType, Checks, DisplayHint, EnumModel, FamilyModel, HeaderMatch, MemberModel, MessageModel,
  OpModel, Protocol, ScalarType, StructModel, SubMessageModel,
} from "./model.js";

/**
 * Turns a YNL spec document (the YAML, parsed by the caller) into a
 * FamilyModel: numbers assigned the way the YNL format defines them, subsets
 * merged with their parent set, structs laid out. Prose (`doc`) is dropped.
 */

/** A spec the resolver cannot make sense of; `where` says which part. */
export class SpecError extends Error {
  override readonly name = "SpecError";
  constructor(readonly family: string, readonly where: string, detail: string) {
    super(`${family}: ${where}: ${detail}`);
  }
}

type Obj = Record<string, unknown>;

const SCALAR_SIZES: Record<ScalarType, number> = {
  u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8, uint: 0, sint: 0,
};
const MEMBER_TYPES = new Set(["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "string", "binary", "pad"]);
const ATTR_TYPES = new Set<string>([
  ...Object.keys(SCALAR_SIZES), "unused", "pad", "flag", "binary", "bitfield32", "string",
  "nest", "indexed-array", "nest-type-value", "sub-message",
]);

function list(v: unknown): Obj[] {
  if (!Array.isArray(v)) return [];
  // Entries are mappings (enum entries may be plain names): anything else is no spec.
  const bad = v.findIndex((x) => (typeof x !== "object" && typeof x !== "string") || x === null || Array.isArray(x));
  if (bad >= 0) throw new SpecError("?", "list", `entry ${bad} is ${JSON.stringify(v[bad]) ?? "undefined"}, not a mapping`);
  return v as Obj[];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

class Resolver {
  readonly family: string;
  readonly consts: Record<string, number | string> = {};
  readonly enums: Record<string, EnumModel> = {};
  readonly structs: Record<string, StructModel> = {};

  /** Struct member corrections for this family, and the notes of those that took effect. */
  readonly memberFixups: readonly MemberFixup[];
  readonly applied = new Set<string>();

  constructor(private readonly doc: Obj, fixups: readonly SpecFixup[] = []) {
    const name = str(doc["name"]);
    if (!name) throw new SpecError("?", "name", "the spec has no name");
    this.family = name;
    this.memberFixups = fixups.filter((f): f is MemberFixup => "struct" in f && f.family === name);
  }

  fail(where: string, detail: string): never {
    throw new SpecError(this.family, where, detail);
  }

  /** A length or limit: a number, or the name of a const (optionally "NAME - 1"). */
  constValue(v: unknown, where: string): number {
    if (typeof v === "number") return v;
    if (typeof v !== "string") return this.fail(where, `expected a number, got ${String(v)}`);
    const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(v);
    const c = m ? this.consts[m[1]!] : undefined;
    if (typeof c !== "number") return this.fail(where, `unknown constant ${v}`);
    return m![2] ? c - 1 : c;
  }

  definitions(): void {
    const defs = list(this.doc["definitions"]);
    for (const d of defs) {
      const name = str(d["name"]) ?? this.fail("definitions", "a definition without a name");
      if (d["type"] === "const") {
        const v = d["value"];
        if (typeof v !== "number" && typeof v !== "string") continue;
        this.consts[name] = v;
        // Checks may name a const by its prefixed (C-style) name, e.g. wg-key-len.
        const prefix = str(d["name-prefix"]);
        if (prefix) this.consts[prefix + name] = v;
      } else if (d["type"] === "enum" || d["type"] === "flags") {
        this.enums[name] = this.enumDef(d, name);
      }
    }
    // Structs last: their members may use consts and enums defined after them.
    for (const d of defs) if (d["type"] === "struct") this.structs[str(d["name"])!] = this.structDef(d);
  }

  enumDef(d: Obj, name: string): EnumModel {
    const flags = d["type"] === "flags";
    let next = num(d["value-start"]) ?? 0;
    const entries = list(d["entries"]).map((e) => {
      const entry = typeof e === "string" ? { name: e } : e;
      const pos = num(entry["value"]) ?? next;
      next = pos + 1;
      const entryName = str(entry["name"]) ?? this.fail(`enum ${name}`, "an entry without a name");
      // A flags entry's number is its bit position.
      return { name: entryName, value: flags ? 2 ** pos : pos };
    });
    return { name, flags, entries };
  }

  structDef(d: Obj): StructModel {
    const name = str(d["name"])!;
    let offset = 0;
    const raw = this.fixMembers(name, list(d["members"]));
    const members = raw.map((m, i) => {
      const mname = str(m["name"]) ?? this.fail(`struct ${name}`, "a member without a name");
      const type = str(m["type"]) ?? "";
      if (!MEMBER_TYPES.has(type)) this.fail(`struct ${name}.${mname}`, `unknown member type ${type}`);
      let len = SCALAR_SIZES[type as ScalarType] ?? 0;
      const flexible = m["flexible-array"] === true;
      if (flexible) {
        if (type !== "binary" || m["len"] !== undefined) this.fail(`struct ${name}.${mname}`, "a flexible-array member is binary, without len");
        if (i !== raw.length - 1) this.fail(`struct ${name}.${mname}`, "a flexible-array member must be the last");
        if (str(m["struct"])) this.structOf(str(m["struct"])!, `struct ${name}.${mname}`);
      } else if (type === "string" || type === "binary" || type === "pad") {
        const sub = str(m["struct"]);
        len = m["len"] !== undefined ? this.constValue(m["len"], `struct ${name}.${mname}.len`)
          : sub ? this.structOf(sub, `struct ${name}.${mname}`).size
          : this.fail(`struct ${name}.${mname}`, `${type} member needs len`);
      }
      const member: MemberModel = { name: mname, type: type as MemberModel["type"], offset, len };
      this.copyCommon(m, member);
      if (str(m["struct"])) member.struct = str(m["struct"])!;
      if (flexible) member.flexible = true;
      offset += len;
      return member;
    });
    return { name, size: offset, members };
  }

  /** The members of struct `name` as the spec lists them, with MemberFixups applied (before layout). */
  fixMembers(name: string, members: Obj[]): Obj[] {
    const mine = this.memberFixups.filter((f) => f.struct === name);
    if (!mine.length) return members;
    return members.flatMap((m) => {
      const f = mine.find((x) => x.member === m["name"]);
      if (!f) return [m];
      const fixed: Obj = { ...m };
      if (f.type) fixed["type"] = f.type;
      if (f.byteOrder) fixed["byte-order"] = f.byteOrder;
      const what = [f.type, f.byteOrder, f.padBefore ? `${f.padBefore} pad byte(s) before it` : undefined].filter(Boolean).join(", ");
      this.applied.add(`struct ${name}.${f.member}: ${what}: ${f.reason}`);
      // A pad member keeps the C compiler's alignment gap out of the decoded object.
      return f.padBefore ? [{ name: `pad-before-${f.member}`, type: "pad", len: f.padBefore }, fixed] : [fixed];
    });
  }

  structOf(name: string, where: string): StructModel {
    if (this.structs[name]) return this.structs[name]!;
    const d = list(this.doc["definitions"]).find((x) => x["name"] === name && x["type"] === "struct");
    if (!d) return this.fail(where, `unknown struct ${name}`);
    return (this.structs[name] = this.structDef(d));
  }

  /** byte-order, enum, enum-as-flags and display-hint are shared by members and attributes. */
  copyCommon(src: Obj, dst: MemberModel | AttrModel): void {
    const order = str(src["byte-order"]);
    if (order === "big-endian" || order === "little-endian") dst.byteOrder = order;
    const e = str(src["enum"]);
    if (e) {
      if (!this.enums[e]) this.fail(`${dst.name}`, `unknown enum ${e}`);
      dst.enum = e;
    }
    if (src["enum-as-flags"] === true) dst.enumAsFlags = true;
    const hint = str(src["display-hint"]);
    if (hint) dst.displayHint = hint as DisplayHint;
  }

  attrSets(): Record<string, AttrSetModel> {
    const raw = list(this.doc["attribute-sets"]);
    const out: Record<string, AttrSetModel> = {};
    // Full sets first, so subsets can look their attributes up.
    for (const s of raw) if (!s["subset-of"]) out[str(s["name"])!] = this.fullSet(s);
    for (const s of raw) if (s["subset-of"]) out[str(s["name"])!] = this.subset(s, out);
    return out;
  }

  fullSet(s: Obj): AttrSetModel {
    const name = str(s["name"])!;
    let next = 1;
    const attrs = list(s["attributes"]).map((a) => {
      const value = num(a["value"]) ?? next;
      next = value + 1;
      return this.attr(a, value, name);
    });
    return { name, attrs };
  }

  subset(s: Obj, sets: Record<string, AttrSetModel>): AttrSetModel {
    const name = str(s["name"])!;
    const parentName = str(s["subset-of"])!;
    const parent = sets[parentName] ?? this.fail(`attribute-set ${name}`, `unknown parent ${parentName}`);
    const rawParent = list(this.doc["attribute-sets"]).find((x) => x["name"] === parentName)!;
    // Some specs list an attribute twice in a subset; the later entry refines the earlier.
    const merged = new Map<string, Obj>();
    for (const a of list(s["attributes"])) merged.set(String(a["name"]), { ...merged.get(String(a["name"])), ...a });
    const attrs = [...merged.values()].map((a) => {
      const base = parent.attrs.find((p) => p.name === a["name"]);
      if (!base) return this.fail(`attribute-set ${name}`, `${String(a["name"])} is not in ${parentName}`);
      const rawBase = list(rawParent["attributes"]).find((x) => x["name"] === a["name"])!;
      return this.attr({ ...rawBase, ...a }, base.value, name);
    });
    return { name, attrs };
  }

  attr(a: Obj, value: number, set: string): AttrModel {
    const name = str(a["name"]) ?? this.fail(`attribute-set ${set}`, "an attribute without a name");
    const type = str(a["type"]) ?? "";
    const where = `${set}.${name}`;
    if (!ATTR_TYPES.has(type)) this.fail(where, `unknown attribute type ${type}`);
    const m: AttrModel = { name, value, type: type as AttrType };
    this.copyCommon(a, m);
    if (a["multi-attr"] === true) m.multiAttr = true;
    if (a["flag-net-byteorder"] === true) m.netByteorderFlag = true;
    if (str(a["nested-attributes"])) m.nested = str(a["nested-attributes"])!;
    if (str(a["sub-type"])) m.subType = str(a["sub-type"]) as AttrType;
    if (str(a["struct"])) {
      m.struct = str(a["struct"])!;
      this.structOf(m.struct, where);
    }
    if (str(a["sub-message"])) m.subMessage = str(a["sub-message"])!;
    if (str(a["selector"])) m.selector = str(a["selector"])!;
    if (Array.isArray(a["type-value"])) m.typeValue = (a["type-value"] as unknown[]).map(String);
    if (a["checks"] && typeof a["checks"] === "object") m.checks = this.checks(a["checks"] as Obj, where);
    return m;
  }

  checks(c: Obj, where: string): Checks {
    const out: Checks = {};
    for (const [k, field] of [["min-len", "minLen"], ["max-len", "maxLen"], ["exact-len", "exactLen"]] as const) {
      if (c[k] !== undefined) out[field] = this.constValue(c[k], `${where}.checks.${k}`);
    }
    for (const k of ["min", "max"] as const) {
      const v = c[k];
      if (typeof v === "number" || typeof v === "string") out[k] = v;
    }
    if (str(c["flags-mask"])) out.flagsMask = str(c["flags-mask"])!;
    if (c["unterminated-ok"] === true) out.unterminatedOk = true;
    return out;
  }

  /**
   * `header-match: { member: value | [values] }` (an nlwire extension) on a
   * request or reply: the message is this op's when that member of its fixed
   * header holds one of the values (numbers, or names of the member's enum).
   */
  headerMatch(raw: unknown, fixedHeader: string | undefined, where: string): HeaderMatch | undefined {
    if (raw === undefined) return undefined;
    const entries = raw && typeof raw === "object" && !Array.isArray(raw) ? Object.entries(raw as Obj) : [];
    if (entries.length !== 1) return this.fail(where, "header-match names exactly one member");
    const [member, want] = entries[0]!;
    if (!fixedHeader) return this.fail(where, "header-match needs a fixed header");
    const mb = this.structOf(fixedHeader, where).members.find((x) => x.name === member);
    if (!mb || !["u8", "u16", "u32"].includes(mb.type)) return this.fail(where, `header-match: ${fixedHeader} has no u8, u16 or u32 member ${member}`);
    const values = (Array.isArray(want) ? want : [want]).map((v) => {
      if (typeof v === "number") return v;
      const e = mb.enum ? this.enums[mb.enum]?.entries.find((x) => x.name === v) : undefined;
      return e ? e.value : this.fail(where, `header-match: ${String(v)} is not a number or a name of ${mb.enum ?? "an enum"}`);
    });
    return { member, values };
  }

  /** Resolves the header matches of every request and reply (after the ops and structs are known). */
  opMatches(model: FamilyModel, rawOps: Obj[]): void {
    model.ops.forEach((op, i) => {
      for (const mode of ["do", "dump"] as const) {
        const rawMode = rawOps[i]?.[mode] as Obj | undefined;
        for (const dir of ["request", "reply"] as const) {
          const msg = op[mode]?.[dir];
          const raw = (rawMode?.[dir] as Obj | undefined)?.["header-match"];
          if (!msg || raw === undefined) continue;
          const fixed = msg.fixedHeader ?? op.fixedHeader ?? model.fixedHeader;
          const match = this.headerMatch(raw, fixed, `operation ${op.name}.${mode}.${dir}`);
          if (match) msg.match = match;
        }
      }
    });
  }

  subMessages(): Record<string, SubMessageModel> {
    const out: Record<string, SubMessageModel> = {};
    for (const s of list(this.doc["sub-messages"])) {
      const name = str(s["name"])!;
      out[name] = {
        name,
        formats: list(s["formats"]).map((f) => {
          const fmt: SubMessageModel["formats"][number] = { value: String(f["value"]) };
          if (str(f["fixed-header"])) fmt.fixedHeader = str(f["fixed-header"])!;
          if (str(f["attribute-set"])) fmt.attributeSet = str(f["attribute-set"])!;
          return fmt;
        }),
      };
    }
    return out;
  }
}

function message(raw: unknown, value: number): MessageModel {
  const o = raw && typeof raw === "object" ? (raw as Obj) : {};
  const attrs = o["attributes"];
  const m: MessageModel = { value, attrs: Array.isArray(attrs) ? attrs.map(String) : [] };
  // nlwire extensions (see MessageModel): a layout of the message's own, and the header member that picks it.
  if (str(o["fixed-header"])) m.fixedHeader = str(o["fixed-header"])!;
  if (str(o["attribute-set"])) m.attributeSet = str(o["attribute-set"])!;
  return m;
}

function opBase(o: Obj): OpModel {
  const op: OpModel = { name: String(o["name"]) };
  if (str(o["attribute-set"])) op.attributeSet = str(o["attribute-set"])!;
  if (str(o["fixed-header"])) op.fixedHeader = str(o["fixed-header"])!;
  if (str(o["mcgrp"])) op.mcgrp = str(o["mcgrp"])!;
  return op;
}

/** Unified model: one counter from 1; requests, replies and notifications share the op's value. */
function unifiedOps(raw: Obj[]): OpModel[] {
  let next = 1;
  return raw.map((o) => {
    const value = num(o["value"]) ?? next;
    next = value + 1;
    const op = opBase(o);
    op.value = value;
    for (const mode of ["do", "dump"] as const) {
      const m = o[mode] as Obj | undefined;
      if (!m) continue;
      op[mode] = {};
      if (m["request"]) op[mode]!.request = message(m["request"], value);
      if (m["reply"]) op[mode]!.reply = message(m["reply"], value);
    }
    if (str(o["notify"])) op.notify = { op: str(o["notify"])!, value };
    if (o["event"]) op.event = message(o["event"], value);
    return op;
  });
}

/**
 * Directional model: messages to the kernel and from it are numbered by two
 * counters. A do/dump op takes the next request id and, when it has a
 * reply, the next reply id; a notification or event takes the next reply id.
 * An explicit `value` moves the counter it belongs to.
 */
function directionalOps(raw: Obj[]): OpModel[] {
  let req = 1;
  let rsp = 1;
  return raw.map((o) => {
    const op = opBase(o);
    if (o["notify"] || o["event"]) {
      rsp = num(o["value"]) ?? rsp;
      if (str(o["notify"])) op.notify = { op: str(o["notify"])!, value: rsp };
      if (o["event"]) op.event = message(o["event"], rsp);
      rsp += 1;
      return op;
    }
    const primary = (o["do"] ?? o["dump"]) as Obj | undefined; // neither: an op with no messages
    const reqObj = primary?.["request"] as Obj | undefined;
    const rspObj = primary?.["reply"] as Obj | undefined;
    req = num(reqObj?.["value"]) ?? req;
    rsp = num(rspObj?.["value"]) ?? rsp;
    for (const mode of ["do", "dump"] as const) {
      const m = o[mode] as Obj | undefined;
      if (!m) continue;
      const r = m["request"] as Obj | undefined;
      const p = m["reply"] as Obj | undefined;
      op[mode] = {};
      // Every do/dump sends a request, even one that lists no attributes.
      op[mode]!.request = message(r, num(r?.["value"]) ?? req);
      if (p) op[mode]!.reply = message(p, num(p["value"]) ?? rsp);
    }
    req += 1;
    if (rspObj) rsp += 1;
    return op;
  });
}

const NETLINK_GENERIC = 16;

const opMessages = (o: OpModel): MessageModel[] =>
  [o.do?.request, o.do?.reply, o.dump?.request, o.dump?.reply].filter((m): m is MessageModel => !!m);
const opHeaders = (o: OpModel): (string | undefined)[] => [o.fixedHeader, ...opMessages(o).map((m) => m.fixedHeader)];
const opSets = (o: OpModel): string[] => opMessages(o).flatMap((m) => (m.attributeSet ? [m.attributeSet] : []));

/**
 * Corrections to kernel specs that contradict the kernel's own UAPI headers
 * and what the kernel sends. Each names the header fact it restores.
 */
export type SpecFixup = AttrFixup | MemberFixup;

/** An attribute whose number the spec gets wrong. */
export interface AttrFixup {
  family: string;
  set: string;
  attr: string;
  value: number;
  reason: string;
}

/**
 * A struct member whose type or byte order the spec gets wrong, or before
 * which the C compiler leaves an alignment gap that the spec does not list
 * (YNL structs are packed: every gap must be a pad member). Specs that name
 * a `header` are not checked against it by the kernel's C code generator,
 * which uses the header's struct instead, so such errors survive upstream.
 */
export interface MemberFixup {
  family: string;
  struct: string;
  member: string;
  type?: "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";
  byteOrder?: "big-endian" | "little-endian";
  /** Bytes of padding before the member. */
  padBefore?: number;
  reason: string;
}

export const SPEC_FIXUPS: readonly SpecFixup[] = [
  // linux/netlink.h: NL_POLICY_TYPE_ATTR_PAD = 11, NL_POLICY_TYPE_ATTR_MASK = 12;
  // the 7.2 nlctrl spec lists mask before pad and so numbers them 11 and 12.
  { family: "nlctrl", set: "policy-attrs", attr: "mask", value: 12, reason: "NL_POLICY_TYPE_ATTR_MASK is 12 in linux/netlink.h" },
  { family: "nlctrl", set: "policy-attrs", attr: "pad", value: 11, reason: "NL_POLICY_TYPE_ATTR_PAD is 11 in linux/netlink.h" },
  // linux/pkt_sched.h struct tc_ratespec { unsigned char cell_log; __u8 linklayer;
  // unsigned short overhead; short cell_align; unsigned short mpu; __u32 rate; }
  // (12 bytes); the 7.2 tc spec makes the three shorts u8, so every rate read
  // from tbf, htb, police, ... came from the wrong bytes.
  { family: "tc", struct: "tc-ratespec", member: "overhead", type: "u16", reason: "unsigned short overhead in struct tc_ratespec (linux/pkt_sched.h)" },
  { family: "tc", struct: "tc-ratespec", member: "cell-align", type: "s16", reason: "short cell_align in struct tc_ratespec (linux/pkt_sched.h)" },
  { family: "tc", struct: "tc-ratespec", member: "mpu", type: "u16", reason: "unsigned short mpu in struct tc_ratespec (linux/pkt_sched.h)" },
  // linux/pkt_cls.h struct tc_u32_sel: three unsigned chars, then __be16 offmask,
  // which the compiler aligns to offset 4 (the struct is 16 bytes, not 15).
  { family: "tc", struct: "tc-u32-sel", member: "offmask", padBefore: 1, reason: "__be16 offmask is 2-byte aligned in struct tc_u32_sel (linux/pkt_cls.h)" },
  // linux/if_link.h struct ifla_bridge_id { __u8 prio[2]; __u8 addr[6]; }: the bridge
  // copies its bridge id there, priority most significant byte first (32768 is 80 00).
  { family: "rt-link", struct: "ifla-bridge-id", member: "prio", byteOrder: "big-endian", reason: "__u8 prio[2] in struct ifla_bridge_id is the priority in network order (linux/if_link.h)" },
];

function applyFixups(m: FamilyModel, fixups: readonly SpecFixup[]): void {
  for (const f of fixups) {
    if (f.family !== m.name || "struct" in f) continue;
    const a = m.attrSets[f.set]?.attrs.find((x) => x.name === f.attr);
    if (!a || a.value === f.value) continue;
    a.value = f.value;
    (m.fixups ??= []).push(`${f.set}.${f.attr} = ${f.value}: ${f.reason}`);
  }
  for (const set of Object.values(m.attrSets)) set.attrs.sort((x, y) => x.value - y.value);
}

function onceEach(r: Resolver, names: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) r.fail(where, `${n} defined twice`);
    seen.add(n);
  }
}

/** Resolves a parsed YNL spec document into a FamilyModel (with SPEC_FIXUPS applied unless told otherwise). */
export function resolveSpec(doc: Record<string, unknown>, fixups: readonly SpecFixup[] = SPEC_FIXUPS): FamilyModel {
  const r = new Resolver(doc, fixups);
  r.definitions();
  const protocol = (str(doc["protocol"]) ?? "genetlink") as Protocol;
  const ops = (doc["operations"] ?? {}) as Obj;
  const enumModel = ops["enum-model"] === "directional" ? "directional" : "unified";
  const model: FamilyModel = {
    name: r.family,
    protocol,
    protonum: protocol === "netlink-raw" ? num(doc["protonum"]) ?? r.fail("protonum", "netlink-raw needs protonum") : NETLINK_GENERIC,
    version: num(doc["version"]) ?? 1,
    enumModel,
    consts: r.consts,
    enums: r.enums,
    structs: {},
    attrSets: r.attrSets(),
    subMessages: r.subMessages(),
    ops: enumModel === "directional" ? directionalOps(list(ops["list"])) : unifiedOps(list(ops["list"])),
    mcastGroups: list((doc["mcast-groups"] as Obj | undefined)?.["list"]).map((g) => {
      const v = num(g["value"]);
      return v === undefined ? { name: String(g["name"]) } : { name: String(g["name"]), value: v };
    }),
  };
  if (str(ops["fixed-header"])) model.fixedHeader = str(ops["fixed-header"])!;
  for (const s of [model.fixedHeader, ...model.ops.flatMap(opHeaders)]) if (s) r.structOf(s, "fixed-header");
  for (const set of model.ops.flatMap(opSets)) if (!model.attrSets[set]) r.fail("operations", `unknown attribute-set ${set}`);
  // Decoded values are keyed by name: two attributes (struct members, enum entries) of one name could not both be given back.
  for (const set of Object.values(model.attrSets)) onceEach(r, set.attrs.map((a) => a.name), `attribute-set ${set.name}`);
  for (const e of Object.values(model.enums)) onceEach(r, e.entries.map((x) => x.name), `enum ${e.name}`);
  for (const st of Object.values(r.structs)) onceEach(r, st.members.filter((m) => m.type !== "pad").map((m) => m.name), `struct ${st.name}`);
  r.opMatches(model, list(ops["list"]));
  for (const sm of Object.values(model.subMessages)) {
    for (const f of sm.formats) if (f.fixedHeader) r.structOf(f.fixedHeader, `sub-message ${sm.name}`);
  }
  model.structs = r.structs;
  if (r.applied.size) model.fixups = [...r.applied];
  applyFixups(model, fixups);
  return model;
}
