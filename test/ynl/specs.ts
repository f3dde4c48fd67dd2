import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Family, type FamilyModel } from "@nlwire/codec";
import { OVERLAY_DIR } from "../../gen/main.js";
import { loadSpec } from "../../gen/load.js";

/** The kernel's YNL specs, beside the repository (../shared/netlink-specs). */
export const SPEC_DIR = fileURLToPath(new URL("../../../shared/netlink-specs/", import.meta.url));

export function specFiles(): string[] {
  return readdirSync(SPEC_DIR).filter((f) => f.endsWith(".yaml")).sort();
}

/** A kernel spec resolved as the generator resolves it: with the project's overlay, if it has one. */
export function loadModel(file: string): FamilyModel {
  return loadSpec(SPEC_DIR + file, OVERLAY_DIR).model;
}

export function loadFamily(file: string): Family {
  return new Family(loadModel(file));
}
