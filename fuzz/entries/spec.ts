/**
 * Family.fromSpec on the kernel's specs with structural damage: keys dropped,
 * values swapped for other types, edge numbers and names taken from elsewhere
 * in the document (dangling and cyclic references), list entries duplicated
 * or swapped. A spec that resolves gets every attribute set and struct
 * compiled, then decodes a datagram of its family (recorded, built or
 * mutated) with the same round-trip check as the family entries.
 */
import { Family, SpecError, isCodecError } from "@nlwire/codec";
import { Rng, hash32 } from "../rng.js";
import { specDocs } from "../seeds.js";
import { bytesJson, type Entry, type Outcome } from "../entry.js";
import { decodeWith } from "./families.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface SpecInput {
  doc: Record<string, unknown>;
  datagram: Uint8Array;
}

const TYPES = ["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint", "string", "binary", "nest", "flag",
  "pad", "unused", "bitfield32", "indexed-array", "nest-type-value", "sub-message", "struct", "enum", "flags", "bogus"];
const NUMBERS = [0, 1, -1, 2, 3, 7, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e9, -1e9, 0.5];
const OTHERS: Json[] = ["", "x", null, true, false, [], {}, [{}], { name: "x" }];

/** Every string of the document: names to plant elsewhere. */
function strings(v: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof v === "string") out.push(v);
  else if (v && typeof v === "object" && depth < 12) for (const x of Object.values(v)) strings(x, out, depth + 1);
  return out;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === "object" && v !== null;
}

/** One structural change, copying only the containers on the path to it. */
function mutateDoc(rng: Rng, root: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const top: Record<string, unknown> = { ...root };
  let node: Record<string, unknown> | unknown[] = top;
  for (;;) {
    const keys = Object.keys(node);
    if (!keys.length) break;
    const k = rng.pick(keys);
    const child: unknown = (node as Record<string, unknown>)[k];
    if (!isContainer(child) || rng.chance(0.2)) {
      change(rng, node, k, names);
      break;
    }
    const copy: Record<string, unknown> | unknown[] = Array.isArray(child) ? [...(child as unknown[])] : { ...(child as Record<string, unknown>) };
    (node as Record<string, unknown>)[k] = copy;
    node = copy;
  }
  return top;
}

function change(rng: Rng, node: Record<string, unknown> | unknown[], k: string, names: string[]): void {
  const o = node as Record<string, unknown>;
  const dice = rng.int(8);
  if (dice === 0) {
    if (Array.isArray(node)) node.splice(Number(k), 1);
    else delete o[k];
  } else if (dice === 1 && Array.isArray(node) && node.length) {
    node.splice(rng.int(node.length + 1), 0, node[Number(k)]); // a duplicate entry (same name twice)
  } else if (dice === 2 && Array.isArray(node) && node.length > 1) {
    const j = rng.int(node.length);
    [node[Number(k)], node[j]] = [node[j], node[Number(k)]];
  } else if (dice === 3) o[k] = rng.pick(TYPES);
  else if (dice === 4) o[k] = rng.pick(NUMBERS);
  else if (dice === 5 && names.length) o[k] = rng.pick(names);
  else if (dice === 6 && typeof o[k] === "number") o[k] = (o[k] as number) + rng.pick([-1, 1, 8, 1000, 65536]);
  else o[k] = structuredClone(rng.pick(OTHERS));
}

let namesCache: Map<string, string[]> | undefined;

/** Datagrams for a spec: those of the family entry named like it, when there is one. */
export function specEntry(datagramFor: (family: string, seed: number, n: number) => Uint8Array): Entry<SpecInput> {
  return {
    name: "Family.fromSpec",
    input(seed, n) {
      const docs = specDocs();
      const rng = new Rng(hash32("spec", seed, n));
      const { file, doc: original } = rng.pick(docs);
      namesCache ??= new Map();
      let names = namesCache.get(file);
      if (!names) namesCache.set(file, (names = [...new Set(strings(original))]));
      let doc = original;
      for (let k = rng.range(1, 3); k > 0; k--) doc = mutateDoc(rng, doc, names);
      const name = typeof original["name"] === "string" ? original["name"] : "";
      return { doc, datagram: datagramFor(name, seed, n) };
    },
    run({ doc, datagram }) {
      const family = Family.fromSpec(doc);
      // Compile a few of the sets and structs the spec defines (names reach generated code here); decoding compiles the rest it meets.
      const sets = Object.keys(family.model.attrSets);
      const structs = Object.keys(family.model.structs);
      for (let i = 0; i < 4 && sets.length; i++) family.compiler.set(sets[(datagram.length + i * 7) % sets.length]!);
      for (let i = 0; i < 2 && structs.length; i++) family.compiler.struct(structs[(datagram.length + i * 5) % structs.length]!);
      const outcome: Outcome = decodeWith(family, datagram);
      return outcome;
    },
    refusal: (e) => e instanceof SpecError || isCodecError(e),
    size: (i) => i.datagram.length + 64,
    toJson: (i) => ({ spec: i.doc, hex: bytesJson.toJson(i.datagram) }),
    fromJson: (j) => {
      const o = j as { spec: Record<string, unknown>; hex: unknown };
      return { doc: o.spec, datagram: bytesJson.fromJson(o.hex) };
    },
  };
}
