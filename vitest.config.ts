import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests spawn the CLI and servers; two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
