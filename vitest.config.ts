import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default (cores - 1) runs one file at a time on 2 cores, yet a test file mostly waits
    // on its connector processes and the fake: 2 files at once take 30% less wall time here.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
