import type { AttrModel, AttrType, FamilyModel, MemberModel, MessageModel, OpModel } from "@nlwire/codec";
import { key, pascal } from "./names.js";

/**
 * Emits the TypeScript types of one family: enums as string unions, structs
 * and attribute sets as interfaces, and the `Ops` interface that tells
 * defineFamily what each operation sends and receives.
 */

const INT_NUMBER = new Set(["u8", "u16", "u32", "s8", "s16", "s32"]);
const INT_BIG = new Set(["u64", "s64", "uint", "sint"]);
const TEXT_HINTS = new Set(["ipv4", "ipv6", "ipv4-or-v6", "mac", "fddi", "uuid"]);

export class TypeNames {
  private readonly used = new Map<string, string>();
  readonly enums = new Map<string, string>();
  readonly structs = new Map<string, string>();
  readonly sets = new Map<string, string>();

  constructor(m: FamilyModel) {
    // Sets first: they are what users name most; structs and enums that
    // collide with a set get a suffix.
    for (const s of Object.keys(m.attrSets)) this.sets.set(s, this.claim(pascal(s), "Set"));
    for (const s of Object.keys(m.structs)) this.structs.set(s, this.claim(pascal(s), "Struct"));
    for (const e of Object.keys(m.enums)) this.enums.set(e, this.claim(pascal(e), "Enum"));
  }

  private claim(name: string, suffix: string): string {
    let n = name;
    for (let i = 2; this.used.has(n) || n === "Ops" || n === "Bitfield32"; i++) n = `${name}${suffix}${i > 2 ? i : ""}`;
    this.used.set(n, name);
    return n;
  }
}

function intType(kind: string, enumName: string | undefined, asFlags: boolean | undefined, m: FamilyModel, t: TypeNames): string {
  const base = INT_BIG.has(kind) ? "bigint" : "number";
  if (!enumName || !m.enums[enumName]) return base;
  const e = t.enums.get(enumName)!;
  if (m.enums[enumName]!.flags || asFlags) return `(${e} | \`0x\${string}\`)[]`;
  return `${e} | ${base}`;
}

function bytesType(hint: string | undefined): string {
  return hint && TEXT_HINTS.has(hint) ? "string | Uint8Array" : "Uint8Array";
}

function memberType(mb: MemberModel, m: FamilyModel, t: TypeNames): string {
  if (mb.type === "string") return "string";
  // A flexible array member (an nlwire extension) of a struct type holds an array of them.
  if (mb.type === "binary") return mb.struct ? `${t.structs.get(mb.struct)!}${mb.flexible ? "[]" : ""}` : bytesType(mb.flexible ? undefined : mb.displayHint);
  if (mb.displayHint && ADDRESS_HINTS.has(mb.displayHint)) return "string | number";
  return intType(mb.type, mb.enum, mb.enumAsFlags, m, t);
}

/** Integers with an address hint decode to text; a number is still accepted when encoding. */
const ADDRESS_HINTS = new Set(["ipv4", "ipv6", "ipv4-or-v6"]);

function valueType(a: AttrModel, type: AttrType, m: FamilyModel, t: TypeNames): string {
  if ((INT_NUMBER.has(type) || INT_BIG.has(type)) && a.displayHint && ADDRESS_HINTS.has(a.displayHint)) return "string | number";
  if (INT_NUMBER.has(type) || INT_BIG.has(type)) return intType(type, a.enum, a.enumAsFlags, m, t);
  switch (type) {
    case "flag": return "true";
    case "string": return "string";
    case "binary":
      if (!a.struct) return bytesType(a.displayHint);
      // `sub-type: binary` with a struct (an nlwire extension): structs back to back.
      return a.subType === "binary" && type === a.type ? `(${t.structs.get(a.struct)!})[]` : t.structs.get(a.struct)!;
    case "bitfield32": return "Bitfield32";
    case "nest": {
      if (!a.nested) return "Uint8Array";
      // A nest with a header (an nlwire extension): the struct's members and the attributes in one object.
      return a.struct ? `${t.structs.get(a.struct)!} & ${t.sets.get(a.nested)!}` : t.sets.get(a.nested)!;
    }
    case "indexed-array": return `(${valueType(a, a.subType ?? "binary", m, t)})[]`;
    case "nest-type-value": {
      const inner = a.nested ? t.sets.get(a.nested)! : "Uint8Array";
      return (a.typeValue ?? ["id"]).reduce((acc) => `Record<number, ${acc}>`, inner);
    }
    case "sub-message": return subMessageType(a, m, t);
    default: return "Uint8Array";
  }
}

