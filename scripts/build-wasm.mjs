// Builds the shim component: shim-c/ compiled for wasm32-wasi (a reactor
// module importing wasm/wit/shim.wit's `sys`, exporting its `shim`), made a
// component with jco and transpiled for JS hosts. The results are committed,
// so that users need neither a C nor a Wasm toolchain:
//
//   wasm/nlshim.wasm     the component
//   wasm/js/             its transpiled JS (sync instantiation) and core modules
//   wasm/manifest.json   hashes of the sources and of the results, and the tools that made them
//
//   node scripts/build-wasm.mjs           rebuild wasm/
//   node scripts/build-wasm.mjs --check   rebuild in a temporary directory and fail if anything
//                                         differs from what is committed (CI runs this)
//   node scripts/build-wasm.mjs --tools   only install jco (scripts/setup.sh, in CI)
//
// The C compiler is Debian's clang with lld and wasi-libc, or the wasi-sdk
// under WASI_SDK_PATH when that is set. jco is a build-time tool only: it is
// installed on first use into build-tools/jco (git-ignored), never into the
// package's own dependencies.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const JCO_VERSION = "1.35.0";
const JCO_PREFIX = join(ROOT, "build-tools", "jco");
/** Everything the artifacts are made from: a change to any of them must show in the manifest. */
export const SOURCES = [
  "shim-c/nlshim.c",
  "shim-c/nlshim.h",
  "shim-c/sys.h",
  "shim-c/sys-wasi.c",
  "shim-c/wasi/abi.h",
  "shim-c/wasi/exports.c",
  "wasm/wit/shim.wit",
  "scripts/build-wasm.mjs",
];
const C_FILES = ["shim-c/nlshim.c", "shim-c/sys-wasi.c", "shim-c/wasi/exports.c"];
// No debug info (it would carry build paths): the bytes depend on the sources and the tools only.
const CFLAGS = ["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-mexec-model=reactor", "-Wl,--strip-debug"];

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The compiler and the flags that make it target wasm32-wasi. */
function compiler() {
  const sdk = process.env.WASI_SDK_PATH;
  if (sdk) return { cc: join(sdk, "bin", "clang"), flags: ["--target=wasm32-wasi", `--sysroot=${join(sdk, "share", "wasi-sysroot")}`] };
  // Debian's clang finds wasi-libc in /usr by itself; an explicit --sysroot would break that.
  return { cc: "clang", flags: ["--target=wasm32-wasi"] };
}

async function loadJco() {
  const entry = join(JCO_PREFIX, "node_modules", "@bytecodealliance", "jco", "dist", "api.js");
  const pkg = join(JCO_PREFIX, "node_modules", "@bytecodealliance", "jco", "package.json");
  if (!existsSync(pkg) || JSON.parse(readFileSync(pkg, "utf8")).version !== JCO_VERSION) {
    console.error(`build-wasm: installing jco ${JCO_VERSION} into ${relative(ROOT, JCO_PREFIX)}`);
    mkdirSync(JCO_PREFIX, { recursive: true });
    run("npm", ["install", "--prefix", JCO_PREFIX, "--no-save", "--no-audit", "--no-fund", `@bytecodealliance/jco@${JCO_VERSION}`]);
  }
  return import(pathToFileURL(entry).href);
}

/** The core module's imports that are not the shim's own: WASI would need the preview1 adapter. */
function foreignImports(core) {
  const mod = new WebAssembly.Module(core);
  return WebAssembly.Module.imports(mod).filter((i) => !i.module.startsWith("nlwire:shim/"));
}

