import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../tools/paths.js";

/**
 * The committed component (wasm/) against its sources: the hashes in
 * wasm/manifest.json, the WIT against what the core module really imports
 * and exports, and (in CI, or wherever the toolchain is installed) a full
 * rebuild that must give the same bytes.
 */

interface Manifest {
  sources: Record<string, string>;
  artifacts: Record<string, string>;
}
const WASM = join(ROOT, "wasm");
const manifest = JSON.parse(readFileSync(join(WASM, "manifest.json"), "utf8")) as Manifest;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** The functions of `iface` in the WIT source, by name. */
function witFunctions(wit: string, iface: string): string[] {
  const body = new RegExp(`interface ${iface} \\{([\\s\\S]*?)\\n\\}`).exec(wit)?.[1] ?? "";
  return [...body.matchAll(/^\s*([a-z][a-z0-9-]*): func\(/gm)].map((m) => m[1]!).sort();
}

// ES2022's lib has no WebAssembly types: only what is used here.
declare const WebAssembly: {
  Module: { new (b: Uint8Array): object; exports(m: object): { name: string }[]; imports(m: object): { module: string; name: string }[] };
};

describe("the committed shim component", () => {
  it("was built from the committed sources (wasm/manifest.json)", () => {
    for (const [file, hash] of Object.entries(manifest.sources)) expect(sha256(join(ROOT, file)), `${file} changed: npm run build:wasm`).toBe(hash);
  });

  it("is what the manifest says it is, file by file", () => {
    for (const [file, hash] of Object.entries(manifest.artifacts)) expect(sha256(join(WASM, file)), file).toBe(hash);
  });

  it("imports and exports exactly what the WIT declares, and nothing of WASI", () => {
    const wit = readFileSync(join(WASM, "wit", "shim.wit"), "utf8");
    const core = new WebAssembly.Module(readFileSync(join(WASM, "js", "nlshim.core.wasm")));
    const exports = WebAssembly.Module.exports(core).map((e) => e.name);
    const shimPrefix = "nlwire:shim/shim@0.1.0#";
    expect(exports.filter((n) => n.startsWith(shimPrefix)).map((n) => n.slice(shimPrefix.length)).sort()).toEqual(witFunctions(wit, "shim"));
    expect(exports.filter((n) => !n.includes("nlwire:shim/")).sort()).toEqual(["_initialize", "cabi_realloc", "memory"]);
    const imports = WebAssembly.Module.imports(core);
    expect(imports.every((i) => i.module === "nlwire:shim/sys@0.1.0")).toBe(true);
    expect(imports.map((i) => i.name).sort()).toEqual(witFunctions(wit, "sys"));
  });

  it("needs no build tool at install: neither jco nor a C toolchain is a dependency", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const lock = readFileSync(join(ROOT, "package-lock.json"), "utf8");
    const deps = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].flatMap((k) => Object.keys(pkg[k] ?? {}));
    expect(deps.filter((d) => d.startsWith("@bytecodealliance/"))).toEqual([]);
    expect(lock).not.toContain("@bytecodealliance/");
  });

  it("rebuilds to the same bytes (CI; elsewhere when clang and jco are installed)", (ctx) => {
    const sdk = process.env.WASI_SDK_PATH;
    const cc = sdk ? existsSync(join(sdk, "bin", "clang")) : spawnSync("clang", ["--version"]).status === 0;
    const haveTools = cc && existsSync(join(ROOT, "build-tools", "jco", "node_modules", "@bytecodealliance", "jco"));
    if (!haveTools && process.env.CI !== "true") {
      console.warn("wasm rebuild check skipped: no clang/jco here (scripts/setup.sh installs them when CI=true)");
      return ctx.skip();
    }
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build-wasm.mjs"), "--check"], { encoding: "utf8", timeout: 120_000 });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe("build-wasm --check: wasm/ matches its sources");
    expect(r.status).toBe(0);
  });
});
