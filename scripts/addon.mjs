// Builds the native addon (shim-c/ → build/Release/nlwire_shim.node) with the
// node-gyp that npm bundles. npm runs this at install (`npm ci`, `npm install`,
// `npm rebuild`: a full `node-gyp rebuild`, which deletes build/ first);
// `npm run build` runs it with `build`: configure when needed, then recompile
// what changed, deleting nothing.
//
// A failed build does not fail the install: the codec, the CLI and the offline
// tools need no addon. The reason is kept in build/addon-error.log, and
// opening a native transport later throws AddonUnavailableError quoting it.
// NLWIRE_REQUIRE_ADDON=1 (scripts/setup.sh sets it) makes a failure fatal.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const log = join(root, "build", "addon-error.log");
const steps = process.argv[2] !== "build" ? ["rebuild"] : existsSync(join(root, "build", "Makefile")) ? ["build"] : ["configure", "build"];
const gyp = process.env.npm_config_node_gyp;
// node-gyp downloads Node's headers unless told where they are (npm's nodedir
// setting): when unset, use those installed with this very node, if any, so
// that the build works offline.
const prefix = dirname(dirname(realpathSync(process.execPath)));
const nodedir = !process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "common.gypi")) ? [`--nodedir=${prefix}`] : [];

// node-gyp's account of itself (versions, paths, stack) hides the compiler's or gyp's own message.
const NOISE = /^gyp (info|ERR! (stack|System|command|cwd|node -v|node-gyp -v|\$npm_|not ok))/;

function fail(output) {
  const tail = output.trim().split("\n").filter((l) => !NOISE.test(l)).slice(-15).join("\n");
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `${tail}\n`);
  console.error(`nlwire: the native addon was not built (live sockets will be unavailable; the codec works):\n${tail}`);
  console.error("nlwire: to build it: apt-get install g++ make python3; npm rebuild");
  process.exit(process.env.NLWIRE_REQUIRE_ADDON === "1" ? 1 : 0);
}

if (!gyp) fail("npm_config_node_gyp is not set: run this through npm (npm rebuild, npm run build)");
for (const step of steps) {
  const r = spawnSync(process.execPath, [gyp, step, ...(step === "build" ? [] : nodedir)], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) fail(`node-gyp ${step} failed\n${r.error?.message ?? ""}${r.stdout ?? ""}${r.stderr ?? ""}`);
}
rmSync(log, { force: true });
