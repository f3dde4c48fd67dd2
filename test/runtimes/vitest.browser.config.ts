/**
 * The codec's runtime-independent tests (see select.ts) in Debian's Chromium,
 * through vitest's browser mode: the same test files, the same expect, run as
 * page scripts. `test/runtimes/runtimes.test.ts` starts this config; by hand:
 *   npx vitest run --config test/runtimes/vitest.browser.config.ts
 */
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";
import { REPO, runtimeIndependentTests } from "./select.js";
import { CHROMIUM, CHROMIUM_ARGS, freshProfile } from "../viewer/chromium.js";

const conditions = ["source", "module", "browser", "development|production"];

export default defineConfig({
  root: REPO,
  resolve: { conditions },
  server: { host: "127.0.0.1" },
  test: {
    include: runtimeIndependentTests(),
    testTimeout: 60_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      api: { host: "127.0.0.1" },
      provider: playwright({
        // A profile of its own for every run: nothing carries over between runs.
        persistentContext: freshProfile(),
        launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