function subMessageType(a: AttrModel, m: FamilyModel, t: TypeNames): string {
  const sm = a.subMessage ? m.subMessages[a.subMessage] : undefined;
  if (!sm) return "Uint8Array";
  const shapes = new Set<string>();
  for (const f of sm.formats) {
    const parts = [f.fixedHeader && t.structs.get(f.fixedHeader), f.attributeSet && t.sets.get(f.attributeSet)].filter(Boolean);
    shapes.add(parts.length ? parts.join(" & ") : "Record<string, never>");
  }
  return [...shapes, "Uint8Array"].join(" | ");
}

function attrType(a: AttrModel, m: FamilyModel, t: TypeNames): string {
  const v = valueType(a, a.type, m, t);
  return a.multiAttr ? `(${v})[]` : v;
}

function enumDecl(name: string, m: FamilyModel, t: TypeNames): string {
  const e = m.enums[name]!;
  const union = e.entries.length ? e.entries.map((x) => JSON.stringify(x.name)).join(" | ") : "never";
  return `export type ${t.enums.get(name)} = ${union};`;
}

function structDecl(name: string, m: FamilyModel, t: TypeNames): string {
  const s = m.structs[name]!;
  const fields = s.members.filter((mb) => mb.type !== "pad").map((mb) => `  ${key(mb.name)}?: ${memberType(mb, m, t)};`);
  return `export interface ${t.structs.get(name)} {\n${fields.join("\n")}\n}`;
}

function setDecl(name: string, m: FamilyModel, t: TypeNames): string {
  const attrs = m.attrSets[name]!.attrs.filter((a) => a.type !== "pad" && a.type !== "unused");
  const fields = attrs.map((a) => `  ${key(a.name)}?: ${attrType(a, m, t)};`);
  return fields.length ? `export interface ${t.sets.get(name)} {\n${fields.join("\n")}\n}` : `export type ${t.sets.get(name)} = Record<string, never>;`;
}

/** A message's shape; a request or reply may name its own fixed header and attribute set (MessageModel). */
function shape(op: OpModel, m: FamilyModel, t: TypeNames, source = op, msg?: MessageModel): string {
  const setName = msg?.attributeSet ?? source.attributeSet;
  const set = setName ? t.sets.get(setName)! : "Record<string, never>";
  const fixedName = msg?.fixedHeader ?? op.fixedHeader ?? source.fixedHeader ?? m.fixedHeader;
  return fixedName ? `{ fixed: ${t.structs.get(fixedName)}; attrs: ${set} }` : `{ attrs: ${set} }`;
}

function opDecl(op: OpModel, m: FamilyModel, t: TypeNames): string {
  const parts: string[] = [];
  for (const mode of ["do", "dump"] as const) {
    const x = op[mode];
    if (!x) continue;
    const inner = [x.request && `request: ${shape(op, m, t, op, x.request)}`, x.reply && `reply: ${shape(op, m, t, op, x.reply)}`].filter(Boolean);
    parts.push(`${mode}: { ${inner.join("; ")} }`);
  }
  if (op.notify) {
    const target = m.ops.find((o) => o.name === op.notify!.op) ?? op;
    parts.push(`notify: ${shape(op, m, t, { ...target, ...(op.fixedHeader ? { fixedHeader: op.fixedHeader } : {}) })}`);
  }
  if (op.event) parts.push(`event: ${shape(op, m, t)}`);
  return `  ${key(op.name)}: { ${parts.join("; ")} };`;
}

/** Every type declaration of the family, in a stable order. */
export function emitTypes(m: FamilyModel, t: TypeNames): string {
  const out: string[] = [];
  for (const e of Object.keys(m.enums)) out.push(enumDecl(e, m, t));
  for (const s of Object.keys(m.structs)) out.push(structDecl(s, m, t));
  for (const s of Object.keys(m.attrSets)) out.push(setDecl(s, m, t));
  // A type alias, not an interface: it must fit OpsShape's index signature.
  out.push(`export type Ops = {\n${m.ops.map((o) => opDecl(o, m, t)).join("\n")}\n};`);
  return out.join("\n\n");
}
