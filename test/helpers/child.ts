import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "rolldown";
import { ROOT } from "../../tools/paths.js";

/**
 * Runs a TypeScript file of the tests as a plain Node process and returns
 * its stdout: bundled (the codec from source) into build-tools/, next to the
 * addon's checkout, so that it finds the addon. For what must not share the
 * test worker's process: dropped capabilities, memory measurements.
 * `wrap` turns the node command line into another (e.g. one without a capability).
 */
export async function runBundled(entry: string, args: readonly string[], wrap?: (cmd: string) => [string, string[]], nodeFlags: readonly string[] = []): Promise<string> {
  const dir = join(ROOT, "build-tools", `test-child-${process.pid}-${basename(entry, ".ts")}`);
  mkdirSync(dir, { recursive: true });
  try {
    const file = join(dir, "child.mjs");
    await build({
      input: join(ROOT, entry),
      platform: "node",
      logLevel: "silent",
      resolve: { conditionNames: ["source", "import", "node", "default"] },
      output: { file, format: "esm" },
    });
    const argv = [...nodeFlags, file, ...args];
    const [bin, binArgs] = wrap ? wrap(`exec node ${argv.join(" ")}`) : [process.execPath, argv];
    return execFileSync(bin, binArgs, { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