/** Builds everything into `out` and returns the manifest. */
async function build(out) {
  const { cc, flags } = compiler();
  const core = join(out, "nlshim.core-module.wasm");
  mkdirSync(join(out, "js"), { recursive: true });
  run(cc, [...flags, ...CFLAGS, "-o", core, ...C_FILES.map((f) => join(ROOT, f))]);
  const coreBytes = readFileSync(core);
  rmSync(core);
  const foreign = foreignImports(coreBytes);
  if (foreign.length) throw new Error(`the core module imports more than the shim's sys interface: ${foreign.map((i) => `${i.module}.${i.name}`).join(", ")}`);

  const jco = await loadJco();
  const witSource = readFileSync(join(ROOT, "wasm", "wit", "shim.wit"), "utf8");
  const embedded = await jco.componentEmbed({ binary: coreBytes, witSource, world: "nlshim" });
  const component = await jco.componentNew(embedded); // no adapter: nothing of WASI is imported
  writeFileSync(join(out, "nlshim.wasm"), component);
  const { files } = await jco.transpile(component, { name: "nlshim", instantiation: "sync", noComponentErrorWrapping: true, quiet: true });
  files["nlshim.js"] = debugLogOnce(files["nlshim.js"]);
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(out, "js", name)), { recursive: true });
    writeFileSync(join(out, "js", name), bytes);
  }
  return {
    note: "Made by scripts/build-wasm.mjs; --check rebuilds and compares. Hand edits make the check fail.",
    toolchain: { cc: run(cc, ["--version"]).split("\n")[0], jco: JCO_VERSION },
    sources: Object.fromEntries(SOURCES.map((f) => [f, sha256(readFileSync(join(ROOT, f)))])),
    artifacts: Object.fromEntries(artifactFiles(out).map((f) => [f, sha256(readFileSync(join(out, f)))])),
  };
}

/**
 * jco 1.35's glue calls _debugLog a dozen times per crossing, and each call
 * reads process.env.JCO_DEBUG (a lookup in the C++ environment, with the
 * arguments allocated first): that halved the receive rate. The same check,
 * made once when the component is instantiated, keeps JCO_DEBUG working.
 */
function debugLogOnce(bytes) {
  const js = new TextDecoder().decode(bytes);
  const each = /  const _debugLog = \(\.\.\.args\) => \{\n    if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}\n    console\.debug\(\.\.\.args\);\n  \};/;
  if (!each.test(js)) throw new Error(`jco ${JCO_VERSION}'s _debugLog is not where build-wasm.mjs expects it: check debugLogOnce`);
  const once = "  const _debugLog = globalThis?.process?.env?.JCO_DEBUG ? (...args) => console.debug(...args) : () => {};";
  return new TextEncoder().encode(js.replace(each, once));
}

/** The built files under `dir`, relative to it, sorted (the manifest and the WIT are not artifacts). */
export function artifactFiles(dir) {
  const walk = (d) => readdirSync(join(dir, d)).flatMap((n) => (statSync(join(dir, d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return ["nlshim.wasm", ...walk("js")].sort();
}

async function main() {
  if (process.argv.includes("--tools")) return void (await loadJco());
  const check = process.argv.includes("--check");
  const wasmDir = join(ROOT, "wasm");
  if (!check) {
    rmSync(join(wasmDir, "js"), { recursive: true, force: true });
    const manifest = await build(wasmDir);
    writeFileSync(join(wasmDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`build-wasm: wasm/nlshim.wasm ${statSync(join(wasmDir, "nlshim.wasm")).size} bytes, ${Object.keys(manifest.artifacts).length} files`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), "nlwire-wasm-"));
  try {
    const fresh = await build(tmp);
    const committed = JSON.parse(readFileSync(join(wasmDir, "manifest.json"), "utf8"));
    const diffs = [];
    for (const part of ["sources", "artifacts"]) {
      for (const f of new Set([...Object.keys(fresh[part]), ...Object.keys(committed[part] ?? {})])) {
        if (fresh[part][f] !== committed[part]?.[f]) diffs.push(`${part}: ${f}`);
      }
    }
    // The committed files themselves, against the manifest that names them.
    for (const f of artifactFiles(wasmDir)) if (sha256(readFileSync(join(wasmDir, f))) !== committed.artifacts[f]) diffs.push(`committed file: ${f}`);
    if (diffs.length) {
      console.error(`build-wasm --check: wasm/ is not what the sources build (run npm run build:wasm and commit):\n  ${diffs.join("\n  ")}`);
      process.exit(1);
    }
    console.log("build-wasm --check: wasm/ matches its sources");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(`build-wasm: ${e.message}`);
    process.exit(1);
  });
}
