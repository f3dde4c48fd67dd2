/**
 * Which codec tests are runtime-independent: a test file qualifies when it,
 * and every file it imports from the repository, imports nothing but the codec,
 * vitest and fast-check (no `node:` modules, no other packages). Those are the
 * tests that must also pass under Bun and in a browser; the list is computed,
 * so a new codec test joins the other runtimes without anyone editing a list.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Bare imports allowed in a runtime-independent test. */
const ALLOWED = [/^vitest$/, /^fast-check$/, /^@nlwire\/codec(\/.*)?$/];

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm;

function specifiers(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** Why `file` is not runtime-independent, or null when it is. */
export function dependencyProblem(file: string, seen = new Set<string>()): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  for (const spec of specifiers(readFileSync(file, "utf8"))) {
    if (spec.startsWith(".")) {
      const problem = dependencyProblem(resolve(dirname(file), spec.replace(/\.js$/, ".ts")), seen);
      if (problem) return problem;
    } else if (!ALLOWED.some((re) => re.test(spec))) {
      return `${relative(REPO, file)} imports ${spec}`;
    }
  }
  return null;
}

/** The runtime-independent test files under `dirs` (repository-relative paths). */
export function runtimeIndependentTests(dirs = ["test/codec"]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(REPO, dir))
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => join(dir, f))
      .filter((f) => dependencyProblem(join(REPO, f)) === null)
      .sort(),
  );
}
