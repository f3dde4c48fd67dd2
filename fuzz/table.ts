/** The entry-point table: every decode entry point the fuzzer drives, by name. */
import type { Entry } from "./entry.js";
import { codecEntries } from "./entries/codec.js";
import { familyEntries } from "./entries/families.js";
import { specEntry } from "./entries/spec.js";
import { captureEntries, cliDecode } from "./entries/capture.js";
import { Rng, hash32 } from "./rng.js";
import { junk } from "./mutate.js";

let table: Entry[] | undefined;

export function entries(): Entry[] {
  if (table) return table;
  const families = familyEntries();
  const byFamily = new Map(families.map((e) => [e.name.slice("family:".length), e]));
  const datagramFor = (name: string, seed: number, n: number): Uint8Array =>
    byFamily.get(name)?.input(seed, n) ?? junk(new Rng(hash32("spec-datagram", seed, n)));
  table = [...codecEntries, ...families, specEntry(datagramFor), ...captureEntries, cliDecode] as Entry[];
  return table;
}

export function entry(name: string): Entry {
  const e = entries().find((x) => x.name === name);
  if (!e) throw new Error(`no fuzz entry ${name} (have: ${entries().map((x) => x.name).join(", ")})`);
  return e;
}

/** Entries whose name contains `filter` (all when it is undefined). */
export function selectEntries(filter?: string): Entry[] {
  return filter ? entries().filter((e) => e.name.includes(filter)) : entries();
}
