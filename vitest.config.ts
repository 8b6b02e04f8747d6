import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Pulumi mocks are process-wide: each test file runs in its own fork.
    pool: "forks",
    testTimeout: 20_000,
  },
});
