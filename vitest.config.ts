import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // chDB is one engine per process: every test file gets its own process.
    isolate: true,
    fileParallelism: true,
    maxWorkers: 2,
    // The JSON report lets CI print a plain "N passed, N failed" closing line.
    reporters: ["default", "json"],
    outputFile: { json: "test-artifacts/vitest-results.json" },
  },
});
