import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { applyOverlay, resolveSpec, type FamilyModel } from "@nlwire/codec";

export interface LoadedSpec {
  file: string;
  model: FamilyModel;
  /** The project-written overlay that extended the kernel spec, if any. */
  overlay?: string;
  /** A whole spec written by the project (specs/families/), not one of the kernel's. */
  project?: boolean;
}

/** A spec that failed to load or resolve, naming the file (the cause says what is wrong in it). */
export class SpecLoadError extends Error {
  override readonly name = "SpecLoadError";
  constructor(readonly path: string, cause: unknown) {
    super(`${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function readYaml(path: string): Record<string, unknown> {
  const doc: unknown = parse(readFileSync(path, "utf8"));
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not a YAML mapping");
  return doc as Record<string, unknown>;
}

/** Runs `load`, naming `path` in whatever it throws. */
function naming<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (e) {
    throw e instanceof SpecLoadError ? e : new SpecLoadError(path, e);
  }
}

/**
 * Reads a kernel YNL spec and, when `overlayDir` holds a file of the same
 * name, extends it with that overlay before resolving.
 */
export function loadSpec(specPath: string, overlayDir?: string): LoadedSpec {
  const file = basename(specPath);
  const overlayPath = overlayDir ? join(overlayDir, file) : undefined;
  const hasOverlay = overlayPath !== undefined && existsSync(overlayPath);
  let doc = naming(specPath, () => readYaml(specPath));
  if (hasOverlay) doc = naming(overlayPath, () => applyOverlay(doc, readYaml(overlayPath)));
  const loaded: LoadedSpec = { file, model: naming(specPath, () => resolveSpec(doc)) };
  if (hasOverlay) loaded.overlay = file;
  return loaded;
}

/** Reads a whole spec the project wrote (specs/families/NAME.yaml); overlays do not apply to these. */
export function loadProjectSpec(specPath: string): LoadedSpec {
  const doc = naming(specPath, () => readYaml(specPath));
  return { file: basename(specPath), model: naming(specPath, () => resolveSpec(doc)), project: true };
}
