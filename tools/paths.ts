import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root, found by walking up from this module: the same code
 * runs from tools/ (sources) and from dist/tools/ (compiled), so a fixed
 * number of "../" would be wrong for one of them.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "nlwire") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the nlwire repository root (no package.json named nlwire above this module)");
    dir = up;
  }
}

export const ROOT = findRoot();
/**
 * Where the Makefiles put the C programs: build-tools/tools, build-tools/bench.
 * Not build/: that is node-gyp's, and `node-gyp rebuild` (npm install) deletes it whole.
 */
export const BUILD_DIR = join(ROOT, "build-tools");
export const FIXTURES_DIR = join(ROOT, "test", "fixtures");
