/**
 * What embedding the codec costs: an entry module is bundled with rolldown
 * (tree-shaken, minified ESM, as a web app's bundler would), then gzipped
 * (level 9) with node:zlib.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { rolldown } from "rolldown";
import { ROOT } from "../../tools/paths.js";

export const SRC = join(ROOT, "codec/src");

export interface Measured {
  minified: number;
  gzipped: number;
  code: string;
  /** Bytes each source module contributes before minification, largest first. */
  modules: [string, number][];
}

/** Bundles `entrySource` (a module whose imports are absolute paths) and measures it. */
export async function measure(entrySource: string): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "nlwire-size-"));
  try {
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, entrySource);
    const bundle = await rolldown({ input: entry, logLevel: "silent", treeshake: true });
    const { output } = await bundle.generate({ format: "es", minify: true });
    await bundle.close();
    const chunk = output[0];
    const modules = Object.entries(chunk.modules)
      .map(([id, m]): [string, number] => [relative(SRC, id), m.renderedLength])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    return { minified: Buffer.byteLength(chunk.code), gzipped: gzipSync(chunk.code, { level: 9 }).length, code: chunk.code, modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The codec core: every module `codec/src/index.ts` re-exports except the
 * YNL engine (ynl/, which only families need) and family-specific helpers
 * (inet-diag-filter, sock_diag's filter bytecode): the wire layer.
 */
export function coreEntry(): string {
  const index = readFileSync(join(SRC, "index.ts"), "utf8");
  const lines = index.split("\n").filter((l) => /^export .* from "\.\/[^"]+";$/.test(l));
  const core = lines.filter((l) => !/from "\.\/(ynl|families)\//.test(l) && !l.includes("./inet-diag-filter.js"));
  return core.map((l) => l.replace(/from "\.\/([^"]+)\.js"/, (_, p: string) => `from ${JSON.stringify(join(SRC, `${p}.ts`))}`)).join("\n");
}

export const wholeIndexEntry = (): string => `export * from ${JSON.stringify(join(SRC, "index.ts"))};`;
export const familyEntry = (file: string, name: string): string => `export { ${name} } from ${JSON.stringify(join(SRC, "families", `${file}.ts`))};`;

export const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
