import { defineConfig } from "vitest/config";

// Tests run against the codec's TypeScript sources (its "source" export
// condition), never against a stale codec/dist.
const conditions = ["source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
