import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { Family, resolveSpec, type FamilyModel } from "@nlwire/codec";

/** The kernel's YNL specs, beside the repository (../shared/netlink-specs). */
export const SPEC_DIR = fileURLToPath(new URL("../../../shared/netlink-specs/", import.meta.url));

export function specFiles(): string[] {
  return readdirSync(SPEC_DIR).filter((f) => f.endsWith(".yaml")).sort();
}

export function loadModel(file: string): FamilyModel {
  return resolveSpec(parse(readFileSync(SPEC_DIR + file, "utf8")) as Record<string, unknown>);
}

export function loadFamily(file: string): Family {
  return new Family(loadModel(file));
}
