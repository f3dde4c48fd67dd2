/**
 * The capture viewer: a static page, built into dist/viewer/ (npm run
 * build:viewer) or served on 127.0.0.1 (npm run viewer). It runs the codec's
 * TypeScript sources through the "source" export condition, so the page is
 * always built from the tree as it is.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  resolve: { conditions: ["source", "module", "browser", "development|production"] },
  worker: { format: "es" },
  build: { outDir: resolve(here, "../dist/viewer"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2048 },
  server: { host: "127.0.0.1", port: 5180, strictPort: false },
  preview: { host: "127.0.0.1", port: 5181, strictPort: false },
});
