import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { applyOverlay, resolveSpec, type FamilyModel } from "@nlwire/codec";

export interface LoadedSpec {
  file: string;
  model: FamilyModel;
  /** The project-written overlay that extended the kernel spec, if any. */
  overlay?: string;
}

/**
 * Reads a kernel YNL spec and, when `overlayDir` holds a file of the same
 * name, extends it with that overlay before resolving.
 */
export function loadSpec(specPath: string, overlayDir?: string): LoadedSpec {
  const file = basename(specPath);
  let doc = parse(readFileSync(specPath, "utf8")) as Record<string, unknown>;
  const overlayPath = overlayDir ? join(overlayDir, file) : undefined;
  const hasOverlay = overlayPath !== undefined && existsSync(overlayPath);
  if (hasOverlay) doc = applyOverlay(doc, parse(readFileSync(overlayPath, "utf8")) as Record<string, unknown>);
  const loaded: LoadedSpec = { file, model: resolveSpec(doc) };
  if (hasOverlay) loaded.overlay = file;
  return loaded;
}
