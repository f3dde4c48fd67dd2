/**
 * The codec package is environment-free (DESIGN.md §1): no dependencies, no
 * side effects, no Node built-ins or host globals in its sources, and a
 * bundle of it is self-contained and runs in a bare ECMAScript realm.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { build, parseAst } from "vite";
import { describe, expect, it } from "vitest";
import * as codec from "@nlwire/codec";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CODEC = join(ROOT, "codec");
const SRC = join(CODEC, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Host globals the codec must not touch (the brief's list, plus their close relatives). */
const FORBIDDEN = new Set([
  "process", "Buffer", "require", "console", "globalThis", "setTimeout", "setInterval", "setImmediate",
  "clearTimeout", "queueMicrotask", "__dirname", "__filename",
]);

type Node = { type: string; [k: string]: unknown };
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && typeof (v as Node).type === "string";

/**
 * Findings in one TypeScript source, from its syntax tree: references to the
 * forbidden globals (not property names, not words in strings or comments),
 * and imports that are not relative .js modules of the package.
 */
function scan(code: string, file = "x.ts"): string[] {
  const found: string[] = [];
  const visit = (node: Node, parent: Node | undefined, key: string) => {
    switch (node.type) {
      case "Identifier": {
        const name = node.name as string;
        const isPropertyName =
          (parent?.type === "MemberExpression" && key === "property" && !parent.computed) ||
          ((parent?.type === "Property" || parent?.type === "PropertyDefinition" || parent?.type === "MethodDefinition" ||
            parent?.type === "TSPropertySignature") && key === "key" && !parent.computed);
        if (FORBIDDEN.has(name) && !isPropertyName) found.push(`uses ${name}`);
        break;
      }
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration": {
        const src = (node.source as { value?: unknown } | null)?.value;
        if (typeof src === "string" && !/^\.\.?\/.*\.js$/.test(src)) found.push(`imports ${src}`);
        break;
      }
      case "ImportExpression":
        found.push("uses import()");
        break;
    }
    for (const [k, v] of Object.entries(node)) {
      if (Array.isArray(v)) v.forEach((c) => isNode(c) && visit(c, node, k));
      else if (isNode(v)) visit(v, node, k);
    }
  };
  visit(parseAst(code, { lang: "ts" }, file) as unknown as Node, undefined, "");
  return found;
}

describe("the codec package is environment-free", () => {
  it("package.json: no dependencies of any kind, sideEffects false", () => {
    const pkg = JSON.parse(readFileSync(join(CODEC, "package.json"), "utf8")) as Record<string, unknown>;
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"]) {
      const deps = pkg[field];
      expect(deps === undefined || (typeof deps === "object" && Object.keys(deps as object).length === 0), field).toBe(true);
    }
    expect(pkg.sideEffects).toBe(false);
  });

  it("the source scanner finds what it must, and only that", () => {
    const bad = [
      `import { readFileSync } from "node:fs";`,
      `export * from "fs";`,
      `import x from "./x";`, // extensionless: not how the package imports
      `const env = process.env.X;`,
      `const b = Buffer.from([1]);`,
      `const m = require("x");`,
      `console.log(1);`,
      `globalThis.x = 1;`,
      `setTimeout(() => 0, 1);`,
      `const p = import("./y.js");`,
    ];
    for (const line of bad) expect(scan(line), line).toHaveLength(1);
    const fine = `
      // process, Buffer, require, console, globalThis.x, setTimeout, node:fs
      import { a } from "./a.js";
      export * from "../b/c.js";
      const s = "No such process; Buffer too small; require; console; globalThis.; setTimeout; node:os";
      const o = { process: 1, console: 2 };
      o.process; o.console;
      class K { process = 1; require(): void {} }
      interface I { Buffer: number }
    `;
    expect(scan(fine)).toEqual([]);
  });

  const files = sourceFiles(SRC);
  it("there are sources to check", () => {
    expect(files.map((f) => relative(SRC, f))).toEqual(expect.arrayContaining(["index.ts", "attr.ts", "message.ts", "ack.ts"]));
  });

  it.each(files.map((f) => [relative(SRC, f), f]))("%s references no node: module, process, Buffer, require, console, globalThis or timers", (_name, file) => {
    expect(scan(readFileSync(file, "utf8"), file)).toEqual([]);
  });

  describe("bundled with vite (library mode, write: false)", async () => {
    /** Anything not a file of the package stays external, so a dependency would show up as an import. */
    async function bundle(entry: string) {
      const result = await build({
        configFile: false,
        logLevel: "silent",
        root: dirname(entry),
        build: {
          write: false,
          minify: false,
          lib: { entry, formats: ["es", "iife"], name: "NlwireCodec", fileName: "codec" },
          rolldownOptions: { external: (id: string) => !id.startsWith(".") && !isAbsolute(id) && !id.startsWith("\0") },
        },
      });
      const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; fileName: string; code?: string; imports?: string[]; dynamicImports?: string[] }[] }[];
      const chunks = outputs.flatMap((o) => o.output);
      const es = chunks.find((c) => !c.fileName.includes(".iife."))!;
      const iife = chunks.find((c) => c.fileName.includes(".iife."))!;
      return { chunks, es, iife };
    }
    const importsLeft = (code: string) =>
      code.split("\n").filter((l) => /^\s*import[\s{*"']/.test(l) || /^\s*export\s.*\sfrom\s/.test(l) || /\bimport\s*\(/.test(l) || /\brequire\s*\(/.test(l));

    const { chunks, es, iife } = await bundle(join(SRC, "index.ts"));

    it("gives one self-contained chunk per format, with no import left", () => {
      expect(chunks.map((c) => c.type)).toEqual(["chunk", "chunk"]);
      expect(es.imports).toEqual([]);
      expect(es.dynamicImports).toEqual([]);
      expect(importsLeft(es.code!)).toEqual([]);
      expect(es.code).not.toContain("node:");
    });

    it("the import check notices an import (a bundle of a module that has one)", async () => {
      const dir = mkdtempSync(join(tmpdir(), "nlwire-envfree-"));
      try {
        const entry = join(dir, "probe.ts");
        writeFileSync(entry, `import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n`);
        const probe = await bundle(entry);
        expect(probe.es.imports).toEqual(["node:fs"]);
        expect(importsLeft(probe.es.code!)).toHaveLength(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("runs in a bare ECMAScript realm that has only TextEncoder/TextDecoder, and exports what the sources export", () => {
      const realm = createContext({ TextEncoder, TextDecoder });
      runInContext(`${iife.code}\n;this.NlwireCodec = NlwireCodec;`, realm);
      const lib = (realm as { NlwireCodec: typeof codec }).NlwireCodec;
      expect(Object.keys(lib).sort()).toEqual(Object.keys(codec).sort());
      expect(lib.formatIPv6(lib.parseIPv6("2001:DB8:0:0::1"))).toBe("2001:db8::1");
      expect(lib.errnoName(-95)).toBe("EOPNOTSUPP");
      const w = new lib.ByteWriter();
      lib.encodeDoneMessage(w, { errno: 0 }, { seq: 1, pid: 2 });
      const d = lib.splitDatagram(w.finish());
      expect(d.messages).toHaveLength(1);
      expect(lib.decodeDone(d.messages[0]!.payload, d.messages[0]!.header.flags).errno).toBe(0);
      expect(lib.decodeUtf8(lib.encodeUtf8("é"), 0, 2)).toBe("é");
    });
  });
});
