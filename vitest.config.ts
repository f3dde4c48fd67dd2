import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tests run against the TypeScript sources through the "source" export condition.
  resolve: { conditions: ["source"] },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
