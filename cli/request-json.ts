import { parseHex, type Family, type Obj } from "@nlwire/codec";
import { UsageError } from "./exit.js";

/**
 * A request given as JSON on the command line, in the shape the CLI prints
 * (docs/cli.md), turned into what the encoder takes: { "hex": ".." } →
 * bytes, decimal strings of integer attributes → bigint. Like the kernel's
 * ynl CLI, members of the op's fixed header may stand among the attributes
 * ({"ifi-index": 1, "ifname": "lo"}); { "fixed": {..}, "attrs": {..} } also works.
 */
export function requestBody(family: Family, op: string, mode: "do" | "dump", text: string | undefined): { fixed?: Obj; attrs?: Obj } {
  const o = ops(family, op, mode);
  if (text === undefined) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the request is not JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError("the request must be a JSON object");
  const given = doc as Obj;
  const keys = Object.keys(given);
  let fixed: Obj = {};
  let attrs: Obj = {};
  if (keys.length && keys.every((k) => k === "fixed" || k === "attrs")) {
    fixed = (given.fixed ?? {}) as Obj;
    attrs = (given.attrs ?? {}) as Obj;
  } else {
    const members = new Set(o.fixedHeader ? family.model.structs[o.fixedHeader]?.members.map((m) => m.name) : []);
    for (const [k, v] of Object.entries(given)) (members.has(k) ? fixed : attrs)[k] = v;
  }
  const body: { fixed?: Obj; attrs?: Obj } = { attrs: convert(family, o.attributeSet, attrs) as Obj };
  if (Object.keys(fixed).length || o.fixedHeader) body.fixed = convertPlain(fixed) as Obj;
  return body;
}

function ops(family: Family, op: string, mode: "do" | "dump"): { fixedHeader?: string; attributeSet?: string } {
  const m = family.model;
  const o = m.ops.find((x) => x.name === op);
  if (!o) throw new UsageError(`${m.name} has no operation "${op}" (nlwire ynl --family ${m.name} --list-ops)`);
  const msg = o[mode]?.request;
  if (!o[mode]) throw new UsageError(`${m.name} ${op} has no ${mode} (it has ${["do", "dump"].filter((x) => o[x as "do" | "dump"]).join(" and ") || "neither"})`);
  const fixedHeader = msg?.fixedHeader ?? o.fixedHeader ?? m.fixedHeader;
  const attributeSet = msg?.attributeSet ?? o.attributeSet;
  return { ...(fixedHeader ? { fixedHeader } : {}), ...(attributeSet ? { attributeSet } : {}) };
}

const INTS = new Set(["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint"]);

/** Guided by the attribute set where there is one, so that a string attribute "123" stays a string. */
function convert(family: Family, setName: string | undefined, v: unknown): unknown {
  const set = setName === undefined ? undefined : family.model.attrSets[setName];
  if (!set || v === null || typeof v !== "object" || Array.isArray(v) || isHex(v)) return convertPlain(v);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) {
    const a = set.attrs.find((y) => y.name === k);
    if (!a) throw new UsageError(`${family.model.name} has no attribute "${k}" in ${set.name}`);
    const one = (e: unknown): unknown => {
      if (INTS.has(a.type) && typeof e === "string" && /^-?\d+$/.test(e)) return BigInt(e);
      if (a.type === "nest" || (a.type === "indexed-array" && a.subType === "nest")) return convert(family, a.nested, e);
      return convertPlain(e);
    };
    out[k] = Array.isArray(x) ? x.map(one) : one(x);
  }
  return out;
}

function isHex(v: object): v is { hex: string } {
  const k = Object.keys(v);
  return k.length === 1 && k[0] === "hex" && typeof (v as { hex: unknown }).hex === "string";
}

function convertPlain(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(convertPlain);
  if (isHex(v)) return parseHex(v.hex);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convertPlain(x)]));
}
