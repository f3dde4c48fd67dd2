import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Family, type FamilyModel } from "@nlwire/codec";
import { OVERLAY_DIR, PROJECT_SPEC_DIR } from "../../gen/main.js";
import { loadProjectSpec, loadSpec } from "../../gen/load.js";

/** The kernel's YNL specs, beside the repository (../shared/netlink-specs). */
export const SPEC_DIR = fileURLToPath(new URL("../../../shared/netlink-specs/", import.meta.url));

const yamlIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort() : []);

/** The kernel's specs only. */
export function specFiles(): string[] {
  return yamlIn(SPEC_DIR);
}

/** The specs the project wrote itself (specs/families/). */
export function projectSpecFiles(): string[] {
  return yamlIn(PROJECT_SPEC_DIR);
}

/** Every family the generator makes a module of: the kernel's specs, then the project's. */
export function allSpecFiles(): string[] {
  return [...specFiles(), ...projectSpecFiles()];
}

/**
 * A spec resolved as the generator resolves it: a kernel spec with the
 * project's overlay, if it has one; a project spec as it is.
 */
export function loadModel(file: string): FamilyModel {
  if (!existsSync(SPEC_DIR + file) && projectSpecFiles().includes(file)) return loadProjectSpec(`${PROJECT_SPEC_DIR}/${file}`).model;
  return loadSpec(SPEC_DIR + file, OVERLAY_DIR).model;
}

export function loadFamily(file: string): Family {
  return new Family(loadModel(file));
}
